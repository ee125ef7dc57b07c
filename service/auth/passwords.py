"""Password hashing: argon2id through pwdlib (salted, memory-hard, parameters in the hash)."""

from __future__ import annotations

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# the demo accounts' password (README); outside demo mode it opens no account (service.auth.service)
DEMO_PASSWORD = "demo12345"

_hasher = PasswordHash((Argon2Hasher(),))
MIN_LENGTH = 8
# verified when the username is unknown, so a miss costs as much time as a wrong password;
# made at the first miss, not at import (a full argon2 hash: every CLI start would pay it)
_DUMMY: str | None = None


def _dummy() -> str:
    global _DUMMY
    if _DUMMY is None:
        _DUMMY = _hasher.hash("not-a-real-password")
    return _DUMMY


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, hashed: str | None) -> bool:
    if hashed is None:
        _hasher.verify(password, _dummy())
        return False
    return _hasher.verify(password, hashed)


def password_problem(password: str) -> tuple[str, str] | None:
    """(zh, en) when the password is unacceptable, else None."""
    if len(password) < MIN_LENGTH:
        return f"密码至少 {MIN_LENGTH} 位", f"password must have at least {MIN_LENGTH} characters"
    if len(password) > 256:
        return "密码过长（最多 256 位）", "password too long (at most 256 characters)"
    return None
