"""Every file that leaves the server from a page: a download button built only when clicked,
refused to a session that has ended or to another browser, and written to the audit log.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from dashboard import auth, http_guard
from pipeline.access import accounts
from pipeline.charts import export as exports


def download(
    where,
    label: str,
    build: Callable[[], bytes | tuple[bytes, int]],
    *,
    file_name: str,
    mime: str,
    key: str,
    what: str,
    rows: int | None = None,
    member_level: bool = False,
    help: str | None = None,
) -> None:
    """A download button whose file is built only when clicked (deferred) and whose every
    click is written to the audit log: who, under which scope, what, which format, how many
    rows. `what` is the file's title (scope, wave, chart), never a cell value.

    `member_level`: the file lists individual members; a role without
    `may_export_member_rows` gets a note instead of the button. `build` may return
    (bytes, rows) when only building tells how many rows the file holds (fix-lists).

    On the server (`http_guard`), the click is honoured only from the browser holding this
    session's cookie, and the file it builds may be fetched once, by that browser, soon."""
    who, granted, source = auth.user().username, auth.scope(), auth.client_source()
    if member_level and not granted.may_export_member_rows:
        where.caption(f"{granted.role_label}账号不能导出党员个人明细。")
        return
    fmt = file_name.rsplit(".", 1)[-1].lower()
    token = st.session_state.get(auth.TOKEN_KEY)
    streamlit_session = auth.session_id()

    def data() -> bytes:
        # Clicked maybe long after the page was drawn: the session must still be valid, and
        # (on the server) the click must come from the browser that signed in, not from
        # whoever holds the Streamlit session id now.
        if http_guard.active():
            cookie = http_guard.session_cookies(streamlit_session).get(http_guard.COOKIE)
            if not token or cookie != token:
                raise PermissionError("登录已过期，请重新登录后再下载")
        if accounts.validate_session(token) is None:
            raise PermissionError("登录已过期，请重新登录后再下载")
        built = build()
        payload, counted = built if isinstance(built, tuple) else (built, rows)
        if http_guard.active():
            http_guard.register_download(payload, mime, file_name, token)
        exports.record(
            who,
            granted,
            what=what,
            fmt=fmt,
            rows=counted,
            member_level=member_level,
            source=source,
        )
        return payload

    where.download_button(
        label,
        data=data,
        file_name=file_name,
        mime=mime,
        key=key,
        on_click="ignore",
        icon=":material/download:",
        help=help,
    )
