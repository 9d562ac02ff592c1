"""督办: the duty list by the rules (issue #17) — counts per rule, a unit × duty table a county
can sort, changes since the last census, the member list and a workbook per branch."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, blocks, ui
from dashboard.text import plain
from pipeline.charts import export as exports
from pipeline.charts.base import wave_label
from pipeline.duties.export import branch_workbook, chinese
from pipeline.duties.rules import NOT_ASSESSED
from pipeline.queries import duty as queries_duty

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

f = ui.current_filters()
ui.page_header("督办清单", f)
rules = ui.run(queries_duty.duty_rules, f)
with st.expander("督办规则与依据", expanded=False):
    shown = rules.assign(
        threshold=[
            f"{t}{'天' if u == 'day' else '个月'}" if t else "—"
            for t, u in zip(rules["threshold"], rules["unit"], strict=True)
        ]
    )[["name", "threshold", "action", "source"]]
    st.dataframe(
        shown.rename(
            columns={
                "name": "督办事项",
                "threshold": "阈值",
                "action": "应办事项",
                "source": "依据",
            }
        ),
        hide_index=True,
        width="stretch",
    )
    st.caption(
        "日期一律计算到普查当月月末。台账未设相应栏目（如无“党费缴纳至”“是否持证”列）的支部，"
        f"该项记为“{NOT_ASSESSED}”，不计为0；栏目为空的党员同样不计入。"
    )

totals = ui.run(queries_duty.duty_totals, f)
if totals.empty or int(totals["outflow"].max()) == 0:
    st.info(f"{plain(ui.scope_label(f))}在{wave_label(f.wave)}普查中没有流出党员，无督办事项。")
    st.stop()

cols = st.columns(len(totals))
for col, row in zip(cols, totals.itertuples(), strict=True):
    if row.assessed == 0:
        col.metric(row.rule_name, NOT_ASSESSED, border=True, help="所选范围内的台账均未填报此项")
        continue
    note = None
    if row.branches_not_assessed:
        note = f"另有 {row.branches_not_assessed} 个支部{NOT_ASSESSED}"
    elif row.not_assessed:
        note = f"另有 {row.not_assessed} 人{NOT_ASSESSED}"
    col.metric(row.rule_name, f"{int(row.due)} 人", border=True, help=note)
    if note:
        col.caption(note)

# --- unit × duty -------------------------------------------------------------------------

_UNIT_COLUMNS = {"township": "乡镇", "branch": "党支部", "outflow": "流出党员（人）"}


def _named(table: pd.DataFrame) -> pd.DataFrame:
    """The query's columns as the user reads them: one per rule, in display order."""
    names = {f"due_{code}": name for code, name in zip(rules["code"], rules["name"], strict=True)}
    return table.rename(columns={**_UNIT_COLUMNS, **names})


def _counts(table: pd.DataFrame, key: str) -> None:
    """A unit × duty table: sortable numbers, 未填报 (not a blank, not 0) where not assessed.

    The grid draws any missing value as "None" whatever the styler says, so a not-assessed
    cell holds -1 (sorting below every count) and shows 未填报."""
    counts = [c for c in table.columns if c not in ("乡镇", "党支部")]
    data = table.fillna({c: -1 for c in counts})
    st.dataframe(
        data.style.format(lambda v: NOT_ASSESSED if v < 0 else f"{v:.0f}", subset=counts),
        key=key,
        hide_index=True,
        width="stretch",
    )


by_branch = ui.run(queries_duty.duty_table, f)
due_columns = [c for c in by_branch.columns if c.startswith("due_")]
blank_note = f"“{NOT_ASSESSED}”表示该单位台账没有此项栏目，无法核查，不是0。点击列名可排序。"
if f.level == "county":
    st.subheader("各乡镇督办事项")
    # a township's count is its assessed branches' sum; 未填报 only where none was assessed
    per_town = by_branch.groupby("township", as_index=False)[["outflow", *due_columns]].sum(
        min_count=1
    )
    _counts(_named(per_town), "duty_towns")
st.subheader("各支部督办事项")
branch_table = _named(by_branch)
if f.level != "county":
    branch_table = branch_table.drop(columns=["乡镇"])
