"""Map outline simplification and the joining of rings for drawing (issue 18): fewer points and
fewer SVG paths per export, with every province, every ring and every shared border kept."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from pipeline.charts import china_map
from pipeline.charts import units as charts
from pipeline.charts.base import ChartContext
from pipeline.charts.simplify import (
    _pieces,
    dots,
    douglas_peucker,
    simplify_rings,
    splice,
    svg_path,
)

CTX = ChartContext(scope="苍南县", wave="2022-04")


def _square(x0: float, y0: float, side: float, n: int) -> np.ndarray:
    """A closed square with n points on each side (counter-clockwise)."""
    t = np.linspace(0, 1, n, endpoint=False)
    s = side
    pts = np.concatenate(
        [
            np.column_stack([x0 + s * t, np.full(n, y0)]),
            np.column_stack([np.full(n, x0 + s), y0 + s * t]),
            np.column_stack([x0 + s - s * t, np.full(n, y0 + s)]),
            np.column_stack([np.full(n, x0), y0 + s - s * t]),
        ]
    )
    return np.vstack([pts, pts[:1]])


def _edges(ring) -> set[frozenset]:
    pts = [tuple(p) for p in np.asarray(ring).tolist()]
    return {frozenset((a, b)) for a, b in zip(pts, pts[1:], strict=False)}


def test_douglas_peucker_keeps_the_ends_and_drops_what_lies_on_the_line():
    line = np.array([[0, 0], [1, 0.01], [2, -0.01], [3, 0], [3, 2]], dtype=float)
    assert douglas_peucker(line, 0.05) == [(0.0, 0.0), (3.0, 0.0), (3.0, 2.0)]
    assert len(douglas_peucker(line, 0.0)) == 5


def test_a_border_two_rings_share_stays_shared():
    # Two squares side by side with a wiggly common border (the very same vertices in both,
    # as grid snapping makes them): simplified, the border must be the same polyline in both
    # (no sliver, no overlap), and the outer corners stay.
    ys = np.linspace(0, 1, 41)
    border = [(1 + 0.03 * np.sin(y * 9) + 0.002 * np.sin(y * 97), y) for y in ys]
    # Shaped unlike each other, so that simplifying each ring on its own would cut the border
    # at different places in each.
    left = np.array([(-5.0, 0.4), *border, (-5.0, 0.4)])
    right = np.array(
        [border[-1], *border[::-1][1:], (1.5, -3.0), (1.8, 0.2), (1.2, 4.0), border[-1]]
    )
    out = simplify_rings({"A": [left], "B": [right]}, 0.01)
    (a,), (b,) = out["A"], out["B"]
    assert len(a) < len(left) and len(b) < len(right)
    shared = set(border)
    edges_a = {e for e in _edges(a) if e <= shared}
    edges_b = {e for e in _edges(b) if e <= shared}
    assert edges_a == edges_b and len(edges_a) >= 2
    assert {p for p in map(tuple, a.tolist())} & shared == {
        p for p in map(tuple, b.tolist())
    } & shared
    for corner in [(-5.0, 0.4), border[0], border[-1]]:
        assert corner in set(map(tuple, a.tolist()))


def test_a_ring_that_would_collapse_is_kept_as_it_was():
    tiny = np.array([[0, 0], [0.001, 0], [0.001, 0.001], [0, 0]], dtype=float)
    out = simplify_rings({"A": [tiny]}, 1.0)
    np.testing.assert_array_equal(out["A"][0], tiny)


def test_the_china_map_keeps_every_province_and_ring_closed_within_its_bounds():
    polygons, _ = china_map._bundled()
    rings = {
        code: [
            r
            for p in polys
            if np.asarray(p[0])[:, 1].max() >= china_map.MAIN_STEP + china_map.MAIN_MAP_SOUTH
            and len(r := china_map._snap(np.asarray(p[0], dtype=float), china_map.MAIN_STEP)) >= 4
        ]
        for code, polys in polygons.items()
    }
    rings = {code: group for code, group in rings.items() if group}
    out = simplify_rings(rings, china_map.MAIN_TOLERANCE)
    assert set(out) == set(rings) and len(out) == 34
    before = sum(len(r) for g in rings.values() for r in g)
    after = sum(len(r) for g in out.values() for r in g)
    assert after < before / 2
    for code, group in out.items():
        assert len(group) == len(rings[code])  # no island dropped (钓鱼岛, 澎湖, 舟山 …)
        for ring, original in zip(group, rings[code], strict=True):
            assert (ring[0] == ring[-1]).all()
            distinct = len({tuple(p) for p in original.tolist()})
            assert len({tuple(p) for p in ring.tolist()}) >= min(3, distinct)
            lo, hi = original.min(axis=0), original.max(axis=0)
            assert (ring >= lo - 1e-12).all() and (ring <= hi + 1e-12).all()
            # Simplification only drops vertices: every kept one is an original vertex.
            assert {tuple(p) for p in ring.tolist()} <= {tuple(p) for p in original.tolist()}


def test_geometry_draws_fewer_points_than_its_snapped_outline():
    geo = china_map.geometry()
    assert len(geo.main) == 34
    points = sum(len(s.x) for s in geo.main.values())
    assert points < 20_000  # ~35,000 snapped


def test_splice_joins_rings_that_touch_into_one_closed_line():
    a = [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0), (0.0, 0.0)]
    b = [(1.0, 0.0), (2.0, 0.0), (2.0, 1.0), (1.0, 1.0), (1.0, 0.0)]
    c = [(5.0, 5.0), (6.0, 5.0), (6.0, 6.0), (5.0, 5.0)]  # touches nothing
    xs, ys = [], []
    for ring in (a, b, c):
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    sx, sy = splice(xs, ys)
    pieces = _pieces(sx, sy)
    assert len(pieces) == 2
    joined = pieces[0]
    assert joined[0] == joined[-1]
    # Every edge of both rings drawn, nothing else (no connector).
    assert _edges(joined) == _edges(a) | _edges(b)
    assert len(joined) == len(a) + len(b) - 1
    assert pieces[1] == c


def test_splice_leaves_open_lines_alone():
    xs, ys = [0.0, 1.0, 2.0, None, 0.0, 1.0], [0.0, 1.0, 0.0, None, 5.0, 5.0]
    assert _pieces(*splice(xs, ys)) == _pieces(xs, ys)


@pytest.mark.parametrize("sides", [4, 8])
def test_dots_are_closed_rings_round_each_point(sides):
    xs, ys = dots([0.0, 10.0], [0.0, 5.0], radius=0.5, sides=sides)
    pieces = _pieces(xs, ys)
    assert len(pieces) == 2
    for ring, centre in zip(pieces, [(0.0, 0.0), (10.0, 5.0)], strict=True):
        assert ring[0] == pytest.approx(ring[-1]) and len(ring) == sides + 1
        d = np.hypot(*(np.array(ring) - centre).T)
        np.testing.assert_allclose(d, 0.5)


def _path_pieces(path: str) -> list[list[tuple[float, float]]]:
    """A shape's SVG path ("M x,y L x,y ...") back to its pieces of points."""
    pieces: list[list[tuple[float, float]]] = []
    for command, x, y in re.findall(r"([ML])(-?[0-9.]+),(-?[0-9.]+)", path):
        if command == "M":
            pieces.append([])
        pieces[-1].append((float(x), float(y)))
    return pieces


