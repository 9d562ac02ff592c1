"""The audit log is append-only, complete, chained, and free of personal data (issue #5)."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from pipeline.access import audit, state
from pipeline.access.scope import Scope

ID_NUMBER = "330327198505288273"


@pytest.fixture(autouse=True)
def state_db(tmp_path, monkeypatch):
    path = tmp_path / "state" / "app.sqlite"
    monkeypatch.setenv("CENSUS_STATE_DB", str(path))
    return path


def test_record_and_recent_newest_first():
    town = Scope.for_role("township", "灵溪镇", "lingxi")
    first = audit.record(
        "upload",
        "analyst1",
        Scope.for_role("analyst"),
        {"file": "灵溪镇_2022-04.xlsx", "rows": 120},
    )
    second = audit.record("export", "lingxi", town, {"what": "失联党员名单", "rows": 9})
    assert second > first
    entries = audit.recent(10)
    assert [e["id"] for e in entries] == [second, first]
    latest = entries[0]
    assert latest["event"] == "export" and latest["event_label"] == "导出数据"
    assert latest["actor"] == "lingxi" and latest["scope"] == "乡镇·灵溪镇"
    assert latest["detail"] == {"what": "失联党员名单", "rows": 9}
    assert latest["at"][:2] == "20" and "T" in latest["at"]
    assert audit.recent(10, event="upload")[0]["scope"] == "分析员·全县"
    assert [e["id"] for e in audit.recent(10, actor="analyst1")] == [first]
    assert len(audit.recent(1)) == 1


def test_unknown_events_are_refused():
    with pytest.raises(ValueError):
        audit.record("sign-in", "x")  # a typo would make the entry unfindable
    assert audit.recent(10) == []


def test_the_table_refuses_update_and_delete(state_db):
    entry = audit.record("sign_in_failed", "lingxi", None, {"reason": "wrong_password"})
    con = sqlite3.connect(state_db)
    for statement in (
        "update audit_log set actor = 'someone-else'",
        "update audit_log set detail = '{}' where id = ?",
        "delete from audit_log where id = ?",
        "delete from audit_log",
    ):
        params = (entry,) if "?" in statement else ()
        with pytest.raises(sqlite3.DatabaseError, match="审计日志只能追加"):
            con.execute(statement, params)
        con.rollback()
    con.close()
    (kept,) = audit.recent(10)
    assert kept["actor"] == "lingxi" and kept["detail"] == {"reason": "wrong_password"}


def test_dropped_triggers_come_back_and_edits_behind_them_are_detected(state_db):
    for i in range(3):
        audit.record("export", f"user{i}", None, {"rows": i})
    assert audit.verify_chain() is None
    con = sqlite3.connect(state_db)  # someone with file access and a SQLite shell
    con.execute("drop trigger audit_log_no_update")
    con.execute("update audit_log set actor = 'nobody' where id = 2")
    con.commit()
    con.close()
    assert audit.verify_chain() == 2
    with state.open_state() as reopened, pytest.raises(sqlite3.DatabaseError):
        reopened.execute("update audit_log set actor = 'again' where id = 1")


def test_personal_data_is_masked_even_if_a_caller_passes_it():
    audit.record(
        "export",
        "lingxi",
        "乡镇·灵溪镇",
        {"note": f"导出 {ID_NUMBER} 的记录", "phone": "13812345678", "nested": [ID_NUMBER]},
        source="10.0.0.1",
    )
    (entry,) = audit.recent(1)
    text = str(entry)
    assert ID_NUMBER not in text and "13812345678" not in text
    assert "330327********8273" in text and "138****5678" in text


def test_concurrent_writers_keep_every_entry_and_the_chain():
    def write(worker: int) -> None:
        for i in range(15):
            audit.record("sign_in", f"w{worker}", None, {"i": i})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(audit.recent(1000)) == 120
    assert audit.verify_chain() is None


@pytest.mark.parametrize("before", [482, 486, 490, 495, 499])
def test_a_number_cut_at_the_length_limit_is_masked_before_the_cut(before):
    """A detail longer than the limit is cut; an ID number across the cut kept its first
    digits (birth date included) unmasked when the cut came before the masking."""
    audit.record("export", "lingxi", None, {"note": "注" * before + ID_NUMBER + "。"})
    (entry,) = audit.recent(1)
    kept = entry["detail"] if isinstance(entry["detail"], str) else str(entry["detail"])
    assert ID_NUMBER[:10] not in kept and ID_NUMBER[6:14] not in kept
