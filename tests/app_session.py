"""Signing in from AppTest tests (issue #5). Import these in any test that renders the app.

Two ways in:

- through the form, like a person: `sign_in_form(app_as(None), "qk", PASSWORD)` fills the
  widgets keyed `sign_in_username` / `sign_in_password` and clicks `sign_in_submit`;
- faster, by handing the app a session token before its first run: `app_as(user)` puts
  `accounts.create_session(user)` into `st.session_state["census_token"]`.

The app trusts nothing but the token: it re-validates it on every rerun and derives
`st.session_state["census_user"]` and `["census_scope"]` from it, so writing those two keys
directly signs nobody in. Accounts live in the per-test state database (`CENSUS_STATE_DB`,
set by conftest's `isolated_env`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from websockets.sync.client import connect

from dashboard import browser
from pipeline.access import accounts
from pipeline.access.accounts import User
from pipeline.ingest.batch import ingest_paths

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "streamlit_app.py")
PASSWORD = "Census-test-2024"


def make_user(username: str, role: str, township: str | None = None, **kw) -> User:
    return accounts.create_user(username, PASSWORD, role, township, **kw)


def app_as(user: User | None = None, *, timeout: float = 120) -> AppTest:
    """An AppTest already signed in as `user` (anonymous when None), after its first run."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if user is not None:
        at.session_state["census_token"] = accounts.create_session(user)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sign_in_form(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="sign_in_username").input(username)
    at.text_input(key="sign_in_password").input(password)
    at.button(key="sign_in_submit").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def stream(server, cookie: str | None = None, session_id: str | None = None):
    """A raw websocket to a real server's Streamlit stream, as an attacker opens one: with the
    given Cookie header (none by default), and reconnecting to `session_id` when given."""
    return connect(
        server.url.replace("http", "ws") + "/_stcore/stream",
        subprotocols=["streamlit", "none", *([session_id] if session_id else [])],
        origin=server.url,
        open_timeout=10,
        max_size=None,
        additional_headers={"Cookie": cookie} if cookie else None,
    )


@contextmanager
def served(
    root: Path, write: Callable[[Path], list[Path]], check: Callable[[object], None]
) -> Iterator[tuple[browser.Server, dict[str, str]]]:
    """(the real server, its environment) on a private warehouse under `root`: the registers
    `write` puts into root/raw ingested first, `check`ed (the report), then served. The state
    database, raw folder and secret are the server's and, meanwhile, this process's."""
    env = {
        "CENSUS_STATE_DB": str(root / "state" / "app.sqlite"),
        "CENSUS_RAW": str(root / "raw"),
        "CENSUS_SECRET_FILE": str(root / "secret.key"),
    }
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        check(ingest_paths(write(root / "raw"), db=root / "census.duckdb"))
        with browser.Server(root / "census.duckdb", env=env, log=root / "server.log") as server:
            yield server, env
