"""返乡创业: returnees, the enterprises they founded and the jobs created."""

from __future__ import annotations

import streamlit as st

from dashboard import blocks, ui
from pipeline.charts import package
from pipeline.queries import analysis as queries
from pipeline.warehouse import metrics

f = ui.current_filters()
ctx = ui.context(f)
ui.page_header("返乡创业", f)

totals = ui.run(queries.metrics_by_wave, f)
cur = totals[totals["wave"] == f.wave]
# a selection that sent nothing this wave has no returnee figures, not 0 of them
ui.stop_unless_submitted(f, cur)
row = cur.iloc[0]
cols = st.columns(3)
# the catalogue's names and ⓘ help: the same figure is called the same on every page, read
# as the rollup gives it (never re-summed here)
for col, (key, unit) in zip(
    cols, [("returnees", "人"), ("enterprises", "个"), ("jobs_created", "人")], strict=True
):
    n = metrics.value(row, key)
    col.metric(
        metrics.name(key),
        metrics.NOT_REPORTED if n is None else f"{n} {unit}",
        help=metrics.help_text(key),
        border=True,
    )

unit = ui.unit_label(f)
drawn = blocks.page_charts(package.returnee_charts, f)
blocks.draw(drawn["ret_units"], key="ret_units", name=f"{ctx.scope}_{f.wave}_各{unit}返乡创业")

left, right = st.columns(2)
with left:
    blocks.draw(drawn["ret_industry"], key="ret_industry", name=f"{ctx.scope}_{f.wave}_创业行业")
with right:
    blocks.draw(drawn["ret_origins"], key="ret_origins", name=f"{ctx.scope}_{f.wave}_返乡前所在地")

blocks.draw(drawn["ret_timing"], key="ret_timing", name=f"{ctx.scope}_{f.wave}_返乡至创业时长")
st.caption(
    "说明：普查表没有“企业创办时间”一栏。企业登记在普查表中，说明创办时间介于返乡时间与普查时间之间，"
    "因此以“返乡至普查时点”的时长作为返乡到创业所用时间的上限。"
)