_counts(branch_table, "duty_branches")
st.caption(blank_note)
ui.download(
    st,
    "下载支部督办统计（Excel）",
    lambda: exports.to_xlsx(
        branch_table.astype(object).where(branch_table.notna(), NOT_ASSESSED),
        sheet="支部督办统计",
        title="各支部督办事项",
    ),
    file_name=f"{ui.scope_label(f)}_{f.wave}_支部督办统计.xlsx",
    mime=_XLSX,
    key="duty_branches_xlsx",
    what=f"{ui.scope_label(f)}_{f.wave}_支部督办统计",
    rows=len(branch_table),
)

# --- wave over wave ----------------------------------------------------------------------

st.subheader("与上次普查相比")
changes = ui.run(queries_duty.duty_changes_summary, f)
if changes.empty:
    st.caption("所选范围此前没有普查，暂无督办事项的销号对比。")
else:
    prev = "、".join(sorted({wave_label(w) for w in changes["prev_wave"]}))
    st.caption(
        f"与各乡镇上次普查（{prev}）相比：已销号 = 上次需督办、本次不再需要；"
        "仍未办结 = 两次均需督办；新增 = 本次新出现。按身份证号（无身份证号时按姓名+出生年月+支部）匹配。"
    )
    summary = (
        changes.groupby(["rule_name", "rule_order"], as_index=False)
        .sum(numeric_only=True)
        .sort_values("rule_order")
        .drop(columns=["rule_order"])
    )
    st.dataframe(chinese(summary), key="duty_changes", hide_index=True, width="stretch")

# --- member rows -------------------------------------------------------------------------

st.subheader("督办名单")
scope = auth.scope()
if not scope.may_see_member_rows:
    st.info(
        f"督办名单含党员个人信息，{scope.role_label}账号只能查看汇总数据；"
        "如需名单，请联系乡镇组织委员或县委组织部。"
    )
    st.stop()
if f.show_personal_data:
    st.caption("含联系方式，仅供本单位督办使用，请勿转发；身份证号仅保留前6位和后4位。")
else:
    st.caption("姓名、电话已脱敏，身份证号仅保留前6位和后4位。")
people = ui.run(queries_duty.duty_members, f)
if people.empty:
    st.success("所选范围内没有需要督办的流出党员。")
else:
    pick = st.selectbox(
        "督办事项", ["全部", *rules["name"].tolist()], key="duty_rule_pick", index=0
    )
    listed = people if pick == "全部" else people[people["rule_name"] == pick]
    if len(people) >= queries_duty.SCREEN_ROWS:
        st.caption(f"仅显示前 {queries_duty.SCREEN_ROWS} 项；完整名单请按支部下载。")
    blocks.table(
        chinese(listed),
        key="duty_members",
        name=f"{ui.scope_label(f)}_{f.wave}_督办名单",
        height=420,
        member_rows=True,
    )

st.markdown("**按支部下载督办清单（供支部书记使用）**")
branches = by_branch.loc[(by_branch[due_columns] > 0).any(axis=1), ["township", "branch"]]
if branches.empty:
    st.caption("没有需要督办的支部。")
else:
    labels = [f"{t}｜{b}" for t, b in branches.itertuples(index=False)]
    chosen = st.selectbox("党支部", labels, key="duty_branch_pick")
    town, branch = chosen.split("｜", 1)
    # Queried now (a download runs outside the page's session), built only when clicked.
    sheet = ui.run(queries_duty.duty_branch_sheet, f.with_(township=town, branch=branch))
    ui.download(
        st,
        f"下载{plain(branch)}督办清单（Excel，{len(sheet)}项）",
        lambda: branch_workbook(sheet, rules, township=town, branch=branch, wave=f.wave),
        file_name=f"{town}{branch}_{f.wave}_督办清单.xlsx",
        mime=_XLSX,
        key="duty_branch_xlsx",
        what=f"{town}{branch}_{f.wave}_督办清单",
        rows=len(sheet),
        member_level=True,
    )

if not changes.empty:
    with st.expander("已销号与仍未办结的党员", expanded=False):
        moved = ui.run(queries_duty.duty_changes, f)
        if moved.empty:
            st.caption("没有。")
        else:
            blocks.table(
                chinese(moved),
                key="duty_moved",
                name=f"{ui.scope_label(f)}_{f.wave}_督办销号情况",
                height=360,
                member_rows=True,
            )
