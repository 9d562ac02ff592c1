"""Issue #12 against the real server (`dashboard/server.py`), as the attacker tried it: headless
Chromium for the user, raw HTTP and a raw websocket client for the attacker.

One server for the module (starting Streamlit and Chromium is the slow part); each test has its
own accounts in the server's state database.
"""

from __future__ import annotations

import base64
import json
import re
import shutil
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from app_session import PASSWORD, make_user, served, stream
from google.protobuf import text_format
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.util import calc_hash

from dashboard import browser, http_guard
from pipeline.access import accounts, audit
from tests.conftest import HEADER, member
from tests.ingest.test_fixlist_scope import CLEAR_ID, LX, QK, county_workbook

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
        reason="Debian chromium is not installed",
    ),
]


def _write(name: str, sheets: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(folder / name), {"strings_to_numbers": False})
    for sheet_name, rows in sheets.items():
        ws = book.add_worksheet(sheet_name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    ws.write(r, c, value)
    book.close()
    return folder / name


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The real server on a county workbook (钱库镇 and 灵溪镇 rows, one bad 钱库镇 row)."""

    def write(raw: Path) -> list[Path]:
        return [county_workbook(_write, raw)]

    def check(report) -> None:
        [result] = report.files
        assert result.rows_rejected == 1

    with served(tmp_path_factory.mktemp("live"), write, check) as live_server:
        yield live_server


@pytest.fixture(autouse=True)
def same_state(live, monkeypatch):
    for key, value in live[1].items():
        monkeypatch.setenv(key, value)


def _name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def signed_in(chromium, server, username: str, *, network: bool = False) -> str:
    session = chromium.open(f"{server.url}/", height=2400, network=network)
    state = chromium.sign_in(session, username, PASSWORD)
    assert chromium.nav_links(session), state
    return session


def http(url: str, *, cookie: str | None = None, method="GET", data=None, headers=None):
    request = urllib.request.Request(url, data=data, method=method, headers=dict(headers or {}))
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def cookie_header(chromium) -> str:
    cookies = chromium.send("Storage.getCookies")["cookies"]
    return "; ".join(f"{c['name']}={c['value']}" for c in cookies)


def click(chromium, session, selector: str) -> None:
    ok = chromium.evaluate(
        session,
        f"(() => {{ const b = document.querySelector({json.dumps(selector)});"
        " if (!b) return false; b.click(); return true; })()",
    )
    assert ok, selector


def wait_download(chromium, suffix: str, timeout: float = 90) -> tuple[Path, str]:
    """The file saved in the download folder and the URL it came from."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        chromium.send("Browser.getVersion")  # collects pending events
        urls = [
            e["params"]["url"]
            for e in chromium.events
            if e["method"] == "Browser.downloadWillBegin"
        ]
        files = [p for p in chromium.downloads.glob(f"*{suffix}")]
        if urls and files:
            time.sleep(1)
            return files[0], urls[-1]
        time.sleep(0.5)
    raise AssertionError(f"no {suffix} download")


def choose_file(chromium, session, path: Path) -> None:
    """Put a file into the page's uploader, as choosing it in the file dialog does."""
    doc = chromium.send("DOM.getDocument", session=session)["root"]["nodeId"]
    node = chromium.send(
        "DOM.querySelector",
        {"nodeId": doc, "selector": "[data-testid='stFileUploaderDropzoneInput']"},
        session=session,
    )["nodeId"]
    chromium.send("DOM.setFileInputFiles", {"nodeId": node, "files": [str(path)]}, session=session)


def received_latest_first(chromium):
    """The messages the server sent the tab's websocket, newest first, as read off the wire."""
    chromium.send("Browser.getVersion")  # collects pending events
    for event in reversed(chromium.events):
        if event["method"] != "Network.webSocketFrameReceived":
            continue
        frame = event["params"]["response"]
        if frame.get("opcode") == 2:
            yield ForwardMsg.FromString(base64.b64decode(frame["payloadData"]))


def session_id_from_frames(chromium) -> str:
    """The Streamlit session id, read off the tab's websocket as an attacker on it would (the
    latest: signing in reloads the page, which starts a new session)."""
    for msg in received_latest_first(chromium):
        if msg.WhichOneof("type") == "new_session":
            return msg.new_session.initialize.session_id
    raise AssertionError("no session id on the websocket")


# --------------------------------------------------------------------------- item 1


def test_a_township_fixlist_download_holds_only_its_rows_and_the_audit_counts_them(live, chromium):
    server, _env = live
    user = _name("qk")
    make_user(user, "township", QK)
    session = signed_in(chromium, server, user)
    chromium.go_to(session, "submissions", "上报情况")
    click(chromium, session, "[class*='st-key-submissions_fixlist_'] button")
    path, _url = wait_download(chromium, ".xlsx")
    book = openpyxl.load_workbook(path)
    text = "\n".join(
        str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r if c.value
    )
    assert "钱*鸣" in text and "钱一鸣" not in text and "问题说明" in text  # masked by default
    assert "林四海" not in text and LX not in text and "1392222" not in text
    assert not CLEAR_ID.search(text)
    [entry] = audit.recent(5, event="export", actor=user)
    assert entry["detail"]["rows"] == 3  # the 钱库镇 rows in the file, not the one reject


# --------------------------------------------------------------------------- item 2


def test_a_member_list_download_url_opens_nothing_without_the_browser_and_only_once(live, chromium):
    server, _env = live
    user = _name("qk")
    make_user(user, "township", QK)
    session = signed_in(chromium, server, user)
    chromium.go_to(session, "lost-contact", "失联党员分析")
    click(chromium, session, ".st-key-csv_follow_up button")
    path, url = wait_download(chromium, ".csv")
    got = path.read_text(encoding="utf-8-sig")
    assert "钱**" in got and "钱一鸣" not in got  # the user did get the file, masked by default
    status, body = http(url)  # the URL alone, no cookie
    assert status in (403, 404) and "钱一鸣".encode() not in body
    status, body = http(url, cookie=cookie_header(chromium))  # even the browser: already fetched
    assert status in (403, 404) and "钱一鸣".encode() not in body


# --------------------------------------------------------------------------- item 3


def test_a_password_change_signs_out_the_accounts_other_browsers(live, chromium):
    server, _env = live
    user = _name("qk")
    make_user(user, "township", QK)
    with browser.Chromium() as other:
        elsewhere = signed_in(other, server, user)
        here = signed_in(chromium, server, user)
        chromium.go_to(here, "password", "修改密码")
        chromium.type_into(here, 'input[aria-label="当前密码"]', PASSWORD)
        chromium.type_into(here, 'input[aria-label="新密码"]', "Another-pass-2025")
        chromium.type_into(here, 'input[aria-label="再次输入新密码"]', "Another-pass-2025")
        click(chromium, here, "[data-testid='stFormSubmitButton'] button")
        deadline = time.time() + 30
        while time.time() < deadline and not accounts.authenticate(user, "Another-pass-2025").ok:
            time.sleep(0.5)
        other.go_to(elsewhere, "flows", "流动党员普查分析", timeout=30)
        assert not other.nav_links(elsewhere), "the other browser is still signed in"
        assert "登录" in other.state(elsewhere)["text"]
    chromium.go_to(here, "flows", "流向分析")  # the browser that made the change carries on
    assert chromium.nav_links(here)


# --------------------------------------------------------------------------- item 4


def _attack(server, session_id: str, page: str, cookie: str | None = None) -> str:
    """A raw websocket with the stolen session id, no XSRF token and no cookie (or the
    attacker's own): rerun `page`. Returns what the run drew (the session header, which lists
    page names, left out)."""
    received = []
    with stream(server, cookie, session_id) as ws:
        msg = BackMsg()
        msg.rerun_script.page_script_hash = calc_hash(page)
        ws.send(msg.SerializeToString())
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                frame = ws.recv(timeout=3)
            except TimeoutError:
                break
            fwd = ForwardMsg.FromString(frame if isinstance(frame, bytes) else frame.encode())
            if fwd.WhichOneof("type") == "script_finished":
                break
            if fwd.WhichOneof("type") != "new_session":
                received.append(text_format.MessageToString(fwd, as_utf8=True))
    return "\n".join(received)


def test_a_stolen_streamlit_session_id_opens_nothing_without_the_browser(live, chromium):
    server, _env = live
    admin = _name("adm")
    make_user(admin, "admin")
    session = signed_in(chromium, server, admin, network=True)
    chromium.go_to(session, "accounts", "账号管理")
    stolen = session_id_from_frames(chromium)
    seen = _attack(server, stolen, "accounts")
    assert "用户名" in seen and "密码" in seen  # the attacker's run works: the sign-in form
    assert "账号管理" not in seen and admin not in seen


def _wait_text(chromium, session, words: str, timeout: float = 90) -> str:
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        text = chromium.state(session)["text"]
        if words in text:
            return text
        time.sleep(0.5)
    raise AssertionError(f"{words} never shown: {text[-400:]}")


def test_a_stolen_session_shows_another_signed_in_account_nothing_it_kept(live, chromium, tmp_path):
    """An analyst's browser (a valid cookie of its own) reconnects to an administrator's
    Streamlit session by its id: the administrator's upload results and their fix-list, with
    names in clear, are gone, not shown to the analyst."""
    server, _env = live
    admin = _name("adm")
    make_user(admin, "admin")
    session = signed_in(chromium, server, admin, network=True)
    chromium.go_to(session, "upload", "数据上报")
    upload = tmp_path / "钱库镇_2022-04_补报名单.csv"
    rows = [
        member(1, name="钱补报", township=QK, branch="钱库社区党支部"),
        member(2, name="钱错号", township=QK, branch="钱库社区党支部", id_number="123"),
    ]
    upload.write_text("\n".join(",".join(map(str, r)) for r in [HEADER, *rows]), "utf-8-sig")
    choose_file(chromium, session, upload)
    _wait_text(chromium, session, "确认入库")
    time.sleep(1)  # the dry run has drawn; the page is idle
    click(chromium, session, ".st-key-upload_confirm button")
    assert upload.name in _wait_text(chromium, session, "入库结果")
    stolen = session_id_from_frames(chromium)
    analyst = make_user(_name("ana"), "analyst")
    seen = _attack(
        server, stolen, "upload", cookie=f"{http_guard.COOKIE}={accounts.create_session(analyst)}"
    )
    assert "数据上报" in seen and analyst.username in seen  # the analyst's own run of the page
    assert "入库结果" not in seen and upload.name not in seen and "钱错号" not in seen


def test_the_sign_in_redirect_never_leaves_the_site(live):
    """The bind step sends the browser back to the app's own root, whatever path it came in
    on: `//evil.example/census/bind` once answered `Location: //evil.example/`."""
    import http.client

    server, _env = live
    for path in (
        "//evil.example/census/bind?code=x",
        "/\\evil.example/census/bind?code=x",
        "/%2F%2Fevil.example/census/bind?code=x",
        "/census/bind?code=x",
    ):
        con = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        con.request("GET", path)
        answer = con.getresponse()
        assert answer.status == 303 and answer.getheader("location") == "/", path
        con.close()


def _raw_run(ws, client_state) -> dict:
    """Send one rerun, collect its elements: {"page": hash, "widgets": {label: id}, "text"}."""
    ws.send(BackMsg(rerun_script=client_state).SerializeToString())
    out = {"page": "", "widgets": {}, "text": []}
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            frame = ws.recv(timeout=5)
        except TimeoutError:
            break
        msg = ForwardMsg.FromString(frame)
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            out["page"] = msg.new_session.page_script_hash
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            body = getattr(element, element.WhichOneof("type"))
            if getattr(body, "id", "") and getattr(body, "label", ""):
                out["widgets"][body.label] = body.id
            out["text"].append(text_format.MessageToString(element, as_utf8=True))
        elif kind == "script_finished":
            break
    out["text"] = "\n".join(out["text"])
    return out


def _attackers_sign_in_code(server, username: str) -> str:
    """Sign in over a raw websocket, as an attacker would, with a browser cookie of its own
    (from a page load), and read the one-time code off the page instead of following it."""
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates

    with urllib.request.urlopen(f"{server.url}/", timeout=10) as page:
        named = page.headers.get_all("set-cookie") or []
    browser_cookie = next(c.split(";")[0] for c in named if c.startswith(http_guard.BROWSER_COOKIE))
    with stream(server, browser_cookie) as ws:
        form = _raw_run(ws, ClientState())
        ids = form["widgets"]
        states = [
            WidgetState(id=ids["用户名"], string_value=username),
            WidgetState(id=ids["密码"], string_value=PASSWORD),
            WidgetState(id=ids["登录"], trigger_value=True),
        ]
        done = _raw_run(
            ws,
            ClientState(page_script_hash=form["page"], widget_states=WidgetStates(widgets=states)),
        )
    return re.search(r"code=([A-Za-z0-9_\-]+)", done["text"]).group(1)


def test_a_sign_in_code_works_only_in_the_browser_that_signed_in(live, chromium):
    """Login CSRF: the attacker signs in, keeps the one-time code and sends the victim a link
    with it. The victim's browser stays as it was (here: signed in as the county); the same
    code once switched it to the attacker's township account."""
    server, _env = live
    victim, attacker = _name("cty"), _name("qk")
    make_user(victim, "county")
    make_user(attacker, "township", QK)
    session = signed_in(chromium, server, victim)

    def ours() -> set[str]:
        names = (http_guard.COOKIE, http_guard.BROWSER_COOKIE)
        return {c for c in cookie_header(chromium).split("; ") if c.split("=")[0] in names}

    before = ours()
    code = _attackers_sign_in_code(server, attacker)
    chromium.send(
        "Page.navigate", {"url": f"{server.url}/census/bind?code={code}"}, session=session
    )
    state = chromium.wait_rendered(session, title="总览")
    assert victim in state["text"] and attacker not in state["text"]
    assert ours() == before and len(before) == 2


# --------------------------------------------------------------------------- item 7


def test_an_anonymous_session_cannot_upload(live, chromium):
    server, _env = live
    session = chromium.open(f"{server.url}/", network=True)
    chromium.wait_rendered(session)
    session_id = session_id_from_frames(chromium)
    cookies = cookie_header(chromium)
    xsrf = re.search(r"_streamlit_xsrf=([^;]+)", cookies).group(1)
    boundary = "census-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + b"x" * 1_000_000
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, _ = http(
        f"{server.url}/_stcore/upload_file/{session_id}/{uuid.uuid4()}",
        cookie=cookies,
        method="PUT",
        data=body,
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": xsrf,
            "Origin": server.url,
        },
    )
    assert status == 403


