"""Registers worded the other ways townships word them, through real workbooks and the warehouse."""

from __future__ import annotations

from datetime import date

from pipeline.cli.commands import stats_rows
from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse.store import connect_readonly
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


def test_a_can_we_reach_them_column_stands_for_contact_status(write_xlsx, isolated_env):
    """能否联系 answered 是/否/√/×: 否 is 失联 (V13: the column was left out with a notice and
    lost contact was 未填报 though every member's answer was given)."""
    header = [("能否联系" if h == "联系状态" else h) for h in HEADER]
    rows = _people(4, {"联系状态": ["是", "否", "√", "×"]})
    path = write_xlsx("2022-04_灵溪镇_流动党员普查.xlsx", {"Sheet1": [header, *rows]})
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected, result.notices) == (4, 0, [])
    assert [s for (s,) in _fetch(db, "select contact_status from members order by excel_row")] == [
        "正常", "失联", "正常", "失联",
    ]  # fmt: skip
    assert stats_rows(db)[0]["lost_contact"] == 2


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


def _townships(db):
    return [(r["township"], r["wave"], r["outflow"], r["members_total"]) for r in stats_rows(db)]


def test_each_sheet_title_speaks_for_its_own_rows(write_xlsx, isolated_env):
    people = _people(3, {"所属乡镇": [None] * 3})  # no township column value: the titles decide
    fanshan, mazhan = people[:2], people[2:]
    path = write_xlsx(
        "流动党员普查.xlsx",
        {
            "一": [["矾山镇流动党员普查登记表（2022年4月）"], HEADER, *fanshan],
            "二": [["2023年8月马站镇流动党员普查登记表"], HEADER, *mazhan],
        },
    )
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (3, 0)
    assert _townships(db) == [("矾山镇", "2022-04", 2, None), ("马站镇", "2023-08", 1, None)]


def test_county_workbook_totals_and_rejects_belong_to_each_rows_township(write_xlsx, isolated_env):
    rows = _people(3, {"所属乡镇": ["矾山镇", "马站镇", "马站镇"]})
    rows[2][HEADER.index("姓名")] = None  # rejected: a 马站镇 row
    totals = [["所属乡镇", "支部名称", "党员总数"], ["矾山镇", "第一党支部", "35名"]]
    totals += [["马站镇", "第一党支部", 30], ["马站镇", "第二党支部", "很多"]]
    path = write_xlsx("2022-04_全县流动党员.xlsx", {"登记表": [HEADER, *rows], "支部情况": totals})
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 2)
    assert _townships(db) == [("矾山镇", "2022-04", 1, 35), ("马站镇", "2022-04", 1, 30)]
    assert _fetch(
        db, "select township, excel_row, field, reason from quarantine order by 2, 3"
    ) == [
        ("马站镇", 4, "members_total", "党员总数应为非负整数"),
        ("马站镇", 4, "name", "姓名为空"),
    ]


def test_header_repeated_under_each_branch_heading(write_xlsx, isolated_env):
    header = [h for h in HEADER if h != "所在党支部"]
    people = [[c for h, c in zip(HEADER, m, strict=True) if h != "所在党支部"] for m in _people(3)]
    rows = [["莒溪村党支部"], header, *people[:2], [], ["天井村党支部"], header, people[2]]
    path = write_xlsx("2022-04_莒溪镇.xlsx", {"Sheet1": rows})
    db = isolated_env / "w.duckdb"
    ingest_paths([path], db=db)
    assert _fetch(db, "select branch, excel_row from members order by excel_row") == [
        ("莒溪村党支部", 3),
        ("莒溪村党支部", 4),
        ("天井村党支部", 8),
    ]


def test_the_usual_header_word_wins_a_field_and_a_dues_remark_is_no_date(write_xlsx, isolated_env):
    header = [*HEADER, "现居住地址", "党费缴纳情况"]
    header[HEADER.index("流入地")] = "流入地"
    rows = [[*m, "苍南县灵溪镇", "按时缴纳"] for m in _people(2)]
    header.insert(3, header.pop(-2))  # 现居住地址 before 流入地
    rows = [[*r[:3], r[-2], *r[3:-2], r[-1]] for r in rows]
    path = write_xlsx("2022-04_灵溪镇.xlsx", {"Sheet1": [header, *rows]})
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)
    assert stats_rows(db)[0]["scope"] == {"跨省": 2}  # 上海市闵行区, from 流入地
    [(unmapped,)] = _fetch(db, "select unmapped_columns from source_files")
    assert sorted(unmapped) == ["Sheet1:党费缴纳情况", "Sheet1:现居住地址"]


def test_csv_cells_forced_to_text_keep_their_digits(tmp_path, isolated_env):
    rows = _people(2)
    lines = [",".join(HEADER)]
    for row, forced in zip(rows, ['="{}"', "'{}"], strict=True):
        row[HEADER.index("身份证号")] = forced.format(row[HEADER.index("身份证号")])
        lines.append(",".join("" if v is None else str(v) for v in row))
    path = tmp_path / "2022-04_灵溪镇.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (2, 0)


def test_blank_township_cells_are_named_in_the_rejection(write_xlsx, isolated_env):
    rows = _people(2, {"所属乡镇": ["矾山镇", None]})
    path = write_xlsx("流动党员_2022年4月.xlsx", {"Sheet1": [HEADER, *rows]})
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert result.status == "rejected"
    assert "“所属乡镇”列第3行为空" in result.error


def test_a_return_in_the_month_of_departure_is_not_before_it(write_xlsx, isolated_env):
    rows = _people(
        2,
        {
            "流出时间": ["2021-05-20", "2021-05-20"],
            "是否返乡": ["是", "是"],
            "返乡时间": ["2021.5", "2021.4"],
        },
    )
    path = write_xlsx("2022-04_灵溪镇.xlsx", {"Sheet1": [HEADER, *rows]})
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert _fetch(db, "select excel_row, field from quarantine") == [(3, "return_date")]


def test_a_file_with_only_branch_totals_says_so(write_xlsx, isolated_env):
    totals = [["支部名称", "党员总数"], ["第一党支部", 30]]
    path = write_xlsx("2022-04_灵溪镇.xlsx", {"支部情况": totals})
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert result.status == "rejected"
    assert "只有“支部情况”表" in result.error
