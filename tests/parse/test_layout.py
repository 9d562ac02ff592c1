"""Layout recovery on real workbooks written from literal rows."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from pipeline.intake.readers import read_sheets
from pipeline.parse import row_kinds
from pipeline.parse.context_hints import township_from_text, wave_from_text
from pipeline.parse.layout import parse_workbook

TITLE = ["灵溪镇流动党员普查登记表"]
FILLING = ["填报单位：中共灵溪镇委员会    普查时间：2022年4月"]


def test_title_two_level_header_merges_and_footer(write_xlsx):
    rows = [
        TITLE,
        FILLING,
        ["序号", "姓名", "身份证号", "所在党支部", "流入地", None, None, "联系状态"],
        [None, None, None, None, "省", "市", "县(区)", None],
        [1, "张三", "33032719800101123X", "第一党支部", "上海市", "上海市", "闵行区", "正常"],
        [2, "李四", None, None, "浙江省", "杭州市", "西湖区", "失联"],  # branch merged from above
        [None, None, None, None, None, None, None, None],
        [3, "王五", None, "第二党支部", "浙江省", "温州市", "苍南县", "正常"],
        ["合计", "3人"],
        ["注：本表由村支部填写"],
        ["填表人：        审核人："],
    ]
    merges = ["A1:H1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:G3", "H3:H4", "D5:D6"]
    book = parse_workbook(read_sheets(write_xlsx("t.xlsx", {"登记表": rows}, {"登记表": merges})))
    [table] = book.tables
    frame = table.members
    assert frame["name"].tolist() == ["张三", "李四", "王五"]
    assert frame["excel_row"].tolist() == [5, 6, 8]
    assert frame["branch"].tolist() == ["第一党支部", "第一党支部", "第二党支部"]
    assert frame["dest_county"].tolist() == ["闵行区", "西湖区", "苍南县"]
    assert {c.label: c.field for c in table.columns}["流入地/市"] == "dest_city"
    assert wave_from_text(book.context_text) == "2022-04"
    assert township_from_text(book.context_text) == "灵溪镇"


def test_group_headers_over_bare_words_name_their_columns(write_xlsx):
    """外出情况 over 时间 | 地点 | 从事职业, 联系情况 over 最近联系时间 | 状态, 返乡情况 over
    是否返乡 | 时间 | 创办企业 | 带动就业人数: the bare words are read with their group's
    (联系情况 alone once took the dates under it for 联系状态, and every member was rejected)."""
    rows = [
        ["南宋镇流动党员普查登记表（2023年6月）"],
        [
            "序号",
            "姓名",
            "所在党支部",
            "外出情况",
            None,
            None,
            "联系情况",
            None,
            "返乡情况",
            None,
            None,
            None,
        ],
        [
            None,
            None,
            None,
            "时间",
            "地点",
            "从事职业",
            "最近联系时间",
            "状态",
            "是否返乡",
            "时间",
            "创办企业",
            "带动就业人数",
        ],
        [
            1,
            "张三",
            "南宋村党支部",
            "2019.5",
            "上海市闵行区",
            "制造业",
            "2023-05-02",
            "正常",
            "是",
            "2022-10",
            "张三农场",
            6,
        ],
    ]
    merges = ["A2:A3", "B2:B3", "C2:C3", "D2:F2", "G2:H2", "I2:L2"]
    book = parse_workbook(read_sheets(write_xlsx("g.xlsx", {"表": rows}, {"表": merges})))
    [table] = book.tables
    fields = {c.label: c.field for c in table.columns}
    assert fields == {
        "序号": "seq",
        "姓名": "name",
        "所在党支部": "branch",
        "外出情况/时间": "outflow_date",
        "外出情况/地点": "destination",
        "外出情况/从事职业": "occupation",
        "联系情况/最近联系时间": "last_contact_date",
        "联系情况/状态": "contact_status",
        "返乡情况/是否返乡": "returned",
        "返乡情况/时间": "return_date",
        "返乡情况/创办企业": "enterprise",
        "返乡情况/带动就业人数": "jobs_created",
    }
    assert table.members["contact_status"].tolist() == ["正常"]


TWO_TABLES = [
    ["霞关镇流动党员普查登记表（2023年8月）"],
    ["一、外出流动党员"],
    ["序号", "姓名", "性别", "身份证号", "所在党支部", "流出时间", "流入地", "联系状态"],
    [1, "张三", "男", "33032719800101123X", "南坪村党支部", "2019.5", "上海市闵行区", "正常"],
    [2, "李四", "女", "330327198002021234", "南坪村党支部", "2020.1", "杭州市西湖区", "失联"],
    [],
    ["二、返乡流动党员"],
    ["序号", "姓名", "身份证号", "所在党支部", "返乡时间", "创办企业", "带动就业人数"],
    [1, "王五", "330327197003031234", "霞关社区党支部", "2022-10", "王五渔业", 6],
]


def test_a_second_table_under_the_first_is_read_by_its_own_header(write_xlsx):
    """一、外出 then 二、返乡 with other columns in one sheet: the second table's names were read
    as ID numbers with the first table's columns, and every returnee was rejected."""
    book = parse_workbook(read_sheets(write_xlsx("two.xlsx", {"流动党员": TWO_TABLES})))
    first, second = book.tables
    assert first.members["name"].tolist() == ["张三", "李四"]
    assert first.members["excel_row"].tolist() == [4, 5]
    assert second.members["name"].tolist() == ["王五"]
    assert second.members["id_number"].tolist() == ["330327197003031234"]
    assert second.members["enterprise"].tolist() == ["王五渔业"]
    assert second.members["excel_row"].tolist() == [9]
    assert "二、返乡流动党员" in second.context_text


