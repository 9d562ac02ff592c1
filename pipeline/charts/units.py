"""Pure chart builders: small DataFrame in, `go.Figure` out, no Streamlit.

Only SVG trace types are used (Bar, Scatter, Sankey): a page shows many charts and
browsers allow only a few WebGL contexts. Topic modules hold the rest:
`charts_flow` (Sankey, breakdowns), `province_map` and `charts_returnee`.
"""

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
    wave_label,
    wrap_label,
)
from pipeline.charts.flow import (  # noqa: F401  (re-exported: one import for pages)
    flow_sankey,
    horizontal_units,
    long_term_by_unit,
    ranked_bar,
    scope_breakdown,
)
from pipeline.charts.province_map import province_map  # noqa: F401  (re-exported)
from pipeline.warehouse import metrics

TRANSITION_ORDER = [
    "新增失联",
    "恢复联系",
    "持续失联",
    "新增流出",
    "返乡",
    "不再登记",
    "保持正常",
    "持续返乡",
]


def _rates(num: pd.Series, den: pd.Series) -> list[float | None]:
    return [pct(n, d) for n, d in zip(num, den, strict=True)]


# Beyond this many units, vertical bars and their labels no longer fit: bars go horizontal.
HORIZONTAL_AFTER = 10


def _unit_bars(
    fig: go.Figure,
    units: pd.Series,
    values: list,
    *,
    text: list[str],
    color: str,
    hover: str,
    value_axis: dict,
    customdata: list | None = None,
) -> int:
    """Bars per unit, vertical for a few short names and horizontal (largest on top) for
    many or long ones (`horizontal_units`). Returns the figure height that fits them."""
    horizontal = horizontal_units(units)
    bar = dict(
        marker_color=color,
        text=text,
        textposition="outside",
        cliponaxis=False,
        customdata=customdata,
    )
    if horizontal:
        # The value axis reaches far enough that every label fits beside its bar.
        _where, fitted, _inside = bar_labels(values, text, outside_only=True)
        value_axis = {**value_axis, "range": fitted["range"], "dtick": None}
        fig.add_bar(
            y=units,
            x=values,
            orientation="h",
            hovertemplate=hover.replace("%{x}", "%{Y}")
            .replace("%{y", "%{x")
            .replace("%{Y}", "%{y}"),
            **bar,
        )
        fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
        fig.update_xaxes(**value_axis)
        fig.update_layout(bargap=0.3)
        return 200 + 26 * len(units)
    fig.add_bar(x=[wrap_label(u) for u in units], y=values, hovertemplate=hover, **bar)
    fig.update_xaxes(type="category", showgrid=False, tickangle=0)
    fig.update_yaxes(**value_axis)
    fig.update_layout(bargap=bar_gap(len(units)))
    return 400


def outflow_by_unit(df: pd.DataFrame, ctx: ChartContext, *, unit_label: str) -> go.Figure:
    """Outflow per township/branch with its share of all members where a summary exists:
    the catalogue's outflow share (the outflow of the branches with a 党员总数, `outflow_counted`,
    over their members), as every other surface gives it. df: unit, outflow, members_total
    [, outflow_counted]."""
    title = ctx.heading(f"各{unit_label}流出党员人数及占党员总数比例（人，%）")
    if df.empty or df["outflow"].sum() == 0:
        return empty_figure(ctx, title)
    top = 30
    data = df.sort_values("outflow", ascending=False).head(top)
    shares = [metrics.rate(row, "outflow_share") for row in data.to_dict("records")]
    sep = "　" if horizontal_units(data["unit"]) else "<br>"
    fig = go.Figure()
    height = _unit_bars(
        fig,
        data["unit"],
        data["outflow"].tolist(),
        text=[
            f"{int(o)}{sep}{fmt_pct(s)}" if s is not None else f"{int(o)}"
            for o, s in zip(data["outflow"], shares, strict=True)
        ],
        color=theme.BLUE,
        customdata=[fmt_pct(s) for s in shares],
        hover="%{x}：%{y} 人，占党员总数 %{customdata}<extra></extra>",
        value_axis=dict(title_text="流出党员（人）", **count_range(data["outflow"].max(), 1.3)),
    )
    note = "标注为人数与占党员总数比例；比例只计报送了党员总数的支部"
    if len(df) > top:
        note += f"；显示流出人数最多的 {top} 个{unit_label}"
    return finalize(fig, ctx, title, height=height, note=note)


