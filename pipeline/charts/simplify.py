"""Douglas–Peucker simplification of province outlines that keeps shared borders shared.

Simplifying each polygon on its own leaves slivers and overlaps where two provinces meet:
each side drops different vertices of the same border. Here the rings are first cut into
arcs at their junctions (a vertex where the set of rings through it changes), every arc is
simplified once in a canonical direction, and both neighbours get the same simplified arc,
as TopoJSON does. It relies on shared borders having identical vertices, which grid-snapped
rings (`china_map._snap`) do.

The map has ~40,000 snapped vertices; drawn at a report's width most of them lie within a
pixel of the line through their neighbours, and each one is paid for on every PNG export
(plotly.js lays it out, writes it into an SVG, the browser parses and rasterises it).
"""

from __future__ import annotations

import numpy as np

Point = tuple[float, float]


def simplify_rings(
    rings: dict[str, list[np.ndarray]], tolerance: float
) -> dict[str, list[np.ndarray]]:
    """Each key's closed rings (n×2 arrays), simplified to `tolerance` (same units as the
    coordinates). Every ring comes back closed (last point = first) with at least three
    distinct points; a ring that would collapse below that is kept as it was. Arcs shared by
    rings, of one key or of two, are simplified identically."""
    cycles = {key: [_cycle(ring) for ring in group] for key, group in rings.items()}
    owners: dict[Point, set[int]] = {}
    ring_id = 0
    for group in cycles.values():
        for points in group:
            for p in points:
                owners.setdefault(p, set()).add(ring_id)
            ring_id += 1
    done: dict[tuple[Point, ...], list[Point]] = {}
    out: dict[str, list[np.ndarray]] = {}
    for key, group in cycles.items():
        kept: list[np.ndarray] = []
        for points, original in zip(group, rings[key], strict=True):
            ring = _simplify_cycle(points, owners, tolerance, done)
            if ring is None:
                kept.append(original)
            else:
                kept.append(np.asarray(ring + [ring[0]], dtype=float))
        out[key] = kept
    return out


def _cycle(ring: np.ndarray) -> list[Point]:
    """The ring's vertices once each, in order, without the closing repeat."""
    points = [(float(x), float(y)) for x, y in ring.tolist()]
    cleaned = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    while len(cleaned) > 1 and cleaned[-1] == cleaned[0]:
        cleaned.pop()
    return cleaned


def _simplify_cycle(points, owners, tolerance, done) -> list[Point] | None:
    n = len(points)
    if n < 3:
        return None
    sets = [frozenset(owners[p]) for p in points]
    fixed = [i for i in range(n) if sets[i] != sets[i - 1] or sets[i] != sets[(i + 1) % n]]
    if not fixed:
        # A ring with no junction (an island, or an enclave whose whole outline is shared):
        # anchor it at points both of its owners would pick, whatever their direction.
        first = min(range(n), key=lambda i: points[i])
        far = max(range(n), key=lambda i: (_dist2(points[i], points[first]), points[i]))
        fixed = sorted({first, far})
    ring: list[Point] = []
    for a, b in zip(fixed, fixed[1:] + [fixed[0] + n], strict=True):
        arc = [points[i % n] for i in range(a, b + 1)]
        ring.extend(_simplify_arc(arc, tolerance, done)[:-1])
    if len(set(ring)) < 3:
        return None
    return ring


def _simplify_arc(arc: list[Point], tolerance: float, done) -> list[Point]:
    if len(arc) <= 2:
        return arc
    backwards = (arc[-1], arc[-2]) < (arc[0], arc[1])
    canonical = tuple(reversed(arc)) if backwards else tuple(arc)
    kept = done.get(canonical)
    if kept is None:
        kept = douglas_peucker(np.asarray(canonical, dtype=float), tolerance)
        done[canonical] = kept
    return kept[::-1] if backwards else kept


def douglas_peucker(line: np.ndarray, tolerance: float) -> list[Point]:
    """Douglas–Peucker on an open polyline (n×2); both ends are always kept. An arc whose
    ends coincide (a loop) measures distance from that point."""
    n = len(line)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        lo, hi = stack.pop()
        if hi - lo < 2:
            continue
        a, b = line[lo], line[hi]
        inner = line[lo + 1 : hi]
        d = b - a
        length = float(np.hypot(d[0], d[1]))
        if length == 0.0:
            dist = np.hypot(inner[:, 0] - a[0], inner[:, 1] - a[1])
        else:
            dist = np.abs(d[0] * (inner[:, 1] - a[1]) - d[1] * (inner[:, 0] - a[0])) / length
        i = int(np.argmax(dist))
        if dist[i] > tolerance:
            mid = lo + 1 + i
            keep[mid] = True
            stack.append((lo, mid))
            stack.append((mid, hi))
    return [(float(x), float(y)) for x, y in line[keep].tolist()]


