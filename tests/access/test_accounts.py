"""Accounts, sign-in throttling, sessions and the admin bootstrap (issue #5).

Real argon2 hashing and a real SQLite file per test; time is passed as `now=` (the functions'
own clock parameter) so windows and expiry are exercised without sleeping.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from pipeline import config
from pipeline.access import accounts, audit
from pipeline.access.accounts import AccountError
from pipeline.access.scope import Scope

ROOT = config.ROOT
GOOD = "Cangnan-2024-secure"
T0 = 1_900_000_000.0  # a fixed clock; each test's throttle and sessions start clean anyway


@pytest.fixture(autouse=True)
def state_db(tmp_path, monkeypatch):
    path = tmp_path / "state" / "app.sqlite"
    monkeypatch.setenv("CENSUS_STATE_DB", str(path))
    return path


def attempts(actor: str) -> list[dict]:
    return [
        e
        for e in audit.recent(1000, actor=actor)
        if e["event"] in ("sign_in", "sign_in_failed", "sign_in_throttled")
    ]


# ---------------------------------------------------------------- passwords and accounts


def test_same_password_twice_gives_two_different_salted_hashes(state_db):
    accounts.create_user("zhang", GOOD, "county")
    accounts.create_user("wang", GOOD, "county")
    con = sqlite3.connect(state_db)
    hashes = [h for (h,) in con.execute("select password_hash from users order by username")]
    assert len(hashes) == 2 and hashes[0] != hashes[1]
    assert all(h.startswith("$argon2id$") for h in hashes)
    assert all(GOOD not in h for h in hashes)
    salts = {h.split("$")[4] for h in hashes}
    assert len(salts) == 2
    assert accounts.authenticate("zhang", GOOD, now=T0).ok
    assert accounts.authenticate("wang", GOOD, now=T0).ok


def test_weak_passwords_and_bad_accounts_are_refused():
    for weak in ("short1", "abcdefghijkl", "123456789012", "password1", "zhaoliu-2024x"):
        with pytest.raises(AccountError):
            accounts.create_user("zhaoliu", weak, "viewer")
    with pytest.raises(AccountError, match="乡镇"):
        accounts.create_user("lingxi", GOOD, "乡镇")  # a township account needs its township
    with pytest.raises(AccountError):
        accounts.create_user("county1", GOOD, "county", township="灵溪镇")
    with pytest.raises(AccountError, match="未知角色"):
        accounts.create_user("boss", GOOD, "superuser")
    accounts.create_user("Lingxi", GOOD, "乡镇", township="灵溪镇")
    with pytest.raises(AccountError, match="已存在"):
        accounts.create_user("LINGXI", GOOD, "viewer")  # case does not make a second account
    user = accounts.get_user("ｌｉｎｇｘｉ")  # full-width input finds the same account
    assert (
        user and user.role == "township" and user.township == "灵溪镇" and user.role_label == "乡镇"
    )


def test_roles_give_the_scopes_of_the_issue():
    accounts.create_user("root2", GOOD, "管理员")
    accounts.create_user("county1", GOOD, "县级")
    accounts.create_user("lingxi", GOOD, "乡镇", township="灵溪镇")
    accounts.create_user("analyst1", GOOD, "分析员")
    accounts.create_user("leader", GOOD, "只读")
    scopes = {u.username: accounts.scope_for(u) for u in accounts.list_users()}
    admin, county, town, analyst, viewer = (
        scopes[n] for n in ("root2", "county1", "lingxi", "analyst1", "leader")
    )
    assert admin.may_manage_accounts and admin.may_see_personal_data and admin.all_townships
    assert county.all_townships and county.may_see_member_rows and not county.may_see_personal_data
    assert not county.may_manage_accounts and not county.may_upload
    assert town.township == "灵溪镇" and town.may_see_personal_data and not town.all_townships
    assert town.allows("灵溪镇") and not town.allows("宜山镇")
    assert town.sql_filter() == ("township = ?", ["灵溪镇"])
    assert (
        analyst.may_upload and not analyst.may_see_member_rows and not analyst.may_see_personal_data
    )
    assert not any(
        (
            viewer.may_see_member_rows,
            viewer.may_see_personal_data,
            viewer.may_upload,
            viewer.may_export_member_rows,
            viewer.may_manage_accounts,
        )
    )
    assert [s.may_manage_accounts for s in scopes.values()].count(True) == 1
    # A scope cannot be hand-built with more than its role allows.
    with pytest.raises(ValueError):
        Scope(role="viewer", township=None, may_see_member_rows=True)
    with pytest.raises(ValueError):
        Scope.for_role("township")  # no township


def test_the_last_admin_cannot_be_disabled_or_demoted():
    assert accounts.ensure_admin()
    with pytest.raises(AccountError, match="管理员"):
        accounts.disable_user("admin")
    with pytest.raises(AccountError, match="管理员"):
        accounts.set_role("admin", "viewer")
    accounts.create_user("second", GOOD, "admin")
    assert accounts.disable_user("admin").disabled


# ---------------------------------------------------------------- sign-in and throttling


def test_ten_wrong_passwords_in_a_row_sign_nobody_in_and_each_is_audited():
    accounts.create_user("lingxi", GOOD, "township", township="灵溪镇")
    results = [
        accounts.authenticate("lingxi", f"wrong-guess-{i}", source="10.0.0.7", now=T0 + i)
        for i in range(10)
    ]
    assert not any(r.ok for r in results) and all(r.user is None for r in results)
    logged = attempts("lingxi")
    assert len(logged) == 10
    assert {e["event"] for e in logged} <= {"sign_in_failed", "sign_in_throttled"}
    assert "sign_in_throttled" in {e["event"] for e in logged}  # rapid guessing was slowed down
    assert all(e["source"] == "10.0.0.7" for e in logged)
    text = json.dumps(audit.recent(1000), ensure_ascii=False)
    assert "wrong-guess" not in text and GOOD not in text  # passwords never reach the log
    # Even the right password is refused while the account is held back...
    held = accounts.authenticate("lingxi", GOOD, source="10.0.0.7", now=T0 + 10)
    assert not held.ok and held.retry_after > 0 and "再试" in held.message
    # ...and accepted once the window has passed: slowed down, not locked for good.
    later = accounts.authenticate(
        "lingxi", GOOD, source="10.0.0.7", now=T0 + 10 + held.retry_after + 1
    )
    assert later.ok and later.user.username == "lingxi"
    assert attempts("lingxi")[0]["event"] == "sign_in"
    assert attempts("lingxi")[0]["scope"] == "乡镇·灵溪镇"


def test_each_checked_failure_doubles_the_wait_up_to_the_maximum(monkeypatch):
    monkeypatch.setenv("CENSUS_LOGIN_MAX_DELAY", "60")
    accounts.create_user("yishan", GOOD, "county")
    now, waits = T0, []
    for _ in range(10):
        result = accounts.authenticate("yishan", "not-the-password", now=now)
        assert not result.ok
        waits.append(result.retry_after)
        now += result.retry_after + 0.5  # wait out each window, so every attempt is checked
    assert [e["event"] for e in attempts("yishan")] == ["sign_in_failed"] * 10
    assert waits[:3] == [0, 0, 0]  # three free typos
    assert waits[3:7] == [2, 4, 8, 16]
    assert max(waits) == 60 and waits[-1] == 60
    # A quiet hour forgets the count: the next typo costs nothing.
    result = accounts.authenticate("yishan", "not-the-password", now=now + 3700)
    assert result.retry_after == 0


def test_one_address_trying_many_accounts_is_slowed_down_too():
    accounts.create_user("target", GOOD, "county")
    for i in range(12):  # twelve different names, each only once: no account reaches its limit
        result = accounts.authenticate(
            f"guess{i}", "whatever-123", source="203.0.113.9", now=T0 + 10 * i
        )
        assert result.retry_after == (0 if i < 10 else 2 ** (i - 9))  # ten free per address
    result = accounts.authenticate("target", GOOD, source="203.0.113.9", now=T0 + 111)
    assert not result.ok and result.retry_after > 0
    # The same person from another address is not affected.
    assert accounts.authenticate("target", GOOD, source="10.1.1.1", now=T0 + 111).ok


def test_unknown_account_and_wrong_password_look_the_same():
    accounts.create_user("jinxiang", GOOD, "county")
    unknown = accounts.authenticate("nobody", GOOD, now=T0)
    wrong = accounts.authenticate("jinxiang", "bad-password-1", now=T0)
    assert unknown.message == wrong.message == "用户名或密码错误"
    reasons = {e["actor"]: e["detail"]["reason"] for e in audit.recent(10, event="sign_in_failed")}
    assert reasons == {"nobody": "unknown_account", "jinxiang": "wrong_password"}


def test_disabled_accounts_cannot_sign_in_and_lose_their_sessions():
    user = accounts.create_user("qianku", GOOD, "township", township="钱库镇")
    token = accounts.create_session(user, now=T0)
    assert accounts.validate_session(token, now=T0 + 1)
    accounts.disable_user("qianku", actor="admin")
    result = accounts.authenticate("qianku", GOOD, now=T0 + 2)
    assert not result.ok and result.user is None and "停用" in result.message
    assert accounts.validate_session(token, now=T0 + 3) is None
    with pytest.raises(AccountError):
        accounts.create_session(accounts.get_user("qianku"), now=T0 + 4)
    assert audit.recent(20, event="account_disabled")[0]["actor"] == "admin"
    accounts.enable_user("qianku")
    assert accounts.authenticate("qianku", GOOD, now=T0 + 5).ok


def test_reset_password_replaces_the_old_one_and_ends_sessions():
    user = accounts.create_user("mazhan", GOOD, "analyst")
    token = accounts.create_session(user, now=T0)
    accounts.reset_password("mazhan", "Another-pass-77", actor="admin")
    assert accounts.validate_session(token, now=T0 + 1) is None
    assert not accounts.authenticate("mazhan", GOOD, now=T0 + 2).ok
    signed = accounts.authenticate("mazhan", "Another-pass-77", now=T0 + 3)
    assert signed.ok and signed.user.must_change_password
    changed = accounts.change_password(
        "mazhan",
        "Another-pass-77",
        "Third-pass-2024",
    )
    assert changed.ok and not changed.user.must_change_password
    assert accounts.authenticate("mazhan", "Third-pass-2024").ok


# ---------------------------------------------------------------- sessions


def test_sessions_expire_when_idle_and_after_their_lifetime(state_db):
    user = accounts.create_user("zaoxi", GOOD, "county")
    token = accounts.create_session(user, now=T0)
    assert accounts.validate_session(token, now=T0 + 60).username == "zaoxi"
    assert accounts.validate_session(token, now=T0 + 60 + 31 * 60) is None  # idle > 30 min
    assert accounts.validate_session(token, now=T0 + 120) is None  # and it stays ended

    token = accounts.create_session(user, now=T0)
    t = T0
    while t < T0 + 8 * 3600 - 600:  # kept busy all day...
        t += 600
        assert accounts.validate_session(token, now=t) is not None
    assert accounts.validate_session(token, now=T0 + 8 * 3600 + 1) is None  # ...still ends
    assert [e["event"] for e in audit.recent(5, actor="zaoxi")][:2] == ["session_expired"] * 2

    token = accounts.create_session(user, now=T0)
    accounts.expire_session(token, now=T0 + 5)  # sign out
    assert accounts.validate_session(token, now=T0 + 6) is None
    assert audit.recent(1)[0]["event"] == "sign_out"

    for junk in (None, "", "x" * 43, token + "x"):
        assert accounts.validate_session(junk, now=T0) is None
    raw = state_db.read_bytes()
    assert token.encode() not in raw  # only a hash of the token is stored


def test_role_change_applies_to_an_open_session_at_once():
    user = accounts.create_user("lingxi", GOOD, "township", township="灵溪镇")
    token = accounts.create_session(user, now=T0)
    accounts.set_role("lingxi", "viewer")
    assert accounts.validate_session(token, now=T0 + 1) is None  # re-sign-in with the new role


# ---------------------------------------------------------------- first run


def test_admin_bootstrap_uses_a_fresh_random_password(tmp_path, monkeypatch):
    passwords = []
    for run in range(3):
        monkeypatch.setenv("CENSUS_STATE_DB", str(tmp_path / f"install{run}" / "app.sqlite"))
        password = accounts.ensure_admin()
        assert password and len(password) >= 16
        assert accounts.ensure_admin() is None  # later runs change nothing
        result = accounts.authenticate("admin", password, now=T0)
        assert result.ok and result.user.role == "admin" and result.user.must_change_password
        for guess in ("admin", "admin123", "Admin@123", "123456", "password"):
            assert not accounts.authenticate("admin", guess, now=T0 + 1000).ok
        passwords.append(password)
    assert len(set(passwords)) == 3


def run_cli(*args: str, stdin: str = "", state_db=None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CENSUS_STATE_DB": str(state_db)}
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        input=stdin,
        text=True,
        capture_output=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_users_command_line(state_db):
    first = run_cli("users", "ensure-admin", state_db=state_db)
    assert first.returncode == 0
    password = first.stdout.split()[-1]
    assert accounts.authenticate("admin", password, now=T0).ok
    again = run_cli("users", "ensure-admin", state_db=state_db)
    assert again.returncode == 0 and password not in again.stdout

    added = run_cli(
        "users",
        "add",
        "lingxi",
        "--role",
        "乡镇",
        "--township",
        "灵溪镇",
        "--password-stdin",
        stdin=GOOD + "\n",
        state_db=state_db,
    )
    assert added.returncode == 0, added.stderr
    assert accounts.authenticate("lingxi", GOOD, now=T0).ok  # the newline is not part of it
    weak = run_cli(
        "users",
        "add",
        "weak1",
        "--role",
        "viewer",
        "--password-stdin",
        stdin="123\n",
        state_db=state_db,
    )
    assert weak.returncode == 1 and "密码" in weak.stderr and "Traceback" not in weak.stderr

    listed = json.loads(run_cli("users", "list", "--json", state_db=state_db).stdout)
    assert {(u["username"], u["role"], u["township"]) for u in listed} == {
        ("admin", "admin", None),
        ("lingxi", "township", "灵溪镇"),
    }
    assert "password" not in json.dumps(listed).replace("must_change_password", "")

    assert run_cli("users", "disable", "lingxi", state_db=state_db).returncode == 0
    assert not accounts.authenticate("lingxi", GOOD, now=T0 + 1).ok
    reset = run_cli(
        "users",
        "reset-password",
        "admin",
        "--password-stdin",
        stdin="Brand-new-pass-1\n",
        state_db=state_db,
    )
    assert reset.returncode == 0
    assert accounts.authenticate("admin", "Brand-new-pass-1", now=T0 + 2).ok
    events = [e["event"] for e in audit.recent(100) if e["actor"].startswith("cli:")]
    assert {"account_created", "account_disabled", "password_reset"} <= set(events)
    assert run_cli("users", "disable", "nobody", state_db=state_db).returncode == 1
