"""Sign-in, sign-out and the signed-in user for every rerun (issue #5).

The contract other pages rely on (keep these names):

- `st.session_state["census_token"]`: the session token from `pipeline.access.accounts.create_session`.
  It is the only thing the app trusts: every rerun re-validates it (`validate_session`), so an
  expired, idle, signed-out or disabled session ends at the next click.
- `st.session_state["census_user"]`: the `pipeline.access.accounts.User`, and
  `st.session_state["census_scope"]`: its `pipeline.access.scope.Scope`. Both are *derived* from the
  validated token on every rerun (a role change applies at once); writing them without a valid
  token signs nobody in.

Tests sign in either through the form (keys `sign_in_username`, `sign_in_password`,
`sign_in_submit`) or, faster, by putting a token from `accounts.create_session(user)` into
`census_token` before `AppTest.run()` (see `tests/test_access.py`).

On the real server (`dashboard/server.py`, issue #12) the token lives in an HttpOnly cookie
set by `dashboard.http_guard` after sign-in, and every rerun takes it from the cookie of the
browser connected now: session state alone (what a stolen Streamlit session id would reach)
signs nobody in. Served any other way, the app refuses to sign anyone in.
"""

from __future__ import annotations

import streamlit as st

from dashboard import http_guard
from pipeline import config
from pipeline.access import accounts
from pipeline.access.accounts import User
from pipeline.access.passwords import AccountError
from pipeline.access.scope import Scope

TOKEN_KEY = "census_token"
USER_KEY = "census_user"
SCOPE_KEY = "census_scope"
_NOTICE_KEY = "census_auth_notice"  # one message for the next sign-in page
# Which account this Streamlit session's state belongs to (its user id).
OWNER_KEY = "census_owner"
_FLASH_KEY = "census_auth_flash"  # one toast after a rerun


def client_source() -> str | None:
    """The browser's address for throttling and the audit log (None when Streamlit cannot
    tell, e.g. in AppTest)."""
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001 — no request context: no address, not an error
        return None
    return address if isinstance(address, str) and address else None


def _forget() -> None:
    for key in (TOKEN_KEY, USER_KEY, SCOPE_KEY):
        st.session_state.pop(key, None)
    _belongs_to(None)


def _belongs_to(user_id: int | None) -> None:
    """Everything a session keeps (dry runs, upload results and their fix-lists, built reports)
    was made for one account and is dropped the moment another, or nobody, acts on it.

    A Streamlit session outlives the account that used it: it is found again by its id alone,
    which travels in upload URLs and server logs, so a browser signed in as someone else could
    reconnect to it; and a session that expired keeps its state for whoever signs in next.
    """
    owner = st.session_state.get(OWNER_KEY)
    if owner is not None and owner != user_id:
        notice = st.session_state.get(_NOTICE_KEY)
        st.session_state.clear()
        if notice:
            st.session_state[_NOTICE_KEY] = notice
    if user_id is not None:
        st.session_state[OWNER_KEY] = user_id


def _served() -> bool:
    """A real Streamlit server (not AppTest, whose runtime is a mock with Runtime's spec)."""
    try:
        from unittest.mock import NonCallableMock

        from streamlit import runtime
        from streamlit.runtime import Runtime

        found = runtime.get_instance()
        return isinstance(found, Runtime) and not isinstance(found, NonCallableMock)
    except Exception:  # noqa: BLE001 — no runtime at all
        return False


def session_id() -> str | None:
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    return ctx.session_id if ctx else None


def token() -> str | None:
    """The session token this rerun may act on: on the server, the cookie of the browser
    connected now, and nothing else; under AppTest, session state."""
    if http_guard.active():
        found = http_guard.session_cookies(session_id()).get(http_guard.COOKIE)
        return found if found else None
    if _served():
        return None  # started without the guard: nobody may sign in (see sign_in_page)
    return st.session_state.get(TOKEN_KEY)


def current() -> tuple[User, Scope] | None:
    """The signed-in user and scope, re-validated now; None when nobody is signed in."""
    found = token()
    was_signed_in = st.session_state.get(USER_KEY) is not None
    if not found:
        _forget()
        return None
    user = accounts.validate_session(found)
    if user is None:
        _forget()
        if was_signed_in or not http_guard.active():
            st.session_state[_NOTICE_KEY] = "登录已过期或账号已被停用，请重新登录。"
        return None
    _belongs_to(user.id)
    # For this rerun's code (set after the ownership check, which may clear the state); on the
    # server never trusted on the next rerun, which reads the browser's cookie again.
    st.session_state[TOKEN_KEY] = found
    scope = accounts.scope_for(user)
    st.session_state[USER_KEY] = user
    st.session_state[SCOPE_KEY] = scope
    return user, scope


def scope() -> Scope:
    """The signed-in scope (set by `current()` earlier in this rerun)."""
    found = st.session_state.get(SCOPE_KEY)
    if not isinstance(found, Scope) or not st.session_state.get(TOKEN_KEY):
        raise PermissionError("未登录")
    return found


def user() -> User:
    found = st.session_state.get(USER_KEY)
    if not isinstance(found, User) or not st.session_state.get(TOKEN_KEY):
        raise PermissionError("未登录")
    return found


