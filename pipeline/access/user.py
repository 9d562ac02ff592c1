"""Who an account is: the `User` record and how it is found in the state database.

Shared by `accounts` (management and sign-in) and `sessions` (tokens), which both turn a
`users` row into a `User` and look accounts up by their normalized name.
"""

from __future__ import annotations

import sqlite3
import unicodedata
from dataclasses import dataclass

from pipeline.access.passwords import AccountError
from pipeline.access.scope import ROLE_LABELS, Scope


@dataclass(frozen=True)
class User:
    id: int
    username: str
    role: str
    township: str | None
    disabled: bool
    must_change_password: bool
    created_at: str
    last_sign_in_at: str | None

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


def scope_for(user: User) -> Scope:
    return Scope.for_role(user.role, user.township, user.username)


def normalize_username(text: str) -> str:
    # Full-width letters and case must not make two accounts out of one name.
    return unicodedata.normalize("NFKC", str(text or "")).strip().casefold()


def user_from_row(row: sqlite3.Row) -> User:
    return User(
        id=row["id"],
        username=row["username"],
        role=row["role"],
        township=row["township"],
        disabled=bool(row["disabled"]),
        must_change_password=bool(row["must_change_password"]),
        created_at=row["created_at"],
        last_sign_in_at=row["last_sign_in_at"],
    )


def find_row(con: sqlite3.Connection, username: str) -> sqlite3.Row | None:
    return con.execute("select * from users where username = ?", (username,)).fetchone()


def require_row(con: sqlite3.Connection, username: str) -> sqlite3.Row:
    row = find_row(con, normalize_username(username))
    if row is None:
        raise AccountError(f"账号不存在：{username}")
    return row
