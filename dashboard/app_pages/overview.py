"""总览: KPI cards with change since the previous wave, the report paragraph, key charts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import blocks, report_block, ui
from dashboard.text import plain
from pipeline.charts import package
from pipeline.charts.base import wave_label
from pipeline.queries import analysis as queries
from pipeline.reports import narrative
from pipeline.warehouse import metric_sql

f = ui.current_filters()
ctx = ui.context(f)
ui.page_header("总览", f)

by_wave = ui.run(queries.metrics_by_wave, f)
current = by_wave[by_wave["wave"] == f.wave]
ui.stop_unless_submitted(f, current)
cur = current.iloc[0]
unit = ui.unit_label(f)
coverage_unit = "乡镇" if f.level == "county" else "支部"
# Changes are over the branches present in both waves (each rate only where both waves
# reported its field): a branch that has not submitted yet must not read as a drop.
comparison = ui.run(queries.wave_comparison, f)
cmp_row = comparison.iloc[0] if len(comparison) else None
prev_wave = None
if cmp_row is not None and not pd.isna(cmp_row["prev_wave"]) and int(cmp_row["branches"]):
    prev_wave = str(cmp_row["prev_wave"])
cur_common, prev = metric_sql.split_comparison(cmp_row) if prev_wave else (None, None)
if f.level == "county":
    seen = len(ui.run(queries.townships, f))
    if int(cur["townships"]) < seen:
        st.info(
            f"{wave_label(f.wave)}普查已有 {int(cur['townships'])} 个乡镇报送（历次共出现 {seen} 个），"
            "全县数字只含已报送乡镇；与上次普查的比较只计两次均报送的支部。详见“数据质量”页。"
        )

cards = narrative.kpis(cur, prev, cur_common, unit=coverage_unit)
for row_start in (0, 4):
    cols = st.columns(4)
    for col, kpi in zip(cols, cards[row_start : row_start + 4], strict=True):
        col.metric(
            kpi.label,
            kpi.value,
            delta=kpi.delta,
            help=kpi.help,
            border=True,
            # No change is neither good nor bad: grey, no arrow.
            delta_color="off" if kpi.unchanged else kpi.tone,
            delta_arrow="off" if kpi.unchanged else "auto",
        )
if prev_wave:
    st.caption(plain(narrative.comparison_caption(cmp_row, prev_wave)))
else:
    st.caption("所选范围此前没有普查，暂无变化对比")

st.subheader("普查情况摘要")
text = narrative.paragraph(
    cur, ui.scope_label(f), f.wave, prev, prev_wave, cur_common, unit=coverage_unit
)
with st.container(border=True):
    st.markdown(plain(text))
ui.download(
    st,
    "下载摘要文字",
    lambda: text.encode("utf-8-sig"),
    file_name=f"{ui.scope_label(f)}_{f.wave}_普查摘要.txt",
    mime="text/plain",
    key="download_paragraph",
    what=f"{ui.scope_label(f)}_{f.wave}_普查摘要",
)

drawn = blocks.page_charts(package.overview_charts, f)
left, right = st.columns(2)
with left:
    blocks.draw(
        drawn["overview_units"], key="overview_units", name=f"{ctx.scope}_{f.wave}_各{unit}流出党员"
    )
with right:
    blocks.draw(
        drawn["overview_scope"], key="overview_scope", name=f"{ctx.scope}_{f.wave}_流动范围"
    )
blocks.draw(drawn["overview_trend"], key="overview_trend", name=f"{ctx.scope}_历次普查趋势")

# The Word report and every chart of the selection in one ZIP, for every role (issue #16).
report_block.render(f)
