"""Password hashing and the password policy.

argon2id via argon2-cffi (a maintained binding of the reference implementation): every hash
gets a fresh random salt and records its own parameters, so raising the cost later needs no
migration (`needs_rehash`).
"""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from pipeline import config

_HASHER = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
_MAX_PASSWORD = 256  # bounds hashing work per attempt; no real password is longer
_COMMON = {
    "password",
    "password1",
    "12345678",
    "123456789",
    "1234567890",
    "admin123",
    "admin1234",
    "qwertyuiop",
    "1qaz2wsx",
    "abc123456",
    "a123456789",
    "woaini1314",
    "iloveyou",
}
_dummy_hash: str | None = None


class AccountError(ValueError):
    """A refused account operation; the message is Chinese and meant for the administrator."""


def check_password_strength(password: str, username: str = "") -> None:
    """Raises AccountError when the password is too weak; returns None otherwise."""
    policy = config.auth_policy()
    if not isinstance(password, str) or len(password) < policy.min_password_length:
        raise AccountError(f"密码至少需要 {policy.min_password_length} 个字符")
    if len(password) > _MAX_PASSWORD:
        raise AccountError(f"密码不能超过 {_MAX_PASSWORD} 个字符")
    classes = (
        any(c.isalpha() for c in password),
        any(c.isdigit() for c in password),
        any(not c.isalnum() for c in password),
    )
    if sum(classes) < 2:
        raise AccountError("密码需同时包含字母、数字、符号中的至少两类")
    lowered = password.casefold()
    if lowered in _COMMON or (len(username) >= 3 and username.casefold() in lowered):
        raise AccountError("密码过于常见或包含用户名，请换一个")


def generate_password(length: int = 16) -> str:
    """Random letters and digits, without look-alikes (0/O, 1/l/I) since it is read off a screen."""
    letters, digits = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ", "23456789"
    while True:
        password = "".join(secrets.choice(letters + digits) for _ in range(length))
        if any(c in digits for c in password) and any(c in letters for c in password):
            return password


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """False on mismatch or a damaged hash; `stored=None` (unknown account) costs the same."""
    global _dummy_hash
    if stored is None:
        # Same argon2 cost for unknown accounts, so timing does not reveal which names exist.
        _dummy_hash = _dummy_hash or _HASHER.hash(secrets.token_hex(16))
        stored = _dummy_hash
    try:
        return _HASHER.verify(stored, password[:_MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    try:
        return _HASHER.check_needs_rehash(stored)
    except InvalidHashError:
        return True
