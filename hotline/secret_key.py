"""The secret key: set in production, created once for the embedded default, never guessable.

Everything a forger needs to sign a session cookie, and everything an attacker with a stolen
database needs to test reporters' 6-digit secrets, is this key. So a process refuses to start
with a key that is short or written anywhere in the source tree (an old default, a README
example, a test value), and without ``SECRET_KEY`` it uses a random key created once in
``instance/secret_key`` (mode 0600) that web, worker, cron and CLI all read.
"""

from __future__ import annotations

import functools
import os
import secrets
import time
from pathlib import Path

MIN_LENGTH = 32
FILE_NAME = "secret_key"
# Not part of the source tree proper: environments, caches, local data.
_SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "instance",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "test-artifacts",
    ".mypy_cache",
}
# Files that hold this installation's own settings, not the code: the key an operator puts in
# ``.env`` (read by hotline.config) is theirs, not a value "written in the source tree".
_SKIP_FILES = {".env"}
_MAX_FILE_BYTES = 2 * 1024 * 1024


class InsecureSecretKey(RuntimeError):
    """The configured key would let anyone who has seen the code forge sessions."""


def resolve(configured: str | None, instance_path: Path, source_root: Path) -> tuple[str, Path | None]:
    """``(key, file)``: the configured key after checking it, or the instance file's key
    (created on first use) and that file's path."""
    if configured:
        check(configured, source_root)
        return configured, None
    path = instance_path / FILE_NAME
    key = _read_or_create(path)
    check(key, source_root, origin=str(path))
    return key, path


def check(key: str, source_root: Path, origin: str = "SECRET_KEY") -> None:
    if len(key) < MIN_LENGTH:
        raise InsecureSecretKey(
            f"{origin} is {len(key)} characters long; at least {MIN_LENGTH} random characters are needed "
            "(unset SECRET_KEY to use a random key kept in instance/secret_key)"
        )
    found = _in_source_tree(key, str(source_root))
    if found:
        raise InsecureSecretKey(
            f"{origin} is written in the source tree ({found}): anyone with the code could forge sessions; "
            "choose a new random key (python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )


@functools.lru_cache(maxsize=8)
def _in_source_tree(key: str, root: str) -> str | None:
    needle = key.encode()
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
        for name in files:
            if name in _SKIP_FILES:
                continue
            path = os.path.join(folder, name)
            try:
                if os.path.getsize(path) > _MAX_FILE_BYTES:
                    continue
                with open(path, "rb") as handle:
                    if needle in handle.read():
                        return os.path.relpath(path, root)
            except OSError:
                continue
    return None


def _read_or_create(path: Path) -> str:
    """Web, worker and cron may start at the same moment: exactly one of them writes the key
    (a complete file linked into place), the others read it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        temporary = path.with_name(f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won the race: use its key
        finally:
            temporary.unlink()
    for _ in range(50):
        key = path.read_text().strip()
        if key:
            return key
        time.sleep(0.1)
    raise InsecureSecretKey(f"{path} is empty: delete it to have a new key created")
