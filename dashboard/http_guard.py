"""What the web server checks before Streamlit sees a request (issue #12).

The dashboard runs as a `st.App` (`dashboard/server.py`) with this module's route and
middleware in front of Streamlit's own:

- **Browser binding.** A successful sign-in does not put the session token into Streamlit's
  session state alone: the app hands the browser a one-time code and sends it to `/census/bind`,
  which answers with the token in an HttpOnly, SameSite=Strict cookie and sends it back to the
  app. Every rerun reads the token from that cookie (`st.context.cookies`, taken from the
  websocket's own upgrade request), so a Streamlit session id read off the wire opens nothing
  from a client that does not hold the cookie.
- **Downloads.** Streamlit's `/media/` URLs are bearer URLs. Here a download answers only to the
  browser holding the cookie of the session that built it, once, within `DOWNLOAD_TTL` seconds;
  after that the bytes are deleted from Streamlit's media store. Other media need a live session.
- **Uploads.** `/_stcore/upload_file/` takes bodies only from a signed-in account that may
  upload, and only when its declared size is within `server.maxUploadSize`, so sessions that
  never signed in hold no memory.
- **Metrics.** `/_stcore/metrics` is not served (it has no sign-in of its own).

Nothing here imports the app's pages; `pipeline.access.accounts` is the one judge of a token.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Mapping
from urllib.parse import parse_qs

from dashboard import websocket_guard

COOKIE = "census_session"
# A random name for the browser itself, set on its first page load: a sign-in's one-time code
# is good only in the browser that signed in, so nobody can sign a victim's browser into the
# attacker's account with a link carrying the attacker's code (login CSRF).
BROWSER_COOKIE = "census_browser"
BIND_PATH = "/census/bind"
BIND_TTL = 60.0  # seconds a sign-in's one-time code stays good
DOWNLOAD_TTL = 60.0  # seconds a built download may be fetched
# Streamlit's frontend fetches a download's URL once to check it, then the browser fetches it
# again to save it: two requests make one download.
DOWNLOAD_FETCHES = 2

_lock = threading.Lock()
_active = False
# one-time code → (session token, expiry, the browser that signed in)
_binds: dict[str, tuple[str, float, str]] = {}
# media file id → {sha256 of the session token allowed to fetch it: [expiry, fetches left]}
_downloads: dict[str, dict[str, list[float]]] = {}


def install() -> None:
    """Called by `dashboard/server.py`: from now on the app trusts only the cookie."""
    global _active
    _active = True
    websocket_guard.install()


def active() -> bool:
    return _active


def _digest(token: str | None) -> str:
    return hashlib.sha256((token or "").encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------- binding


def offer_bind(token: str, browser: str | None, *, now: float | None = None) -> str:
    """A one-time code the browser exchanges at `BIND_PATH` for the session cookie; only the
    browser named `browser` (its BROWSER_COOKIE, read off the websocket that signed in) may."""
    now = time.time() if now is None else now
    code = secrets.token_urlsafe(24)
    with _lock:
        for stale in [c for c, (_, exp, _b) in _binds.items() if exp <= now]:
            del _binds[stale]
        _binds[code] = (token, now + BIND_TTL, browser or "")
    return code


def take_bind(code: str | None, browser: str | None, *, now: float | None = None) -> str | None:
    """The session token for a code, once, and only to the browser that signed in."""
    now = time.time() if now is None else now
    with _lock:
        found = _binds.pop(code or "", None)
    if found is None or found[1] <= now:
        return None
    token, _expiry, owner = found
    if not owner or not secrets.compare_digest(owner, browser or ""):
        return None
    return token


def session_cookies(session_id: str | None) -> Mapping[str, str]:
    """Cookies of the client connected *now* to a Streamlit session (its websocket's upgrade
    request); empty when none is connected."""
    if not session_id:
        return {}
    try:
        from streamlit import runtime

        client = runtime.get_instance().get_client(session_id)
        context = getattr(client, "client_context", None) if client else None
        return dict(context.cookies) if context is not None else {}
    except Exception:  # noqa: BLE001 — no runtime, no client: no cookie
        return {}


# ----------------------------------------------------------------------------- downloads


def register_download(
    data: bytes, mimetype: str, filename: str, token: str, *, now: float | None = None
) -> str:
    """Note that the media file Streamlit is about to store for these bytes may be fetched
    (`DOWNLOAD_FETCHES` requests, one download) soon by the browser holding `token`'s cookie.
    Returns the media file id."""
    from streamlit.runtime.memory_media_file_storage import _calculate_file_id

    now = time.time() if now is None else now
    file_id = _calculate_file_id(data, mimetype, filename)
    with _lock:
        _downloads.setdefault(file_id, {})[_digest(token)] = [now + DOWNLOAD_TTL, DOWNLOAD_FETCHES]
    return file_id


def _delete_media(file_id: str) -> None:
    try:
        from streamlit import runtime

        manager = runtime.get_instance().media_file_mgr
        with manager._lock:
            if file_id in manager._file_metadata:
                manager._delete_file(file_id)
    except Exception:  # noqa: BLE001 — already gone
        pass


def _claim_download(file_id: str, token: str | None, now: float) -> tuple[bool | None, bool]:
    """(may fetch, last fetch) for this cookie. May fetch: True yes, False refuse, None not a
    registered download. Downloads past their time are deleted from the media store here."""
    expired: list[str] = []
    last = False
    with _lock:
        for other, holders in _downloads.items():
            for key in [k for k, (exp, _left) in holders.items() if exp <= now]:
                del holders[key]
            if not holders:
                expired.append(other)
        for other in expired:
            _downloads.pop(other, None)
        allowed = _downloads.get(file_id)
        if allowed is None:
            ok = False if file_id in expired else None
        else:
            grant = allowed.get(_digest(token))
            ok = grant is not None
            if grant is not None:
                grant[1] -= 1
                if grant[1] <= 0:
                    del allowed[_digest(token)]
                if not allowed:
                    _downloads.pop(file_id, None)
                    last = True
    for gone in expired:
        _delete_media(gone)
    return ok, last


# ----------------------------------------------------------------------------- ASGI


def _cookies(scope) -> dict[str, str]:
    from starlette.requests import cookie_parser

    for name, value in scope.get("headers", []):
        if name == b"cookie":
            return cookie_parser(value.decode("latin-1"))
    return {}


def _user_for(token: str | None):
    from pipeline.access import accounts

    return accounts.validate_session(token) if token else None


async def _respond(send, status: int, body: str, headers: list | None = None) -> None:
    data = body.encode("utf-8")
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(data)).encode()),
                (b"cache-control", b"no-store"),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


class Guard:
    """Pure ASGI middleware (no body buffering): refuses before Streamlit reads anything."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.concurrency import run_in_threadpool

        path = scope.get("path", "")
        method = scope.get("method", "GET")
        if path.rstrip("/").endswith("/_stcore/metrics"):
            await _respond(send, 404, "未开放")
            return
        if path.endswith(BIND_PATH):
            await self._bind(scope, send)
            return
        cookies = _cookies(scope)
        if not cookies.get(BROWSER_COOKIE) and _is_page_load(path, method):
            send = _naming_the_browser(send, scope)
        token = cookies.get(COOKIE)
        if "/_stcore/upload_file/" in path and method != "OPTIONS":
            # PUT/POST store a file, DELETE drops one from an upload in progress
            user = await run_in_threadpool(_user_for, token)
            if user is None or not _may_upload(user):
                await _respond(send, 403, "请先登录有上报权限的账号，再上传文件。")
                return
            if method in ("PUT", "POST") and not _size_ok(scope):
                await _respond(send, 413, _too_large_text())
                return
        elif _is_media(path):
            user = await run_in_threadpool(_user_for, token)
            if user is None:
                await _respond(send, 403, "下载链接只在登录的浏览器中有效，请在系统内重新下载。")
                return
            file_id = path.rsplit("/", 1)[-1].split(".", 1)[0]
            claim, last = _claim_download(file_id, token, time.time())
            if claim is False:
                await _respond(send, 404, "下载链接已失效，请在系统内重新下载。")
                return
            if claim is True:
                await self.app(scope, receive, send)
                if last:
                    _delete_media(file_id)  # downloaded: nothing lingers in the media store
                return
        await self.app(scope, receive, send)

    async def _bind(self, scope, send) -> None:
        code = (parse_qs(scope.get("query_string", b"").decode("latin-1")).get("code") or [""])[0]
        token = take_bind(code, _cookies(scope).get(BROWSER_COOKIE))
        root = app_root()
        headers = [(b"location", root.encode("latin-1"))]
        if token:
            headers.append(_set_cookie(COOKIE, token, scope))
        await _respond(send, 303, "", headers)


