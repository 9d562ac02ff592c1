"""The warm PNG renderer (issue 18): bytes come back before Kaleido reloads its tab, and long
coordinate lists travel packed, with not one pixel changed."""

from __future__ import annotations

import asyncio
import base64
import io
import threading
import time

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from PIL import Image

from pipeline.charts import export as exports
from pipeline.charts import units as charts
from pipeline.charts.base import ChartContext

needs_chromium = pytest.mark.skipif(exports.chromium_path() is None, reason="no Chromium")
CTX = ChartContext(scope="苍南县", wave="2022-04")


def _map():
    df = pd.DataFrame({"province_code": ["330000", "440000"], "outflow": [128, 40]})
    return charts.province_map(df, CTX, home_county="330327")


@pytest.mark.parametrize(
    "values",
    [[1.5, None, -2.25] * 500, list(range(1200)), [0.1] * 1000],
)
def test_long_coordinate_lists_pack_to_the_same_numbers(values):
    packed = exports._packed(values)
    assert packed["dtype"] == "f8"
    back = np.frombuffer(base64.b64decode(packed["bdata"]), dtype="f8")
    expected = np.array([np.nan if v is None else v for v in values], dtype="f8")
    np.testing.assert_array_equal(back, expected)


@pytest.mark.parametrize("values", [[1.0, 2.0], ["县内"] * 2000, [1, "x"] * 600, "abc", None])
def test_short_lists_and_text_are_sent_as_they_are(values):
    assert exports._packed(values) is values


@needs_chromium
def test_packed_coordinates_render_pixel_for_pixel_like_plotlys_own_form(monkeypatch):
    # The map's outlines travel as shape paths now; a long filled line with gaps stands in.
    t = np.linspace(0, 2 * np.pi, 1500)
    x = np.where(np.arange(1500) % 300 == 299, np.nan, np.cos(t) * (1 + t)).tolist()
    fig = go.Figure(
        go.Scatter(x=[None if v != v else v for v in x], y=np.sin(3 * t).tolist(), fill="toself")
    )
    assert any(isinstance(v, dict) for t in fig._data for v in (exports._packed(t.get("x")),))
    packed = exports.to_png(fig)
    monkeypatch.setattr(
        exports,
        "_render",
        lambda f, w, h, s: exports._renderer.render(
            f.to_dict(), dict(format="png", width=w, height=h, scale=s)
        ),
    )
    plain = exports.to_png(fig)
    a, b = (np.asarray(Image.open(io.BytesIO(p)).convert("RGB")) for p in (packed, plain))
    assert a.shape == b.shape
    assert (a != b).sum() == 0


@needs_chromium
def test_png_comes_back_before_the_tab_reloads(monkeypatch):
    """Kaleido reloads its page after every image; the caller must not wait for that."""
    from kaleido._kaleido_tab import _tab

    exports.to_png(_map())  # the browser is up and its tab idle
    gate, events = threading.Event(), []
    original = _tab._KaleidoTab.reload

    async def held_reload(self):
        events.append("reload started")
        await asyncio.to_thread(gate.wait, 20)
        await original(self)
        events.append("reload done")

    monkeypatch.setattr(_tab._KaleidoTab, "reload", held_reload)
    try:
        png = exports.to_png(_map())
        events.append("bytes returned")
    finally:
        gate.set()
    assert png.startswith(b"\x89PNG")
    second = exports.to_png(_map())  # waits for the reloaded tab, then renders on it
    assert second == png
    assert events[:3] == ["reload started", "bytes returned", "reload done"]


def _bars():
    df = pd.DataFrame(
        {"unit": ["灵溪镇", "龙港镇"], "outflow": [30, 12], "members_total": [200, 90]}
    )
    return charts.outflow_by_unit(df, CTX, unit_label="乡镇")


def _settled(timeout: float = 30) -> None:
    """Wait until the renderer's tab is back in Kaleido's queue (reloaded, warmed up)."""
    k = exports._renderer._kaleido
    deadline = time.monotonic() + timeout
    while (k._pending_reloads or k.tabs_ready.qsize() == 0) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.fixture
