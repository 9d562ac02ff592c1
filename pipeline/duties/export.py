"""The duty list as a branch secretary's workbook (督办清单), and the Chinese headings of
every duty table. Pure: frames in, bytes out; every cell neutralised by `exports_safe`."""

from __future__ import annotations

import io

import pandas as pd

from pipeline.access import safe_exports as exports_safe

DUTY_LABELS = {
    "township": "乡镇",
    "branch": "党支部",
    "rule": "督办事项代码",
    "rule_name": "督办事项",
    "name": "姓名",
    "gender": "性别",
    "id_masked": "身份证号",
    "phone": "联系电话",
    "destination": "流入地",
    "outflow_date": "流出时间",
    "contact_status": "联系状态",
    "last_contact_date": "最近联系时间",
    "dues_paid_through": "党费缴纳至",
    "inflow_org": "流入地党组织",
    "due_date": "应办起始日期",
    "days_overdue": "已逾期（天）",
    "action": "应办事项",
    "rule_source": "依据",
    "change": "变化",
    "cleared_how": "销号情况",
    "prev_due_date": "上次应办起始日期",
    "outflow": "流出党员（人）",
    "assessed": "可核查（人）",
    "not_assessed": "未填报（人）",
    "due": "需督办（人）",
    "still_open": "仍未办结（人）",
    "cleared": "已销号（人）",
    "cleared_done": "其中已整改",
    "cleared_left": "其中返乡或不再登记",
    "cleared_not_reported": "其中本次未填报",
    "new_due": "新增（人）",
    "prev_wave": "上次普查",
    "name_rule": "规则",
    "threshold": "阈值",
    "source": "依据",
}


def chinese(df: pd.DataFrame) -> pd.DataFrame:
    return df.rename(columns={c: DUTY_LABELS.get(c, c) for c in df.columns})


def branch_workbook(
    rows: pd.DataFrame, rules: pd.DataFrame, *, township: str, branch: str, wave: str
) -> bytes:
    """Two sheets: 督办清单 (title line, one row per member and duty) and 规则说明."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    listing = exports_safe.neutralise_frame(
        chinese(rows.drop(columns=["township", "branch"], errors="ignore"))
    )
    explained = exports_safe.neutralise_frame(
        rules.rename(
            columns={
                "name": "督办事项",
                "threshold": "阈值",
                "unit": "单位",
                "action": "应办事项",
                "source": "依据",
            }
        )[["督办事项", "阈值", "单位", "应办事项", "依据"]].replace({"day": "天", "month": "月"})
    )
    title = exports_safe.neutralise_cell(f"{township}{branch} 流动党员督办清单（{wave}普查）")
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        listing.to_excel(writer, sheet_name="督办清单", index=False, startrow=2)
        sheet = writer.sheets["督办清单"]
        bold = writer.book.add_format({"bold": True, "font_size": 13})
        sheet.write_string(0, 0, str(title), bold)
        sheet.write_string(
            1,
            0,
            f"共 {len(listing)} 项；日期按普查当月月末计算。本表含党员个人信息，仅限本支部使用。",
        )
        sheet.freeze_panes(3, 0)
        for i, column in enumerate(listing.columns):
            width = max([len(str(column))] + [len(str(v)) for v in listing[column].head(200)])
            sheet.set_column(i, i, min(max(width * 1.6, 8), 50))
        explained.to_excel(writer, sheet_name="规则说明", index=False)
        writer.sheets["规则说明"].set_column(0, 4, 30)
    return buffer.getvalue()
