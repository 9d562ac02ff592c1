"""Register text that reads as markup, against the real server in headless Chromium: a township's
file names its branches `[点此核对](http://…)` and `<a href="http://…">点我</a>`, its name cells
`=HYPERLINK(…)`, and its title row carries the filler's phone and ID number.

Each of these once reached a user as something other than text: a live link in a page caption
and in the 上报情况 warnings (Markdown), a live link on the charts (Plotly's own markup), and
the phone and ID number in clear in a fix-list an analyst downloaded (the title row was copied
as it was).
"""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from app_session import PASSWORD, make_user, served, stream

from tests.conftest import HEADER, member, valid_id

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("chromium") is None and not Path("/usr/bin/chromium").exists(),
        reason="Debian chromium is not installed",
    ),
]

QK = "钱库镇"
EVIL = "evil.example"
MD_BRANCH = f"[点此核对](http://{EVIL}/md)"
HTML_BRANCH = f'<a href="http://{EVIL}/a">点我</a>'
FILLER_PHONE, FILLER_ID = "13912345678", "330327198001011239"
TYPED_PHONE = "13811119999"  # typed into 从事职业, free text
NOTE_PHONE = 13955556666  # typed into 备注 as a number, as Excel keeps it
CLEAR_ID = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")


def _write(folder: Path, name: str, rows: list[list], title: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(
        str(folder / name), {"strings_to_numbers": False, "strings_to_formulas": False}
    )
    ws = book.add_worksheet("名册")
    top = 0
    if title:
        ws.write_string(0, 0, title)
        top = 1
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, str):
                ws.write_string(r + top, c, value)
            elif value is not None:
                ws.write(r + top, c, value)
    book.close()
    return folder / name


def _registers(raw: Path) -> list[Path]:
    """钱库镇 in two waves: the earlier one has the branch the later one lacks (a 缺报 warning
    names it), the later one a bad ID (a fix-list), a formula name and a title row."""
    earlier = dict(township=QK, contact="2021-03-01", outflow="2020.3")
    first = _write(
        raw,
        "钱库镇_2021-04_名册.xlsx",
        [
            HEADER,
            member(
                1, "钱一鸣", id_number=valid_id("33032719800101001"), branch=MD_BRANCH, **earlier
            ),
            member(
                2, "钱二妹", id_number=valid_id("33032719800101002"), branch=HTML_BRANCH, **earlier
            ),
        ],
    )
    second = _write(
        raw,
        "钱库镇_2022-04_名册.xlsx",
        [
            [*HEADER, "备注"],
            [
                *member(
                    1,
                    "钱一鸣",
                    id_number=valid_id("33032719800101001"),
                    township=QK,
                    occupation=f"快递员（本人{TYPED_PHONE}）",
                ),
                None,
            ],
            [
                *member(
                    2,
                    "钱二妹",
                    id_number=valid_id("33032719800101002"),
                    branch=HTML_BRANCH,
                    township=QK,
                ),
                NOTE_PHONE,
            ],
            [*member(3, "钱错号", id_number=FILLER_ID, township=QK), NOTE_PHONE],
        ],
        title=f"钱库镇流动党员登记表 联系人：王五 电话：{FILLER_PHONE} 身份证{FILLER_ID}",
    )
    return [first, second]


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    def check(report) -> None:
        assert [f.rows_rejected for f in report.files] == [0, 1], report.files

    with served(tmp_path_factory.mktemp("inject"), _registers, check) as live_server:
        yield live_server


@pytest.fixture(autouse=True)
def same_state(live, monkeypatch):
    for key, value in live[1].items():
        monkeypatch.setenv(key, value)


def _signed_in(chromium, server, role: str, township: str | None = None) -> str:
    username = f"{role[:3]}{time.time_ns() % 10**9}"
    make_user(username, role, township)
    session = chromium.open(f"{server.url}/", height=3200)
    chromium.sign_in(session, username, PASSWORD)
    assert chromium.nav_links(session)
    chromium.wait_rendered(session, title="总览")
    return session


_LINKS_JS = f"""JSON.stringify({{
  links: [...document.querySelectorAll('a')]
    .map(a => String(a.getAttribute('href') || a.getAttribute('xlink:href')))
    .filter(h => h.includes({json.dumps(EVIL)})),
  charts: document.querySelectorAll('.js-plotly-plot').length,
  bold: [...document.querySelectorAll('strong, b')].map(e => e.textContent)
    .filter(t => t.includes('点')),
}})"""


