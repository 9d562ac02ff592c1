"""Shared pieces of every chart: titles that state scope and wave, the source caption,
percentage rounding identical to the spec, and the layout finish."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from pipeline.charts import theme
from pipeline.warehouse import metrics

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
    top = 108 + LEGEND_ROW * (legend_rows(fig) - 1)
    if legend_rows(fig):
        # Under the subtitle, whatever the chart's height: a legend placed relative to the
        # plot grows upwards into the subtitle when it wraps.
        fig.update_layout(
            legend=dict(yref="container", y=1 - 64 / height, yanchor="top"),
            margin=dict(t=top),
        )
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
    caption = wrap_lines(ctx.caption(all_waves))
    lines = wrap_lines(note) + caption if note else caption
    # Wrapped category labels under the plot take a line each: the notes go below them.
    below = 56 + 16 * max(tick_lines(fig) - 1, 0)
    fig.update_layout(margin=dict(b=below + 16 + 16 * len(lines)))
    fig.add_annotation(
        text="<br>".join(lines),
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-(below + 16 * len(lines)),
        xanchor="left",
        yanchor="bottom",
        align="left",
        showarrow=False,
        font=dict(size=11, color=theme.GREY),
    )
    return plain_text(fig)


# Plotly draws <a href>, <b>, <span style> … written in any label, title or hover text: a
# branch a township named '<a href="http://…">点此核对</a>' would be a live link on the chart.
# `&lt;` is drawn as '<'; the <br> our own wrapping puts in stays a line break.
_MARKUP = re.compile(r"<(?!br\s*/?>)", re.IGNORECASE)
# Written by the chart code, never by a register (hovertemplate ends in <extra></extra>).
_CODE_KEYS = frozenset({"hovertemplate", "texttemplate", "type", "uid"})


def plain(text: str) -> str:
    """Register text as Plotly shows it: as written, never as markup."""
    return _MARKUP.sub("&lt;", text) if "<" in text else text


def _plain(value: object) -> tuple[object, bool]:
    """(value with every string made `plain`, whether anything changed)."""
    if isinstance(value, str):
        out = plain(value)
        return out, out != value
    if isinstance(value, np.ndarray):
        if value.dtype != object:
            return value, False
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        pairs = [_plain(v) for v in value]
        if any(changed for _, changed in pairs):
            return [v for v, _ in pairs], True
        return value, False
    if isinstance(value, dict):
        pairs = {k: (v, False) if k in _CODE_KEYS else _plain(v) for k, v in value.items()}
        if any(changed for _, changed in pairs.values()):
            return {k: v for k, (v, _) in pairs.items()}, True
    return value, False


def plain_text(fig: go.Figure) -> go.Figure:
    """Every data label, hover text, title and note of `fig` drawn as text, not markup."""
    for trace in fig.data:
        for key, value in trace.to_plotly_json().items():
            out, changed = (value, False) if key in _CODE_KEYS else _plain(value)
            if changed:
                trace[key] = out
    layout = fig.layout.to_plotly_json()
    for key in ("title", "annotations", "xaxis", "yaxis", "legend"):
        out, changed = _plain(layout.get(key))
        if changed:
            fig.layout[key] = out
    return fig


# Notes and the source line are annotations, which never wrap by themselves: at 11 px a
# half-width chart at 1400 px holds about 40 characters per line.
NOTE_CHARS = 38
LEGEND_ROW = 22
# A half-width chart at 1400 px: the narrowest a legend has to fit in.
LEGEND_WIDTH = 520


def _width(text: str) -> float:
    """Display width in CJK characters (Latin letters and digits count half)."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text)


def wrap_lines(text: str | None, width: int = NOTE_CHARS) -> list[str]:
    """A note split into lines of at most `width` characters, preferably after ；or ，."""
    if not text:
        return []
    lines: list[str] = []
    for part in text.split("<br>"):
        while _width(part) > width:
            cut = 0
            taken = 0.0
            for i, ch in enumerate(part):
                taken += _width(ch)
                if taken > width:
                    break
                if ch in "；，、）":
                    cut = i + 1
            if cut < width * 0.5:  # no good break: cut at the width
                cut = max(1, i)
            lines.append(part[:cut])
            part = part[cut:]
        if part:
            lines.append(part)
    return lines


