"""The application's own state: accounts, sessions, sign-in throttling and the audit log.

A small SQLite file at `config.state_db_path()`, never the DuckDB warehouse: every ingest
replaces the warehouse file wholesale, and accounts or audit history must survive that.
One short-lived connection per call keeps it safe under Streamlit's threads; WAL lets the
dashboard read while a sign-in writes.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from pipeline import config
from pipeline.access.scope import ROLE_LABELS

ROLES = tuple(ROLE_LABELS)  # one list of roles: pipeline.access.scope

_SCHEMA = f"""
create table if not exists users (
    id integer primary key,
    username text not null unique,
    password_hash text not null,
    role text not null check (role in ({", ".join(f"'{r}'" for r in ROLES)})),
    township text,
    disabled integer not null default 0,
    must_change_password integer not null default 0,
    created_at text not null,
    updated_at text not null,
    last_sign_in_at text,
    -- a township account without its township would silently see nothing (or, worse, all)
    check ((role = 'township') = (township is not null))
);

create table if not exists sessions (
    token_hash text primary key,  -- sha256 of the token: a copied state file opens no session
    user_id integer not null references users(id),
    created_at real not null,
    expires_at real not null,
    last_seen real not null,
    source text,
    ended_at real
);
create index if not exists sessions_user on sessions(user_id);

create table if not exists login_throttle (
    key text primary key,  -- 'account:<name>' or 'source:<address>'
    failures integer not null,
    last_failure real not null,
    blocked_until real not null
);

-- Browsers that signed in to an account before (sha256 of their census_browser cookie): their
-- failures are counted apart from the account's, so a stranger cannot keep the owner out.
create table if not exists trusted_browsers (
    username text not null,
    browser_hash text not null,
    trusted_until real not null,
    primary key (username, browser_hash)
);

create table if not exists audit_log (
    id integer primary key autoincrement,
    at text not null,
    event text not null,
    actor text,
    scope text,
    source text,
    detail text not null default '{{}}',
    prev_hash text not null,
    row_hash text not null
);

-- Append-only for everything that goes through SQL; recreated on every connect if dropped.
create trigger if not exists audit_log_no_update before update on audit_log
begin
    select raise(abort, '审计日志只能追加，不能修改');
end;
create trigger if not exists audit_log_no_delete before delete on audit_log
begin
    select raise(abort, '审计日志只能追加，不能删除');
end;
"""


def _create_private(path: Path) -> None:
    # Password hashes live here: owner-only from the first byte, not chmod'ed afterwards.
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def connect(path: Path | None = None) -> sqlite3.Connection:
    """An autocommit connection with the schema in place; use `transaction()` for writes."""
    path = Path(path or config.state_db_path())
    if not path.exists():
        _create_private(path)
    con = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
    con.row_factory = sqlite3.Row
    con.execute("pragma busy_timeout = 10000")
    con.execute("pragma foreign_keys = on")
    _use_wal(con)
    con.executescript(_SCHEMA)
    return con


def _use_wal(con: sqlite3.Connection) -> None:
    # Switching a fresh database to WAL needs it to itself, and SQLite answers "database is
    # locked" at once instead of waiting (busy_timeout does not cover it): several first
    # connections at the same moment (sign-ins, audit writes) retry until one has switched it.
    for _ in range(200):
        try:
            if con.execute("pragma journal_mode").fetchone()[0] == "wal":
                return
            con.execute("pragma journal_mode = wal")
            return
        except sqlite3.OperationalError:
            time.sleep(0.05)
    con.execute("pragma journal_mode = wal")


@contextmanager
def open_state(path: Path | None = None) -> Iterator[sqlite3.Connection]:
    con = connect(path)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def transaction(con: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE: take the write lock up front so read-then-write steps cannot interleave."""
    con.execute("begin immediate")
    try:
        yield con
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def now_text() -> str:
    """Local wall-clock time with its offset: what an organization department reads as 'when'."""
    return datetime.now().astimezone().isoformat(timespec="seconds")
