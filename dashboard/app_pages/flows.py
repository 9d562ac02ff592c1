"""流向: where outflow members are — map, Sankey, scope, occupation, cities, long-term."""

from __future__ import annotations

import streamlit as st

from dashboard import blocks, ui
from pipeline import config
from pipeline.charts import package

f = ui.current_filters()
ctx = ui.context(f)
ui.page_header("流向分析", f)

# The app always draws the map (internal use); the package and report only with a base map.
drawn = blocks.page_charts(
    package.flows_charts, f, home_county=config.HOME_COUNTY_CODE, with_map=True
)
left, right = st.columns([3, 2])
with left:
    blocks.draw(drawn["flows_map"], key="flows_map", name=f"{ctx.scope}_{f.wave}_流入省份分布")
with right:
    blocks.draw(
        drawn["flows_provinces"], key="flows_provinces", name=f"{ctx.scope}_{f.wave}_流入省份排名"
    )

blocks.draw(drawn["flows_sankey"], key="flows_sankey", name=f"{ctx.scope}_{f.wave}_流动去向")

left, right = st.columns(2)
with left:
    blocks.draw(drawn["flows_scope"], key="flows_scope", name=f"{ctx.scope}_{f.wave}_流动范围")
with right:
    blocks.draw(
        drawn["flows_occupation"], key="flows_occupation", name=f"{ctx.scope}_{f.wave}_从事职业"
    )

left, right = st.columns(2)
with left:
    blocks.draw(drawn["flows_cities"], key="flows_cities", name=f"{ctx.scope}_{f.wave}_流入城市")
with right:
    blocks.draw(
        drawn["flows_long_term"], key="flows_long_term", name=f"{ctx.scope}_{f.wave}_长期在外"
    )
