"""Phones and ID numbers typed into free-text columns (流入地, 流入地党组织, a rejected cell)
leave the database masked like the personal columns: IDs always, mobiles unless the role
sees personal data. A register has room to write 书记手机13800001111 into any column."""

from __future__ import annotations

import re

import pytest

from pipeline.ingest.batch import ingest_paths
from pipeline.queries import analysis, duty, quality
from pipeline.queries.base import Filters
from pipeline.warehouse.store import connect_readonly
from tests.conftest import HEADER, member, valid_id

HOST_PHONE = "13987654321"
NOTE_ID = valid_id("33032719650505432")
CLEAR = re.compile(rf"{HOST_PHONE}|13800001111|{NOTE_ID}")


@pytest.fixture
def con(write_xlsx, tmp_path):
    rows = [
        HEADER + ["流入地党组织"],
        member(1, status="失联", destination=f"在外务工（联系人手机{HOST_PHONE}）", contact=None)
        + [f"闵行区某商会党委（书记手机13800001111，身份证{NOTE_ID}）"],
        # not a whole number: rejected, the cell kept in the quarantine
        member(2, id_number=valid_id("33032719700101111"), jobs=f"见身份证{NOTE_ID}") + [None],
        # an unreadable date: loaded blank, the cell kept in a warning
        member(3, id_number=valid_id("33032719700101112"), outflow=f"见身份证{NOTE_ID}") + [None],
    ]
    path = write_xlsx("灵溪镇_2023-08_流动党员.xlsx", {"Sheet1": rows})
    db = tmp_path / "w.duckdb"
    ingest_paths([path], db=db)
    con = connect_readonly(db)
    yield con
    con.close()


def _text(frame) -> str:
    return frame.astype(str).to_csv(index=False)


QUERIES = {
    "follow_up": analysis.follow_up,
    "duty_members": duty.duty_members,
    "quarantine_rows": quality.quarantine_rows,
    "warning_rows": quality.warning_rows,
}


@pytest.mark.parametrize("query", QUERIES)
@pytest.mark.parametrize("personal", [False, True])
def test_free_text_leaves_masked(con, query, personal):
    seen = _text(QUERIES[query](con, Filters(wave="2023-08", show_personal_data=personal)))
    assert NOTE_ID not in seen  # no screen shows an ID in clear
    if not personal:
        assert not CLEAR.search(seen), seen


def test_the_free_text_is_there_masked(con):
    """The columns are shown, only the numbers in them are masked."""
    masked = Filters(wave="2023-08", show_personal_data=False)
    follow = _text(analysis.follow_up(con, masked))
    assert f"联系人手机{HOST_PHONE[:3]}****{HOST_PHONE[-4:]}" in follow
    duties = _text(duty.duty_members(con, masked))
    assert "书记手机138****1111" in duties and f"{NOTE_ID[:6]}********{NOTE_ID[-4:]}" in duties
    for issues in (quality.quarantine_rows, quality.warning_rows):
        assert f"见身份证{NOTE_ID[:6]}********" in _text(issues(con, masked)), issues
    clear = Filters(wave="2023-08", show_personal_data=True)
    assert "书记手机13800001111" in _text(duty.duty_members(con, clear))
