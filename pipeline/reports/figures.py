"""The report's charts: the dashboard's own charts of the selection (`pipeline.charts.package`),
made ready for print and rendered to PNG.

Reusing the dashboard's builders keeps the Word report and the dashboard showing the same
picture. In the document each image is followed by its numbered caption (图1　…), so the
image itself carries no title or subtitle: the caption would repeat it. Every number sits
on the chart (no hover on paper). Rendering goes through `pipeline.charts.export.to_png`
(Kaleido with the system Chromium, Noto Sans CJK SC through the chart theme).
"""

from __future__ import annotations

import copy

import plotly.graph_objects as go

# Narrower than the dashboard's export: at 15.6 cm on an A4 page an 820 px chart keeps its
# 13 px labels at about 7.5 pt, still readable in print.
PNG_WIDTH = 820
PNG_SCALE = 2

# The charts the report carries, by the pages' keys, in the order the text discusses them.
REPORT_KEYS = (
    "overview_scope",
    "overview_units",
    "flows_long_term",
    "flows_map",
    "flows_provinces",
    "flows_cities",
    "lost_rate",
    "lost_risk",
    "overview_trend",
    "ret_units",
)


def for_print(fig: go.Figure) -> go.Figure:
    """The figure without its title and subtitle (the Word caption names it), the plot
    moved up into the space they took; legends stay, under the top edge."""
    out = copy.deepcopy(fig)
    shows_legend = (
        any((t.showlegend is not False) and t.name for t in out.data)
        and out.layout.showlegend is not False
    )
    is_map = out.layout.yaxis.scaleanchor == "x"
    top = 44 if shows_legend and not is_map else 16
    out.update_layout(title=dict(text="", subtitle=dict(text="")), margin=dict(t=top))
    if shows_legend and not is_map:
        out.update_layout(legend=dict(yref="container", y=0.995, yanchor="top"))
    height = int(out.layout.height or 420)
    out.update_layout(height=max(240, height - (80 if top < 100 else 0)))
    return out


def render_png(figure: go.Figure) -> bytes:
    from pipeline.charts import export as exports

    return exports.to_png(for_print(figure), width=PNG_WIDTH, scale=PNG_SCALE)
