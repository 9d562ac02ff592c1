"""The warm PNG renderer (issue 18): bytes come back before Kaleido reloads its tab, and long
coordinate lists travel packed, with not one pixel changed."""

from __future__ import annotations

import asyncio
import base64
import io
import threading

import numpy as np
import pandas as pd
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
def test_packed_map_renders_pixel_for_pixel_like_plotlys_own_form(monkeypatch):
    fig = _map()
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
