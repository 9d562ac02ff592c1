"""失联: lost-contact rates against the county, trend, transitions, risk, follow-up list."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, ui
from pipeline.charts import units as charts
from pipeline.queries import analysis as queries
from pipeline.warehouse import metrics

f = ui.current_filters()
ctx = ui.context(f)
ui.page_header("失联党员分析", f)

# Units one level down from the selection, and the rate of the level above as reference.
if f.level == "county":
    units = ui.run(queries.metrics_by_township, f).rename(columns={"township": "unit"})
    ref_rows = ui.run(queries.metrics_by_wave, f)
    ref_label = ui.county_name()
else:
    units = ui.run(queries.metrics_by_branch, f.with_(branch=None)).rename(
        columns={"branch": "unit"}
    )
    ref_rows = ui.run(queries.metrics_by_wave, f.with_(branch=None))
    ref_label = f"{f.township}"
ref = ref_rows[ref_rows["wave"] == f.wave]
reference = metrics.rate(ref.iloc[0], "lost_contact_rate") if len(ref) else None
unit = ui.unit_label(f)

st.subheader("失联率")
ui.chart(
    charts.rate_by_unit(
        units,
        ui.context(f.with_(branch=None)),
        unit_label=unit,
        numerator="lost_contact",
        denominator="lost_contact_base",
        what="流出党员失联率",
        reference=reference,
        reference_label=f"{ref_label}平均",
    ),
    ui.for_export(units, ["unit", "outflow", "lost_contact"], unit),
    key="lost_rate",
    name=f"{ctx.scope}_{f.wave}_失联率",
)
left, right = st.columns(2)
with left:
    by_wave = ui.run(queries.metrics_by_wave, f)
    ui.chart(
        charts.trend(by_wave, ctx),
        by_wave[["wave", "outflow", "lost_contact"]],
        key="lost_trend",
        name=f"{ctx.scope}_失联率趋势",
    )
with right:
    ui.chart(
        charts.risk_by_unit(units, ui.context(f.with_(branch=None)), unit_label=unit),
        ui.for_export(units, ["unit", "lost_contact", "at_risk", "two_nots"], unit),
        key="lost_risk",
        name=f"{ctx.scope}_{f.wave}_失联风险",
    )

st.subheader("与上次普查相比")
left, right = st.columns(2)
with left:
    moves = ui.run(queries.transitions, f)
    ui.chart(
        charts.transitions_bar(moves, ctx),
        moves,
        key="lost_transitions",
        name=f"{ctx.scope}_{f.wave}_状态变化",
    )
with right:
    moves_by_wave = ui.run(queries.transitions_by_wave, f)
    ui.chart(
        charts.transitions_trend(moves_by_wave, ctx),
        moves_by_wave,
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
    ui.table(
        people,
        key="follow_up",
        name=f"{ctx.scope}_{f.wave}_重点跟进名单",
        height=420,
        member_rows=True,
    )