def test_a_header_repeated_at_a_page_break_is_no_second_table(write_xlsx):
    rows = [
        *TWO_TABLES[2:5],
        TWO_TABLES[2],
        [3, "王五", "男", "330327197003031234", "南坪村党支部"],
    ]
    [table] = parse_workbook(read_sheets(write_xlsx("rep.xlsx", {"表": rows}))).tables
    assert table.members["name"].tolist() == ["张三", "李四", "王五"]


def test_one_sheet_per_branch_and_summary_sheet(write_xlsx):
    header = ["序号", "姓名", "性别", "外出时间", "外出地点"]
    path = write_xlsx(
        "t.xlsx",
        {
            "凤池村党支部": [header, [1, "甲", "男", "2021.3", "杭州"]],
            "渎浦社区党支部": [
                header,
                [1, "乙", "女", "2020年5月", "上海浦东"],
                [2, "丙", "男", "20190101", "义乌"],
            ],
            "支部情况": [
                ["支部名称", "党员总数"],
                ["凤池村党支部", 30],
                ["渎浦社区党支部", 41],
                ["合计", 71],
            ],
        },
    )
    book = parse_workbook(read_sheets(path))
    assert [(t.sheet, len(t.members)) for t in book.tables] == [
        ("凤池村党支部", 1),
        ("渎浦社区党支部", 2),
    ]
    assert book.tables[1].members["sheet_branch"].unique().tolist() == ["渎浦社区党支部"]
    assert book.branch_totals["members_total"].tolist() == [30, 41]


def test_unmapped_columns_are_reported(write_xlsx):
    path = write_xlsx(
        "t.xlsx", {"Sheet1": [["姓名", "性别", "身份证号", "兴趣爱好"], ["甲", "男", None, "钓鱼"]]}
    )
    book = parse_workbook(read_sheets(path))
    assert book.unmapped == ["Sheet1:兴趣爱好"]
    assert book.tables[0].members["extra"].tolist() == [{"兴趣爱好": "钓鱼"}]


def test_sheet_without_header_gives_no_table(write_xlsx):
    path = write_xlsx("t.xlsx", {"说明": [["本表填写说明"], ["请如实填写"]]})
    assert parse_workbook(read_sheets(path)).tables == []


@pytest.mark.parametrize(
    ("merges", "heading_col"),
    [
        (["A2:F2", "A6:F6"], 0),  # the heading merged across the whole row
        ([], 0),  # written in the 序号 column only
        ([], 1),  # written in the name column only
    ],
)
def test_branch_heading_rows_name_the_branch_below(write_xlsx, merges, heading_col):
    def heading(text):
        return [text if c == heading_col else None for c in range(6)]

    rows = [
        ["序号", "姓名", "身份证号", "流出时间", "流入地", "联系电话"],
        heading("莒溪村党支部"),
        [1, "甲一", "33032719850107621X", "2022.1", "杭州", "13605770003"],
        [2, "甲二", None, "2022.1", "杭州", "13605770004"],
        [3, "甲三", None, "2022.1", "杭州", "13605770005"],
        heading("天井村党支部"),
        [1, "乙一", None, "2022.1", "杭州", "13605770007"],
    ]
    merges = {"Sheet1": merges} if merges else None
    [table] = parse_workbook(read_sheets(write_xlsx("h.xlsx", {"Sheet1": rows}, merges))).tables
    frame = table.members
    assert frame["name"].tolist() == ["甲一", "甲二", "甲三", "乙一"]
    assert frame["excel_row"].tolist() == [3, 4, 5, 7]
    assert frame["block_branch"].tolist() == ["莒溪村党支部"] * 3 + ["天井村党支部"]


