"""Slowing down repeated failed sign-ins, per account and per client address.

After a few free failures each further failure blocks that key for a window that doubles
(2 s, 4 s, 8 s … up to the policy's maximum). While blocked, attempts are refused without even
checking the password, so guessing runs at one try per window. A quiet period forgets the
count. Never a permanent lock: an attacker must not be able to shut an account out for good,
and the county has no helpdesk to unlock it.

State is in the state database, so it holds across browser tabs, sessions and restarts.
An attempt is counted *before* its password is checked, in the same transaction that checked
the block (`accounts.authenticate` holds BEGIN IMMEDIATE around both), so parallel attempts
cannot all slip through one open window; a correct password takes its count back.

Per account, a browser that has signed in to it before (its `census_browser` cookie, which
only that browser holds) counts its failures apart from everyone else's (OWASP's "device
cookies"): a stranger who knows a username and spends one wrong password each time the block
ends keeps strangers waiting, not the owner at the office PC. A new browser shares the
account's count, and a trusted browser's own count is throttled the same way.

Per address the wait is capped low (`max_source_delay_seconds`): a burst from one address is
slowed, but the other accounts behind the same office NAT are not locked out with it.
"""

from __future__ import annotations

import hashlib
import sqlite3

from pipeline.config import AuthPolicy

TRUST_SECONDS = 90 * 24 * 3600.0  # a browser used every season stays known
TRUSTED_PER_ACCOUNT = 20  # the most recent ones: a shared account's office PCs, a phone


def keys_for(
    username: str, source: str | None, browser: str | None = None
) -> list[tuple[str, str]]:
    """(key, kind) pairs that one attempt counts against. `browser` is the digest of a browser
    this account trusts (`trusted`), which gets a count of its own instead of the account's."""
    account = f"browser:{username}:{browser}" if browser else f"account:{username}"
    return [(account, "account"), *([(f"source:{source}", "source")] if source else [])]


def browser_digest(browser: str | None) -> str | None:
    return hashlib.sha256(browser.encode("utf-8")).hexdigest() if browser else None


def trusted(con: sqlite3.Connection, username: str, browser: str | None, now: float) -> str | None:
    """The browser's digest when it signed in to this account within TRUST_SECONDS, else None."""
    digest = browser_digest(browser)
    if digest is None:
        return None
    row = con.execute(
        "select 1 from trusted_browsers where username = ? and browser_hash = ?"
        " and trusted_until > ?",
        (username, digest, now),
    ).fetchone()
    return digest if row else None


def trust(con: sqlite3.Connection, username: str, browser: str | None, now: float) -> None:
    """Remember a browser that has just signed in to the account with the right password."""
    digest = browser_digest(browser)
    if digest is None:
        return
    con.execute(
        "insert into trusted_browsers (username, browser_hash, trusted_until) values (?, ?, ?)"
        " on conflict(username, browser_hash) do update set trusted_until = excluded.trusted_until",
        (username, digest, now + TRUST_SECONDS),
    )
    con.execute(
        "delete from trusted_browsers where username = ? and (trusted_until <= ? or browser_hash"
        " not in (select browser_hash from trusted_browsers where username = ?"
        " order by trusted_until desc limit ?))",
        (username, now, username, TRUSTED_PER_ACCOUNT),
    )


def forget(con: sqlite3.Connection, username: str) -> None:
    """The account's password was reset by an administrator: no browser is known any more."""
    digests = con.execute(
        "select browser_hash from trusted_browsers where username = ?", (username,)
    ).fetchall()
    for (digest,) in digests:
        con.execute("delete from login_throttle where key = ?", (f"browser:{username}:{digest}",))
    con.execute("delete from trusted_browsers where username = ?", (username,))


def _free(kind: str, policy: AuthPolicy) -> int:
    return (
        policy.free_failures_per_account if kind == "account" else policy.free_failures_per_source
    )


def blocked_for(con: sqlite3.Connection, keys: list[tuple[str, str]], now: float) -> float:
    """Seconds until every key may try again (0 when none is blocked)."""
    wait = 0.0
    for key, _kind in keys:
        row = con.execute(
            "select blocked_until from login_throttle where key = ?", (key,)
        ).fetchone()
        if row and row["blocked_until"] > now:
            wait = max(wait, row["blocked_until"] - now)
    return wait


def note_failure(
    con: sqlite3.Connection, keys: list[tuple[str, str]], now: float, policy: AuthPolicy
) -> float:
    """Count a checked, wrong attempt; returns the block it earns (0 within the free tries)."""
    wait = 0.0
    for key, kind in keys:
        row = con.execute(
            "select failures, last_failure from login_throttle where key = ?", (key,)
        ).fetchone()
        failures = 0
        if row and now - row["last_failure"] <= policy.forget_failures_after_seconds:
            failures = row["failures"]
        failures += 1
        over = failures - _free(kind, policy)
        cap = policy.max_delay_seconds if kind == "account" else policy.max_source_delay_seconds
        delay = 0.0 if over <= 0 else min(policy.base_delay_seconds * 2 ** min(over - 1, 30), cap)
        con.execute(
            "insert into login_throttle (key, failures, last_failure, blocked_until)"
            " values (?, ?, ?, ?) on conflict(key) do update set failures = excluded.failures,"
            " last_failure = excluded.last_failure, blocked_until = excluded.blocked_until",
            (key, failures, now, now + delay),
        )
        wait = max(wait, delay)
    return wait


def note_success(
    con: sqlite3.Connection, username: str, source: str | None = None, browser: str | None = None
) -> None:
    # The count the attempt went to goes (a trusted browser's own; the account's for any other
    # browser: a trusted browser's success must not give the strangers fresh free tries); the
    # address only gets back the one attempt counted up front: one valid password must not
    # wipe the record of an address trying many other accounts.
    con.execute(
        "delete from login_throttle where key = ?", (keys_for(username, None, browser)[0][0],)
    )
    if source:
        con.execute(
            "update login_throttle set failures = max(failures - 1, 0) where key = ?",
            (f"source:{source}",),
        )
