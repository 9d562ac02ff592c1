"""The real server in real headless Chromium: sign in through the form, every page the
account may use loads, every chart draws (SVG, no WebGL), no exception; full-page
screenshots are saved to screenshots/ for a person to look at."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from app_session import PASSWORD, make_user

from dashboard import browser
from pipeline.access import audit

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "overview": ("总览", 3, "现有流出党员"),
    "flows": ("流向分析", 7, "南海诸岛"),
    "lost-contact": ("失联党员分析", 5, "重点跟进名单"),
    "returnees": ("返乡创业", 4, "返乡党员"),
    "quality": ("数据质量", 0, "报送完整性"),
}
FOREIGN = ("xx镇", "宜山镇", "金乡镇")  # the samples' townships other than 钱库镇

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
        reason="Debian chromium is not installed",
    ),
]


def _check(states: dict, slug: str, out: Path, prefix: str) -> dict:
    title, charts, text = EXPECTED[slug]
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
    assert (out / f"{prefix}{slug}.png").stat().st_size > 20_000, slug  # not a blank page
    return state


def test_a_township_user_signs_in_and_sees_only_its_township(samples_db):
    make_user("qk", "township", "钱库镇")
    out = ROOT / "screenshots"
    states = browser.capture(samples_db[0], out, "qk", PASSWORD, prefix="township_")
    sign_in = states["sign-in"]
    assert sign_in["title"] == "流动党员普查分析" and "登录" in sign_in["text"]
    assert "筛选条件" not in sign_in["text"] and not states["sign-in"]["plots"]
    assert (out / "township_sign-in.png").stat().st_size > 5_000
    assert "quality" in states["nav"]["links"] and "accounts" not in states["nav"]["links"]
    for slug in EXPECTED:
        state = _check(states, slug, out, "township_")
        assert "钱库镇" in state["text"], slug
        assert not [t for t in FOREIGN if t in state["text"]], slug
    assert "身份证号" in states["lost-contact"]["text"]
    assert audit.recent(1, event="sign_in")[0]["actor"] == "qk"


def test_a_viewer_signs_in_and_sees_aggregates_only(samples_db):
    make_user("leader", "viewer")
    out = ROOT / "screenshots"
    states = browser.capture(samples_db[0], out, "leader", PASSWORD, prefix="viewer_")
    assert set(states["nav"]["links"]) == {
        *("", "flows", "lost-contact", "returnees", "password"),
        *("duties", "checks"),  # issue #17: counts only for a viewer
    }
    for slug in ("overview", "flows", "lost-contact", "returnees"):
        _check(states, slug, out, "viewer_")
    lost = states["lost-contact"]["text"]
    assert "只能查看汇总数据" in lost
    assert not re.search(r"330327\*{8}|1[3-9]\d\*{4}\d{4}|1[3-9]\d{9}", lost)  # no member row


def test_a_wrong_password_is_refused_in_the_browser(samples_db):
    make_user("qk", "township", "钱库镇")
    states = browser.capture(
        samples_db[0], ROOT / "screenshots", "qk", "wrong-password-1", prefix="refused_"
    )
    assert not states["nav"]["links"]
    assert any("用户名或密码错误" in e for e in states["nav"]["errors"])
    assert audit.recent(1, event="sign_in_failed")[0]["actor"] == "qk"


def test_chart_downloads_from_the_real_server(samples_db, tmp_path):
    """Click a chart's three download buttons: the PNG is rendered server-side by Kaleido,
    the CSV carries a BOM, the XLSX opens; each download is in the audit log."""
    import io
    import json
    import time

    import openpyxl
    from PIL import Image

    make_user("county1", "county")
    out = tmp_path / "downloads"
    out.mkdir()
    with browser.Server(samples_db[0]) as server, browser.Chromium() as chromium:
        chromium.send(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(out)}
        )
        session = chromium.open(f"{server.url}/", height=2400)
        chromium.sign_in(session, "county1", PASSWORD)
        chromium.wait_rendered(session, title="总览")
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
    exports = audit.recent(10, event="export")
    assert sorted(e["detail"]["format"] for e in exports) == ["csv", "png", "xlsx"]
    assert {e["actor"] for e in exports} == {"county1"} and exports[0]["scope"] == "县级·全县"


_ENGLISH_JS = r"""
(() => {
  const found = [];
  for (const el of document.querySelectorAll('[aria-label],[title],[placeholder]'))
    for (const a of ['aria-label', 'title', 'placeholder']) {
      const v = el.getAttribute(a);
      if (v && /[A-Za-z]{3,}/.test(v.replace(/CSV|Excel|PNG|Word|XLSX?|XLSM|TXT/g, '')))
        found.push(`${a}: ${v}`);
    }
  const it = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (it.nextNode()) {
    const t = it.currentNode.nodeValue.trim();
    if (/^(Choose an option|Skip to main content|Running\.\.\.|Show\/hide columns|Search|Fullscreen|No results|Press Enter to .*)$/.test(t))
      found.push(`text: ${t}`);
  }
  return found;
})()
"""


def test_streamlit_own_words_are_chinese_on_every_page(samples_db):
    """A select box's placeholder, help icons, table toolbar, password eye, sidebar button:
    what a person reads or a screen reader speaks is Chinese, from the sign-in page on."""
    import time

    make_user("an_words", "analyst")
    pages = (("", "总览"), ("duties", "督办清单"), ("upload", "数据上报"), ("password", "修改密码"))
    seen: dict[str, list[str]] = {}
    with browser.Server(samples_db[0]) as server, browser.Chromium() as chromium:
        session = chromium.open(f"{server.url}/", height=1600)
        chromium.wait_rendered(session, title="流动党员普查分析")
        time.sleep(1)  # the rewriting script runs once the page has drawn
        seen["sign-in"] = chromium.evaluate(session, _ENGLISH_JS)
        chromium.sign_in(session, "an_words", PASSWORD)
        for slug, title in pages:
            if slug:
                chromium.go_to(session, slug, title)
            time.sleep(1.5)
            seen[slug or "overview"] = chromium.evaluate(session, _ENGLISH_JS)
    assert seen == {name: [] for name in seen}, seen
    assert len(seen) == 1 + len(pages)


def test_the_uploader_speaks_chinese(samples_db):
    """Streamlit's uploader labels its button and size limit in English; a person sees Chinese
    (its icon, spelled `upload` as a font ligature, stays as it is)."""
    import time

    make_user("an_up", "analyst")
    visible = (
        "(() => { const z = document.querySelector('[data-testid=\"stFileUploader\"]');"
        " return z ? z.innerText : null; })()"
    )
    with browser.Server(samples_db[0]) as server, browser.Chromium() as chromium:
        session = chromium.open(f"{server.url}/", height=1200)
        chromium.sign_in(session, "an_up", PASSWORD)
        chromium.go_to(session, "upload", "数据上报")
        text = None
        for _ in range(40):  # the rewriting script runs once the page has drawn
            text = chromium.evaluate(session, visible)
            if text and "选择文件" in text:
                break
            time.sleep(0.25)
    assert text is not None
    assert "选择文件" in text and "单个文件不超过" in text, text
    assert not re.search(r"Upload|per file|Browse|Drag and drop", text), text