def test_a_stranger_cannot_drop_a_file_from_an_upload(live, chromium):
    """DELETE on an upload's file URL needs a signed-in account that may upload, like PUT
    (an anonymous browser with its session id and XSRF token once got 204)."""
    server, _env = live
    session = chromium.open(f"{server.url}/", network=True)
    chromium.wait_rendered(session)
    cookies = cookie_header(chromium)
    url = f"{server.url}/_stcore/upload_file/{session_id_from_frames(chromium)}/{uuid.uuid4()}"
    headers = {
        "X-Xsrftoken": re.search(r"_streamlit_xsrf=([^;]+)", cookies).group(1),
        "Origin": server.url,
    }
    assert http(url, cookie=cookies, method="DELETE", headers=headers)[0] == 403


# --------------------------------------------------------------------------- item 10


def test_metrics_are_not_served(live):
    server, _env = live
    status, body = http(f"{server.url}/_stcore/metrics")
    assert status == 404 and b"session" not in body
    assert http(f"{server.url}/_stcore/health")[0] == 200


# --------------------------------------------------------------------------- item 10


def test_the_uploaders_size_error_is_in_chinese(live, chromium, tmp_path):
    server, _env = live
    user = _name("ana")
    make_user(user, "analyst")
    session = signed_in(chromium, server, user)
    chromium.go_to(session, "upload", "数据上报")
    big = tmp_path / "钱库镇_2022-04_太大.xlsx"
    with open(big, "wb") as f:  # sparse: only its size matters to the browser's check
        f.truncate(201 * 1024 * 1024)
    choose_file(chromium, session, big)
    deadline = time.time() + 30
    text = ""
    while time.time() < deadline:
        text = chromium.state(session)["text"]
        if "上传上限" in text:
            break
        time.sleep(0.5)
    assert "上传上限" in text and "or smaller" not in text, text[-500:]