def wrap_label(text: str, width: int = 4) -> str:
    """A category label for a vertical bar, wrapped into lines of `width` characters, so
    branch names stand level instead of slanting over the notes."""
    text = str(text)
    if len(text) <= width + 1:
        return text
    return "<br>".join(text[i : i + width] for i in range(0, len(text), width))


def tick_lines(fig: go.Figure) -> int:
    """How many lines the longest category label on the x axis takes."""
    most = 1
    for trace in fig.data:
        if getattr(trace, "orientation", None) == "h" or trace.type not in ("bar", "scatter"):
            continue
        for value in () if trace.x is None else trace.x:
            if isinstance(value, str):
                most = max(most, value.count("<br>") + 1)
    return most


def legend_rows(fig: go.Figure) -> int:
    """Rows a horizontal legend takes at LEGEND_WIDTH px (0: no legend shown)."""
    names = [
        t.name for t in fig.data if t.name and t.showlegend is not False and t.type != "sankey"
    ]
    legend = fig.layout.legend
    if not names or fig.layout.showlegend is False or legend.orientation == "v":
        return 0
    rows, used = 1, 0.0
    for name in names:
        item = 40 + 13 * _width(name)
        if used and used + item > LEGEND_WIDTH:
            rows, used = rows + 1, 0.0
        used += item
    return rows


def add_unit_bar(
    fig: go.Figure, units: list, values: list, name: str, *, horizontal: bool, **style
) -> None:
    """One series of a per-unit bar chart, bars across (`horizontal`, many or long names) or
    up; the hover names the unit and the series."""
    if horizontal:
        fig.add_bar(
            y=units,
            x=values,
            orientation="h",
            name=name,
            hovertemplate="%{y} " + name + "：%{x} 人<extra></extra>",
            **style,
        )
    else:
        fig.add_bar(
            x=units,
            y=values,
            name=name,
            hovertemplate="%{x} " + name + "：%{y} 人<extra></extra>",
            **style,
        )


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


# The narrowest plot a horizontal ranking gets: the right column of 流向 at 1400 px.
NARROW_PLOT_PX = 250


def bar_labels(
    values: list[float],
    labels: list[str],
    colors: list[str] | None = None,
    *,
    plot_px: int = NARROW_PLOT_PX,
    outside_only: bool = False,
) -> tuple[list[str], dict, list[str]]:
    """Where each horizontal bar's label goes so none is cut at the chart's right edge:
    inside the bar (at its end) when it fits there, else just outside; the value axis
    reaches far enough that every outside label fits even at `plot_px`.
    Returns (textposition per bar, x-axis settings, inside text colour per bar)."""
    peak = max([float(v or 0) for v in values] or [0]) or 1.0
    need = [8 + 13 * _width(str(label)) for label in labels]
    top = peak * 1.08
    positions = ["outside"] * len(values)
    for _ in range(6):
        grown = False
        for i, value in enumerate(values):
            bar = float(value or 0) / top * plot_px
            if bar >= need[i] + 6 and not outside_only:
                positions[i] = "inside"
                continue
            positions[i] = "outside"
            room = plot_px - need[i] - 4
            if room > 0 and bar + need[i] + 4 > plot_px:
                top = max(top, float(value) * plot_px / room)
                grown = True
        if not grown:
            break
    inside = [
        INK_ON_LIGHT if c and c.upper() in LIGHT_FILLS else "white"
        for c in (colors or [None] * len(values))
    ]
    step = nice_step(top)
    return (
        positions,
        dict(range=[0, top], dtick=max(1, round(step)) if step >= 1 else step, tick0=0),
        inside,
    )


INK_ON_LIGHT = theme.INK
LIGHT_FILLS = {theme.BLUE_LIGHT.upper(), theme.GREY_LIGHT.upper(), "#D9D9D9"}