def _dist2(p: Point, q: Point) -> float:
    return (p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2


def splice(xs, ys) -> tuple[list[float | None], list[float | None]]:
    """Closed rings (separated by None) joined wherever they share a vertex: the walk along
    one ring turns, at that vertex, once round the other and carries on, so the two become
    one closed line with no connector drawn. plotly.js draws one SVG path per None-separated
    piece of a line, on every export; on the demo map this turns ~360 such paths into ~150
    (islands that touch nothing stay apart). Fill is unchanged: the same closed loops, the
    same winding."""
    rings = _pieces(xs, ys)
    at: dict[Point, list[int]] = {}
    for i, ring in enumerate(rings):
        if _closed(ring):
            for p in ring[:-1]:
                at.setdefault(p, []).append(i)
    used = [False] * len(rings)
    out_x: list[float | None] = []
    out_y: list[float | None] = []
    for i, ring in enumerate(rings):
        if used[i]:
            continue
        used[i] = True
        walk = _walk(rings, i, at, used) if _closed(ring) else ring
        out_x.extend([p[0] for p in walk] + [None])
        out_y.extend([p[1] for p in walk] + [None])
    return out_x, out_y


def _pieces(xs, ys) -> list[list[Point]]:
    pieces: list[list[Point]] = [[]]
    for x, y in zip(xs, ys, strict=True):
        if x is None or y is None:
            if pieces[-1]:
                pieces.append([])
        else:
            pieces[-1].append((x, y))
    return [p for p in pieces if p]


def _closed(ring: list[Point]) -> bool:
    return len(ring) > 3 and ring[0] == ring[-1]


def _rotated(ring: list[Point], start: Point) -> list[Point]:
    cycle = ring[:-1]
    k = cycle.index(start)
    return cycle[k:] + cycle[:k] + [start]


def _walk(rings, first: int, at, used) -> list[Point]:
    """Ring `first` and, spliced in at their shared vertices, every unused ring reachable
    from it (iteratively: a chain of touching rings may be long)."""
    stack = [(rings[first], 0)]
    out = [rings[first][0]]
    while stack:
        seq, k = stack[-1]
        p = seq[k]
        j = next((j for j in at.get(p, ()) if not used[j]), None)
        if j is not None:
            used[j] = True
            stack.append((_rotated(rings[j], p), 0))  # starts at p, already walked
        elif k + 1 < len(seq):
            stack[-1] = (seq, k + 1)
            out.append(seq[k + 1])
        else:
            stack.pop()  # back at the vertex where the parent ring turned off
    return out


def dots(xs, ys, radius: float, sides: int = 8) -> tuple[list[float | None], list[float | None]]:
    """Small closed polygons (octagons) round each point, for a fill-only trace: many tiny
    islands as one SVG path, where markers would be one path each."""
    angles = np.linspace(0.0, 2 * np.pi, sides + 1)
    ox, oy = radius * np.cos(angles), radius * np.sin(angles)
    out_x: list[float | None] = []
    out_y: list[float | None] = []
    for x, y in zip(xs, ys, strict=True):
        out_x.extend((x + ox).tolist() + [None])
        out_y.extend((y + oy).tolist() + [None])
    return out_x, out_y


def svg_path(xs, ys, box: tuple[float, float, float, float] | None = None, digits: int = 5) -> str:
    """Pieces separated by None as one SVG path ("M x,y L x,y ..." per piece) for a layout
    shape: plotly.js turns a shape's path into pixels with one regex pass, where a scatter trace
    builds an object per point, simplifies and styles each piece. With `box` (x0, x1, y0, y1,
    the axes' ranges) the points are written as fractions of it, for a shape on the axes'
    domain ("x domain"), which plotly.js does not scan for autorange. `digits` decimals: 5 are
    ~0.03 px at 2200 px wide, and a vertex two provinces share is written the same in both."""
    x0, x1, y0, y1 = box or (0.0, 1.0, 0.0, 1.0)
    sx, sy = 1.0 / (x1 - x0), 1.0 / (y1 - y0)
    out: list[str] = []
    command = "M"
    for x, y in zip(xs, ys, strict=True):
        if x is None or y is None:
            command = "M"
            continue
        out.append(f"{command}{(x - x0) * sx:.{digits}f},{(y - y0) * sy:.{digits}f}")
        command = "L"
    return "".join(out)
