"""失联: lost-contact rates against the county, trend, transitions, risk, follow-up list."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, blocks, ui
from pipeline.charts import package
from pipeline.queries import analysis as queries
from pipeline.warehouse import metrics

f = ui.current_filters()
ctx = ui.context(f)
ui.page_header("失联党员分析", f)

drawn = blocks.page_charts(package.lost_charts, f, county=ui.county_name())

st.subheader("失联率")
blocks.draw(drawn["lost_rate"], key="lost_rate", name=f"{ctx.scope}_{f.wave}_失联率")
left, right = st.columns(2)
with left:
    blocks.draw(drawn["lost_trend"], key="lost_trend", name=f"{ctx.scope}_失联率趋势")
with right:
    blocks.draw(drawn["lost_risk"], key="lost_risk", name=f"{ctx.scope}_{f.wave}_失联风险")

st.subheader("与上次普查相比")
left, right = st.columns(2)
with left:
    blocks.draw(
        drawn["lost_transitions"], key="lost_transitions", name=f"{ctx.scope}_{f.wave}_状态变化"
    )
with right:
    blocks.draw(
        drawn["lost_transitions_trend"],
        key="lost_transitions_trend",
        name=f"{ctx.scope}_新增失联与恢复联系",
    )

st.subheader("重点跟进名单")
scope = auth.scope()
if not scope.may_see_member_rows:
    # The member list is not even queried for this role.
    st.info(
        f"重点跟进名单含党员个人信息，{scope.role_label}账号只能查看汇总数据；"
        "如需名单，请联系乡镇组织委员或县委组织部。"
    )
    st.stop()
if f.show_personal_data:
    st.caption(
        "失联、“两不管”及超过180天未联系的流出党员，含联系方式，仅供本单位跟进联系使用，"
        "请勿转发；身份证号仅保留前6位和后4位。最多显示500人。"
    )
else:
    st.caption(
        "失联、“两不管”及超过180天未联系的流出党员；姓名、电话已脱敏，身份证号仅保留前6位和后4位。"
        "最多显示500人。"
    )
# The cards count everyone on the list (not only the first 500 shown), each person once.
split = ui.run(queries.follow_up_counts, f)
split_row = split.iloc[0] if len(split) else None
st.markdown(f"**重点跟进人数（{metrics.PARTITION_LABEL}）**")
cols = st.columns(3)
for col, key in zip(cols, ["primary_lost", "primary_two_nots", "primary_stale"], strict=True):
    n = metrics.value(split_row, key)
    col.metric(
        metrics.name(key),
        metrics.NOT_REPORTED if n is None else f"{n} 人",
        help=metrics.help_text(key),
        border=True,
    )
people = ui.run(queries.follow_up, f)
if people.empty:
    st.success("所选范围内没有需要重点跟进的流出党员。")
else:
    # The reason first: at 1400 px the last of eleven columns is off screen.
    people = people[["reason", *(c for c in people.columns if c != "reason")]]
    blocks.table(
        people,
        key="follow_up",
        name=f"{ctx.scope}_{f.wave}_重点跟进名单",
        height=420,
        member_rows=True,
    )
