"""The dashboard's web server: `streamlit run dashboard/server.py` (issue #12).

Streamlit finds the `app` below and serves `streamlit_app.py` through it, with
`dashboard.http_guard` in front: sessions bound to the signing-in browser by an HttpOnly
cookie, downloads fetched once by that browser only, uploads only from signed-in accounts
that may upload, no `/_stcore/metrics`.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from dashboard import http_guard  # noqa: E402

http_guard.install()


def _chinese_error(exc: Exception) -> bool:
    """An unexpected error in a page: a Chinese message instead of Streamlit's English one
    (the details go to the server log only, never to the browser)."""
    st.error("系统处理时出错，本次操作未完成。请刷新页面后重试；如仍出错，请联系管理员。")
    return True


app = st.App(
    Path(__file__).resolve().parent / "streamlit_app.py",
    routes=http_guard.routes(),
    middleware=[Middleware(http_guard.Guard)],
    on_script_error=_chinese_error,
)
