"""Accounts, passwords, sign-in and sessions (issue #5).

Passwords are hashed with argon2id (argon2-cffi: a fresh random salt per hash, parameters stored
in the hash). Every sign-in attempt, good or bad, goes to the audit log; repeated failures are
slowed down per account and per client address (`pipeline.access.throttle`). Sessions live in
`pipeline.access.sessions`, the `User` record in `pipeline.access.user`; both are re-exported here.

Roles are English identifiers; `pipeline.access.scope` maps them to 管理员/县级/乡镇/分析员/只读 and to
what each may see. Storage is the state database (`pipeline.access.state`), never the warehouse.
"""

from __future__ import annotations

import math
import re
import sqlite3
import time
from dataclasses import dataclass

from pipeline import config
from pipeline.access import audit, throttle
from pipeline.access.passwords import (
    AccountError,
    check_password_strength,
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from pipeline.access.scope import ROLE_LABELS, Scope, parse_role
from pipeline.access.sessions import (  # noqa: F401  (the sign-in API in one place)
    create_session,
    end_sessions,
    expire_session,
    expire_user_sessions,
    purge_sessions,
    token_hash,
    validate_session,
)
from pipeline.access.state import now_text, open_state, transaction
from pipeline.access.user import (  # noqa: F401  (User and scope_for for callers)
    User,
    find_row,
    normalize_username,
    require_row,
    scope_for,
    user_from_row,
)

_USERNAME = re.compile(r"[\w.\-]{2,32}")  # \w covers CJK: 灵溪镇组织委员 is a fine username


@dataclass(frozen=True)
class AuthResult:
    ok: bool
    user: User | None
    message: str  # Chinese, for the sign-in page
    retry_after: float = 0.0  # seconds before this account/address may try again

    def __bool__(self) -> bool:
        return self.ok


def _check_role_township(role: str, township: str | None) -> tuple[str, str | None]:
    try:
        role = parse_role(role)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
    township = (township or "").strip() or None
    if role == "township" and not township:
        raise AccountError("乡镇账号必须用 --township 指定所属乡镇")
    if role != "township" and township:
        raise AccountError(f"{ROLE_LABELS[role]}账号不绑定乡镇（只有乡镇账号需要 --township）")
    return role, township


def _keep_an_admin(con: sqlite3.Connection, username: str) -> None:
    others = con.execute(
        "select count(*) from users where role = 'admin' and disabled = 0 and username <> ?",
        (username,),
    ).fetchone()[0]
    if others == 0:
        raise AccountError("至少要保留一个可用的管理员账号")


# ---------------------------------------------------------------- account management


def create_user(
    username: str,
    password: str,
    role: str,
    township: str | None = None,
    *,
    actor: str = "system",
    actor_scope: Scope | str | None = None,
    must_change_password: bool = False,
) -> User:
    name = normalize_username(username)
    if not _USERNAME.fullmatch(name):
        raise AccountError("用户名须为 2–32 个字符：汉字、字母、数字、点、下划线或连字符")
    role, township = _check_role_township(role, township)
    check_password_strength(password, name)
    stamp = now_text()
    with open_state() as con:
        try:
            con.execute(
                "insert into users (username, password_hash, role, township, must_change_password,"
                " created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?)",
                (
                    name,
                    hash_password(password),
                    role,
                    township,
                    int(must_change_password),
                    stamp,
                    stamp,
                ),
            )
        except sqlite3.IntegrityError:
            raise AccountError(f"用户名已存在：{name}") from None
        user = user_from_row(find_row(con, name))
    audit.record(
        "account_created",
        actor,
        actor_scope,
        {"username": name, "role": role, "township": township},
    )
    return user


def get_user(username: str) -> User | None:
    with open_state() as con:
        row = find_row(con, normalize_username(username))
    return user_from_row(row) if row else None


def list_users() -> list[User]:
    with open_state() as con:
        return [
            user_from_row(r)
            for r in con.execute("select * from users order by role, township, username")
        ]


def _set_disabled(username: str, disabled: bool, actor: str, actor_scope) -> User:
    with open_state() as con, transaction(con):
        row = require_row(con, username)
        if disabled and row["role"] == "admin":
            _keep_an_admin(con, row["username"])
        con.execute(
            "update users set disabled = ?, updated_at = ? where id = ?",
            (int(disabled), now_text(), row["id"]),
        )
        if disabled:
            end_sessions(con, row["id"], time.time())
        user = user_from_row(find_row(con, row["username"]))
    audit.record(
        "account_disabled" if disabled else "account_enabled",
        actor,
        actor_scope,
        {"username": user.username},
    )
    return user


def disable_user(
    username: str, *, actor: str = "system", actor_scope: Scope | str | None = None
) -> User:
    """Disabled accounts cannot sign in and their open sessions end at once."""
    return _set_disabled(username, True, actor, actor_scope)


def enable_user(
    username: str, *, actor: str = "system", actor_scope: Scope | str | None = None
) -> User:
    return _set_disabled(username, False, actor, actor_scope)


def reset_password(
    username: str,
    new_password: str,
    *,
    actor: str = "system",
    actor_scope: Scope | str | None = None,
    must_change_password: bool = True,
) -> User:
    """An administrator sets a new password; the owner should change it at next sign-in."""
    with open_state() as con:
        row = require_row(con, username)
    check_password_strength(new_password, row["username"])
    hashed = hash_password(new_password)
    with open_state() as con, transaction(con):
        con.execute(
            "update users set password_hash = ?, must_change_password = ?, updated_at = ?"
            " where id = ?",
            (hashed, int(must_change_password), now_text(), row["id"]),
        )
        end_sessions(con, row["id"], time.time())
        con.execute("delete from login_throttle where key = ?", (f"account:{row['username']}",))
        throttle.forget(con, row["username"])
        user = user_from_row(find_row(con, row["username"]))
    audit.record("password_reset", actor, actor_scope, {"username": user.username})
    return user


def change_password(
    username: str,
    old_password: str,
    new_password: str,
    *,
    source: str | None = None,
    keep_token: str | None = None,
) -> AuthResult:
    """The owner changes their own password; the old one is checked like a sign-in.

    Every session of the account ends (a second browser someone left signed in, or one holding
    a stolen password), except `keep_token`: the session the change was made from."""
    result = authenticate(username, old_password, source=source)
    if not result.ok:
        return result
    check_password_strength(new_password, result.user.username)
    hashed = hash_password(new_password)
    with open_state() as con, transaction(con):
        con.execute(
            "update users set password_hash = ?, must_change_password = 0, updated_at = ?"
            " where id = ?",
            (hashed, now_text(), result.user.id),
        )
        con.execute(
            "update sessions set ended_at = ? where user_id = ? and ended_at is null"
            " and token_hash <> ?",
            (time.time(), result.user.id, token_hash(keep_token or "")),
        )
    audit.record("password_changed", result.user.username, scope_for(result.user), source=source)
    return AuthResult(True, get_user(result.user.username), "密码已修改")


def set_role(
    username: str,
    role: str,
    township: str | None = None,
    *,
    actor: str = "system",
    actor_scope: Scope | str | None = None,
) -> User:
    role, township = _check_role_township(role, township)
    with open_state() as con, transaction(con):
        row = require_row(con, username)
        if row["role"] == "admin" and role != "admin":
            _keep_an_admin(con, row["username"])
        con.execute(
            "update users set role = ?, township = ?, updated_at = ? where id = ?",
            (role, township, now_text(), row["id"]),
        )
        end_sessions(con, row["id"], time.time())
        user = user_from_row(find_row(con, row["username"]))
    audit.record(
        "role_changed",
        actor,
        actor_scope,
        {"username": user.username, "from": row["role"], "role": role, "township": township},
    )
    return user


def ensure_admin() -> str | None:
    """First run: create `admin` with a random password and return it (show it once).

    Returns None when an administrator account already exists, so later runs change nothing.
    """
    with open_state() as con:
        if con.execute("select 1 from users where role = 'admin' limit 1").fetchone():
            return None
        if find_row(con, "admin") is not None:
            raise AccountError("已有名为 admin 的非管理员账号，请用 users add 另建管理员")
    password = generate_password()
    try:
        create_user("admin", password, "admin", actor="system", must_change_password=True)
    except AccountError:
        return None  # another process bootstrapped first; its password was the one shown
    audit.record("admin_bootstrap", "system", None, {"username": "admin"})
    return password


# ---------------------------------------------------------------- sign-in


def _wait_text(seconds: float) -> str:
    seconds = math.ceil(seconds)
    return f"{seconds} 秒" if seconds < 90 else f"约 {math.ceil(seconds / 60)} 分钟"


def authenticate(
    username: str,
    password: str,
    *,
    source: str | None = None,
    browser: str | None = None,
    now: float | None = None,
) -> AuthResult:
    """Check a sign-in attempt; every outcome is written to the audit log.

    `source` is the client address (e.g. `st.context.ip_address`); `browser` the browser's own
    random name (its `census_browser` cookie), by which a browser that signed in to this account
    before is throttled apart from strangers; `now` is the clock in epoch seconds, a parameter
    so that windows and expiry can be exercised without waiting.
    """
    policy = config.auth_policy()
    now = time.time() if now is None else now
    name = normalize_username(username)[:64]
    # One transaction per attempt: the block is checked and the attempt counted (as a failure,
    # until the password proves right) under one write lock, so parallel attempts queue here.
    with open_state() as con, transaction(con):
        known = throttle.trusted(con, name, browser, now)
        keys = throttle.keys_for(name, source, known)
        wait = throttle.blocked_for(con, keys, now)
        if not wait:
            earned = throttle.note_failure(con, keys, now, policy)
        row = None if wait else find_row(con, name)
    if wait:
        audit.record(
            "sign_in_throttled", name, None, {"retry_after": math.ceil(wait)}, source=source
        )
        return AuthResult(False, None, f"尝试次数过多，请 {_wait_text(wait)}后再试", wait)

    good = (
        verify_password(row["password_hash"] if row else None, str(password or ""))
        and row is not None
    )
    if good and row["disabled"]:
        audit.record("sign_in_failed", name, None, {"reason": "account_disabled"}, source=source)
        return AuthResult(False, None, "该账号已停用，请联系管理员")
    if not good:
        wait = earned
        reason = "wrong_password" if row else "unknown_account"
        audit.record(
            "sign_in_failed",
            name,
            None,
            {"reason": reason, "blocked_seconds": math.ceil(wait)},
            source=source,
        )
        message = "用户名或密码错误"
        if wait:
            message += f"；失败次数过多，请 {_wait_text(wait)}后再试"
        return AuthResult(False, None, message, wait)

    with open_state() as con, transaction(con):
        throttle.note_success(con, name, source, known)
        throttle.trust(con, name, browser, now)
        con.execute("update users set last_sign_in_at = ? where id = ?", (now_text(), row["id"]))
        if needs_rehash(row["password_hash"]):
            # Parameters raised since this hash was made: upgrade it while we have the password.
            con.execute(
                "update users set password_hash = ? where id = ?",
                (hash_password(password), row["id"]),
            )
        user = user_from_row(find_row(con, name))
    audit.record("sign_in", name, scope_for(user), source=source)
    return AuthResult(True, user, "登录成功")