def test_svg_path_writes_every_piece_from_a_move():
    xs, ys = [0.0, 1.0, 1.0, None, -2.5, 3.25], [0.0, 0.0, 1.0, None, 4.0, 5.125]
    path = svg_path(xs, ys)
    assert (
        path == "M0.00000,0.00000L1.00000,0.00000L1.00000,1.00000M-2.50000,4.00000L3.25000,5.12500"
    )
    assert _path_pieces(path) == _pieces(xs, ys)
    assert svg_path([], []) == ""
    # As fractions of a box (x0, x1, y0, y1): a shape on the axes' domain.
    box = (1.0, 5.0, 2.0, 22.0)
    assert svg_path([1.0, 3.0], [2.0, 12.0], box=box) == "M0.00000,0.00000L0.50000,0.50000"


def test_the_map_draws_each_class_with_few_pieces_and_every_province():
    df = pd.DataFrame({"province_code": ["330000", "440000", "710000"], "outflow": [128, 40, 1]})
    fig = charts.province_map(df, CTX, base_map=None)
    geo = china_map.geometry()
    fills = [s for s in fig.layout.shapes if s.type == "path" and s.legendgroup]
    drawn = {p for s in fills for piece in _path_pieces(s.path) for p in piece}
    y0, y1 = fig.layout.yaxis.range  # y as fractions of the y range, x in data units
    sy = 1.0 / (y1 - y0)
    for code, shape in geo.main.items():
        ring_points = {
            (round(x * 1.0, 5), round((y - y0) * sy, 5))
            for x, y in zip(shape.x, shape.y, strict=True)
            if x is not None
        }
        assert ring_points <= drawn, code
    rings = sum(sum(v is None for v in s.x) for s in [*geo.main.values(), *geo.inset.values()])
    pieces = sum(len(_path_pieces(s.path)) for s in fills)
    assert pieces < rings / 1.5
    islands = next(s for s in fig.layout.shapes if s.type == "path" and s.fillcolor == "#6B7B8C")
    assert len(_path_pieces(islands.path)) == len(geo.islands[0])


def test_the_map_geometry_travels_as_shapes_under_the_traces():
    """plotly.js builds, simplifies and styles every point of a scatter trace on each export;
    a layout shape's path it converts in one pass. No trace carries the outlines."""
    df = pd.DataFrame({"province_code": ["330000", "440000"], "outflow": [128, 40]})
    fig = charts.province_map(df, CTX, base_map=None)
    assert max(len(t.x or ()) for t in fig.data) < 100
    paths = [s for s in fig.layout.shapes if s.type == "path"]
    assert sum(len(s.path) for s in paths) > 100_000
    assert {s.layer for s in paths} == {"below"}
    # y on the y axis's domain (not scanned for autorange), which is the y range exactly only
    # if that axis, when it has room to spare, gives up domain rather than widen its range.
    assert {(s.xref, s.yref) for s in paths} == {("x", "y domain")}
    assert fig.layout.yaxis.constrain == "domain"
    assert {s.fillrule for s in paths if s.fillcolor} == {"nonzero"}  # scatter's fill rule


def test_a_legend_click_still_hides_its_class():
    """Each class's legend entry and its provinces share a legend group (plotly.js toggles
    shapes with the group), and the legend still lists the classes in one list."""
    df = pd.DataFrame({"province_code": ["330000", "440000"], "outflow": [128, 40]})
    fig = charts.province_map(df, CTX, base_map=None)
    shapes = [s for s in fig.layout.shapes if s.legendgroup]
    entries = {t.legendgroup: t for t in fig.data if t.legendgroup}
    assert len(shapes) == 3 and {s.legendgroup for s in shapes} == set(entries)
    for shape in shapes:
        entry = entries[shape.legendgroup]
        assert (entry.fillcolor, entry.line.color) == (shape.fillcolor, shape.line.color)
        assert entry.showlegend and not shape.showlegend
    assert fig.layout.legend.traceorder == "normal"