def test_the_sign_in_page_gets_its_fonts_and_media_stay_guarded(live):
    """The app's own fonts come to a browser that has not signed in (else the password field's
    eye icon reads `visibility`); a file from the media store still does not."""
    import streamlit

    server, _env = live
    media = Path(streamlit.__file__).parent / "static" / "static" / "media"
    icons = next(media.glob("MaterialSymbols-*.woff2")).name
    text = next(media.glob("SourceSansVF-Upright*.woff2")).name
    for name in (icons, text):
        status, body = http(f"{server.url}/static/media/{name}")
        assert status == 200 and len(body) > 10_000, name
    fake = uuid.uuid4().hex
    for path in (f"/media/{fake}.csv", f"/static/../media/{fake}.csv", f"/x/static/media/{icons}"):
        assert http(f"{server.url}{path}")[0] == 403, path


# ------------------------------------------------------------- deferred downloads, round 2


def _deferred_file_id(chromium, key: str) -> str:
    """The id of a download button's not-yet-built file, read off the tab's websocket."""
    for msg in received_latest_first(chromium):
        if msg.WhichOneof("type") != "delta" or msg.delta.WhichOneof("type") != "new_element":
            continue
        element = msg.delta.new_element
        if element.WhichOneof("type") == "download_button" and key in element.download_button.id:
            return element.download_button.deferred_file_id
    raise AssertionError(f"no deferred download {key} on the websocket")


