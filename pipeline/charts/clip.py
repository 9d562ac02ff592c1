"""Cutting projected map outlines to a box: the South China Sea inset shows only its frame.

Coordinates come as Plotly draws them, parts separated by None: filled rings are clipped as
polygons (Sutherland–Hodgman, still closed), lines are broken where they leave the box.
"""

from __future__ import annotations


def _split(xs, ys) -> list[list[tuple[float, float]]]:
    """Rings or lines separated by None → lists of points."""
    parts: list[list[tuple[float, float]]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if x is None or y is None:
            if parts[-1]:
                parts.append([])
            continue
        parts[-1].append((x, y))
    return [p for p in parts if p]


def _clip_polygon(points, box) -> list[tuple[float, float]]:
    """Sutherland–Hodgman against an axis-aligned box (x0, x1, y0, y1)."""
    x0, x1, y0, y1 = box
    edges = (
        (lambda p: p[0] >= x0, lambda a, b: _cross_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _cross_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _cross_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _cross_y(a, b, y1)),
    )
    out = list(points)
    for inside, cross in edges:
        if not out:
            break
        src, out = out, []
        prev = src[-1]
        for cur in src:
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
            prev = cur
    return out


def _cross_x(a, b, x):
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cross_y(a, b, y):
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def clip_rings(xs, ys, box) -> tuple[tuple, tuple]:
    """Filled rings cut to the box, still separated by None."""
    ox: list[float | None] = []
    oy: list[float | None] = []
    for ring in _split(xs, ys):
        clipped = _clip_polygon(ring, box)
        if len(clipped) >= 3:
            ox.extend([p[0] for p in clipped] + [clipped[0][0], None])
            oy.extend([p[1] for p in clipped] + [clipped[0][1], None])
    return tuple(ox), tuple(oy)


def clip_lines(xs, ys, box) -> tuple[tuple, tuple]:
    """Polylines cut where they leave the box (points outside dropped, the line broken)."""
    x0, x1, y0, y1 = box
    ox: list[float | None] = []
    oy: list[float | None] = []
    for line in _split(xs, ys):
        run = [(x, y) for x, y in line]
        segment: list[tuple[float, float]] = []
        for x, y in run:
            if x0 <= x <= x1 and y0 <= y <= y1:
                segment.append((x, y))
                continue
            if len(segment) > 1:
                ox.extend([p[0] for p in segment] + [None])
                oy.extend([p[1] for p in segment] + [None])
            segment = []
        if len(segment) > 1:
            ox.extend([p[0] for p in segment] + [None])
            oy.extend([p[1] for p in segment] + [None])
    return tuple(ox), tuple(oy)
