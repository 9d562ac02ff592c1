"""`dashboard.http_guard` in process: what the real-server tests cannot watch from outside."""

from __future__ import annotations

import pytest
import streamlit as st
from streamlit.runtime.app_session import AppSession

from dashboard import http_guard


def test_a_clear_cache_message_clears_only_the_senders_session(monkeypatch):
    """Streamlit's own handler empties every user's caches; after `install` a "clear cache"
    message (any websocket may send one) empties only the sender's session state."""
    monkeypatch.setattr(
        AppSession, "_handle_clear_cache_request", AppSession._handle_clear_cache_request
    )
    monkeypatch.setattr(http_guard, "_active", False)
    runs = []

    @st.cache_data(show_spinner=False)
    def shared(x: int) -> int:
        runs.append(x)
        return x

    shared(1)
    http_guard.install()

    class Sender:
        _session_state = {"census_token": "t"}

    AppSession._handle_clear_cache_request(Sender)
    shared(1)
    assert runs == [1] and Sender._session_state == {}


@pytest.mark.parametrize(
    ("code_browser", "request_browser", "good"),
    [("b1", "b1", True), ("b1", "b2", False), ("b1", None, False), (None, None, False)],
)
def test_a_sign_in_code_is_good_once_and_only_in_its_browser(code_browser, request_browser, good):
    code = http_guard.offer_bind("token-x", code_browser)
    assert http_guard.take_bind(code, request_browser) == ("token-x" if good else None)
    assert http_guard.take_bind(code, request_browser) is None  # once


@pytest.mark.parametrize(
    ("path", "method", "page"),
    [
        ("/", "GET", True),
        ("/lost-contact", "GET", True),
        ("/static/js/index.js", "GET", False),
        ("/_stcore/health", "GET", False),
        ("/media/abc.csv", "GET", False),
        ("/", "POST", False),
    ],
)
def test_only_page_loads_name_the_browser(path, method, page):
    assert http_guard._is_page_load(path, method) is page