def rate_by_unit(
    df: pd.DataFrame,
    ctx: ChartContext,
    *,
    unit_label: str,
    numerator: str,
    what: str,
    reference: float | None,
    denominator: str = "outflow",
    reference_label: str = "全县",
    top: int = 25,
    color: str = theme.RED,
) -> go.Figure:
    """A rate per unit (e.g. lost-contact rate) with the overall rate as a dashed reference.
    df: unit, outflow, <numerator>[, <denominator>]. A unit whose numerator is NULL did not
    report the field: no bar (never 0.00%), named in the note as 未填报."""
    title = ctx.heading(f"各{unit_label}{what}（%）")
    if denominator not in df:
        denominator = "outflow"
    unreported = df.loc[(df["outflow"] > 0) & df[numerator].isna(), "unit"].astype(str).tolist()
    data = df[(df["outflow"] > 0) & df[numerator].notna()].copy()
    if data.empty:
        message = f"{'、'.join(unreported)}未填报" if unreported else "所选范围暂无数据"
        return empty_figure(ctx, title, message)
    data["rate"] = _rates(data[numerator], data[denominator])
    ranked = len(data)
    data = data.sort_values(["rate", "outflow"], ascending=[False, False]).head(top)
    top_y = max(float(data["rate"].max() or 0), reference or 0) * 1.3 or 1
    horizontal = horizontal_units(data["unit"])
    sep = "　" if horizontal else "<br>"
    fig = go.Figure()
    height = _unit_bars(
        fig,
        data["unit"],
        data["rate"].tolist(),
        text=[
            f"{fmt_pct(r)}{sep}{int(n)}/{int(o)}"
            for r, n, o in zip(data["rate"], data[numerator], data[denominator], strict=True)
        ],
        color=color,
        hover="%{x}：%{y:.2f}%<extra></extra>",
        value_axis=dict(
            title_text="比例（%）", ticksuffix="%", **count_range(top_y, 1.0, integer=False)
        ),
    )
    if reference is not None:
        line = dict(color=theme.INK, width=1.2, dash="dash")
        if horizontal:
            fig.add_vline(x=reference, line=line, layer="below")  # under the labels
        else:
            fig.add_hline(y=reference, line=line, layer="below")
        # Named in the legend rather than on the line, where it would collide with bar labels.
        fig.add_scatter(
            x=[None],
            y=[None],
            mode="lines",
            line=line,
            name=f"{reference_label} {fmt_pct(reference)}",
        )
        fig.data[0].showlegend = False
    note = "标注为比例及人数（失联人数/流出人数）；虚线为参照比例"
    if ranked > top:
        note += f"；显示比例最高的 {top} 个{unit_label}"
    if unreported:
        note += f"；未填报：{'、'.join(unreported[:10])}" + ("等" if len(unreported) > 10 else "")
    return finalize(fig, ctx, title, height=height, note=note)