def _links(chromium, session) -> dict:
    time.sleep(2)  # the last charts draw their labels
    return json.loads(chromium.evaluate(session, _LINKS_JS))


def test_a_branch_named_as_html_is_no_link_on_the_charts(live, chromium):
    """The overview's per-branch chart once drew `<a href="http://evil.example/a">` as a link."""
    server, _env = live
    session = _signed_in(chromium, server, "township", QK)
    for slug, title in (("", "总览"), ("flows", "流向分析"), ("lost-contact", "失联党员分析")):
        if slug:
            chromium.go_to(session, slug, title)
        found = _links(chromium, session)
        assert found["charts"] and not found["links"], (slug, found)
        shown = chromium.evaluate(
            session,
            "[...document.querySelectorAll('.js-plotly-plot')].map(p => p.textContent).join(' ')",
        )
        assert "点我" in shown, slug  # the label is still drawn, as the text it is


def test_register_text_is_shown_as_written_not_as_markdown(live, chromium):
    """The overview's comparison caption (a branch left out of it) and the 上报情况 page's
    缺报 warning (the branch no longer reported) once rendered `[点此核对](http://…)` as a link."""
    server, _env = live
    session = _signed_in(chromium, server, "county")
    for slug, title in (("", "总览"), ("submissions", "上报情况")):
        if slug:
            chromium.go_to(session, slug, title)
        found = _links(chromium, session)
        assert not found["links"] and not found["bold"], (slug, found)
        # As written, give or take the invisible joiner that keeps a bare URL from linking.
        assert MD_BRANCH in chromium.state(session)["text"].replace("\u2060", ""), slug


def _wait_download(chromium, suffix: str, timeout: float = 90) -> Path:
    deadline = time.time() + timeout
    while time.time() < deadline:
        files = list(chromium.downloads.glob(f"*{suffix}"))
        if files:
            time.sleep(1)
            return files[0]
        time.sleep(0.5)
    raise AssertionError(f"no {suffix} download")


def _fixlist_text(chromium, session) -> str:
    for old in chromium.downloads.glob("*"):
        old.unlink()
    chromium.go_to(session, "submissions", "上报情况")
    ok = chromium.evaluate(
        session,
        "(() => { const b = document.querySelector(\"[class*='st-key-submissions_fixlist_'] "
        'button"); if (!b) return false; b.click(); return true; })()',
    )
    assert ok
    book = openpyxl.load_workbook(_wait_download(chromium, ".xlsx"))
    return "\n".join(
        str(c.value) for ws in book.worksheets for r in ws.iter_rows() for c in r if c.value
    )


def test_a_township_fixlist_is_masked_by_default_title_row_and_number_cells_too(live, chromium):
    """The township's fix-list once came back with names and phones in clear whatever its
    switch said, and with the title row as it was: the filler's ID number in clear, which no
    file shows. A phone typed into 备注 as a number passed unmasked too."""
    server, _env = live
    session = _signed_in(chromium, server, "township", QK)
    text = _fixlist_text(chromium, session)
    assert "钱库镇流动党员登记表" in text and "问题说明" in text  # the title row is there
    assert "钱错号" not in text and "钱*号" in text
    assert FILLER_PHONE not in text and str(NOTE_PHONE) not in text, text
    assert FILLER_ID not in text and not CLEAR_ID.search(text)
    assert "139****5678" in text and "139****6666" in text
    # Switched on (and audited): names and phones in clear, ID numbers still never.
    ok = chromium.evaluate(
        session,
        "(() => { const t = document.querySelector('.st-key-reveal_personal input');"
        " if (!t) return false; t.click(); return true; })()",
    )
    assert ok
    time.sleep(2)
    text = _fixlist_text(chromium, session)
    assert "钱错号" in text and FILLER_PHONE in text and str(NOTE_PHONE) in text
    assert FILLER_ID not in text and not CLEAR_ID.search(text)


