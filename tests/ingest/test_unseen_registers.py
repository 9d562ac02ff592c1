"""Registers worded, marked and laid out the ways this project had not seen (issue 14), through
real workbooks (xlsxwriter, openpyxl) and CSV files into the warehouse."""

from __future__ import annotations

import csv
import json
import re
from datetime import date

import openpyxl
import pytest
import xlsxwriter
import xlwt

from pipeline.cli.commands import main, stats_rows
from pipeline.ingest.batch import ingest_paths
from pipeline.warehouse.store import connect_readonly
from tests.conftest import valid_id

IDS = [valid_id(f"330327198{i}0101123") for i in range(10)]


def _fetch(db, sql, params=()):
    con = connect_readonly(db)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def _csv(folder, name, rows):
    path = folder / name
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([["" if v is None else v for v in row] for row in rows])
    return path


@pytest.fixture(params=["xlsx", "csv"])
def register(request, write_xlsx, tmp_path):
    """Write rows as a real workbook or as a CSV file, by the same name."""

    def write(name: str, rows: list[list]):
        if request.param == "csv":
            return _csv(tmp_path, f"{name}.csv", rows)
        return write_xlsx(f"{name}.xlsx", {"名单": rows})

    return write


# ------------------------------------------------------------------- kind 1: header words


def test_headers_with_words_around_them_map(register, isolated_env):
    header = [
        "序号 No.",
        "*姓名 Name",
        "身份证号 ID No.",
        "所在党支部\n(全称)",
        "流出\n时间",
        "流入省(区、市)",
        "流入市(州)",
        "流入县(市、区)",
        "持证情况",
        "联系情况 Status",
    ]
    rows = [
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "浙江省", "温州市", "鹿城区", "有", "正常"],
        [2, "乙", IDS[1], "城东村党支部", "2021.3", "浙江省", "温州市", "龙湾区", "无", "正常"],
        [3, "丙", IDS[2], "城东村党支部", "2021.3", "浙江省", "杭州市", "西湖区", "有", "失联"],
    ]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.status, result.rows_loaded, result.unmapped) == ("loaded", 3, [])
    assert _fetch(db, "select flow_scope, has_certificate from members order by excel_row") == [
        ("市内跨县", True),
        ("市内跨县", False),
        ("省内跨市", True),
    ]
    assert stats_rows(db)[0]["scope"] == {"省内跨市": 1, "市内跨县": 2}


# ------------------------------------------------------------------- kind 2: ditto marks


def test_ditto_marks_take_the_value_above(register, isolated_env):
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地", "从事职业"]
    rows = [
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "上海市闵行区", "制造业"],
        [2, "乙", IDS[1], "〃", "2021.4", "同上", "〃"],
        [3, "丙", IDS[2], "〃", "2021.5", "〃", "同上"],
        [4, "丁", IDS[3], "城西村党支部", "2021.6", "浙江省杭州市", "″"],
    ]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (4, 0)
    assert _fetch(
        db, "select branch, dest_province, occupation from members order by excel_row"
    ) == [
        ("城东村党支部", "上海市", "制造业"),
        ("城东村党支部", "上海市", "制造业"),
        ("城东村党支部", "上海市", "制造业"),
        ("城西村党支部", "浙江省", "制造业"),
    ]
    assert any("“所在党支部”列有 2 个" in n for n in result.notices)


def test_a_correction_for_one_ditto_branch_replaces_that_branch_only(write_xlsx, isolated_env):
    """The field case: a later correction of one branch no longer rejects the members whose
    branch was written as 〃 (they belong to their real branch, not to a branch named 〃)."""
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"]
    first = [
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "上海"],
        [2, "乙", IDS[1], "〃", "2021.3", "上海"],
        [3, "丙", IDS[2], "城西村党支部", "2021.3", "上海"],
    ]
    fix = [  # the correction spells the branch out
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "杭州"],
        [2, "乙", IDS[1], "城东村党支部", "2021.3", "杭州"],
    ]
    db = isolated_env / "w.duckdb"
    ingest_paths([write_xlsx("2022-04_灵溪镇_a.xlsx", {"名单": [header, *first]})], db=db)
    [result] = ingest_paths(
        [write_xlsx("2022-04_灵溪镇_b.xlsx", {"名单": [header, *fix]})], db=db
    ).files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("replaced", 2, 0)
    assert _fetch(db, "select count(*) from members where is_current") == [(3,)]


