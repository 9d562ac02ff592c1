"""Look at the dashboard the way a person does: start the real server, load each page in
headless Chromium (Debian's), wait until every chart has drawn, save a full-page screenshot.

Every page but the sign-in page needs an account: `capture()` signs in through the form
(typing into the inputs over the DevTools protocol), then moves between pages by clicking the
navigation, as a person does — a new tab would be a new, signed-out session.

Used by `tests/test_browser.py` and by hand (the password is read from $CENSUS_PASSWORD or
asked for):

    python -m dashboard.browser --db data/curated/census.duckdb --out screenshots/ --user admin

Chromium is driven over the DevTools protocol with the `websockets` package Streamlit
already depends on (no Playwright, which would download a browser of its own).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import getpass
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

from dashboard.live_server import Server, free_port  # noqa: F401  (browser.Server for tests)

ROOT = Path(__file__).resolve().parent.parent
PAGES = {
    "": "总览",  # the default page lives at the root URL
    "flows": "流向分析",
    "lost-contact": "失联党员分析",
    "returnees": "返乡创业",
    "quality": "数据质量",
}
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--mute-audio",
]

# Page state as one JSON string: is Streamlit still running, and has every chart drawn?
_STATE_JS = """
(() => {
  const plots = [...document.querySelectorAll('.js-plotly-plot')];
  const block = document.querySelector('[data-testid="stMainBlockContainer"]');
  return JSON.stringify({
    title: block && block.querySelector('h1') ? block.querySelector('h1').innerText : null,
    script: (document.querySelector('[data-testid="stApp"]') || {getAttribute: () => null})
              .getAttribute('data-test-script-state'),
    skeletons: document.querySelectorAll('[data-testid="stSkeleton"]').length,
    plots: plots.length,
    drawn: plots.filter(p => p.querySelector('.main-svg')).length,
    webgl: document.querySelectorAll('.js-plotly-plot canvas.gl-canvas').length,
    exceptions: [...document.querySelectorAll('[data-testid="stException"]')].map(e => e.innerText),
    errors: [...document.querySelectorAll('[data-testid="stAlertContentError"]')].map(e => e.innerText),
    height: block ? Math.ceil(block.getBoundingClientRect().bottom) + 48 : 0,
    text: document.body.innerText.slice(0, 20000),
  });
})()
"""


TALL = 6000  # viewport height for full-page screenshots (every page fits)


class Chromium:
    """Headless Chromium and a DevTools websocket to it."""

    def __init__(self, binary: str | None = None, width: int = 1440, height: int = 900):
        self.binary = binary or shutil.which("chromium") or "/usr/bin/chromium"
        self.width, self.height = width, height
        self._ids = itertools.count(1)
        self.events: list[dict] = []  # DevTools events seen while waiting for replies

    def __enter__(self) -> Chromium:
        self.profile = tempfile.mkdtemp(prefix="census-chromium-")
        self.proc = subprocess.Popen(
            [
                self.binary,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self.profile}",
                "--remote-debugging-port=0",
                f"--window-size={self.width},{self.height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        deadline = time.time() + 30
        url = None
        while time.time() < deadline and url is None:
            line = self.proc.stderr.readline()
            if match := re.search(r"DevTools listening on (ws://\S+)", line):
                url = match.group(1)
        if url is None:
            self.__exit__()
            raise RuntimeError("Chromium did not start")
        self.ws = connect(url, max_size=None, open_timeout=10).__enter__()
        return self

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(Exception):
            self.ws.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)

    def send(
        self,
        method: str,
        params: dict | None = None,
        session: str | None = None,
        timeout: float = 30,
    ) -> dict:
        msg_id = next(self._ids)
        message = {"id": msg_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        deadline = time.time() + timeout
        while time.time() < deadline:
            reply = json.loads(self.ws.recv(timeout=max(0.1, deadline - time.time())))
            if "method" in reply and len(self.events) < 5000:
                self.events.append(reply)
            if reply.get("id") == msg_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
        raise TimeoutError(method)

    def open(self, url: str, height: int | None = None, *, network: bool = False) -> str:
        """A new tab at `url`. Its viewport height is fixed before loading: resizing a loaded
        Streamlit page leaves the sidebar mid-animation in screenshots."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.send("Page.enable", session=session)
        if network:  # websocket frames and requests show up in `events`
            self.send("Network.enable", session=session)
        self.resize(session, height or self.height)
        self.send("Page.navigate", {"url": url}, session=session)
        return session

    def resize(self, session: str, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": self.width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )

    def state(self, session: str) -> dict:
        try:
            result = self.send(
                "Runtime.evaluate",
                {"expression": _STATE_JS, "returnByValue": True},
                session=session,
            )
        except RuntimeError:  # between navigations
            result = {}
        value = result.get("result", {}).get("value")
        if value is None:  # between navigations, or the page threw
            return {
                "title": None,
                "script": None,
                "skeletons": 0,
                "plots": 0,
                "drawn": 0,
                "webgl": 0,
                "exceptions": [],
                "errors": [],
                "height": 0,
                "text": "",
                "detail": result.get("exceptionDetails"),
            }
        return json.loads(value)

    def wait_rendered(self, session: str, timeout: float = 60, title: str | None = None) -> dict:
        """Until the page has a title (`title` if given), Streamlit is idle and every chart
        has an SVG, twice in a row 1 s apart (Streamlit streams elements in over several
        messages)."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            state = self.state(session)
            ready = (
                state["title"]
                and (title is None or state["title"] == title)
                and state["script"] == "notRunning"
                and not state["skeletons"]
                and state["plots"] == state["drawn"]
            )
            key = (state["title"], state["plots"], state["drawn"], state["height"])
            if ready and key == last:
                return state
            last = key if ready else None
            time.sleep(1.0)
        return self.state(session)

    def screenshot(self, session: str, path: Path, height: int) -> Path:
        """The top `height` pixels of a tab opened tall enough to hold the whole page."""
        clip = {"x": 0, "y": 0, "width": self.width, "height": max(300, height), "scale": 1}
        data = self.send(
            "Page.captureScreenshot", {"format": "png", "clip": clip}, session=session, timeout=60
        )["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def evaluate(self, session: str, expression: str):
        try:
            result = self.send(
                "Runtime.evaluate",
                {"expression": expression, "returnByValue": True},
                session=session,
            )
        except RuntimeError:  # the page is navigating (sign-in reloads it once)
            return None
        return result.get("result", {}).get("value")

    def type_into(self, session: str, selector: str, text: str) -> None:
        """Focus an input and type `text` as keystrokes would (React sees real input events)."""
        found = self.evaluate(
            session,
            f"(() => {{ const el = document.querySelector({json.dumps(selector)});"
            " if (!el) return false; el.focus(); el.select && el.select(); return true; })()",
        )
        if not found:
            raise RuntimeError(f"no input {selector}")
        self.send("Input.insertText", {"text": text}, session=session)

    def sign_in(self, session: str, username: str, password: str, timeout: float = 60) -> dict:
        """Fill the sign-in form and submit it; returns the state of the page that follows
        (an error message on the sign-in page if the sign-in was refused)."""
        deadline = time.time() + timeout
        while time.time() < deadline and not self.evaluate(session, _HAS_FORM_JS):
            time.sleep(0.3)
        self.type_into(session, 'input[aria-label="用户名"]', username)
        self.type_into(session, 'input[aria-label="密码"]', password)
        self.evaluate(
            session,
            "document.querySelector('[data-testid=\"stFormSubmitButton\"] button').click()",
        )
        while time.time() < deadline:
            state = self.state(session)
            signed_in = self.evaluate(session, _NAV_JS) or []
            if state["script"] == "notRunning" and (signed_in or state["errors"]):
                return self.wait_rendered(session, max(5, deadline - time.time()))
            time.sleep(0.5)
        return self.state(session)

    def nav_links(self, session: str) -> list[str]:
        """URL paths of the navigation's links ('' for the default page)."""
        return self.evaluate(session, _NAV_JS) or []

    def go_to(self, session: str, slug: str, title: str, timeout: float = 60) -> dict:
        """Click the navigation link to `slug` (same session) and wait for the page."""
        clicked = self.evaluate(
            session,
            "(() => { const a = [...document.querySelectorAll('[data-testid=\"stSidebarNav\"] a')]"
            f".find(a => new URL(a.href).pathname.replace(/^\\/+/, '') === {json.dumps(slug)});"
            " if (!a) return false; a.click(); return true; })()",
        )
        if not clicked:
            raise RuntimeError(f"no navigation link to /{slug}")
        return self.wait_rendered(session, timeout, title=title)


_HAS_FORM_JS = "!!document.querySelector('input[aria-label=\"密码\"]')"
_NAV_JS = r"""
[...document.querySelectorAll('[data-testid="stSidebarNav"] a')]
  .map(a => new URL(a.href).pathname.replace(/^\/+/, ''))
"""


def shoot(browser: Chromium, session: str, path: Path, state: dict) -> Path:
    time.sleep(1.0)  # last chart transitions
    return browser.screenshot(session, path, min(state["height"] or TALL, TALL))


def capture(
    db: Path,
    out: Path,
    username: str,
    password: str,
    *,
    prefix: str = "",
    server: Server | None = None,
) -> dict[str, dict]:
    """Sign in, then screenshot every page this account's navigation offers (of `PAGES`).

    Returns each page's final state (title, charts, errors, text) by slug ('overview' for
    the default page), plus 'sign-in' (the form before signing in) and 'nav' (the links)."""
    out.mkdir(parents=True, exist_ok=True)
    states: dict[str, dict] = {}
    with contextlib.ExitStack() as stack:
        server = server or stack.enter_context(Server(db))
        browser = stack.enter_context(Chromium())
        session = browser.open(f"{server.url}/", height=TALL)
        states["sign-in"] = browser.wait_rendered(session)
        shoot(browser, session, out / f"{prefix}sign-in.png", states["sign-in"])
        state = browser.sign_in(session, username, password)
        links = browser.nav_links(session)
        states["nav"] = {"links": links, "text": state["text"], "errors": state["errors"]}
        if not links:
            return states  # refused: the caller looks at states['nav']['errors']
        for slug, title in PAGES.items():
            if slug not in links:
                continue
            state = (
                browser.go_to(session, slug, title)
                if slug
                else browser.wait_rendered(session, title=title)
            )
            name = slug or "overview"
            shoot(browser, session, out / f"{prefix}{name}.png", state)
            states[name] = state
    return states


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="登录后截取看板各页面截图")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--user", required=True, help="登录用的账号")
    parser.add_argument("--prefix", default="", help="截图文件名前缀")
    args = parser.parse_args(argv)
    from pipeline import config

    password = os.environ.get("CENSUS_PASSWORD") or getpass.getpass("密码：")
    states = capture(args.db or config.db_path(), args.out, args.user, password, prefix=args.prefix)
    if not states["nav"]["links"]:
        print("登录失败：", "；".join(states["nav"]["errors"]) or "未知原因")
        return 1
    for slug, state in states.items():
        if slug in ("nav", "sign-in"):
            continue
        print(
            f"{slug}: title={state['title']} charts={state['drawn']}/{state['plots']} "
            f"webgl={state['webgl']} exceptions={len(state['exceptions'])}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