def test_a_phone_typed_into_the_occupation_is_masked_on_the_leaders_chart(live, chromium):
    """从事职业 is free text; the 流向 page's occupation chart and its data once showed a leader
    (只读, no member rows at all) the phone someone typed into it."""
    server, _env = live
    session = _signed_in(chromium, server, "viewer")
    chromium.go_to(session, "flows", "流向分析")
    time.sleep(2)
    shown = chromium.state(session)["text"] + chromium.evaluate(
        session,
        "[...document.querySelectorAll('.js-plotly-plot')].map(p => p.textContent).join(' ')",
    )
    assert TYPED_PHONE not in shown
    assert "本人138****9999" in shown  # the occupation still reads as written, masked


def _raw_run(ws, client_state) -> tuple[dict, str]:
    """One rerun over a raw websocket: ({widget label: id}, everything it drew as text)."""
    from google.protobuf import text_format
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws.send(BackMsg(rerun_script=client_state).SerializeToString())
    widgets, text = {}, []
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            msg = ForwardMsg.FromString(ws.recv(timeout=10))
        except TimeoutError:
            break
        kind = msg.WhichOneof("type")
        if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            body = getattr(element, element.WhichOneof("type"))
            if getattr(body, "id", "") and getattr(body, "label", ""):
                widgets[body.label] = body.id
            text.append(text_format.MessageToString(element, as_utf8=True))
        elif kind == "script_finished":
            break
    return widgets, "\n".join(text)


def test_a_session_opened_with_the_switch_already_on_is_audited(live):
    """显示完整姓名和电话 was audited by its on_change, which Streamlit does not call for a
    session's first run: a client that opened a new session with the switch already on saw
    names and phones in clear, and the audit log never heard of it."""
    from streamlit.proto.ClientState_pb2 import ClientState
    from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
    from streamlit.util import calc_hash

    from dashboard import http_guard
    from pipeline.access import accounts, audit

    server, _env = live
    user = make_user(f"qk{time.time_ns() % 10**9}", "township", QK)
    cookie = f"{http_guard.COOKIE}={accounts.create_session(user)}"

    with stream(server, cookie) as ws:  # a first session, only to learn the switch's widget id
        widgets, _ = _raw_run(ws, ClientState())
    switch = widgets["显示完整姓名和电话"]
    assert not audit.recent(5, event="reveal_personal", actor=user.username)
    with stream(server, cookie) as ws:  # a new session whose first run carries the switch on
        on = WidgetStates(widgets=[WidgetState(id=switch, bool_value=True)])
        _, text = _raw_run(ws, ClientState(page_script_hash=calc_hash("duties"), widget_states=on))
    assert "含联系方式" in text  # names and phones in clear on the 督办 list
    [entry] = audit.recent(5, event="reveal_personal", actor=user.username)
    assert entry["detail"] == {"on": True}


def test_upload_names_windows_cannot_hold_or_that_read_backwards_are_refused(
    live, chromium, tmp_path
):
    """CON.xlsx (a name Windows reserves: data/raw/ is often copied to a Windows share) and a
    name with a right-to-left override (钱库镇\u202exslx.csv reads 钱库镇vsc.xlsx) were stored."""
    server, env = live
    session = _signed_in(chromium, server, "analyst")
    chromium.go_to(session, "upload", "数据上报")
    register = _registers(tmp_path / "src")[1].read_bytes()
    names = ["CON.xlsx", "钱库镇\u202exslx.csv", "钱库镇_2022-04_名册:副本.xlsx"]
    paths = []
    for name in names:
        (tmp_path / "up").mkdir(exist_ok=True)
        (tmp_path / "up" / name).write_bytes(register)
        paths.append(str(tmp_path / "up" / name))
    before = sorted(p.name for p in Path(env["CENSUS_RAW"]).iterdir())
    doc = chromium.send("DOM.getDocument", session=session)["root"]["nodeId"]
    node = chromium.send(
        "DOM.querySelector",
        {"nodeId": doc, "selector": "[data-testid='stFileUploaderDropzoneInput']"},
        session=session,
    )["nodeId"]
    chromium.send("DOM.setFileInputFiles", {"nodeId": node, "files": paths}, session=session)
    deadline, text = time.time() + 60, ""
    while time.time() < deadline and text.count("已拒绝") < len(names):
        time.sleep(0.5)
        text = chromium.state(session)["text"]
    assert text.count("已拒绝") == len(names), text[-800:]
    assert "系统保留名" in text and "控制字符" in text
    assert "试算结果" not in text  # nothing went on to a dry run
    assert sorted(p.name for p in Path(env["CENSUS_RAW"]).iterdir()) == before
