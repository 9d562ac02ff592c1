"""Charts of where mobile members went: Sankey, scope, occupation, cities, long-term (the map is
`province_map`)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pipeline.charts import theme
from pipeline.charts.base import (
    ChartContext,
    add_unit_bar,
    bar_gap,
    bar_labels,
    count_range,
    empty_figure,
    finalize,
    fmt_pct,
    pct,
    wrap_label,
)
from pipeline.warehouse import metrics


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
    # Every node says its count: a PNG or a printed page has no hover.
    town_n = data.groupby("township")["outflow"].sum()
    scope_n = data.groupby("scope")["outflow"].sum()
    prov_n = data.groupby("province")["outflow"].sum()
    labels = (
        [f"{n} {int(town_n[n])}人" for n in towns]
        + [f"{n} {int(scope_n[n])}人" for n in scopes]
        + [f"{n} {int(prov_n[n])}人" for n in provs]
    )
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
                hovertemplate="%{label}<extra></extra>",
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
    text = [f"{int(v)} 人（{fmt_pct(s)}）" for v, s in zip(data["outflow"], shares, strict=True)]
    colors = [theme.SCOPE_COLORS[s] for s in data.index]
    where, axis, inside = bar_labels(data["outflow"].tolist(), text, colors)
    fig = go.Figure(
        go.Bar(
            y=data.index,
            x=data["outflow"],
            orientation="h",
            marker_color=colors,
            text=text,
            textposition=where,
            insidetextanchor="end",
            insidetextfont=dict(color=inside),
            cliponaxis=False,
            hovertemplate="%{y}：%{x} 人<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", showgrid=False)
    fig.update_xaxes(title_text="人数（人）", **axis)
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
    text = [f"{int(v)} {unit}（{fmt_pct(pct(v, total))}）" for v in data[value]]
    where, axis, inside = bar_labels(data[value].tolist(), text, [color] * len(data))
    fig = go.Figure(
        go.Bar(
            y=data[label],
            x=data[value],
            orientation="h",
            marker_color=color,
            text=text,
            textposition=where,
            insidetextanchor="end",
            insidetextfont=dict(color=inside),
            cliponaxis=False,
            hovertemplate="%{y}：%{x} " + unit + "<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    axis_title = "人数（人）" if unit == "人" else f"数量（{unit}）"
    fig.update_xaxes(title_text=axis_title, **axis)
    fig.update_layout(bargap=bar_gap(len(data)))
    note = f"显示前 {top} 项" if len(df) > top else None
    return finalize(fig, ctx, title, height=max(320, 200 + 28 * len(data)), note=note)


def horizontal_units(units) -> bool:
    """Bars per unit go horizontal beyond ten units or when the names together are too long
    to stand level under vertical bars in a half-width chart (they would slant over the notes)."""
    names = [str(u) for u in units]
    return len(names) > 10 or sum(len(n) for n in names) > 30


def long_term_by_unit(df: pd.DataFrame, ctx: ChartContext, *, unit_label: str) -> go.Figure:
    """Long-term (≥365 days) vs shorter absence per township or branch, each bar labelled with
    its long-term count and the catalogue's share (of the outflow of the branches that carried
    流出时间, `long_term_base`, as every other surface gives it); the outflow of branches that
    did not is its own grey part, neither long nor short. df: unit, outflow, long_term
    [, long_term_base]."""
    title = ctx.heading(f"各{unit_label}长期在外流出党员（人，%）")  # fits a half-width chart
    if df.empty or df["outflow"].sum() == 0:
        return empty_figure(ctx, title)
    top = 30
    data = df[df["outflow"] > 0].sort_values(["outflow", "unit"], ascending=[False, True]).head(top)
    data = data.assign(long_term=pd.to_numeric(data["long_term"], errors="coerce"))
    if "long_term_base" in data:
        base = pd.to_numeric(data["long_term_base"], errors="coerce").fillna(0)
    else:  # a frame without bases: the unit's outflow where it reported, else none
        base = data["outflow"].where(data["long_term"].notna(), 0)
    short = base - data["long_term"].fillna(0)
    unreported = data["outflow"] - base
    shares = [metrics.rate(row, "long_term") for row in data.to_dict("records")]
    # a unit without a 流出时间 column: no split, 未填报 (never 0人 or 0.00%)
    labels = [
        "未填报" if pd.isna(lt) else f"{int(lt)}人（{fmt_pct(s)}）"
        for lt, s in zip(data["long_term"], shares, strict=True)
    ]
    horizontal = horizontal_units(data["unit"])
    units = data["unit"] if horizontal else [wrap_label(u) for u in data["unit"]]
    fig = go.Figure()
    parts = [(data["long_term"], "长期在外", theme.RED), (short, "不足一年", theme.BLUE_LIGHT)]
    if unreported.any():
        parts.append((unreported, "未填报流出时间", theme.GREY_LIGHT))
    for values, name, color in parts:
        add_unit_bar(fig, units, values, name, horizontal=horizontal, marker_color=color)
    note = (
        "长期在外：截至普查月末外出满365天；柱端数字为长期在外人数及其占"
        "填报了流出时间的流出党员的比例"
    )
    if len(df[df["outflow"] > 0]) > top:
        note += f"；显示流出人数最多的 {top} 个{unit_label}"
    if horizontal:
        _where, axis, _inside = bar_labels(data["outflow"].tolist(), labels, outside_only=True)
        fig.add_scatter(
            y=units,
            x=data["outflow"],
            mode="text",
            text=labels,
            textposition="middle right",
            showlegend=False,
            hoverinfo="skip",
            cliponaxis=False,
        )
        fig.update_layout(barmode="stack", legend=dict(traceorder="normal"), bargap=0.3)
        fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
        fig.update_xaxes(title_text="人数（人）", **axis)
        return finalize(fig, ctx, title, height=200 + 26 * len(data), note=note)
    fig.add_scatter(
        x=units,
        y=data["outflow"],
        mode="text",
        text=[t.replace("（", "<br>（") for t in labels],
        textposition="top center",
        showlegend=False,
        hoverinfo="skip",
        cliponaxis=False,
    )
    fig.update_layout(barmode="stack", legend=dict(traceorder="normal"), bargap=bar_gap(len(data)))
    fig.update_yaxes(title_text="人数（人）", **count_range(data["outflow"].max(), 1.35))
    fig.update_xaxes(type="category", showgrid=False, tickangle=0)
    return finalize(fig, ctx, title, height=400, note=note)