def test_template_lines_with_only_prefilled_context_are_not_members(write_xlsx):
    header = ["序号", "姓名", "所属乡镇", "所在党支部", "流出时间", "流入地"]
    rows = [
        header,
        [1, "甲", "灵溪镇", "第一党支部", "2021.3", "杭州"],
        [2, None, "灵溪镇", "第一党支部", None, None],
        [3, None, "灵溪镇", None, None, None],
    ]
    book = parse_workbook(read_sheets(write_xlsx("t.xlsx", {"s": rows})))
    assert book.tables[0].members["name"].tolist() == ["甲"]


def test_rows_of_spaces_are_blank_not_missing_names(write_xlsx):
    header = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"]
    rows = [
        header,
        [1, "甲", None, "第一党支部", "2021.3", "杭州"],
        [2, " ", "  ", " ", "   ", " "],
    ]
    book = parse_workbook(read_sheets(write_xlsx("t.xlsx", {"s": rows})))
    assert book.tables[0].members["name"].tolist() == ["甲"]


def test_a_template_example_sheet_is_not_read(write_xlsx):
    header = ["序号", "姓名", "身份证号", "流出时间", "流入地"]
    sheets = {
        "填写示例": [header, [1, "张三", "33032719800101123X", "2021.3", "上海"]],
        "登记表": [header, [1, "李四", "33032719850307123X", "2021.3", "杭州"]],
    }
    book = parse_workbook(read_sheets(write_xlsx("t.xlsx", sheets)))
    assert [t.sheet for t in book.tables] == ["登记表"]


def test_column_numbers_subtotals_and_numbered_headings_are_not_members(write_xlsx):
    rows = [
        ["序号", "姓名", "身份证号", "流出时间", "流入地"],
        ["(1)", "(2)", "(3)", "(4)", "(5)"],
        ["一、城东村党支部（2人）"],
        [1, "甲", None, "2021.3", "杭州"],
        [2, "乙", None, "2021.3", "杭州"],
        [None, "城东村党支部小计", "2人"],
        ["（二）城西村党支部 共1人"],
        [1, "丙", None, "2021.3", "杭州"],
        ["第三支部：城南社区党支部"],
        ["序号", "姓名", "身份证号", "流出时间", "流入地"],  # the header again, numbered again
        [1, 2, 3, 4, 5],
        [1, "丁", None, "2021.3", "杭州"],
    ]
    [table] = parse_workbook(read_sheets(write_xlsx("n.xlsx", {"Sheet1": rows}))).tables
    frame = table.members
    assert frame["name"].tolist() == ["甲", "乙", "丙", "丁"]
    assert frame["block_branch"].tolist() == [
        "城东村党支部",
        "城东村党支部",
        "城西村党支部",
        "城南社区党支部",
    ]


def test_a_header_merged_over_columns_keeps_every_column(write_xlsx):
    rows = [
        ["姓名", "流入地", None, "备注", None],
        ["甲", "浙江省", "杭州市", "务工", "已联系"],
    ]
    merges = {"Sheet1": ["B1:C1", "D1:E1"]}
    [table] = parse_workbook(read_sheets(write_xlsx("m.xlsx", {"Sheet1": rows}, merges))).tables
    frame = table.members
    assert frame[["dest_province", "dest_city"]].iloc[0].tolist() == ["浙江省", "杭州市"]
    assert frame["extra"].iloc[0] == {"备注(2)": "已联系"}


