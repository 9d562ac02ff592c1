"""A stranger who knows a username cannot keep its owner out (OWASP "device cookies"): a
browser that signed in to the account before is throttled on a count of its own.

Real SQLite state per test; `browser=` is the browser's random `census_browser` cookie, the
value the dashboard passes; time is the functions' own `now=` parameter.
"""

from __future__ import annotations

import pytest

from pipeline.access import accounts
from pipeline.access.state import open_state

GOOD = "Cangnan-2024-secure"
T0 = 1_900_000_000.0
OFFICE_PC = "browser-of-the-office-pc-x9"


@pytest.fixture(autouse=True)
def state_db(tmp_path, monkeypatch):
    monkeypatch.setenv("CENSUS_STATE_DB", str(tmp_path / "state" / "app.sqlite"))
    accounts.create_user("qianku", GOOD, "township", township="钱库镇")
    # The owner signed in from the office PC last week.
    assert accounts.authenticate("qianku", GOOD, browser=OFFICE_PC, now=T0 - 7 * 86400).ok


def _block_the_account(now: float, browser: str | None = "attackers-own-browser") -> float:
    """A stranger spends wrong passwords until the account is blocked; returns the time."""
    for i in range(8):
        result = accounts.authenticate(
            "qianku", f"guess-{i}", source=f"198.51.100.{i}", browser=browser, now=now
        )
        now += result.retry_after + 0.5
    assert accounts.authenticate("qianku", "guess-x", now=now).retry_after > 0
    return now


def test_a_stranger_keeping_the_account_blocked_does_not_keep_out_its_known_browser():
    now = _block_the_account(T0)
    result = accounts.authenticate("qianku", GOOD, source="10.0.0.8", browser=OFFICE_PC, now=now)
    assert result.ok, result.message


@pytest.mark.parametrize("browser", [None, "a-browser-never-signed-in-here"])
def test_a_new_browser_still_waits_out_the_accounts_block(browser):
    now = _block_the_account(T0, browser=None)
    result = accounts.authenticate("qianku", GOOD, browser=browser, now=now)
    assert not result.ok and result.retry_after > 0


def test_the_known_browser_guessing_is_slowed_on_its_own_count():
    now, waits = T0, []
    for i in range(6):
        result = accounts.authenticate("qianku", f"wrong-{i}", browser=OFFICE_PC, now=now)
        waits.append(result.retry_after)
        now += result.retry_after + 0.5
    assert waits == [0, 0, 0, 2, 4, 8]
    # The account's shared count was not touched: a stranger's first typo is free.
    assert accounts.authenticate("qianku", "typo", browser="other", now=now).retry_after == 0


def test_the_owners_success_gives_the_stranger_no_fresh_tries():
    now = _block_the_account(T0)
    assert accounts.authenticate("qianku", GOOD, browser=OFFICE_PC, now=now).ok
    assert (
        accounts.authenticate("qianku", GOOD, browser="attackers-own-browser", now=now).retry_after
        > 0
    )


def test_a_reset_password_forgets_the_known_browsers():
    accounts.reset_password("qianku", "Another-2024-secure", actor="admin")
    with open_state() as con:
        assert con.execute("select count(*) from trusted_browsers").fetchone()[0] == 0
    now = _block_the_account(T0, browser=None)
    result = accounts.authenticate("qianku", "Another-2024-secure", browser=OFFICE_PC, now=now)
    assert not result.ok and result.retry_after > 0


def test_a_known_browser_is_forgotten_after_a_quiet_season():
    now = _block_the_account(T0 + 100 * 86400)
    result = accounts.authenticate("qianku", GOOD, browser=OFFICE_PC, now=now)
    assert not result.ok and result.retry_after > 0