def _ask_for_file(server, cookie: str, file_id: str):
    """An attacker's own signed-in websocket asks for a file by another session's button id."""
    from streamlit.proto.BackMsg_pb2 import BackendOperationRequest, DeferredFileRequestPayload
    from streamlit.proto.ClientState_pb2 import ClientState

    with stream(server, cookie) as ws:
        ws.send(BackMsg(rerun_script=ClientState()).SerializeToString())
        own, answer = "", None
        deadline = time.time() + 30
        while time.time() < deadline and answer is None:
            try:
                msg = ForwardMsg.FromString(ws.recv(timeout=5))
            except TimeoutError:
                continue
            kind = msg.WhichOneof("type")
            if kind == "new_session" and not own:
                own = msg.new_session.initialize.session_id
                request = BackendOperationRequest(
                    request_id="attack",
                    session_id=own,
                    deferred_file=DeferredFileRequestPayload(file_id=file_id),
                )
                ws.send(BackMsg(backend_operation_request=request).SerializeToString())
            elif kind == "backend_operation_response":
                answer = msg.backend_operation_response
    assert answer is not None, "no answer to the request"
    return answer


def test_another_session_cannot_make_a_victims_download_be_built(live, chromium):
    """A signed-in analyst who learnt the id of a township user's download button asks its own
    websocket for that file. Streamlit built it for whoever asked: the township's session ran
    the export and the audit log recorded an export in the township user's name."""
    server, _env = live
    victim = _name("qk")
    make_user(victim, "township", QK)
    session = signed_in(chromium, server, victim, network=True)
    chromium.go_to(session, "lost-contact", "失联党员分析")
    file_id = _deferred_file_id(chromium, "csv_follow_up")
    analyst = make_user(_name("ana"), "analyst")
    cookie = f"{http_guard.COOKIE}={accounts.create_session(analyst)}"
    answer = _ask_for_file(server, cookie, file_id)
    assert not answer.deferred_file.url and answer.error_msg
    assert audit.recent(5, event="export", actor=victim) == []
    click(chromium, session, ".st-key-csv_follow_up button")  # the owner still gets the file
    path, _url = wait_download(chromium, ".csv")
    assert "钱**" in path.read_text(encoding="utf-8-sig")
    assert len(audit.recent(5, event="export", actor=victim)) == 1


