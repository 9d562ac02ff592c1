"""流向: where outflow members are — map, Sankey, scope, occupation, cities, long-term."""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from pipeline import config
from pipeline.charts import units as charts
from pipeline.queries import analysis as queries

f = ui.current_filters()
ctx = ui.context(f)
ui.page_header("流向分析", f)

provinces = ui.run(queries.province_counts, f)
scopes = ui.run(queries.scope_counts, f)
outflow_total = int(scopes["outflow"].sum())
left, right = st.columns([3, 2])
with left:
    ui.chart(
        charts.province_map(provinces, ctx, home_county=config.HOME_COUNTY_CODE),
        provinces[["province", "outflow", "long_term", "lost_contact"]],
        key="flows_map",
        name=f"{ctx.scope}_{f.wave}_流入省份分布",
    )
with right:
    ui.chart(
        charts.ranked_bar(
            provinces,
            ctx,
            label="province",
            value="outflow",
            what="流入省份排名（人，占流出党员%）",
            top=12,
            total=outflow_total,
        ),
        provinces[["province", "outflow"]],
        key="flows_provinces",
        name=f"{ctx.scope}_{f.wave}_流入省份排名",
    )

flows = ui.run(queries.sankey_flows, f)
ui.chart(
    charts.flow_sankey(flows, ctx), flows, key="flows_sankey", name=f"{ctx.scope}_{f.wave}_流动去向"
)

left, right = st.columns(2)
with left:
    ui.chart(
        charts.scope_breakdown(scopes, ctx),
        scopes,
        key="flows_scope",
        name=f"{ctx.scope}_{f.wave}_流动范围",
    )
with right:
    jobs = ui.run(queries.occupations, f)
    ui.chart(
        charts.ranked_bar(
            jobs, ctx, label="occupation", value="outflow", what="流出党员从事职业分布（人，%）"
        ),
        jobs,
        key="flows_occupation",
        name=f"{ctx.scope}_{f.wave}_从事职业",
    )

left, right = st.columns(2)
with left:
    cities = ui.run(queries.top_cities, f)
    cities_shown = cities.assign(
        city=[
            c if c == p else f"{p}{c}"
            for p, c in zip(cities["province"], cities["city"], strict=True)
        ]
    )
    ui.chart(
        charts.ranked_bar(
            cities_shown,
            ctx,
            label="city",
            value="outflow",
            what="流入城市前10位（人，占流出党员%）",
            color="#A8201A",
            total=outflow_total,
        ),
        cities,
        key="flows_cities",
        name=f"{ctx.scope}_{f.wave}_流入城市",
    )
with right:
    unit = ui.unit_label(f)
    by_unit = ui.run(
        queries.metrics_by_township if f.level == "county" else queries.metrics_by_branch, f
    )
    by_unit = by_unit.rename(columns={"township" if f.level == "county" else "branch": "unit"})
    ui.chart(
        charts.long_term_by_unit(by_unit, ctx, unit_label=unit),
        ui.for_export(by_unit, ["unit", "outflow", "long_term"], unit),
        key="flows_long_term",
        name=f"{ctx.scope}_{f.wave}_长期在外",
    )
