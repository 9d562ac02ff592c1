"""Every chart of the analysis pages for one selection, as one list: the chart package
("全部图表打包下载": numbered PNGs plus one XLSX of the figures behind them) and the Word
report's charts both come from here. No Streamlit: queries run through the `run` callable
the caller hands in (the dashboard's scoped, cached `ui.run`, or a plain connection in the
report), so the same charts reach both with the caller's scope.

Keys are the pages' own chart keys; a chart two pages draw alike (the scope breakdown, the
trend) is one item holding both keys. `tests/test_chart_package.py` checks that the list
covers every chart the analysis pages draw.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from pipeline.charts import returnee as charts_returnee
from pipeline.charts import units as charts
from pipeline.charts.base import ChartContext, pct
from pipeline.queries import analysis as queries
from pipeline.queries.base import Filters

Runner = Callable[[Callable, Filters], pd.DataFrame]


@dataclass(frozen=True)
class ChartItem:
    keys: tuple[str, ...]  # the pages' chart keys this item stands for
    caption: str  # the figure's title, without units in brackets: 图N's caption
    figure: go.Figure
    data: pd.DataFrame  # the figures behind the chart, for the XLSX
    topic: str  # outflow / destination / contact / returnee: where the report discusses it

    @property
    def key(self) -> str:
        return self.keys[0]


def caption_of(fig: go.Figure) -> str:
    """'各乡镇流出党员人数及占党员总数比例（人，%）' → '各乡镇流出党员人数及占党员总数比例'."""
    text = str(fig.layout.title.text or "")
    return re.sub(r"（[^（）]*）$", "", text).strip() or text


def _units(run: Runner, f: Filters) -> tuple[pd.DataFrame, str]:
    if f.level == "county":
        return run(queries.metrics_by_township, f).rename(columns={"township": "unit"}), "乡镇"
    frame = run(queries.metrics_by_branch, f.with_(branch=None) if f.level == "branch" else f)
    return frame.rename(columns={"branch": "unit"}), "党支部"


def analysis_charts(
    run: Runner,
    f: Filters,
    ctx: ChartContext,
    *,
    county: str,
    home_county: str | None,
    with_map: bool,
) -> list[ChartItem]:
    """The charts of 总览, 流向, 失联 and 返乡创业 for the selection `f`, in page order.
    `with_map`: only when an approved base map (审图号) is configured may a map leave the app."""
    items: list[ChartItem] = []

    def add(keys, fig, data, topic):
        keys = (keys,) if isinstance(keys, str) else tuple(keys)
        items.append(ChartItem(keys, caption_of(fig), fig, data.reset_index(drop=True), topic))

    unit_frame, unit = _units(run, f)
    by_unit = run(
        queries.metrics_by_township if f.level == "county" else queries.metrics_by_branch, f
    )
    by_unit = by_unit.rename(columns={"township" if f.level == "county" else "branch": "unit"})
    by_wave = run(queries.metrics_by_wave, f)
    scopes = run(queries.scope_counts, f)
    outflow_total = int(scopes["outflow"].sum()) if len(scopes) else 0

    # 总览
    add(
        "overview_units",
        charts.outflow_by_unit(by_unit, ctx, unit_label=unit),
        by_unit[["unit", "members_total", "outflow"]],
        "outflow",
    )
    add(("overview_scope", "flows_scope"), charts.scope_breakdown(scopes, ctx), scopes, "outflow")
    add(
        ("overview_trend", "lost_trend"),
        charts.trend(by_wave, ctx),
        by_wave[["wave", "members_total", "outflow", "lost_contact", "returnees", "enterprises"]],
        "contact",
    )
    # 流向
    provinces = run(queries.province_counts, f)
    if with_map:
        add(
            "flows_map",
            charts.province_map(provinces, ctx, home_county=home_county),
            provinces[["province", "outflow", "long_term", "lost_contact"]],
            "destination",
        )
    add(
        "flows_provinces",
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
        "destination",
    )
    flows = run(queries.sankey_flows, f)
    add("flows_sankey", charts.flow_sankey(flows, ctx), flows, "destination")
    jobs = run(queries.occupations, f)
    add(
        "flows_occupation",
        charts.ranked_bar(
            jobs, ctx, label="occupation", value="outflow", what="流出党员从事职业分布（人，%）"
        ),
        jobs,
        "destination",
    )
    cities = run(queries.top_cities, f)
    shown = cities.assign(
        city=[
            c if c == p else f"{p}{c}"
            for p, c in zip(cities["province"], cities["city"], strict=True)
        ]
    )
    add(
        "flows_cities",
        charts.ranked_bar(
            shown,
            ctx,
            label="city",
            value="outflow",
            what="流入城市前10位（人，占流出党员%）",
            color="#A8201A",
            total=outflow_total,
        ),
        cities,
        "destination",
    )
    add(
        "flows_long_term",
        charts.long_term_by_unit(by_unit, ctx, unit_label=unit),
        by_unit[["unit", "outflow", "long_term"]],
        "outflow",
    )
    # 失联: units one level down from the township (a branch view compares its township's
    # branches), against the rate of the level above.
    up = f.with_(branch=None)
    up_ctx = ChartContext(scope=f.township or county, wave=ctx.wave, as_of=ctx.as_of)
    ref_rows = run(queries.metrics_by_wave, up)
    ref = ref_rows[ref_rows["wave"] == f.wave]
    reference = pct(ref["lost_contact"].sum(), ref["outflow"].sum()) if len(ref) else None
    add(
        "lost_rate",
        charts.rate_by_unit(
            unit_frame,
            up_ctx,
            unit_label=unit,
            numerator="lost_contact",
            what="流出党员失联率",
            reference=reference,
            reference_label=f"{f.township or county}平均",
        ),
        unit_frame[["unit", "outflow", "lost_contact"]],
        "contact",
    )
    add(
        "lost_risk",
        charts.risk_by_unit(unit_frame, up_ctx, unit_label=unit),
        unit_frame[["unit", "lost_contact", "at_risk", "two_nots"]],
        "contact",
    )
    moves = run(queries.transitions, f)
    add("lost_transitions", charts.transitions_bar(moves, ctx), moves, "contact")
    moves_by_wave = run(queries.transitions_by_wave, f)
    add(
        "lost_transitions_trend",
        charts.transitions_trend(moves_by_wave, ctx),
        moves_by_wave,
        "contact",
    )
    # 返乡创业
    add(
        "ret_units",
        charts_returnee.returnees_by_unit(by_unit, ctx, unit_label=unit),
        by_unit[["unit", "returnees", "enterprises", "jobs_created"]],
        "returnee",
    )
    industries = run(queries.returnee_breakdown, f)
    add("ret_industry", charts_returnee.industries(industries, ctx), industries, "returnee")
    origins = run(queries.returnee_origins, f)
    by_province = origins.groupby("former_province", as_index=False)[
        ["returnees", "enterprises"]
    ].sum()
    add(
        "ret_origins",
        charts.ranked_bar(
            by_province,
            ctx,
            label="former_province",
            value="returnees",
            what="返乡党员返乡前务工经商所在省份（人，%）",
            color="#C9A227",
        ),
        origins,
        "returnee",
    )
    timing = run(queries.return_to_founding, f)
    add("ret_timing", charts_returnee.since_return(timing, ctx), timing, "returnee")
    return items


def _file_name(text: str) -> str:
    """A caption safe as a file name on Windows and in a ZIP."""
    return re.sub(r'[\\/:*?"<>|\r\n\t]+', "_", text).strip() or "图表"


def package(
    items: list[ChartItem],
    render: Callable[[go.Figure], bytes],
    to_xlsx_book: Callable[[list[tuple[str, str, pd.DataFrame]]], bytes],
    *,
    title: str,
    note: str | None = None,
) -> bytes:
    """ZIP: 图1 caption.png … 图N caption.png and one XLSX with a sheet per figure (图1…图N),
    each titled with its caption. `note` (e.g. why the map is not included) goes into a
    说明.txt next to them."""
    buffer = io.BytesIO()
    sheets = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for i, item in enumerate(items, 1):
            archive.writestr(f"图{i} {_file_name(item.caption)}.png", render(item.figure))
            sheets.append((f"图{i}", f"图{i}　{item.caption}", item.data))
        archive.writestr(f"{_file_name(title)}_图表数据.xlsx", to_xlsx_book(sheets))
        if note:
            archive.writestr("说明.txt", note.encode("utf-8-sig"))
    return buffer.getvalue()