def _is_media(path: str) -> bool:
    """A file from Streamlit's media store (`<base>/media/<id>.<ext>`): downloads, images.

    Not the app's own fonts and icons under `<base>/static/media/`: those are the same for
    everyone and the sign-in page needs them before anyone has signed in (without the icon
    font, the password field's eye reads `visibility`).
    """
    parts = path.split("/")
    if "media" not in parts[:-1]:
        return False
    return ".." in parts or not path.startswith(_static_media_prefix())


def _static_media_prefix() -> str:
    return f"{_base_path()}/static/media/"


def _set_cookie(name: str, value: str, scope) -> tuple[bytes, bytes]:
    """A Set-Cookie header: HttpOnly, SameSite=Strict, Secure over https."""
    secure = "; Secure" if scope.get("scheme") == "https" else ""
    cookie = f"{name}={value}; Path=/; HttpOnly; SameSite=Strict{secure}"
    return b"set-cookie", cookie.encode("latin-1")


def _is_page_load(path: str, method: str) -> bool:
    """The app's HTML (any page URL), which a browser loads before it opens the websocket;
    not its scripts, fonts or API calls, so one browser is named once, not by racing loads."""
    parts = path.split("/")
    return method == "GET" and not {"static", "_stcore", "media", "component"} & set(parts)


