"""The Chinese catalog is complete, the committed .mo matches the .po, and placeholders survive."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "hotline" / "web"
CATALOG = WEB / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _po():
    with open(CATALOG / "messages.po", "rb") as fh:
        return read_po(fh, locale="zh_Hans_CN")


def _extracted() -> set[str]:
    with open(WEB / "babel.cfg") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(WEB), method_map, options_map, keywords=KEYWORDS
        )
    }


def test_every_message_in_the_pages_has_a_chinese_translation():
    catalog = _po()
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(_extracted() - set(translated))
    assert not missing, f"untranslated (see hotline/web/i18n.py for the workflow): {missing}"


def test_the_committed_mo_matches_the_po():
    po = {m.id: m.string for m in _po() if m.id}
    with open(CATALOG / "messages.mo", "rb") as fh:
        mo = {m.id: m.string for m in read_mo(fh) if m.id}
    assert mo == po, "messages.mo is stale: run pybabel compile -d hotline/web/translations -l zh_Hans_CN"


def test_translations_keep_their_placeholders():
    for message in _po():
        if message.id and message.string:
            assert set(PLACEHOLDER.findall(message.id)) == set(PLACEHOLDER.findall(message.string)), message.id


def test_times_show_in_the_hotline_timezone(app):
    from datetime import UTC, datetime

    from hotline.web.templating import localtime

    with app.test_request_context("/"):
        assert localtime(datetime(2026, 3, 1, 16, 30, tzinfo=UTC)) == "2026-03-02 00:30"
