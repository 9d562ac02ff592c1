"""Registers that check each other (issue #17): the membership roster and the host register,
recognised by their headers, cleaned with quarantine and history, and matched against the
census. Real workbooks (xlsxwriter) through the real ingest."""

from __future__ import annotations

import pytest
from conftest import HEADER, member, valid_id

from pipeline.demo.registers import register_manifest
from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse import store as warehouse

ROSTER_HEADER = ["序号", "姓名", "性别", "身份证号", "所在党支部", "人员类别", "入党时间"]
HOST_HEADER = ["序号", "姓名", "身份证号", "原籍乡镇", "报到时间", "流入地党组织", "联系电话"]
HOST = "上海市温州商会党委"


def idn(seq: int, birth: str = "19800101") -> str:
    return valid_id(f"330327{birth}{seq:03d}")


def census_row(seq, name, *, status="正常", org=None, birth="19800101", contact="2022-03-01"):
    row = member(
        seq, name, id_number=idn(seq, birth), township="灵溪镇", status=status, contact=contact
    )
    return [*row, org]


CENSUS = [
    census_row(1, "甲一"),  # on the roster
    census_row(2, "甲二", contact="2021-01-01"),  # not on the roster → 不在册; 两不管
    census_row(3, "甲三", birth="19850505"),  # roster has another ID, same name + birth month
    census_row(4, "甲四", org=HOST),  # host lists → 双重管理确认
    census_row(
        5, "甲五", status="失联", contact="2021-01-01"
    ),  # host lists → 找回 (and 双重管理确认)
    census_row(6, "甲六", org=HOST),  # host does not list → 流入地未列名
    census_row(7, "甲七", org="杭州市某党支部"),  # host sent nothing: not checked
]
ROSTER = [
    [1, "甲一", "男", idn(1), "第一党支部", "正式党员", "2001.7"],
    [2, "甲三", "男", idn(9, "19850505"), "第一党支部", "正式党员", "2005.7"],
    [3, "甲四", "男", idn(4), "第一党支部", "正式党员", "2001.7"],
    [4, "甲五", "男", idn(5), "第一党支部", "预备党员", "2021.7"],
    [5, "甲六", "男", idn(6), "第一党支部", "正式", "2001.7"],
    [6, "甲七", "男", idn(7), "第一党支部", "正式党员", "2001.7"],
    [7, "乙一", "女", idn(21), "第二党支部", "正式党员", "1999.7"],
    [8, "乙二", "女", idn(22), "第二党支部", "积极分子", "1999.7"],  # bad category
    [9, "乙三", "女", "330327198001010000", "第二党支部", "正式党员", "1999.7"],  # bad ID
]
HOST_ROWS = [
    [1, "甲四", idn(4), "灵溪镇", "2021.5", HOST, "13900000004"],
    [2, "甲五", idn(5), "灵溪镇", "2021.6", HOST, "13900000005"],
    [3, "丙一", idn(31), "灵溪镇", "2021.7", HOST, "13900000031"],  # not in the census → 漏报
    [4, "丁一", idn(41), "钱库镇", "2021.7", HOST, "13900000041"],  # another township's 漏报
]


def build(write_xlsx, tmp_path, extra: dict | None = None):
    folder = tmp_path / "raw"
    write_xlsx(
        "2022-04_灵溪镇_普查.xlsx",
        {"流动党员": [[*HEADER, "流入地党组织"], *CENSUS]},
        folder=folder,
    )
    write_xlsx(
        "灵溪镇党员名册_2022-04.xlsx",
        {"名册": [["灵溪镇党员名册（2022年4月）"], ROSTER_HEADER, *ROSTER]},
        folder=folder,
    )
    write_xlsx(
        "报到名单_2022年4月.xlsx",
        {"报到": [[f"{HOST}流动党员报到名单"], HOST_HEADER, *HOST_ROWS]},
        folder=folder,
    )
    for name, sheets in (extra or {}).items():
        write_xlsx(name, sheets, folder=folder)
    db = tmp_path / "census.duckdb"
    report = ingest_paths([folder], db=db)
    return warehouse.connect_readonly(db), {f.file: f for f in report.files}


