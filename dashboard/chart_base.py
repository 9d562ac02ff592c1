"""Shared pieces of every chart: titles that state scope and wave, the source caption,
percentage rounding identical to the spec, and the layout finish."""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard import theme
from pipeline import metrics

SOURCE = "数据来源：流动党员普查数据库"


class Title(str):
    """A chart title that remembers whether it spans all waves (for its subtitle)."""

    all_waves: bool = False


@dataclass(frozen=True)
class ChartContext:
    """What a chart needs to say about itself: whose data, which wave, how fresh."""

    scope: str = "全县"  # 苍南县 / xx镇 / xx镇·第一支部
    wave: str | None = None  # "2022-04"; None when a chart spans all waves
    as_of: str | None = None  # footnote only: last ingest of the wave, "2024-05-01 10:20"

    def heading(self, what: str, *, all_waves: bool = False) -> Title:
        title = Title(what)
        title.all_waves = all_waves
        return title

    def subtitle(self, all_waves: bool = False) -> str:
        """Scope and wave under every title, so a pasted chart still says what it shows."""
        wave = "历次普查" if all_waves or not self.wave else f"{wave_label(self.wave)}普查"
        return f"{self.scope} · {wave}"

    def stat_point(self, all_waves: bool = False) -> str:
        """统计时点: the census wave, never the time of an ingest."""
        if not self.wave:
            return "统计时点：历次普查"
        if all_waves:
            return f"统计时点：历次普查（至{wave_label(self.wave)}普查）"
        return f"统计时点：{wave_label(self.wave)}普查"

    def caption(self, all_waves: bool = False) -> str:
        """Source, 统计时点 (the census wave) and, as a footnote, when the data last changed."""
        tail = f"；数据更新于 {self.as_of}" if self.as_of else ""
        return f"{SOURCE}；{self.stat_point(all_waves)}{tail}"


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
    """Share in percent, rounded half-up to 2 decimals exactly as the spec (195/957 → 20.38):
    the catalogue's one rounding, so the dashboard and the report never differ by a rounding."""
    return metrics.pct(num, den)


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
    """Title, subtitle (scope and wave), source caption and size in one place, so every
    chart reads the same on screen and pasted into a report."""
    all_waves = getattr(title, "all_waves", False)
    fig.update_layout(
        template=theme.TEMPLATE_NAME,
        title=dict(
            text=str(title),
            subtitle=dict(text=ctx.subtitle(all_waves), font=dict(size=13, color=theme.MUTED)),
            y=1,
            yref="container",
            yanchor="top",
            pad=dict(t=14),
        ),
        height=height,
    )
    lines = [note, ctx.caption(all_waves)] if note else [ctx.caption(all_waves)]
    fig.update_layout(margin=dict(b=72 + 16 * len(lines)))
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-(56 + 16 * len(lines)),
        xanchor="left",
        yanchor="bottom",
        align="left",
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


def nice_step(span: float, ticks: int = 5) -> float:
    """A 1-2-5 step giving about `ticks` intervals over span (never below 1 for counts)."""
    import math

    if span <= 0:
        return 1
    raw = span / ticks
    mag = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag:
            return m * mag
    return 10 * mag


def count_range(max_value: float, headroom: float = 1.25, *, integer: bool = True) -> dict:
    """Axis settings for counts: whole-number ticks, room above the bars for labels."""
    top = max(float(max_value or 0) * headroom, 1.0)
    step = nice_step(top)
    if integer:
        step = max(1, round(step))
    return dict(range=[0, top], dtick=step, tick0=0)


def bar_gap(n: int) -> float:
    """Gap between bar groups: a lone bar should not fill the whole chart."""
    return min(0.85, max(0.3, 1 - 0.14 * n))
