"""Ending sessions (issue #12, item 3) at the account level: a password change ends every
other session of the account, signing out ends all of them."""

from __future__ import annotations

from pipeline.access import accounts

GOOD = "Correct-horse-77"


def test_a_password_change_ends_every_other_session():
    user = accounts.create_user("tabs", GOOD, "county")
    here, there, third = (accounts.create_session(user) for _ in range(3))
    assert accounts.change_password("tabs", GOOD, "Another-pass-88", keep_token=here).ok
    assert accounts.validate_session(here) is not None
    assert accounts.validate_session(there) is None and accounts.validate_session(third) is None


def test_signing_out_ends_every_session_of_the_account():
    user = accounts.create_user("leaver", GOOD, "county")
    other = accounts.create_user("bystander", GOOD, "county")
    mine = [accounts.create_session(user) for _ in range(2)]
    theirs = accounts.create_session(other)
    accounts.expire_session(mine[0])
    assert all(accounts.validate_session(t) is None for t in mine)
    assert accounts.validate_session(theirs) is not None
