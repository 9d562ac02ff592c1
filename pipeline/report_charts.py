"""The report's charts: the dashboard's own pure builders fed from metric rows, rendered to PNG.

Reusing `dashboard.charts` keeps the Word report and the dashboard showing the same picture.
Rendering goes through `dashboard.exports.to_png` (Kaleido with the system Chromium, MathJax
off, plotly.js from the installed package, Noto Sans CJK SC through the chart theme).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard import charts
from dashboard.chart_base import ChartContext
from pipeline.report_text import SCOPES, Totals

# Narrower than the dashboard's export: at 16 cm on an A4 page an 820 px chart keeps its
# 13 px labels at about 7.5 pt, still readable in print.
PNG_WIDTH = 820
PNG_SCALE = 2
MAX_UNITS = 12
SCOPE_LABELS = dict(SCOPES) | {"scope_unknown": "未知"}


@dataclass(frozen=True)
class Figure:
    caption: str
    figure: go.Figure
    section: str  # heading number ("二") of the report section the chart illustrates


def scope_frame(cur: Totals) -> pd.DataFrame:
    """scope, outflow — the frame `charts.scope_breakdown` takes; empty scopes left out."""
    rows = [(label, cur[key]) for key, label in SCOPE_LABELS.items() if cur[key]]
    return pd.DataFrame(rows, columns=["scope", "outflow"])


def unit_frame(units: list[tuple[str, Totals]]) -> pd.DataFrame:
    """unit, outflow, members_total, long_term, lost_contact — for the by-unit charts."""
    return pd.DataFrame(
        [
            (name, t["outflow"], t.members_total, t["long_term"], t["lost_contact"])
            for name, t in units
        ],
        columns=["unit", "outflow", "members_total", "long_term", "lost_contact"],
    )


def trend_frame(history: list[tuple[str, Totals]]) -> pd.DataFrame:
    """wave, outflow, lost_contact, townships — for `charts.trend`."""
    return pd.DataFrame(
        [
            (wave, t["outflow"], t["lost_contact"], t["lost_contact_base"], len(t.townships))
            for wave, t in history
        ],
        columns=["wave", "outflow", "lost_contact", "lost_contact_base", "townships"],
    )


def report_figures(
    ctx: ChartContext,
    cur: Totals,
    units: list[tuple[str, Totals]],
    unit_label: str,
    history: list[tuple[str, Totals]],
) -> list[Figure]:
    """The key charts, in the order the text discusses them. Pure: no rendering here."""
    figures = [Figure("流出党员流动范围构成", charts.scope_breakdown(scope_frame(cur), ctx), "二")]
    if len(units) > 1:
        # On a printed page the bar labels stay legible for about fifteen units.
        frame = unit_frame(units).sort_values(["outflow", "unit"], ascending=[False, True])
        top = frame.head(MAX_UNITS)
        tail = f"（流出人数前{MAX_UNITS}个{unit_label}）" if len(frame) > MAX_UNITS else ""
        figures.append(
            Figure(
                f"各{unit_label}流出党员人数及占比{tail}",
                charts.outflow_by_unit(top, ctx, unit_label=unit_label),
                "二",
            )
        )
        figures.append(
            Figure(
                f"各{unit_label}长期在外党员{tail}",
                charts.long_term_by_unit(top, ctx, unit_label=unit_label),
                "二",
            )
        )
    if len(history) > 1:
        figures.append(
            Figure("历次普查流出党员人数与失联率", charts.trend(trend_frame(history), ctx), "三")
        )
    return figures


def render_png(figure: go.Figure) -> bytes:
    from dashboard import exports

    return exports.to_png(figure, width=PNG_WIDTH, scale=PNG_SCALE)