# ------------------------------------------------------------------- kind 3: hidden sheets


def _register_rows(wave_title: str, n: int, first_id: int = 0) -> list[list]:
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"]
    return [
        [wave_title],
        header,
        *[
            [i + 1, f"党员{i}", IDS[first_id + i], "城东村党支部", "2021.3", "上海"]
            for i in range(n)
        ],
    ]


def test_a_hidden_sheet_is_not_read_and_is_named(tmp_path, isolated_env):
    path = tmp_path / "灵溪镇流动党员台账.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, rows, hidden in (
        ("台账", _register_rows("灵溪镇2023年8月流动党员普查表", 2), False),
        ("旧表(勿删)", _register_rows("灵溪镇2022年4月流动党员普查表", 3, 2), True),
        ("填表说明", [["1. 姓名填写全名"], ["2. 身份证号填写18位"]], False),
        ("备忘", [["下周一前报送"]], False),
    ):
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
        if hidden:
            sheet.hide()
    book.close()
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.status, result.wave, result.rows_loaded) == ("loaded", "2023-08", 2)
    assert result.hidden_sheets == ["旧表(勿删)"]
    assert result.notices == [
        "隐藏的工作表“旧表(勿删)”未读取（隐藏表不属于本次上报）",
        "工作表“填表说明”是填表说明或示例，未读取",
        "工作表“备忘”中没有可识别的表头，未读取",
    ]
    assert _fetch(db, "select distinct wave, sheet from members") == [("2023-08", "台账")]


def test_a_very_hidden_sheet_is_not_read_either(tmp_path, isolated_env):
    path = tmp_path / "2023-08_灵溪镇_台账.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "台账"
    for row in _register_rows("", 2)[1:]:
        book.active.append(row)
    stale = book.create_sheet("备份")
    for row in _register_rows("", 3, 2)[1:]:
        stale.append(row)
    stale.sheet_state = "veryHidden"
    book.save(path)
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert (result.rows_loaded, result.hidden_sheets) == (2, ["备份"])


def test_a_file_whose_only_register_is_hidden_says_so(tmp_path, isolated_env):
    path = tmp_path / "2023-08_灵溪镇_台账.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "说明"
    stale = book.create_sheet("名单")
    for row in _register_rows("", 2)[1:]:
        stale.append(row)
    stale.sheet_state = "hidden"
    book.save(path)
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert result.status == "rejected"
    assert "隐藏" in result.error and "名单" in result.error


# ------------------------------------------------------------------- kind 4: dates


DATE_FORMS = [
    ("21年3月", date(2021, 3, 1)),
    ("二〇二一年三月", date(2021, 3, 1)),
    ("2021.3-至今", date(2021, 3, 1)),
    ("2019.8～至今", date(2019, 8, 1)),
    ("2023年10月至今", date(2023, 10, 1)),
    ("2020年12月起", date(2020, 12, 1)),
    ("约2018年5月", date(2018, 5, 1)),
    ("2017.6（春节后）", date(2017, 6, 1)),
]


def test_dates_an_analyst_reads_at_once(register, isolated_env):
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"]
    rows = [
        [i + 1, f"党员{i}", IDS[i], "城东村党支部", text, "上海"]
        for i, (text, _) in enumerate(DATE_FORMS)
    ]
    path = register("2023-12_灵溪镇_流动党员普查", [header, *rows])
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (len(DATE_FORMS), 0)
    got = [d for (d,) in _fetch(db, "select outflow_date from members order by excel_row")]
    assert got == [d for _, d in DATE_FORMS]


