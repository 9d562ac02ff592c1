"""返乡创业: returnees, the enterprises they founded and the jobs created."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from pipeline.charts import returnee as charts_returnee
from pipeline.charts import units as charts
from pipeline.queries import analysis as queries
from pipeline.warehouse import metrics

f = ui.current_filters()
ctx = ui.context(f)
ui.page_header("返乡创业", f)

totals = ui.run(queries.metrics_by_wave, f)
cur = totals[totals["wave"] == f.wave]
cols = st.columns(3)
# the catalogue's names and ⓘ help: the same figure is called the same on every page
for col, (key, unit) in zip(
    cols, [("returnees", "人"), ("enterprises", "个"), ("jobs_created", "人")], strict=True
):
    col.metric(
        metrics.name(key),
        f"{int(cur[key].sum()) if len(cur) else 0} {unit}",
        help=metrics.help_text(key),
        border=True,
    )

unit = ui.unit_label(f)
by_unit = ui.run(
    queries.metrics_by_township if f.level == "county" else queries.metrics_by_branch, f
)
by_unit = by_unit.rename(columns={"township" if f.level == "county" else "branch": "unit"})
ui.chart(
    charts_returnee.returnees_by_unit(by_unit, ctx, unit_label=unit),
    ui.for_export(by_unit, ["unit", "returnees", "enterprises", "jobs_created"], unit),
    key="ret_units",
    name=f"{ctx.scope}_{f.wave}_各{unit}返乡创业",
)

left, right = st.columns(2)
with left:
    industries = ui.run(queries.returnee_breakdown, f)
    ui.chart(
        charts_returnee.industries(industries, ctx),
        industries,
        key="ret_industry",
        name=f"{ctx.scope}_{f.wave}_创业行业",
    )
with right:
    origins = ui.run(queries.returnee_origins, f)
    by_province = origins.groupby("former_province", as_index=False)[
        ["returnees", "enterprises"]
    ].sum()
    ui.chart(
        charts.ranked_bar(
            by_province,
            ctx,
            label="former_province",
            value="returnees",
            what="返乡党员返乡前务工经商所在省份（人，%）",
            color="#C9A227",
        ),
        origins,
        key="ret_origins",
        name=f"{ctx.scope}_{f.wave}_返乡前所在地",
    )

timing = ui.run(queries.return_to_founding, f)
ui.chart(
    charts_returnee.since_return(timing, ctx),
    timing,
    key="ret_timing",
    name=f"{ctx.scope}_{f.wave}_返乡至创业时长",
)
st.caption(
    "说明：普查表没有“企业创办时间”一栏。企业登记在普查表中，说明创办时间介于返乡时间与普查时间之间，"
    "因此以“返乡至普查时点”的时长作为返乡到创业所用时间的上限。"
)
