"""核对: the census checked against the membership roster and the host registers (issue #17)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import auth, blocks, ui
from dashboard.text import plain
from pipeline.charts.base import wave_label
from pipeline.queries import checks as queries_check

LABELS = {
    "list": "核对结果",
    "township": "乡镇",
    "branch": "党支部",
    "name": "姓名",
    "gender": "性别",
    "id_masked": "身份证号",
    "phone": "联系电话",
    "inflow_org": "普查表流入地党组织",
    "host_org": "报到的流入地党组织",
    "host_phone": "流入地登记的联系电话",
    "reported_date": "报到时间",
    "match_method": "匹配方式",
    "source_file": "来源文件",
    "excel_row": "Excel行号",
    "kind": "名单类型",
    "unit": "报送单位",
    "persons": "人数",
    "members_total_sheet": "支部情况表党员数",
    "members_total_roster": "名册党员数",
    "probationary_roster": "其中预备党员",
    "members_total": "采用的党员总数",
    "members_total_source": "党员总数来源",
}
MEANING = {
    "不在册": "普查表有、党员名册查无此人（身份证号有误或未录入名册）",
    "名册身份证号不符": "仅凭姓名+出生年月与名册对上，两边身份证号不一致（匹配较弱，请核对号码）",
    "双重管理确认": "流入地党组织报到名单中有此人，双重管理得到确认",
    "找回": "普查表记为失联，但流入地党组织掌握此人，可通过其登记的联系方式找回",
    "流入地未列名": "普查表写明由某流入地党组织管理，而该组织报送的名单中没有此人",
    "漏报": "流入地党组织名单中有、本县普查表中没有的流出党员",
}

f = ui.current_filters()
ui.page_header("名册核对", f)
st.caption(
    "将普查表与党员名册、流入地党组织报到名单相互核对：先按身份证号匹配，"
    "无法匹配的再按姓名+出生年月匹配（标注“较弱”）。没有报送相应名单的乡镇不做该项核对。"
)
given = ui.run(queries_check.registers_given, f)
if given.empty:
    st.info(
        f"{plain(ui.scope_label(f))}在{wave_label(f.wave)}普查批次尚无党员名册或流入地党组织报到名单。"
        "将名册（含“人员类别”“入党时间”列）或报到名单（含“原籍乡镇”“报到时间”列）"
        "放入 data/raw/ 或在“数据上报”页上传后即可核对。"
    )
    st.stop()
st.subheader("已报送的名单")
st.dataframe(given.rename(columns=LABELS), hide_index=True, width="stretch")

counts = ui.run(queries_check.check_counts, f)
st.subheader("核对结果")
totals = counts.groupby("list")["persons"].sum()
cols = st.columns(len(queries_check.LISTS))
for col, name in zip(cols, queries_check.LISTS, strict=True):
    col.metric(name, f"{int(totals.get(name, 0))} 人", border=True, help=MEANING[name])
ROSTER_LISTS = ("不在册", "名册身份证号不符")
NO_ROSTER = "无名册"
if not counts.empty:
    wide = (
        counts.pivot_table(index="township", columns="list", values="persons", aggfunc="sum")
        .reindex(columns=[c for c in queries_check.LISTS if c in set(counts["list"])])
        .fillna(0)
        .astype(int)
    )
    # A township without a roster was not checked against one: not zero (shown 无名册; -1
    # keeps the column sortable, the grid draws a missing value as "None").
    rostered = set(given.loc[given["kind"] == "党员名册", "unit"])
    for column in ROSTER_LISTS:
        if column in wide:
            wide.loc[~wide.index.isin(rostered), column] = -1
    wide = wide.reset_index().rename(columns={"township": "乡镇"})
    wide.columns.name = None
    numbers = [c for c in wide.columns if c != "乡镇"]
    st.dataframe(
        wide.style.format(lambda v: NO_ROSTER if v < 0 else f"{v:.0f}", subset=numbers),
        hide_index=True,
        width="stretch",
    )
    st.caption(f"“{NO_ROSTER}”：该乡镇本批次没有报送党员名册，未做在册核对。")

st.subheader("支部党员总数来源")
denominators = ui.run(queries_check.roster_totals, f)
if denominators.empty:
    st.caption("所选范围没有支部情况表，也没有党员名册。")
else:
    st.caption("有支部情况表的用支部情况表；没有的用党员名册人数作为流出占比的分母。")
    shown = denominators.copy()
    for column in ("members_total_sheet", "members_total_roster", "probationary_roster"):
        shown[column] = shown[column].map(lambda v: "—" if pd.isna(v) else f"{v:.0f}")
    st.dataframe(shown.rename(columns=LABELS), hide_index=True, width="stretch")

st.subheader("核对名单")
scope = auth.scope()
if not scope.may_see_member_rows:
    st.info(
        f"核对名单含党员个人信息，{scope.role_label}账号只能查看汇总数据；"
        "如需名单，请联系乡镇组织委员或县委组织部。"
    )
    st.stop()
people = ui.run(queries_check.check_members, f)
if people.empty:
    st.success("所选范围内各名单相互一致，没有需要核对的人员。")
else:
    pick = st.selectbox("核对结果", ["全部", *queries_check.LISTS], key="check_list_pick")
    shown = people if pick == "全部" else people[people["list"] == pick]
    if pick != "全部":
        st.caption(MEANING[pick])
    blocks.table(
        shown.rename(columns=LABELS),
        key="check_members",
        name=f"{ui.scope_label(f)}_{f.wave}_名册核对",
        height=420,
        member_rows=True,
    )