@pytest.mark.parametrize("writer", ["xlsxwriter", "openpyxl"])
def test_a_month_typed_into_a_two_decimal_cell_is_the_month_shown(writer, tmp_path, isolated_env):
    """2023.10 typed into a 0.00 cell is stored 2023.1 and shown 2023.10: October. The same
    number in a General cell shows 2023.1: January; 2021.3 shown 2021.30 is still March."""
    path = tmp_path / "2023-12_灵溪镇_流动党员普查.xlsx"
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"]
    cells = [(2023.1, "0.00"), (2023.1, None), (2021.3, "0.00"), (2022.11, "#,##0.00")]
    if writer == "xlsxwriter":
        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet("名单")
        sheet.write_row(0, 0, header)
        for i, (value, fmt) in enumerate(cells):
            sheet.write_row(i + 1, 0, [i + 1, f"党员{i}", IDS[i], "城东村党支部"])
            style = book.add_format({"num_format": fmt}) if fmt else None
            sheet.write_number(i + 1, 4, value, style)
            sheet.write(i + 1, 5, "上海")
        book.close()
    else:
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.append(header)
        for i, (value, fmt) in enumerate(cells):
            sheet.append([i + 1, f"党员{i}", IDS[i], "城东村党支部", value, "上海"])
            if fmt:
                sheet.cell(i + 2, 5).number_format = fmt
        book.save(path)
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert result.rows_loaded == 4
    got = [d for (d,) in _fetch(db, "select outflow_date from members order by excel_row")]
    assert got == [date(2023, 10, 1), date(2023, 1, 1), date(2021, 3, 1), date(2022, 11, 1)]


# ------------------------------------------------------------------- kind 5: filling-row wave


def test_the_wave_from_the_filling_row_with_a_notice(register, isolated_env):
    rows = [
        ["灵溪镇流动党员登记表"],
        ["填报单位：灵溪镇党委", None, None, "填报时间：2022年4月30日"],
        ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"],
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "上海"],
    ]
    path = register("灵溪镇台账", rows)
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert (result.status, result.wave, result.wave_from) == ("loaded", "2022-04", "填报时间")
    assert any("填报时间" in n and "2022-04" in n for n in result.notices)


def test_a_filling_row_below_the_members_names_the_wave_too(write_xlsx, isolated_env):
    rows = [
        ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"],
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "上海"],
        [],
        ["填表人：张某", None, None, "填报日期：2023年8月31日"],
    ]
    path = write_xlsx("灵溪镇台账.xlsx", {"名单": rows})
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert (result.status, result.wave) == ("loaded", "2023-08")


@pytest.mark.parametrize(
    ("title", "filled_above", "filled_below"),
    [
        ("灵溪镇2022年4月流动党员普查表", "填报时间：2022年5月6日", None),
        # R11: the title's month in Chinese numerals, the filling date under the table
        ("苍南县灵溪镇流动党员普查登记表（二〇二二年四月）", None, "填表日期：2022年5月6日"),
    ],
)
def test_a_named_wave_wins_over_the_filling_date(
    register, isolated_env, title, filled_above, filled_below
):
    rows = [
        [title],
        *([[filled_above]] if filled_above else []),
        ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"],
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "上海"],
        *([[], ["填表人：王伟", None, None, filled_below]] if filled_below else []),
    ]
    [result] = ingest_paths([register("台账", rows)], db=isolated_env / "w.duckdb").files
    assert (result.wave, result.wave_from) == ("2022-04", "标题")
    assert not any("填报时间" in n for n in result.notices)


# ------------------------------------------------------------------- file health (需核对)


