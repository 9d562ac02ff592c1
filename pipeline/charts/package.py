"""Every chart of the analysis pages, defined once: each page draws its list (`overview_charts`,
`flows_charts`, `lost_charts`, `returnee_charts`), and the chart package ("全部图表打包下载":
numbered PNGs plus one XLSX of the figures behind them) and the Word report take all of them
(`analysis_charts`), so a figure cannot differ between the page, the package and the report.
No Streamlit: queries run through the `run` callable the caller hands in (the dashboard's
scoped, cached `ui.run`, or a plain connection in the report), with the caller's scope.

Keys are the pages' own chart keys; a chart two pages draw alike (the scope breakdown, the
trend) is one item holding both keys. `tests/reports/test_leader_exports.py` checks that the
pages draw exactly these figures.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from pipeline.charts import labels
from pipeline.charts import returnee as charts_returnee
from pipeline.charts import units as charts
from pipeline.charts.base import ChartContext
from pipeline.queries import analysis as queries
from pipeline.queries.base import Filters
from pipeline.warehouse import metrics

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


def _by_unit(run: Runner, f: Filters) -> pd.DataFrame:
    """The selection's units one level down: townships for the county, else branches."""
    if f.level == "county":
        return run(queries.metrics_by_township, f).rename(columns={"township": "unit"})
    return run(queries.metrics_by_branch, f).rename(columns={"branch": "unit"})


def _peers(run: Runner, f: Filters) -> pd.DataFrame:
    """失联 compares units one level below the township: a branch view, its township's branches."""
    return _by_unit(run, f.with_(branch=None) if f.level == "branch" else f)


def unit_label(f: Filters) -> str:
    """What a per-unit chart breaks the selection into."""
    return "乡镇" if f.level == "county" else "党支部"


def _export(frame: pd.DataFrame, columns: list[str], unit: str) -> pd.DataFrame:
    """A per-unit chart's figures for CSV/XLSX, the unit column headed 乡镇 or 党支部."""
    return frame[columns].rename(columns={"unit": unit})


def _item(keys, fig: go.Figure, data: pd.DataFrame, topic: str) -> ChartItem:
    keys = (keys,) if isinstance(keys, str) else tuple(keys)
    return ChartItem(keys, caption_of(fig), fig, data.reset_index(drop=True), topic)


def _scope_item(run: Runner, f: Filters, ctx: ChartContext) -> ChartItem:
    scopes = run(queries.scope_counts, f)
    return _item(("overview_scope", "flows_scope"), charts.scope_breakdown(scopes, ctx), scopes,
                 "outflow")  # fmt: skip


def _trend_item(run: Runner, f: Filters, ctx: ChartContext) -> ChartItem:
    by_wave = run(queries.metrics_by_wave, f)
    columns = ["wave", "members_total", "outflow", "lost_contact", "returnees", "enterprises"]
    return _item(("overview_trend", "lost_trend"), charts.trend(by_wave, ctx), by_wave[columns],
                 "contact")  # fmt: skip


def overview_charts(run: Runner, f: Filters, ctx: ChartContext) -> list[ChartItem]:
    """总览's charts: outflow per unit, the flow scopes, the trend across waves."""
    by_unit, unit = _by_unit(run, f), unit_label(f)
    return [
        _item(
            "overview_units",
            charts.outflow_by_unit(by_unit, ctx, unit_label=unit),
            _export(by_unit, ["unit", "members_total", "outflow", "outflow_counted"], unit),
            "outflow",
        ),
        _scope_item(run, f, ctx),
        _trend_item(run, f, ctx),
    ]


def flows_charts(
    run: Runner, f: Filters, ctx: ChartContext, *, home_county: str | None, with_map: bool
) -> list[ChartItem]:
    """流向's charts. `with_map`: the app always draws the map; a map leaves the app (package,
    report) only when an approved base map (审图号) is configured."""
    provinces = run(queries.province_counts, f)
    scope_item = _scope_item(run, f, ctx)
    outflow_total = int(scope_item.data["outflow"].sum()) if len(scope_item.data) else 0
    items = []
    if with_map:
        items.append(
            _item(
                "flows_map",
                charts.province_map(provinces, ctx, home_county=home_county, total=outflow_total),
                provinces[["province", "outflow", "long_term", "lost_contact"]],
                "destination",
            )
        )
    flows = run(queries.sankey_flows, f)
    jobs = run(queries.occupations, f)
    cities = run(queries.top_cities, f)
    shown = cities.assign(
        city=[
            c if c == p else f"{p}{c}"
            for p, c in zip(cities["province"], cities["city"], strict=True)
        ]
    )
    by_unit, unit = _by_unit(run, f), unit_label(f)
    return [
        *items,
        _item(
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
        ),
        _item("flows_sankey", charts.flow_sankey(flows, ctx), flows, "destination"),
        scope_item,
        _item(
            "flows_occupation",
            charts.ranked_bar(
                jobs, ctx, label="occupation", value="outflow", what="流出党员从事职业分布（人，%）"
            ),
            jobs,
            "destination",
        ),
        _item(
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
        ),
        _item(
            "flows_long_term",
            charts.long_term_by_unit(by_unit, ctx, unit_label=unit),
            _export(by_unit, ["unit", "outflow", "long_term", "long_term_base"], unit),
            "outflow",
        ),
    ]