def drawn(monkeypatch):
    """Every drawing the tab makes, as (format, trace types)."""
    from kaleido._kaleido_tab import _tab

    exports.to_png(_map())
    _settled()
    seen, original = [], _tab._KaleidoTab._calc_fig

    async def recorded(self, spec, **kwargs):
        seen.append((spec["format"], tuple(t.get("type") for t in spec["data"]["data"])))
        return await original(self, spec, **kwargs)

    monkeypatch.setattr(_tab._KaleidoTab, "_calc_fig", recorded)
    return seen


@needs_chromium
def test_reloaded_tab_draws_the_recent_kinds_again_as_svg(drawn):
    """The page forgets plotly.js's compiled code on reload; drawing the latest figure of each
    of the last two kinds once (as SVG, thrown away) warms it for the next export."""
    map_kind = tuple(t.type for t in _map().data)
    bar_kind = tuple(t.type for t in _bars().data)
    png = exports.to_png(_bars())
    _settled()
    assert png.startswith(b"\x89PNG")
    assert drawn == [("png", bar_kind), ("svg", map_kind), ("svg", bar_kind)]
    drawn.clear()
    exports.to_png(_bars())
    _settled()
    assert drawn == [("png", bar_kind), ("svg", map_kind), ("svg", bar_kind)]


@needs_chromium
def test_a_waiting_export_skips_the_warm_up(drawn, monkeypatch):
    from kaleido._kaleido_tab import _tab

    gate, original = threading.Event(), _tab._KaleidoTab.reload

    async def held_reload(self):
        await asyncio.to_thread(gate.wait, 20)
        await original(self)

    monkeypatch.setattr(_tab._KaleidoTab, "reload", held_reload)
    try:
        exports.to_png(_bars())
        k = exports._renderer._kaleido
        waiting = threading.Thread(target=exports.to_png, args=(_map(),))
        waiting.start()
        deadline = time.monotonic() + 10
        while k._waiting == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert k._waiting == 1
    finally:
        gate.set()
    waiting.join(30)
    _settled()
    kinds = [kind for fmt, kind in drawn if fmt == "png"]
    assert len(kinds) == 2
    # After the first reload someone was waiting: straight to their PNG. The second reload had
    # nobody waiting, so it warmed up both kinds.
    assert [fmt for fmt, _ in drawn] == ["png", "png", "svg", "svg"]


def _on_data_axes(fig: go.Figure) -> go.Figure:
    """The same figure with its path shapes' y moved from the y axis's domain to data units."""
    import re

    out = go.Figure(fig)
    y0, y1 = fig.layout.yaxis.range

    def point(m: re.Match) -> str:
        return f"{m.group(1)}{m.group(2)},{y0 + float(m.group(3)) * (y1 - y0)!r}"

    shapes = []
    for shape in fig.layout.shapes:
        if shape.yref == "y domain":
            path = re.sub(r"([ML])(-?[0-9.]+),(-?[0-9.]+)", point, shape.path)
            shape = go.layout.Shape(shape, yref="y", path=path)
        shapes.append(shape)
    out.layout.shapes = shapes
    return out


@needs_chromium
@pytest.mark.parametrize("width", [exports.PNG_WIDTH, 420])
def test_map_outlines_on_the_domain_sit_where_data_coordinates_put_them(width):
    """The provinces' y are drawn on the y axis's domain, the labels, hover points and the
    inset's frame in data units: both must land on the same pixels, at print size (the x axis
    has room to spare) and on a narrow page (the y axis has)."""
    fig = _map()
    a, b = (
        np.asarray(Image.open(io.BytesIO(exports.to_png(f, width=width))).convert("RGB"))
        for f in (fig, _on_data_axes(fig))
    )
    assert a.shape == b.shape == (2 * int(fig.layout.height), 2 * width, 3)
    moved = (np.abs(a.astype(int) - b).max(axis=2) > 64).sum()
    assert moved < 200, moved  # a few anti-aliased pixels, not shifted outlines