@pytest.fixture
def checked(write_xlsx, tmp_path):
    return build(write_xlsx, tmp_path)


def lists(con) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    for name, who, how in con.execute(
        "select list, name, match_method from mart_check_lists order by list, name"
    ).fetchall():
        found.setdefault(name, []).append((who, how))
    return found


def test_the_registers_are_recognised_and_bad_rows_quarantined(checked):
    con, files = checked
    roster = files["灵溪镇党员名册_2022-04.xlsx"]
    assert (roster.status, roster.rows_loaded, roster.rows_rejected) == ("loaded", 7, 2)
    assert files["报到名单_2022年4月.xlsx"].rows_loaded == 4
    assert files["2022-04_灵溪镇_普查.xlsx"].rows_loaded == len(CENSUS)  # not mixed in
    reasons = dict(
        con.execute(
            "select excel_row, reason from quarantine where file_name like '%名册%'"
        ).fetchall()
    )
    assert set(reasons) == {10, 11}
    assert "人员类别" in reasons[10] and "校验位" in reasons[11]
    values = [v for (v,) in con.execute("select value from quarantine").fetchall()]
    assert "330327198001010000" not in values  # IDs only masked
    [(members,)] = con.execute("select count(*) from members").fetchall()
    assert members == len(CENSUS)


def test_census_rows_not_on_the_roster(checked):
    assert lists(checked[0])["不在册"] == [("甲二", None)]


def test_a_name_only_roster_match_is_flagged_weaker(checked):
    assert lists(checked[0])["名册身份证号不符"] == [("甲三", "姓名+出生年月（较弱）")]


def test_host_lists(checked):
    found = lists(checked[0])
    assert found["双重管理确认"] == [("甲五", "身份证号"), ("甲四", "身份证号")]
    assert found["找回"] == [("甲五", "身份证号")]
    assert found["流入地未列名"] == [("甲六", None)]  # 甲七's host sent no register
    assert found["漏报"] == [("丁一", None), ("丙一", None)]
    [(phone,)] = (
        checked[0].execute("select host_phone from mart_check_lists where list = '找回'").fetchall()
    )
    assert phone == "13900000005"  # the host's contact, to find the member again


def test_the_roster_gives_the_denominator_when_no_branch_sheet(checked):
    rows = (
        checked[0]
        .execute(
            "select branch, members_total, members_total_source, probationary_roster "
            "from mart_check_branch_totals order by branch"
        )
        .fetchall()
    )
    assert rows == [("第一党支部", 6, "党员名册", 1), ("第二党支部", 1, "党员名册", 0)]


def test_a_branch_sheet_wins_over_the_roster(write_xlsx, tmp_path):
    con, _ = build(
        write_xlsx,
        tmp_path,
        {
            "2022-04_灵溪镇_支部.xlsx": {
                "流动党员": [[*HEADER, "流入地党组织"], census_row(8, "甲八")],
                "支部情况": [["支部名称", "党员总数"], ["第一党支部", 40]],
            }
        },
    )
    rows = con.execute(
        "select branch, members_total, members_total_source from mart_check_branch_totals "
        "order by branch"
    ).fetchall()
    assert rows == [("第一党支部", 40, "支部情况表"), ("第二党支部", 1, "党员名册")]


def test_a_host_confirmed_member_is_no_two_nots(checked):
    # 甲五 has no 流入地党组织 in the census and no contact for months, but a host lists them
    due = (
        checked[0]
        .execute("select m.name from mart_duty_list as m where rule = 'two_nots' order by name")
        .fetchall()
    )
    assert ("甲五",) not in due and ("甲二",) in due