def test_a_file_whose_figures_look_wrong_is_marked_for_review(register, isolated_env, capsys):
    header = [
        "序号",
        "姓名",
        "身份证号",
        "所在党支部",
        "流出时间",
        "现在在哪儿干活的地方",
        "外出地址信息",
    ]
    rows = [
        [1, "甲", IDS[0], "1", "2021.3", "义乌", "火星"],
        [2, "乙", IDS[1], "城东村党支部", "不记得", "上海", "月球"],
        [3, "丙", IDS[2], "城东村党支部", "2021.3", "杭州", "上海"],
    ]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    db = isolated_env / "w.duckdb"
    code = main(["ingest", str(path), "--db", str(db), "--json"])
    [entry] = json.loads(capsys.readouterr().out)["files"]
    assert code == 0 and entry["status"] == "loaded"
    notices = "\n".join(entry["notices"])
    assert "需核对" in notices
    assert "流入地缺失或无法识别" in notices  # 2 of 2 outflow members: 火星, 上海 is 1 of 2
    assert "无法识别为日期" in notices  # 1 of 3 outflow dates
    assert "所在党支部只是数字" in notices
    assert _fetch(db, "select count(*) from file_notices") == [(len(entry["notices"]),)]
    main(["ingest", str(path), "--db", str(isolated_env / "v.duckdb")])
    assert "【需核对】" in capsys.readouterr().out


def test_an_unmapped_column_that_looks_like_a_field_is_named(register, isolated_env):
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地", "活动证持有"]
    rows = [[1, "甲", IDS[0], "城东村党支部", "2021.3", "上海", "有"]]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    # a rule takes 活动证 words as the certificate; nothing needs review
    assert result.unmapped == [] and not result.needs_review
    header[-1] = "回乡与否"
    path = register("2022-04_灵溪镇_流动党员普查2", [header, *rows])
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert result.needs_review
    assert any("“回乡与否”列像是“是否返乡”" in n for n in result.notices)


def test_a_healthy_file_has_no_notices(register, isolated_env, capsys):
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"]
    rows = [[1, "甲", IDS[0], "城东村党支部", "2021.3", "上海"]]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    assert main(["ingest", str(path), "--db", str(isolated_env / "w.duckdb"), "--json"]) == 0
    assert "notices" not in json.loads(capsys.readouterr().out)["files"][0]


def test_a_template_instruction_row_under_the_header_is_nobody(register, isolated_env):
    rows = [
        ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"],
        [None, "（必填）", "（18位）", "（全称）", "如2021.03", "（省市县）"],
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "上海"],
    ]
    path = register("2022-04_灵溪镇_流动党员普查", rows)
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert (result.rows_loaded, result.rows_rejected) == (1, 0)


def test_numbered_headers_and_a_yes_no_dual_management_column(register, isolated_env):
    header = ["1.序号", "2.姓名", "3.身份证号", "4.所在党支部", "5.外出务工经商时间",
              "6.外出务工经商地点", "7.是否纳入流入地党组织管理"]  # fmt: skip
    rows = [
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "上海", "是"],
        [2, "乙", IDS[1], "城东村党支部", "2021.3", "上海", "否"],
        [3, "丙", IDS[2], "城东村党支部", "2021.3", "上海", "x"],
    ]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.unmapped) == (3, [])
    assert _fetch(db, "select inflow_org, dest_province from members order by excel_row") == [
        ("是", "上海市"),
        (None, "上海市"),
        (None, "上海市"),
    ]


def test_fields_worded_as_a_question_or_an_act(register, isolated_env):
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地", "是否返乡",
              "返乡时间", "是否返乡创业", "发放流动党员活动证"]  # fmt: skip
    rows = [
        [1, "甲", IDS[0], "城东村党支部", "2021.3", "上海", "是", "2022.1", "是", "已发放"],
        [2, "乙", IDS[1], "城东村党支部", "2021.3", "上海", "是", "2022.1", "否", "未领取"],
        [3, "丙", IDS[2], "城东村党支部", "2021.3", "上海", "否", None, "否", "无证"],
    ]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected, result.unmapped) == (3, 0, [])
    assert _fetch(db, "select enterprise, has_certificate from members order by excel_row") == [
        ("是", True),
        (None, False),
        (None, False),
    ]
    [stats] = stats_rows(db)
    assert (stats["returnees"], stats["enterprises"]) == (2, 1)


