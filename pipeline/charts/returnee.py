"""Charts of returnees and the enterprises they founded."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pipeline.charts import theme
from pipeline.charts.base import (
    ChartContext,
    bar_gap,
    count_range,
    empty_figure,
    finalize,
    wrap_label,
)

# column, legend name, unit, colour, y axis: returnees and enterprises on the left axis,
# jobs (larger numbers) on the right.
_UNIT_BARS = (
    ("returnees", "返乡党员（人）", "人", theme.BLUE, "y"),
    ("enterprises", "创办企业（个）", "个", theme.GOLD, "y"),
    ("jobs_created", "带动就业（人，右轴）", "人", theme.RED_LIGHT, "y2"),
)
SINCE_RETURN_ORDER = ["不足6个月", "6–12个月", "1–2年", "2–3年", "3年以上", "未填返乡时间"]


def returnees_by_unit(df: pd.DataFrame, ctx: ChartContext, *, unit_label: str) -> go.Figure:
    """Returnees and enterprises (bars) and jobs created (markers, right axis) per unit.
    df: unit, returnees, enterprises, jobs_created."""
    title = ctx.heading(f"各{unit_label}返乡党员、创办企业与带动就业（人，个）")
    if df.empty or df["returnees"].sum() == 0:
        return empty_figure(ctx, title, "所选范围内暂无返乡党员")
    data = df[df["returnees"] > 0].sort_values("returnees", ascending=False).head(25)
    units = [wrap_label(u) for u in data["unit"]]  # level, not slanted over the notes
    fig = go.Figure()
    # Bars on two y axes overlap unless they share an alignment group with distinct offsets.
    for column, name, unit, color, yaxis in _UNIT_BARS:
        fig.add_bar(
            x=units,
            y=data[column],
            name=name,
            yaxis=yaxis,
            offsetgroup=column,
            alignmentgroup="units",
            marker_color=color,
            text=data[column],
            textposition="outside",
            cliponaxis=False,
            hovertemplate=f"%{{x}} {name.split('（')[0]}：%{{y}} {unit}<extra></extra>",
        )
    fig.update_layout(
        barmode="group",
        bargap=bar_gap(len(data) * 3),
        yaxis=dict(title_text="人数 / 个数", **count_range(data["returnees"].max(), 1.3)),
        yaxis2=dict(
            title_text="带动就业（人）",
            overlaying="y",
            side="right",
            showgrid=False,
            **count_range(data["jobs_created"].max(), 1.3),
        ),
        xaxis=dict(type="category", showgrid=False, tickangle=0),
    )
    return finalize(fig, ctx, title, height=400)


def industries(df: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """Enterprises and jobs by industry. df: industry, enterprises, jobs_created."""
    title = ctx.heading("返乡创业企业行业分布（个，人）")
    data = df[(df["industry"] != "未创业") & (df["enterprises"] > 0)]
    if data.empty:
        return empty_figure(ctx, title, "所选范围内暂无返乡创业企业")
    data = data.sort_values("enterprises", ascending=False).head(15)
    fig = go.Figure()
    fig.add_bar(
        y=data["industry"],
        x=data["enterprises"],
        name="企业（个）",
        orientation="h",
        marker_color=theme.GOLD,
        text=[f"{v} 个" for v in data["enterprises"]],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}：%{x} 个<extra></extra>",
    )
    fig.add_bar(
        y=data["industry"],
        x=data["jobs_created"],
        name="带动就业（人）",
        orientation="h",
        marker_color=theme.BLUE_LIGHT,
        text=[f"{v} 人" for v in data["jobs_created"]],
        textposition="outside",
        cliponaxis=False,
        hovertemplate="%{y}：带动就业 %{x} 人<extra></extra>",
    )
    fig.update_layout(barmode="group", bargap=bar_gap(len(data) * 2))
    fig.update_yaxes(autorange="reversed", showgrid=False, type="category")
    fig.update_xaxes(
        title_text="个数 / 人数",
        **count_range(data[["enterprises", "jobs_created"]].max().max(), 1.3),
    )
    return finalize(fig, ctx, title, height=max(340, 120 + 56 * len(data)))  # labels apart


def since_return(df: pd.DataFrame, ctx: ChartContext) -> go.Figure:
    """Enterprises by time between return and the census. df: since_return, enterprises, returnees."""
    title = ctx.heading("返乡至创业时长分布（个）")
    if df.empty or df["enterprises"].sum() == 0:
        return empty_figure(ctx, title, "所选范围内暂无返乡创业企业")
    data = df.set_index("since_return").reindex(SINCE_RETURN_ORDER).fillna(0).reset_index()
    fig = go.Figure(
        go.Bar(
            x=data["since_return"],
            y=data["enterprises"],
            marker_color=theme.GOLD,
            text=data["enterprises"].astype(int),
            textposition="outside",
            cliponaxis=False,
            hovertemplate="%{x}：%{y} 个<extra></extra>",
        )
    )
    fig.update_yaxes(title_text="企业（个）", **count_range(data["enterprises"].max(), 1.3))
    fig.update_xaxes(type="category", showgrid=False, title_text="返乡至普查时点的时长")
    note = "普查表无企业创办时间，以返乡至普查时点的时长作为返乡到创业时长的上限"
    return finalize(fig, ctx, title, height=380, note=note)
