"""The branch a register names only in its title, filling row, sheet name or file name."""

from __future__ import annotations

import pytest

from pipeline.intake.readers import read_sheets
from pipeline.parse.branch_hints import branch_from_text, sheet_branch
from pipeline.parse.layout import parse_workbook


@pytest.mark.parametrize(
    ("text", "branch"),
    [
        ("灵溪镇城东社区党支部流动党员登记表", "城东社区党支部"),
        ("填报单位：观美村党支部   普查时间：2023年6月", "观美村党支部"),
        ("R24a_灵溪镇城东社区党支部流动党员登记表_2023年6月", "城东社区党支部"),
        ("苍南县灵溪镇城南社区党总支流动党员台账", "城南社区党总支"),
        ("2023年6月钱库镇项桥村党支部流动党员登记表", "项桥村党支部"),
        ("中共苍南县灵溪镇新镇村党支部", "新镇村党支部"),  # 镇 inside the branch's own name
        ("马站镇渔港联合支部名单", "渔港联合支部"),
        # a township's title, or words for many branches, name no one branch
        ("灵溪镇流动党员普查登记表", None),
        ("填报单位：中共灵溪镇委员会    普查时间：2022年4月", None),
        ("灵溪镇各党支部流动党员统计表", None),
        ("流动党员所在党支部情况", None),
        ("R04_矾山镇_分支部块_小计_支部情况合计", None),  # 分支部 is a word, not a branch
        ("", None),
    ],
)
def test_branch_from_text(text, branch):
    assert branch_from_text(text) == branch


@pytest.mark.parametrize(
    ("sheet", "title", "branch"),
    [
        ("Sheet1", "灵溪镇城东社区党支部流动党员登记表", "城东社区党支部"),
        ("Sheet1", "灵溪镇流动党员登记表", None),
        ("凤池村党支部", "", "凤池村党支部"),
        # R18: a tab named shorter or numbered takes its title's full name
        ("括山村", "钱库镇括山村党支部流动党员登记表", "括山村党支部"),
        ("3.钱库社区", "钱库镇钱库社区党支部流动党员登记表", "钱库社区党支部"),
        ("新安村支部", "钱库镇新安村党支部流动党员登记表", "新安村党支部"),
        # without a title naming it, the tab's list number is still no part of the name
        ("3.钱库社区", "", "钱库社区"),
        ("（三）新安村党支部", "", "新安村党支部"),
        # a tab naming another branch than its (copied) title: the tab
        ("新安村党支部", "钱库镇项桥村党支部流动党员登记表", "新安村党支部"),
    ],
)
def test_sheet_branch(sheet, title, branch):
    assert sheet_branch(sheet, title) == branch


def test_a_title_does_not_override_branch_headings():
    """Rows under block headings (分支部块) keep their headings' branches."""
    assert sheet_branch("Sheet1", "灵溪镇城东社区党支部流动党员登记表", has_blocks=True) is None


def test_branch_only_in_title_and_filling_row_reaches_the_rows(write_xlsx):
    rows = [
        ["灵溪镇城东社区党支部流动党员登记表"],
        ["填报单位：城东社区党支部   普查时间：2023年6月"],
        ["序号", "姓名", "性别", "流出时间", "流入地"],
        [1, "甲", "男", "2021.3", "杭州"],
    ]
    book = parse_workbook(read_sheets(write_xlsx("t.xlsx", {"Sheet1": rows})))
    assert book.tables[0].members["sheet_branch"].tolist() == ["城东社区党支部"]


def test_one_sheet_per_branch_joins_the_branch_summary(write_xlsx):
    """R18: tabs 括山村, 3.钱库社区, 新安村支部 under titles with the full names; their rows
    carry the 支部情况 sheet's names, so each branch is one row of the branch figures."""
    header = ["序号", "姓名", "性别", "流出时间", "流入地"]
    names = {"括山村": "括山村党支部", "3.钱库社区": "钱库社区党支部", "新安村支部": "新安村党支部"}
    sheets = {
        tab: [[f"钱库镇{full}流动党员登记表"], header, [1, f"{tab}甲", "男", "2021.3", "杭州"]]
        for tab, full in names.items()
    }
    sheets["支部情况"] = [["支部名称", "党员总数"], *([full, 40] for full in names.values())]
    book = parse_workbook(read_sheets(write_xlsx("t.xlsx", sheets)))
    branches = [t.members["sheet_branch"].iat[0] for t in book.tables]
    assert branches == book.branch_totals["branch"].tolist() == list(names.values())