def test_values_outvote_a_header_rule_but_not_the_usual_word(register, isolated_env):
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地", "联系时间"]
    rows = [
        [i + 1, f"党员{i}", IDS[i], "城东村党支部", "2021.3", "上海", text]
        for i, text in enumerate(["每月一次", "电话联系", "微信", "2022.3"])
    ]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (4, 0)
    assert result.unmapped and result.unmapped[0].endswith(":联系时间")
    assert any("“联系时间”列按表头像是“最近联系时间”，但多数内容不是" in n for n in result.notices)
    extra = _fetch(db, "select extra from members order by excel_row")
    assert json.loads(extra[0][0]) == {"联系时间": "每月一次"}  # kept with the row

    header[-1] = "最近联系时间"  # the usual word: its bad values are the rows' problem
    path = register("2022-04_灵溪镇_流动党员普查2", [header, *rows])
    [result] = ingest_paths([path], db=isolated_env / "v.duckdb").files
    # an unreadable date is left blank with a warning (spec §3 rejects no row for it)
    assert (result.rows_loaded, result.rows_rejected) == (4, 0)
    warned = _fetch(
        isolated_env / "v.duckdb",
        "select count(*) from warnings where field = 'last_contact_date' and reason like '%已留空%'",
    )
    assert warned == [(3,)]


def test_a_space_typed_inside_a_branch_name_is_the_same_branch(write_xlsx, isolated_env):
    """ "岱岭村 党支部" and "岱岭村　党支部" are 岱岭村党支部: they meet its 支部情况 total, and
    a correction naming the branch without the space replaces them. Kept, the space made a
    second branch that no correction replaced: its members counted twice."""
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"]
    first = write_xlsx(
        "2023-06_岱岭畲族乡_名单.xlsx",
        {
            "名单": [
                header,
                [1, "张三", IDS[0], "岱岭村 党支部", "2021.3", "上海"],
                [2, "李四", IDS[1], "岱岭村\u3000党支部", "2021.3", "上海"],
            ],
            "支部情况": [["支部名称", "党员总数"], ["岱岭村党支部", 40]],
        },
    )
    db = isolated_env / "w.duckdb"
    ingest_paths([first], db=db)
    assert _fetch(db, "select branch, outflow, members_total from mart_branch_wave") == [
        ("岱岭村党支部", 2, 40)
    ]
    correction = write_xlsx(
        "2023-06_岱岭畲族乡_名单_更正.xlsx",
        {"名单": [header, [1, "张三", IDS[0], "岱岭村党支部", "2021.3", "上海"]]},
    )
    [result] = ingest_paths([correction], db=db).files
    assert result.status == "replaced", result
    assert _fetch(db, "select name from members where is_current") == [("张三",)]


def test_a_register_with_no_member_rows_is_refused_with_a_reason(register, isolated_env):
    """A header and a 合计 row only: once "loaded, 0 rows" with nothing stored, so the
    township looked reported on the upload page and was missing from every figure."""
    path = register(
        "2023-06_炎亭镇_流动党员普查",
        [["炎亭镇流动党员普查登记表"], ["序号", "姓名", "身份证号", "流出时间"], ["合计", "0人"]],
    )
    [result] = ingest_paths([path], db=isolated_env / "w.duckdb").files
    assert result.status == "rejected"
    assert result.error.startswith("名单中没有任何党员记录")


def test_a_web_page_table_named_xls_loads_like_the_sheet_excel_shows(tmp_path, isolated_env):
    """Systems "export to Excel" as an HTML page named .xls; Excel opens it, analysts send it.
    It was refused; its members now load (an ID kept as text, the 合计 and signature rows out)."""
    cells = lambda row: "".join(f"<td>{v}</td>" for v in row)  # noqa: E731
    rows = [
        ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"],
        [1, "张三", IDS[0], "城东村党支部", "2021.3", "上海"],
        [2, "李四", IDS[1], "城东村党支部", "2023.1", "杭州"],
    ]
    page = (
        '<html><head><meta charset="utf-8"></head><body><table>'
        '<tr><td colspan="6">灵溪镇流动党员普查登记表（2023年6月）</td></tr>'
        + "".join(f"<tr>{cells(r)}</tr>" for r in rows)
        + '<tr><td>合计</td><td colspan="5">2人</td></tr>'
        + '<tr><td colspan="6">填表人：王五 联系电话：13812345678</td></tr></table></body></html>'
    )
    path = tmp_path / "灵溪镇_系统导出.xls"
    path.write_text(page, encoding="utf-8")
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 0)
    [row] = stats_rows(db)
    assert (row["township"], row["wave"], row["outflow"], row["long_term"]) == (
        "灵溪镇",
        "2023-06",
        2,
        1,
    )


