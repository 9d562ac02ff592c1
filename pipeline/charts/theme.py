"""One restrained visual language for every chart, on screen and in exported PNGs.

Colours are chosen for printed reports: a deep red accent used sparingly, a slate blue
companion, and greys for everything that is context rather than data.
"""

from __future__ import annotations

import plotly.graph_objects as go
import plotly.io as pio

# Listed first so a browser without Noto falls back to the usual Chinese system fonts
# instead of rendering boxes.
FONT_FAMILY = (
    "Noto Sans CJK SC, Source Han Sans SC, PingFang SC, Microsoft YaHei, SimHei, sans-serif"
)

RED = "#A8201A"
RED_LIGHT = "#D9736B"
BLUE = "#3D5A80"
BLUE_LIGHT = "#8DA9C4"
ORANGE = "#D9822B"
GOLD = "#C9A227"
GREEN = "#4F7C5A"
GREY = "#8C8C8C"
GREY_LIGHT = "#D9D9D9"
INK = "#262626"
MUTED = "#595959"
GRID = "#ECECEC"

# Fixed colour per flow scope so the same scope looks the same on every page.
SCOPE_ORDER = ["跨省", "省内跨市", "市内跨县", "县内", "未知"]
SCOPE_COLORS = {
    "跨省": RED,
    "省内跨市": ORANGE,
    "市内跨县": BLUE,
    "县内": BLUE_LIGHT,
    "未知": GREY_LIGHT,
}

TRANSITION_COLORS = {
    "新增失联": RED,
    "恢复联系": GREEN,
    "持续失联": RED_LIGHT,
    "返乡": GOLD,
    "新增流出": BLUE,
    "不再登记": GREY,
    "保持正常": BLUE_LIGHT,
}

CATEGORY_COLORS = [BLUE, RED, ORANGE, GREEN, GOLD, BLUE_LIGHT, RED_LIGHT, GREY]

# Sequential classes for the choropleth (few classes read better in print than a ramp).
MAP_CLASS_COLORS = ["#F3F3F3", "#F6D5CF", "#E9A397", "#D4685A", "#A8201A", "#6E120D"]

TEMPLATE_NAME = "census"


def _template() -> go.layout.Template:
    axis = dict(
        showgrid=True,
        gridcolor=GRID,
        zeroline=False,
        linecolor=GREY_LIGHT,
        ticks="outside",
        tickcolor=GREY_LIGHT,
        title_font=dict(size=12, color=MUTED),
        tickfont=dict(size=12, color=MUTED),
        automargin=True,
    )
    layout = go.Layout(
        font=dict(family=FONT_FAMILY, size=13, color=INK),
        title=dict(font=dict(size=17, color=INK), x=0.0, xanchor="left", xref="paper"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        colorway=CATEGORY_COLORS,
        xaxis=axis,
        yaxis=axis,
        legend=dict(
            orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0.0, font=dict(size=12)
        ),
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=12), bgcolor="white"),
        margin=dict(l=16, r=24, t=108, b=72),
        separators=".,",
        # Bar labels at one size: Plotly would otherwise shrink each to fit its bar.
        uniformtext=dict(minsize=11, mode="show"),
        bargap=0.35,
    )
    return go.layout.Template(layout=layout)


def register() -> str:
    """Register the template once per process and make it the default."""
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = _template()
    pio.templates.default = TEMPLATE_NAME
    return TEMPLATE_NAME


register()