def trend(df: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """Outflow (bars) and lost-contact rate (line) across waves. df: wave, outflow, lost_contact."""
    title = ctx.heading("流出党员人数与失联率变化趋势（人，%）", all_waves=True)
    if df.empty:
        return empty_figure(ctx, title)
    data = df.sort_values("wave")
    labels = [wave_label(w) for w in data["wave"]]
    note = None
    if "townships" in data and data["townships"].nunique() > 1:
        # Waves with different numbers of reporting townships are not directly comparable.
        labels = [
            f"{lab}<br>（{int(n)}个乡镇）" for lab, n in zip(labels, data["townships"], strict=True)
        ]
        note = "各批次报送乡镇数不同，人数不宜直接比较"
    # the rate's base is the outflow of the units that reported a contact status
    base = data["lost_contact_base"] if "lost_contact_base" in data else data["outflow"]
    rates = _rates(pd.to_numeric(data["lost_contact"], errors="coerce"), base)
    fig = go.Figure()
    fig.add_bar(
        x=labels,
        y=data["outflow"],
        name="流出党员（人）",
        marker_color=theme.BLUE_LIGHT,
        text=data["outflow"],
        textposition="inside",
        insidetextanchor="start",
        textfont=dict(color="white"),
        hovertemplate="%{x}：%{y} 人<extra></extra>",
    )
    fig.add_scatter(
        x=labels,
        y=rates,
        name="失联率（%）",
        yaxis="y2",
        mode="lines+markers+text",
        line=dict(color=theme.RED, width=2.5),
        marker=dict(size=8),
        text=["未填报" if r is None else fmt_pct(r) for r in rates],
        textposition="top center",
        hovertemplate="%{x}：%{y:.2f}%<extra></extra>",
    )
    top_rate = max([r for r in rates if r is not None] or [1])
    fig.update_layout(
        yaxis=dict(title_text="流出党员（人）", **count_range(data["outflow"].max(), 1.3)),
        yaxis2=dict(
            title_text="失联率（%）",
            overlaying="y",
            side="right",
            showgrid=False,
            ticksuffix="%",
            **count_range(top_rate, 1.6, integer=False),
        ),
        xaxis=dict(type="category", showgrid=False),
        bargap=bar_gap(len(data)),
    )
    return finalize(fig, ctx, title, height=380, note=note)


def transitions_bar(df: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """Members by status change since the previous census. df: transition, members."""
    title = ctx.heading("与上次普查相比的联系状态变化（人）")
    if df.empty:
        return empty_figure(ctx, title, "所选范围只有一次普查，暂无可比的上次普查")
    # Members whose status did not change would dwarf the changes that need attention;
    # they are stated in the note instead.
    steady = {"保持正常", "持续返乡"}
    kept = int(df.loc[df["transition"].isin(steady), "members"].sum())
    order = [t for t in TRANSITION_ORDER if t in set(df["transition"]) and t not in steady]
    if not order:
        return empty_figure(ctx, title, f"与上次普查相比无状态变化（保持正常 {kept} 人）")
    data = df.set_index("transition").reindex(order)
    fig = go.Figure(
        go.Bar(
            x=data.index,
            y=data["members"],
            marker_color=[theme.TRANSITION_COLORS.get(t, theme.GREY) for t in data.index],
            text=data["members"],
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}：%{y} 人<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="人数（人）", **count_range(data["members"].max()))
    fig.update_xaxes(type="category", showgrid=False)
    fig.update_layout(bargap=bar_gap(len(data)))
    prev = ""
    if "prev_waves" in df and df["prev_waves"].notna().any():
        prev = "、".join(sorted({w for s in df["prev_waves"].dropna() for w in str(s).split("、")}))
        prev = "上次普查：" + "、".join(wave_label(w) for w in prev.split("、"))
    note = f"另有状态未变 {kept} 人；按身份证号匹配，无身份证号时按姓名+出生年月+支部"
    return finalize(fig, ctx, title, height=380, note=f"{prev}；{note}" if prev else note)


def transitions_trend(df: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """新增失联 vs 恢复联系 per wave. df: wave, transition, members."""
    title = ctx.heading("历次普查新增失联与恢复联系人数（人）", all_waves=True)
    data = df[df["transition"].isin(["新增失联", "恢复联系"])]
    if data.empty:
        return empty_figure(ctx, title, "暂无跨两次普查的失联变化")
    fig = go.Figure()
    for name in ["新增失联", "恢复联系"]:
        part = data[data["transition"] == name].sort_values("wave")
        fig.add_bar(
            x=[wave_label(w) for w in part["wave"]],
            y=part["members"],
            name=name,
            marker_color=theme.TRANSITION_COLORS[name],
            text=part["members"],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=name + " %{x}：%{y} 人<extra></extra>",
        )
    fig.update_layout(barmode="group", bargap=bar_gap(data["wave"].nunique() * 2))
    fig.update_yaxes(title_text="人数（人）", **count_range(data["members"].max()))
    fig.update_xaxes(type="category", showgrid=False)
    return finalize(fig, ctx, title, height=360)


def risk_by_unit(df: pd.DataFrame, ctx: ChartContext, *, unit_label: str) -> go.Figure:
    """失联, 失联风险 (>180 days, not yet lost) and 两不管 per unit.
    df: unit, lost_contact, at_risk, two_nots."""
    title = ctx.heading(f"各{unit_label}失联、失联风险与“两不管”党员（人）")
    cols = ["lost_contact", "at_risk", "two_nots"]
    labels = [("lost_contact", "失联"), ("at_risk", "失联风险"), ("two_nots", "“两不管”")]
    if df.empty or df[cols].fillna(0).to_numpy().sum() == 0:
        return empty_figure(ctx, title, "所选范围内没有失联、失联风险或“两不管”党员")
    # A count a unit did not report has no bar and reads 未填报 (never 0); a unit with
    # nothing to draw is left out of the bars but still named in the note when it did not report.
    data = (
        df.assign(total=df[cols].fillna(0).sum(axis=1))
        .query("total > 0")
        .sort_values(["total", "unit"], ascending=[False, True])
        .head(25)
    )
    horizontal = horizontal_units(data["unit"])
    units = data["unit"] if horizontal else [wrap_label(u) for u in data["unit"]]
    peak = data[cols].fillna(0).to_numpy().max()
    fig = go.Figure()
    # Short legend names: long ones wrap into a second legend row; the note explains them.
    for col, name, color in [
        ("lost_contact", "失联", theme.RED),
        ("at_risk", "失联风险", theme.ORANGE),
        ("two_nots", "“两不管”", theme.GOLD),
    ]:
        values = data[col].astype(float).tolist()
        add_unit_bar(
            fig,
            units,
            values,
            name,
            horizontal=horizontal,
            marker_color=color,
            # no row of zeros along the axis; a count not reported reads 未填报
            text=["未填报" if pd.isna(v) else (str(int(v)) if v else "") for v in values],
            textposition="outside",
            cliponaxis=False,
        )
    fig.update_layout(barmode="group", bargap=0.25 if horizontal else bar_gap(len(data) * 2))
    if horizontal:
        fig.update_yaxes(type="category", autorange="reversed", showgrid=False)
        fig.update_xaxes(title_text="人数（人）", **count_range(peak, 1.25))
        height = 220 + 46 * len(data)
    else:
        fig.update_yaxes(title_text="人数（人）", **count_range(peak))
        fig.update_xaxes(type="category", showgrid=False, tickangle=0)
        height = 400
    note = (
        "失联风险：超过180天未联系、尚未失联；“两不管”：无流入地党组织且超过180天未联系，"
        "与失联、失联风险有重叠"
    )
    shown = set(data["unit"])
    listed = pd.concat([data, df[~df["unit"].isin(shown)].sort_values("unit")])
    gaps = [
        f"{unit}（{'、'.join(name for col, name in labels if pd.isna(row[col]))}）"
        for unit, row in zip(listed["unit"], listed.to_dict("records"), strict=True)
        if any(pd.isna(row[col]) for col, _name in labels)
    ]
    if gaps:
        note += "；未填报：" + "；".join(gaps[:6]) + ("等" if len(gaps) > 6 else "")
    return finalize(fig, ctx, title, height=height, note=note)