def lost_charts(run: Runner, f: Filters, ctx: ChartContext, *, county: str) -> list[ChartItem]:
    """失联's charts: units one level down from the township (a branch view compares its
    township's branches) against the rate of the level above, whose base is the outflow of
    the units that reported a contact status (spec §5), like every other surface's rate."""
    up = f.with_(branch=None)
    up_ctx = ChartContext(scope=f.township or county, wave=ctx.wave, as_of=ctx.as_of)
    peers, unit = _peers(run, f), unit_label(f)
    ref = run(queries.metrics_by_wave, up)
    ref = ref[ref["wave"] == f.wave]
    reference = metrics.rate(ref.iloc[0], "lost_contact_rate") if len(ref) else None
    moves = run(queries.transitions, f)
    moves_by_wave = run(queries.transitions_by_wave, f)
    return [
        _trend_item(run, f, ctx),
        _item(
            "lost_rate",
            charts.rate_by_unit(
                peers,
                up_ctx,
                unit_label=unit,
                numerator="lost_contact",
                denominator="lost_contact_base",
                what="流出党员失联率",
                reference=reference,
                reference_label=f"{f.township or county}平均",
            ),
            _export(peers, ["unit", "outflow", "lost_contact", "lost_contact_base"], unit),
            "contact",
        ),
        _item(
            "lost_risk",
            charts.risk_by_unit(peers, up_ctx, unit_label=unit),
            _export(peers, ["unit", "lost_contact", "at_risk", "two_nots"], unit),
            "contact",
        ),
        _item("lost_transitions", charts.transitions_bar(moves, ctx), moves, "contact"),
        _item(
            "lost_transitions_trend",
            charts.transitions_trend(moves_by_wave, ctx),
            moves_by_wave,
            "contact",
        ),
    ]


def returnee_charts(run: Runner, f: Filters, ctx: ChartContext) -> list[ChartItem]:
    """返乡创业's charts."""
    by_unit, unit = _by_unit(run, f), unit_label(f)
    industries = run(queries.returnee_breakdown, f)
    origins = run(queries.returnee_origins, f)
    by_province = origins.groupby("former_province", as_index=False)[
        ["returnees", "enterprises"]
    ].sum()
    timing = run(queries.return_to_founding, f)
    return [
        _item(
            "ret_units",
            charts_returnee.returnees_by_unit(by_unit, ctx, unit_label=unit),
            _export(by_unit, ["unit", "returnees", "enterprises", "jobs_created"], unit),
            "returnee",
        ),
        _item("ret_industry", charts_returnee.industries(industries, ctx), industries, "returnee"),
        _item(
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
        ),
        _item("ret_timing", charts_returnee.since_return(timing, ctx), timing, "returnee"),
    ]


def analysis_charts(
    run: Runner,
    f: Filters,
    ctx: ChartContext,
    *,
    county: str,
    home_county: str | None,
    with_map: bool,
) -> list[ChartItem]:
    """The charts of 总览, 流向, 失联 and 返乡创业 for the selection `f`, in page order, a chart
    two pages draw alike once. `with_map`: see `flows_charts`."""
    items: list[ChartItem] = []
    seen: set[str] = set()
    for item in (
        *overview_charts(run, f, ctx),
        *flows_charts(run, f, ctx, home_county=home_county, with_map=with_map),
        *lost_charts(run, f, ctx, county=county),
        *returnee_charts(run, f, ctx),
    ):
        if not seen.intersection(item.keys):
            items.append(item)
            seen.update(item.keys)
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
            # as the page's own download of the chart: a count not reported reads 未填报
            sheets.append((f"图{i}", f"图{i}　{item.caption}", labels.not_reported(item.data)))
        archive.writestr(f"{_file_name(title)}_图表数据.xlsx", to_xlsx_book(sheets))
        if note:
            archive.writestr("说明.txt", note.encode("utf-8-sig"))
    return buffer.getvalue()
