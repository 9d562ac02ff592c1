"""What the app changes in how Streamlit answers a websocket's messages (installed with
`http_guard`). Streamlit trusts every connected browser with some messages that act on other
sessions; here each acts only on the sender's own session.
"""

from __future__ import annotations

import secrets


def install() -> None:
    _no_shared_cache_clearing()
    _deferred_files_only_for_their_session()


def _no_shared_cache_clearing() -> None:
    """Any websocket, signed in or not, may send Streamlit's "clear cache" message, which
    empties every user's cached queries and drops the shared warehouse connection: a stranger
    sending it twenty times a second made a county's pages four times slower. The app offers no
    such menu (toolbarMode minimal), so here the message clears only the sender's own session."""
    from streamlit.runtime.app_session import AppSession

    AppSession._handle_clear_cache_request = _clear_own_session_only  # noqa: SLF001


def _clear_own_session_only(session) -> None:
    session._session_state.clear()  # noqa: SLF001


def _deferred_files_only_for_their_session() -> None:
    """A download button's file is built when the browser asks for it by the button's id, and
    Streamlit builds it for whichever session asks. Another signed-in browser that learnt the
    id could make a victim's session build (and audit, in the victim's name) an export the
    victim never asked for. Here a build runs only for the session that drew the button."""
    from streamlit.runtime.backend_operation_handler import DeferredFileHandler

    if getattr(DeferredFileHandler.handle, "_census_guarded", False):
        return
    handle = DeferredFileHandler.handle

    async def guarded(self, request, session_id):
        owner = _deferred_owner(self._get_media_file_mgr(), request.deferred_file.file_id)  # noqa: SLF001
        if owner is None or not secrets.compare_digest(owner, session_id or ""):
            from streamlit.proto.ForwardMsg_pb2 import BackendOperationResponse

            return BackendOperationResponse(
                request_id=request.request_id, error_msg="该下载不属于本页面，请刷新后重试"
            )
        return await handle(self, request, session_id)

    guarded._census_guarded = True  # type: ignore[attr-defined]
    DeferredFileHandler.handle = guarded


def _deferred_owner(manager, file_id: str) -> str | None:
    """The Streamlit session that registered a deferred download, or None when unknown."""
    with manager._lock:  # noqa: SLF001 — Streamlit keeps the owner only in its own table
        entry = manager._deferred_callables.get(file_id)  # noqa: SLF001
    return entry["session_id"] if entry else None