def test_a_new_roster_replaces_the_old_one_and_keeps_history(write_xlsx, tmp_path):
    con, _ = build(write_xlsx, tmp_path)
    con.close()
    write_xlsx(
        "灵溪镇党员名册_2022-04_更正.xlsx",
        {"名册": [["灵溪镇党员名册（2022年4月）"], ROSTER_HEADER, *ROSTER[:6], [7, "甲二", "男", idn(2), "第一党支部", "正式党员", "2001.7"]]},
        folder=tmp_path / "raw",
    )  # fmt: skip
    report = ingest_paths([tmp_path / "raw"], db=tmp_path / "census.duckdb")
    assert {f.file: f.status for f in report.files}[
        "灵溪镇党员名册_2022-04_更正.xlsx"
    ] == "replaced"
    con = warehouse.connect_readonly(tmp_path / "census.duckdb")
    assert "不在册" not in lists(con)
    [(current, old)] = con.execute(
        "select count(*) filter (where is_current), count(*) filter (where not is_current) "
        "from register_rows where kind = 'roster'"
    ).fetchall()
    assert (current, old) == (7, 7)


def test_a_register_without_a_wave_is_rejected_whole(write_xlsx, tmp_path):
    folder = tmp_path / "raw"
    write_xlsx("党员名册.xlsx", {"名册": [ROSTER_HEADER, *ROSTER[:2]]}, folder=folder)
    report = ingest_paths([folder], db=tmp_path / "census.duckdb")
    [result] = report.files
    assert result.status == "rejected" and "普查批次" in result.error


def test_the_demo_registers_plant_the_stated_mismatches(tmp_path):
    from pipeline.demo.census import generate
    from pipeline.demo.registers import generate_registers

    folder = tmp_path / "demo"
    generate(folder)
    generate_registers(folder)
    report = ingest_paths([folder], db=tmp_path / "demo.duckdb")
    expected = register_manifest()
    by_file = {f.file: f for f in report.files}
    roster = next(f for name, f in by_file.items() if "党员名册（2022年4月）" in name)
    assert roster.rows_loaded == expected["roster_rows_loaded"]
    assert roster.rows_rejected == expected["roster_rows_rejected"]
    con = warehouse.connect_readonly(tmp_path / "demo.duckdb")
    counts = dict(
        con.execute("select list, count(*) from mart_check_lists group by list").fetchall()
    )
    assert counts == {
        "不在册": expected["not_on_roster"],
        "名册身份证号不符": expected["roster_weak_matches"],
        "双重管理确认": expected["dual_confirmed"],
        "找回": expected["found_again"],
        "流入地未列名": expected["host_not_listing"],
        "漏报": expected["missing_at_home"],
    }
    [(weak,)] = con.execute(
        "select count(*) from mart_check_lists where list = '双重管理确认' "
        "and match_method like '%较弱%'"
    ).fetchall()
    assert weak == expected["host_weak_matches"]
    totals = dict(
        con.execute(
            "select branch, members_total from mart_check_branch_totals "
            "where township = ? and wave = ? and members_total_source = '党员名册'",
            [expected["roster_township"], expected["wave"]],
        ).fetchall()
    )
    assert totals == expected["roster_totals"]


def test_homonyms_never_pair_up_by_name(write_xlsx, tmp_path):
    # Two census members 甲九 born the same month; the roster lists a 甲九 under a third ID:
    # a name match cannot say which one, so both stay 不在册.
    twins = [census_row(11, "甲九", birth="19900303"), census_row(12, "甲九", birth="19900315")]
    roster = [[1, "甲九", "男", idn(13, "19900320"), "第一党支部", "正式党员", "2010.7"]]
    folder = tmp_path / "raw"
    write_xlsx("2022-04_宜山镇_普查.xlsx", {"流动党员": [[*HEADER, "流入地党组织"], *[[*r[:5], "宜山镇", *r[6:]] for r in twins]]}, folder=folder)  # fmt: skip
    write_xlsx("宜山镇党员名册_2022-04.xlsx", {"名册": [ROSTER_HEADER, *roster]}, folder=folder)
    ingest_paths([folder], db=tmp_path / "census.duckdb")
    con = warehouse.connect_readonly(tmp_path / "census.duckdb")
    assert lists(con) == {"不在册": [("甲九", None), ("甲九", None)]}
