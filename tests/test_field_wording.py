"""Registers worded the other ways townships word them, through real workbooks and the warehouse."""

from __future__ import annotations

from datetime import date

from pipeline.cli import stats_rows
from pipeline.ingest import ingest_paths
from pipeline.warehouse import connect_readonly
from tests.conftest import HEADER, member, valid_id


def _fetch(db, sql):
    con = connect_readonly(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _people(n, written: dict[str, list] | None = None):
    """n members with distinct valid IDs; `written` sets a HEADER column, one value per member."""
    rows = [
        member(seq=i + 1, name=f"党员{i + 1}", id_number=valid_id(f"330327198{i}0101123"))
        for i in range(n)
    ]
    for column, values in (written or {}).items():
        for row, value in zip(rows, values, strict=True):
            row[HEADER.index(column)] = value
    return rows


def test_a_yes_no_lost_column_stands_for_contact_status(write_xlsx, isolated_env):
    header = [("是否失联" if h == "联系状态" else h) for h in HEADER]
    rows = _people(3, {"联系状态": ["是", "否", "不清楚"]})
    path = write_xlsx("2022-04_灵溪镇_流动党员普查.xlsx", {"Sheet1": [header, *rows]})
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 1)
    assert _fetch(db, "select excel_row, field, column_label, value, reason from quarantine") == [
        (4, "lost_flag", "是否失联", "不清楚", "是否失联“不清楚”应填“是”或“否”")
    ]
    assert _fetch(db, "select name, contact_status from members order by excel_row") == [
        ("党员1", "失联"),
        ("党员2", "正常"),
    ]
    assert stats_rows(db)[0]["lost_contact"] == 1


def test_destination_warnings_show_what_was_written_and_how_far_it_resolved(
    write_xlsx, isolated_env
):
    header = ["序号", "姓名", "身份证号", "流出时间", "流入地省", "流入地市", "流入地县(区)"]
    ids = [valid_id(f"330327198{i}0101123") for i in range(3)]
    rows = [
        [1, "甲", ids[0], "2021.3", "浙江省", "温州市", None],  # in the home city, county unknown
        [2, "乙", ids[1], "2021.3", "火星", None, None],
        [3, "丙", ids[2], "2021.3", "浙江省", "温州市", "鹿城区"],
    ]
    path = write_xlsx("2022-04_灵溪镇_流动党员普查.xlsx", {"Sheet1": [header, *rows]})
    db = isolated_env / "w.duckdb"
    ingest_paths([path], db=db)
    assert _fetch(
        db, "select excel_row, field, value, reason from warnings order by excel_row"
    ) == [
        (
            2,
            "destination",
            "浙江省温州市",
            "流入地只能确定到浙江省温州市，无法判断流动范围，按“未知”统计",
        ),
        (3, "destination", "火星", "流入地无法识别，流动范围按“未知”统计"),
    ]
    assert stats_rows(db)[0]["scope"] == {"市内跨县": 1, "未知": 2}


def test_township_column_variants_are_one_township(write_xlsx, isolated_env):
    rows = _people(3, {"所属乡镇": ["矾山", "苍南县矾山镇", "矾山镇 "]})
    path = write_xlsx("流动党员_2022年4月.xlsx", {"Sheet1": [HEADER, *rows]})
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.status, result.rows_loaded) == ("loaded", 3)
    assert [(r["township"], r["outflow"]) for r in stats_rows(db)] == [("矾山镇", 3)]


def test_dates_with_a_time_of_day_load(write_xlsx, isolated_env):
    rows = _people(2, {"流出时间": ["2021-03-15 00:00:00", "2021年3月16日 10:20"]})
    path = write_xlsx("2022-04_灵溪镇_流动党员普查.xlsx", {"Sheet1": [HEADER, *rows]})
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert _fetch(db, "select outflow_date from members order by excel_row") == [
        (date(2021, 3, 15),),
        (date(2021, 3, 16),),
    ]


def test_township_from_the_filling_row_when_the_title_mentions_returning_home(
    write_xlsx, isolated_env
):
    header = [h for h in HEADER if h != "所属乡镇"]
    rows = [
        ["流动党员及返乡创业党员情况统计表"],
        ["填报单位：中共苍南县大渔镇委员会"],
        header,
        *([c for h, c in zip(HEADER, m, strict=True) if h != "所属乡镇"] for m in _people(2)),
    ]
    path = write_xlsx("2022-04_流动党员统计.xlsx", {"Sheet1": rows})
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.status, result.rows_loaded) == ("loaded", 2)
    assert [r["township"] for r in stats_rows(db)] == ["大渔镇"]
