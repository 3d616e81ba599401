"""The status and urgency words the code gives a meaning to are written once, in the kernel.

``"emergency"``, ``"normal"`` and ``"pending"`` as string literals may appear only in the
kernel's ``enums.py`` and ``reference.py`` (and in data files such as ``reference.toml``); elsewhere
the code names them (``UrgencyCode.NORMAL``, ``AssignmentStatus.PENDING``, an urgency's
``emergency`` flag), so a second spelling, or a second idea of what they mean, cannot creep in.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORDS = ("emergency", "normal", "pending")
# The kernel's enums, and its reference loader (which reads the data file's `emergency` key).
ALLOWED = {Path("hotline/tickets/enums.py"), Path("hotline/tickets/reference.py")}
ALTERNATIVES = "|".join(WORDS)
PYTHON_LITERAL = re.compile(r"""(?<![\w.])[rbuRBU]?(["'])(""" + ALTERNATIVES + r")\1")
# In templates, a Jinja expression compares with single-quoted strings (HTML attributes use double quotes).
TEMPLATE_LITERAL = re.compile("'(" + ALTERNATIVES + ")'")


def _sources(pattern: str) -> list[Path]:
    return sorted(p for top in ("hotline", "workers") for p in (ROOT / top).rglob(pattern))


def test_python_code_names_the_words_instead_of_writing_them():
    found = []
    for path in _sources("*.py"):
        if path.relative_to(ROOT) in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if PYTHON_LITERAL.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "use the kernel's enums / reference objects:\n" + "\n".join(found)


def test_templates_compare_with_the_kernel_enums():
    found = []
    for path in _sources("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if TEMPLATE_LITERAL.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "compare with AS/ES/TS (the kernel's enums):\n" + "\n".join(found)


def test_the_check_finds_what_it_looks_for():
    assert PYTHON_LITERAL.search('if urgency == "emergency":')
    assert PYTHON_LITERAL.search("status='pending'")
    assert not PYTHON_LITERAL.search('"pending_count"')
    assert not PYTHON_LITERAL.search("AssignmentStatus.PENDING")
    assert TEMPLATE_LITERAL.search("{% if a.status == 'pending' %}")
    assert not TEMPLATE_LITERAL.search('<p class="emergency">')