def test_three_header_rows_with_a_grouping_row_on_top(write_xlsx):
    rows = [
        ["序号", "姓名", "性别", "身份证号", "流出情况", None, None, None, "返乡创业情况"],
        [None, None, None, None, "流出时间", "流入地", None, None, "是否返乡"],
        [None, None, None, None, None, "省", "市", "县(区)", None],
        [1, "李二", "女", "33032719850315022X", "2020.5", "浙江省", "杭州市", "西湖区", "否"],
    ]
    merges = ["A1:A3", "B1:B3", "C1:C3", "D1:D3", "E1:H1", "E2:E3", "F2:H2", "I2:I3"]
    book = parse_workbook(read_sheets(write_xlsx("g.xlsx", {"Sheet1": rows}, {"Sheet1": merges})))
    [table] = book.tables
    assert [c.field for c in table.columns] == [
        "seq",
        "name",
        "gender",
        "id_number",
        "outflow_date",
        "dest_province",
        "dest_city",
        "dest_county",
        "returned",
    ]
    assert table.members[["name", "dest_city", "excel_row"]].values.tolist() == [
        ["李二", "杭州市", 4]
    ]


# Which rows may be no member is decided on arrays of each cell's first character; the cells
# it cannot decide that way (text opening with a space) are looked at one by one. Either way
# the answer is the one-cell-at-a-time rule's, for every kind of cell a reader gives.
_CELLS = [
    "合计", "  合计", "\u3000总计", "\t注：本表", " 张三", "张三", "", " ", "\u3000\u3000", "  \t",
    None, 0.0, 1.0, float("nan"), True, dt.date(2021, 3, 1), dt.datetime(2021, 3, 1, 8, 0),
    dt.time(8, 0), "小计", "审核人：李四", "x合计", "1合计", " 1", "\u00a0合计",
]  # fmt: skip


def test_first_character_arrays_decide_like_the_cell_by_cell_rule():
    values = np.empty(len(_CELLS), dtype=object)
    values[:] = _CELLS
    filled = (values != "") & (values != None)  # noqa: E711 — elementwise, as read_table does
    triggers = row_kinds.starts_with_trigger(values)
    absent = row_kinds.absent_cells(values, filled)
    for i, v in enumerate(_CELLS):
        assert triggers[i] == (isinstance(v, str) and v.lstrip()[:1] in row_kinds.TRIGGERS), v
        assert absent[i] == (not row_kinds.is_present(v)), v


def test_a_total_row_opening_with_spaces_and_a_blank_name_are_no_members(write_xlsx):
    rows = [
        ["序号", "姓名", "身份证号", "所在党支部", "流入地"],
        [1, "张三", "33032719800101123X", "第一党支部", "上海市"],
        [2, "\u3000\u3000", "330327198001011234", "第一党支部", "上海市"],
        [3, "李四", "330327198001011250", "第一党支部", "杭州市"],
        ["  合计", "2人", None, None, None],
    ]
    book = parse_workbook(read_sheets(write_xlsx("t.xlsx", {"登记表": rows})))
    members = book.tables[0].members
    assert members["name"].tolist() == ["张三", "\u3000\u3000", "李四"]  # the blank one is kept
    assert members["excel_row"].tolist() == [2, 3, 4]


def test_signature_lines_and_a_table_total_row_are_no_members(write_xlsx):
    """What clerks write under a register, the filler's own name and phone among it, and the
    total row of an Excel table (汇总, a count under 姓名). Two of them were once loaded as
    members (吴十 and a member named 联系电话:134…), counting in the township's outflow."""
    rows = [
        ["序号", "姓名", "身份证号", "所在党支部", "流入地", "联系电话"],
        [1, "张三", "33032719800101123X", "第一党支部", "上海市", "13800001111"],
        [2, "李四", "330327198001011250", "第一党支部", "杭州市", "13800002222"],
        ["汇总", 2, None, None, None, None],
        [None, 2, None, None, None, None],
        ["党委书记（签字）：", "吴十", None, None, None, None],
        [None, "联系电话：13412345678", None, None, None, None],
        ["经办人：孙八", None, None, "联系电话：13612345678", None, None],
        ["制表：周九", None, "审批：郑一", None, "手 机：13512345678", "日期：2023年6月30日"],
        [None, "填表人：钱七（签名）", None, "电话：13712345678", None, None],
        ["单位（盖章）", None, None, None, None, "2023年6月30日"],
        [None, "报送单位：（盖章）    报送日期：2023年7月5日", None, None, None, None],
    ]
    book = parse_workbook(read_sheets(write_xlsx("t.xlsx", {"登记表": rows})))
    members = book.tables[0].members
    assert members["name"].tolist() == ["张三", "李四"]
