"""The real server in real headless Chromium: every page loads, every chart draws (SVG, no
WebGL), no exception; full-page screenshots are saved to screenshots/ for a person to look at."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dashboard import browser

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = {
    "overview": ("总览", 3, "现有流出党员189名"),
    "flows": ("流向分析", 7, "南海诸岛"),
    "lost-contact": ("失联党员分析", 5, "重点跟进名单"),
    "returnees": ("返乡创业", 4, "返乡党员"),
    "quality": ("数据质量", 0, "报送完整性"),
}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
        reason="Debian chromium is not installed",
    ),
]


def test_every_page_renders_in_chromium(samples_db):
    out = ROOT / "screenshots"
    states = browser.capture(samples_db[0], out)
    for slug, (title, charts, text) in EXPECTED.items():
        state = states[slug]
        assert state["title"] == title, slug
        assert not state["exceptions"] and not state["errors"], (
            slug,
            state["exceptions"],
            state["errors"],
        )
        assert state["plots"] >= charts and state["drawn"] == state["plots"], (slug, state)
        assert state["webgl"] == 0, slug
        assert text in state["text"], (slug, text)
        shot = out / f"{slug}.png"
        assert shot.stat().st_size > 20_000, slug  # a rendered page, not a blank one


def test_chart_downloads_from_the_real_server(samples_db, tmp_path):
    """Click a chart's three download buttons: the PNG is rendered server-side by Kaleido,
    the CSV carries a BOM, the XLSX opens."""
    import io
    import json
    import time

    import openpyxl
    from PIL import Image

    out = tmp_path / "downloads"
    out.mkdir()
    with browser.Server(samples_db[0]) as server, browser.Chromium() as chromium:
        chromium.send(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(out)}
        )
        session = chromium.open(f"{server.url}/", height=2400)
        chromium.wait_rendered(session)
        for label, suffix in (("图片", ".png"), ("CSV", ".csv"), ("Excel", ".xlsx")):
            click = (
                "[...document.querySelectorAll('[data-testid=\"stDownloadButton\"] button')]"
                f".find(b => b.innerText.includes({json.dumps(label)})).click()"
            )
            chromium.send("Runtime.evaluate", {"expression": click}, session=session)
            deadline = time.time() + 60
            while time.time() < deadline and not list(out.glob(f"*{suffix}")):
                time.sleep(0.5)
    png = next(out.glob("*.png")).read_bytes()
    assert Image.open(io.BytesIO(png)).size[0] == 2 * 1100
    csv = next(out.glob("*.csv")).read_bytes()
    assert csv.startswith(b"\xef\xbb\xbf") and "乡镇" in csv.decode("utf-8-sig")
    book = openpyxl.load_workbook(next(out.glob("*.xlsx")))
    assert book.active.max_row >= 3