@pytest.mark.parametrize("spelt", ["plain", "prefixed", "xls"])
def test_a_hidden_column_gives_way_to_the_visible_one(spelt, tmp_path, isolated_env):
    """Last wave's 联系状态 kept in a hidden column left of this wave's: the hidden one was
    read, and every status flipped (lost contact 1 of 2 became 1 of 2 the other way round,
    silently). The visible column is read and the file says the hidden one was not; a hidden
    column naming a field no visible column names is still read (an ID column hidden to print)."""
    path = tmp_path / "2023-06_灵溪镇_名单.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["序号", "姓名", "身份证号", "流出时间", "联系状态", "联系状态"])
    sheet.append([1, "张三", IDS[0], "2021.3", "失联", "正常"])
    sheet.append([2, "李四", IDS[1], "2021.3", "正常", "失联"])
    sheet.column_dimensions["C"].hidden = True
    sheet.column_dimensions["E"].hidden = True
    book.save(path)
    if spelt == "xls":  # Excel 2003 / WPS: the COLINFO record's hidden bit
        legacy = xlwt.Workbook(encoding="utf-8")
        legacy_sheet = legacy.add_sheet("Sheet")
        for r, row in enumerate(sheet.iter_rows(values_only=True)):
            for c, value in enumerate(row):
                legacy_sheet.write(r, c, value)
        legacy_sheet.col(2).hidden = legacy_sheet.col(4).hidden = True
        path = path.with_suffix(".xls")
        legacy.save(str(path))
    if spelt == "prefixed":  # as the Open XML SDK writes: read in the contained process
        import zipfile

        with zipfile.ZipFile(path) as zf:
            parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
        xml = parts["xl/worksheets/sheet1.xml"].decode()
        xml = re.sub(r"<(/?)(?![?!])([A-Za-z]\w*)", r"<\1x:\2", xml)
        parts["xl/worksheets/sheet1.xml"] = xml.replace('xmlns="http', 'xmlns:x="http', 1).encode()
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in parts.items():
                zf.writestr(name, data)
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert result.rows_loaded == 2
    assert "工作表“Sheet”中隐藏的列“联系状态”未读取（已读取内容相同的可见列）" in result.notices
    got = _fetch(db, "select name, contact_status, id_masked is not null from members order by 1")
    assert got == [("张三", "正常", True), ("李四", "失联", True)]


def test_a_usual_column_word_none_of_whose_answers_reads_loses_the_column_not_the_members(
    register, isolated_env
):
    """联系状态 answered 是/否/√/×/1/0: every member was rejected and the township was gone from
    the figures. Now the members load, lost contact is 未填报, and the file says why; a
    身份证号 column of wrong numbers still costs its rows."""
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地", "联系状态"]
    rows = [
        [i + 1, f"党员{i}", IDS[i], "城东村党支部", "2021.3", "上海", text]
        for i, text in enumerate(["是", "否", "√", "×"])
    ]
    path = register("2022-04_灵溪镇_流动党员普查", [header, *rows])
    db = isolated_env / "w.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.rows_loaded, result.rows_rejected) == (4, 0)
    assert any("“联系状态”列没有一项能读作“联系状态”" in n for n in result.notices)
    [row] = stats_rows(db)
    assert row["outflow"] == 4 and row["lost_contact"] is None

    ids = [[*r[:2], f"3303271980{i:08d}", *r[3:]] for i, r in enumerate(rows)]
    path = register("2022-04_灵溪镇_流动党员普查2", [header[:-1], *[r[:-1] for r in ids]])
    [result] = ingest_paths([path], db=isolated_env / "v.duckdb").files
    assert (result.rows_loaded, result.rows_rejected) == (0, 4)
