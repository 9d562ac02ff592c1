"""Sessions (issue #5): random tokens of which only a SHA-256 is stored, with an absolute
lifetime and an idle timeout; signing out ends every open session of the account.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time

from pipeline import config
from pipeline.access import audit
from pipeline.access.passwords import AccountError
from pipeline.access.state import open_state, transaction
from pipeline.access.user import User, require_row, user_from_row


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def end_sessions(con: sqlite3.Connection, user_id: int, now: float) -> int:
    return con.execute(
        "update sessions set ended_at = ? where user_id = ? and ended_at is null", (now, user_id)
    ).rowcount


def create_session(user: User, *, source: str | None = None, now: float | None = None) -> str:
    """A new random session token for a user who has just authenticated."""
    if user.disabled:
        raise AccountError("该账号已停用")
    policy = config.auth_policy()
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    with open_state() as con:
        con.execute(
            "insert into sessions (token_hash, user_id, created_at, expires_at, last_seen,"
            " source) values (?, ?, ?, ?, ?, ?)",
            (token_hash(token), user.id, now, now + policy.session_hours * 3600, now, source),
        )
    return token


def validate_session(token: str | None, *, now: float | None = None) -> User | None:
    """The session's user as stored now (role changes apply at once), or None when it has ended,
    expired, sat idle too long, or its account was disabled."""
    if not isinstance(token, str) or not 20 <= len(token) <= 200:
        return None
    policy = config.auth_policy()
    now = time.time() if now is None else now
    digest = token_hash(token)
    with open_state() as con:
        row = con.execute(
            "select s.*, u.username from sessions s join users u on u.id = s.user_id"
            " where s.token_hash = ?",
            (digest,),
        ).fetchone()
        if row is None or row["ended_at"] is not None:
            return None
        user = user_from_row(
            con.execute("select * from users where id = ?", (row["user_id"],)).fetchone()
        )
        idle = now - row["last_seen"] > policy.session_idle_minutes * 60
        if now >= row["expires_at"] or idle or user.disabled:
            con.execute("update sessions set ended_at = ? where token_hash = ?", (now, digest))
            expired = True
        else:
            expired = False
            if now - row["last_seen"] > 30:  # fewer writes: one per half minute is precise enough
                con.execute("update sessions set last_seen = ? where token_hash = ?", (now, digest))
    if expired:
        audit.record("session_expired", user.username, None, {"idle": idle})
        return None
    return user


def expire_session(token: str | None, *, now: float | None = None) -> None:
    """Sign out: this token and every other open session of the same account stop working
    at once (a browser left signed in elsewhere is signed out with it)."""
    if not isinstance(token, str):
        return
    now = time.time() if now is None else now
    with open_state() as con, transaction(con):
        row = con.execute(
            "select u.username, s.user_id from sessions s join users u on u.id = s.user_id"
            " where s.token_hash = ? and s.ended_at is null",
            (token_hash(token),),
        ).fetchone()
        if row is None:
            return
        ended = end_sessions(con, row["user_id"], now)
    audit.record("sign_out", row["username"], None, {"sessions_ended": ended})


def expire_user_sessions(username: str, *, now: float | None = None) -> int:
    """End every open session of one account; returns how many."""
    with open_state() as con:
        row = require_row(con, username)
        return end_sessions(con, row["id"], time.time() if now is None else now)


def purge_sessions(*, older_than_days: float = 30, now: float | None = None) -> int:
    """Housekeeping: drop long-finished session rows (the audit log keeps the history)."""
    cutoff = (time.time() if now is None else now) - older_than_days * 86400
    with open_state() as con:
        return con.execute(
            "delete from sessions where coalesce(ended_at, expires_at) < ?", (cutoff,)
        ).rowcount
