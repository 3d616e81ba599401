"""Slow password hashing (argon2id) and fast token hashing (SHA-256).

Passwords are low-entropy, so they get a deliberately slow hash. API tokens are 256-bit
random values, so SHA-256 is enough and a request never pays for a password hash.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# Verified against when the user does not exist, so timing does not reveal user names.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"


MIN_NAME_IN_PASSWORD = 4


@functools.cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problem(password: str, username: str = "") -> str | None:
    """Why a new staff password is refused ("中文 English"), or None. Staff accounts open every
    child's record, so a password must be long and not one that attackers try first. One rule for
    every way a password is set: ``users create``, the admin pages (create, reset), one's own change."""
    if len(password or "") < MIN_PASSWORD_LENGTH:
        return f"密码至少{MIN_PASSWORD_LENGTH}个字符 at least {MIN_PASSWORD_LENGTH} characters"
    folded = password.lower()
    if folded in _common_passwords() or len(set(folded)) <= 2:
        return "这是常见密码，请换一个 too common, choose another"
    # A short name ("li", "wang") is part of countless good passwords: only a name of four or more
    # characters inside the password makes it guessable.
    if len(username or "") >= MIN_NAME_IN_PASSWORD and username.lower() in folded:
        return "密码不能包含用户名 must not contain the username"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