# ------------------------------------------------------------------ throttling, round 2


def test_a_stranger_blocking_an_account_does_not_keep_out_the_browser_it_signs_in_from(
    live, chromium
):
    """Anyone who knows a username could keep the account blocked (up to 15 minutes at a time)
    with one wrong password each time the block ended. The browser that signed in to it before
    (its census_browser cookie) now signs in regardless; a stranger's browser still waits."""
    server, _env = live
    user = _name("qk")
    make_user(user, "township", QK)
    session = signed_in(chromium, server, user)  # the owner's office PC, last week
    chromium.send(
        "Network.deleteCookies", {"name": http_guard.COOKIE, "url": server.url}, session=session
    )
    start = time.time()
    for i in range(8):  # the stranger, from elsewhere, a minute apart: blocked for minutes
        accounts.authenticate(user, f"guess-{i}", source=f"198.51.100.{i}", now=start + 60 * i)
    assert accounts.authenticate(user, PASSWORD).retry_after > 0
    chromium.send("Page.navigate", {"url": f"{server.url}/"}, session=session)
    state = chromium.sign_in(session, user, PASSWORD)
    assert chromium.nav_links(session), state["text"][-300:]
    with browser.Chromium() as stranger:  # another browser with the right password waits
        other = stranger.open(f"{server.url}/")
        state = stranger.sign_in(other, user, PASSWORD)
        assert not stranger.nav_links(other) and "尝试次数过多" in state["text"]
