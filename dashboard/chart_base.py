"""Shared pieces of every chart: titles that state scope and wave, the source caption,
percentage rounding identical to the spec, and the layout finish."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import plotly.graph_objects as go

from dashboard import theme

SOURCE = "数据来源：流动党员普查数据库"


@dataclass(frozen=True)
class ChartContext:
    """What a chart needs to say about itself: whose data, which wave, how fresh."""

    scope: str = "全县"  # 苍南县 / xx镇 / xx镇·第一支部
    wave: str | None = None  # "2022-04"; None when a chart spans all waves
    as_of: str | None = None  # last successful ingest, "2024-05-01 10:20"

    def heading(self, what: str, *, all_waves: bool = False) -> str:
        wave = "历次普查" if all_waves or not self.wave else f"{wave_label(self.wave)}普查"
        return f"{self.scope} {wave} {what}"

    def caption(self) -> str:
        tail = f"（截至 {self.as_of} 入库）" if self.as_of else ""
        return f"{SOURCE}{tail}"


def wave_label(wave: str | None) -> str:
    """'2022-04' → '2022年4月' as written in reports."""
    if not wave:
        return ""
    try:
        year, month = wave.split("-")[:2]
        return f"{int(year)}年{int(month)}月"
    except ValueError:
        return wave


def pct(num: float | int | None, den: float | int | None) -> float | None:
    """Share in percent, rounded half-up to 2 decimals exactly as the spec (195/957 → 20.38)."""
    if num is None or not den:
        return None
    value = Decimal(str(num)) * 100 / Decimal(str(den))
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def fmt_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}%"


def fmt_int(value: float | int | None) -> str:
    return "—" if value is None else f"{int(value):,}"


def finalize(
    fig: go.Figure,
    ctx: ChartContext,
    title: str,
    *,
    height: int = 420,
    note: str | None = None,
) -> go.Figure:
    """Title, caption and size in one place so every chart reads the same in a report."""
    caption = ctx.caption() + (f"；{note}" if note else "")
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(text=title),
        height=height,
    )
    fig.add_annotation(
        text=caption,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-56,
        xanchor="left",
        yanchor="top",
        showarrow=False,
        font=dict(size=11, color=theme.GREY),
    )
    return fig


def empty_figure(ctx: ChartContext, title: str, message: str = "所选范围暂无数据") -> go.Figure:
    """A chart slot that says why it is empty instead of drawing blank axes."""
    fig = go.Figure()
    fig.add_annotation(
        text=message,
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=15, color=theme.MUTED),
    )
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return finalize(fig, ctx, title, height=260)
