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