def _naming_the_browser(send, scope):
    """`send` with a fresh BROWSER_COOKIE added to the response's headers."""
    header = _set_cookie(BROWSER_COOKIE, secrets.token_urlsafe(24), scope)

    async def sending(message) -> None:
        if message.get("type") == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), header]}
        await send(message)

    return sending


def app_root() -> str:
    """Where the bind sends the browser back: the app's root under `server.baseUrlPath`, from
    the server's own settings. Never from the request's path: `//evil.example/census/bind`
    would make `//evil.example/`, a redirect to another site (a phishing page's doorway)."""
    return _base_path() + "/"


def _base_path() -> str:
    """'' or '/x/census': `server.baseUrlPath` as an absolute path without a trailing slash."""
    from streamlit import config

    base = str(config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _may_upload(user) -> bool:
    from pipeline.access import accounts

    return accounts.scope_for(user).may_upload and not user.must_change_password


def _max_upload_bytes() -> int:
    from streamlit import config

    return int(config.get_option("server.maxUploadSize")) * 1024 * 1024


def _size_ok(scope) -> bool:
    """A declared length within the limit (a multipart envelope's few KB allowed); a body
    without a declared length is refused rather than read to find out."""
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value) <= _max_upload_bytes() + 64 * 1024
            except ValueError:
                return False
    return False


def _too_large_text() -> str:
    return f"文件超过 {_max_upload_bytes() // (1024 * 1024)} MB 的上传上限，请拆分后再上传。"


def routes() -> list:
    """Nothing to route: `Guard` answers `BIND_PATH` itself (under any base URL path)."""
    return []