def require(flag: str) -> Scope:
    """Stop the page unless the signed-in scope has `flag` (e.g. 'may_manage_accounts')."""
    granted = scope()
    if not getattr(granted, flag):
        st.error("您的账号无权访问本页面。")
        st.stop()
    return granted


def refused_page() -> None:
    """What a signed-in user gets at the URL of a page their role does not have."""
    st.title("无权访问")
    st.error("您的账号无权访问这个页面，请从左侧导航选择可用的页面。")


# --- sign-in ----------------------------------------------------------------------------------


def sign_in_page() -> None:
    """The only page an anonymous visitor gets."""
    st.title("流动党员普查分析")
    st.caption(f"{config.HOME_COUNTY_NAME} · 组织部门内部使用")
    notice = st.session_state.pop(_NOTICE_KEY, None)
    left, _ = st.columns([2, 3])
    with left:
        if notice:
            st.info(notice)
        if _served() and not http_guard.active():
            st.error(
                "本系统须通过 `streamlit run dashboard/server.py` 启动（带登录保护）；"
                "当前启动方式不能登录，请联系管理员。"
            )
            return
        with st.form("sign_in_form", clear_on_submit=True):
            st.subheader("登录")
            username = st.text_input(
                "用户名", key="sign_in_username", max_chars=64, autocomplete="username"
            )
            password = st.text_input(
                "密码",
                type="password",
                key="sign_in_password",
                max_chars=256,
                autocomplete="current-password",
            )
            submitted = st.form_submit_button(
                "登录", type="primary", key="sign_in_submit", width="stretch"
            )
        if submitted:
            _attempt(username or "", password or "")
        st.caption("账号由管理员分配；忘记密码请联系管理员重置。连续输错密码将被暂时限制登录。")


def _attempt(username: str, password: str) -> None:
    if not username.strip() or not password:
        st.error("请输入用户名和密码。")
        return
    source = client_source()
    result = accounts.authenticate(username, password, source=source, browser=_browser_name())
    if not result.ok:
        st.error(result.message)
        return
    new_token = accounts.create_session(result.user, source=source)
    # A new person at this browser tab: nothing of a previous session's selection stays.
    st.session_state.clear()
    if http_guard.active():
        _bind_browser(new_token)
        return
    st.session_state[TOKEN_KEY] = new_token
    st.rerun()


def _browser_name() -> str | None:
    """The browser's own random name (an HttpOnly cookie set by the guard), None off the server."""
    if not http_guard.active():
        return None
    return http_guard.session_cookies(session_id()).get(http_guard.BROWSER_COOKIE)


def _bind_browser(new_token: str) -> None:
    """Send the browser to the guard, which sets the HttpOnly session cookie and sends it back;
    the page loads again with the cookie on its websocket."""
    browser = _browser_name()
    url = f"{http_guard.BIND_PATH.lstrip('/')}?code={http_guard.offer_bind(new_token, browser)}"
    st.success("登录成功，正在进入系统……")
    st.html(
        f"<script>window.location.replace(new URL({url!r}, document.baseURI).href);</script>",
        unsafe_allow_javascript=True,
    )
    st.markdown(f"如页面没有自动跳转，请[点击这里进入系统]({url})。")


def sign_out() -> None:
    accounts.expire_session(token())
    st.session_state.clear()
    st.session_state[_NOTICE_KEY] = "您已退出登录。"
    st.rerun()


def sidebar_account(who: User, granted: Scope) -> None:
    """Who is signed in, with the sign-out button, at the top of the sidebar."""
    flash = st.session_state.pop(_FLASH_KEY, None)
    if flash:
        st.toast(flash, icon=":material/check_circle:")
    box = st.sidebar.container(border=True)
    box.markdown(f"**{who.username}**")
    box.caption(f"{granted.role_label} · {granted.label}")
    if box.button("退出登录", key="sign_out", icon=":material/logout:", width="stretch"):
        sign_out()


# --- password ---------------------------------------------------------------------------------


def password_page() -> None:
    _password_form(forced=False)


def forced_password_page() -> None:
    _password_form(forced=True)


def _password_form(*, forced: bool) -> None:
    who = user()
    st.title("修改密码")
    if forced:
        st.warning("这是首次登录，或密码已由管理员重置：请先设置自己的新密码，再使用本系统。")
    policy = config.auth_policy()
    left, _ = st.columns([2, 3])
    with left, st.form("password_form", clear_on_submit=True):
        old = st.text_input("当前密码", type="password", key="password_old")
        new = st.text_input(
            "新密码",
            type="password",
            key="password_new",
            help=f"至少 {policy.min_password_length} 个字符，含字母、数字、符号中的至少两类",
        )
        again = st.text_input("再次输入新密码", type="password", key="password_again")
        submitted = st.form_submit_button("保存新密码", type="primary", key="password_submit")
    if not submitted:
        return
    if new != again:
        st.error("两次输入的新密码不一致。")
        return
    if new == old:
        st.error("新密码不能与当前密码相同。")
        return
    try:
        result = accounts.change_password(
            who.username, old, new, source=client_source(), keep_token=token()
        )
    except AccountError as exc:
        st.error(str(exc))
        return
    if not result.ok:
        st.error(result.message.replace("用户名或密码错误", "当前密码错误"))
        return
    st.session_state[_FLASH_KEY] = "密码已修改。"
    st.rerun()
