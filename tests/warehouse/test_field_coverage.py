"""int_field_coverage: a register column that nobody filled in is not reported (未填报), like a
column the register does not have; a column blank only in some branches is a column left blank
there (those branches report 0), and a blank 流入地党组织 is an answer (no inflow organisation)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.cli import commands as cli
from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse import store as warehouse

HEAD = ["姓名", "身份证号", "所在党支部", "流出时间", "流入地", "联系状态", "最近联系时间"]
HEAD += ["是否持流动党员证", "流入地党组织"]


def _rows(branch: str, n: int, *, status: str | None, cert: str | None, start: int = 0):
    return [
        [f"李{start + k}", None, branch, "2020.3", "广东省广州市", status, "2023-07-01", cert, None]
        for k in range(n)
    ]


@pytest.fixture
def blank_columns(write_xlsx, tmp_path):
    """乙镇: 联系状态 and 是否持流动党员证 present but blank in every row. 丙镇: the same
    columns filled in one branch's sheet, blank in the other's. 庚镇: 最近联系时间 blank in
    every row."""
    folder = tmp_path / "raw"
    write_xlsx(
        "2023-08_乙镇_流动党员普查.xlsx",
        {"流动党员": [["乙镇普查表"], HEAD, *_rows("一支部", 5, status=None, cert=None)]},
        folder=folder,
    )
    write_xlsx(
        "2023-08_丙镇_流动党员普查.xlsx",
        {
            "一支部": [["丙镇普查表"], HEAD, *_rows("一支部", 4, status="失联", cert="是")],
            "二支部": [["丙镇普查表"], HEAD, *_rows("二支部", 3, status=None, cert=None, start=9)],
        },
        folder=folder,
    )
    quiet = [[*r[:6], None, *r[7:]] for r in _rows("一支部", 4, status="正常", cert="是")]
    write_xlsx(
        "2023-08_庚镇_流动党员普查.xlsx",
        {"流动党员": [["庚镇普查表"], HEAD, *quiet]},
        folder=folder,
    )
    db = tmp_path / "w.duckdb"
    ingest_paths([folder], db=db)
    return db


def _mart(db, sql: str) -> pd.DataFrame:
    con = warehouse.connect_readonly(db)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def test_a_column_blank_in_every_row_is_not_reported(blank_columns):
    town = _mart(blank_columns, "select * from mart_township_wave").set_index("township")
    assert town.loc["乙镇", "outflow"] == 5
    # nobody filled in 联系状态 or 持证: not "0 失联" and not "持证率 0.00%"
    for column in ("lost_contact", "lost_contact_rate_pct", "certified", "certificate_rate_pct"):
        assert pd.isna(town.loc["乙镇", column]), column
    # the blank 流入地党组织 is an answer: nobody is managed there
    assert town.loc["乙镇", "dual_managed"] == 0
    stats = {r["township"]: r for r in cli.stats_rows(blank_columns)}
    assert stats["乙镇"]["lost_contact"] is None


def test_a_column_left_blank_in_one_branch_is_still_reported(blank_columns):
    branches = _mart(
        blank_columns, "select * from mart_branch_wave where township = '丙镇'"
    ).set_index("branch")
    assert branches.loc["一支部", "lost_contact"] == 4 and branches.loc["一支部", "certified"] == 4
    # same file, the column filled elsewhere: this branch's blanks are 0 of 3, not 未填报
    assert branches.loc["二支部", "lost_contact"] == 0 and branches.loc["二支部", "certified"] == 0
    assert branches.loc["二支部", "lost_contact_base"] == 3


def test_an_all_blank_contact_date_puts_nobody_under_180_days(blank_columns):
    """Not "everyone not contacted for 180 days": nobody filled the date in. The §5 count and
    the duty (督办) read the same rule."""
    town = _mart(blank_columns, "select * from mart_township_wave").set_index("township")
    assert town.loc["庚镇", "outflow"] == 4
    assert pd.isna(town.loc["庚镇", "at_risk"]) and pd.isna(town.loc["庚镇", "two_nots"])
    duty = _mart(
        blank_columns,
        "select count(*) filter (where assessed_no_contact) as assessed,"
        " count(*) filter (where due_no_contact) as due from mart_duty_due where township = '庚镇'",
    )
    assert duty.loc[0, "assessed"] == 0 and duty.loc[0, "due"] == 0
    # the duty's 未填报 count and the figures' agree for a blank 联系状态 column too
    cover = _mart(
        blank_columns,
        "select bool_or(carries_contact_status) as contact, bool_or(carries_certificate) as cert"
        " from mart_duty_coverage where file_hash in"
        " (select file_hash from units where township = '乙镇')",
    )
    assert not cover.loc[0, "contact"] and not cover.loc[0, "cert"]
