"""Access control in the app (issue #5), through Streamlit's AppTest against the samples
warehouse: who sees which pages, which townships, which personal data, and what is audited.

Tests sign in with the helpers of `tests/app_session.py`: through the form
(`sign_in_form`) or, faster, with a session token handed to the app before its first run
(`app_as(user)`); writing `census_user`/`census_scope` without a token signs nobody in.
"""

from __future__ import annotations

import json

import pytest
from app_session import APP, PASSWORD, app_as, make_user, sign_in_form
from google.protobuf import text_format
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Dataframe
from streamlit.util import calc_hash

from dashboard import navigation
from pipeline.access import accounts, audit
from pipeline.access.scope import Scope
from pipeline.queries import analysis as queries

TOWNSHIPS = {"xx镇", "宜山镇", "金乡镇", "钱库镇"}  # the samples' townships
AGGREGATE = ["overview", "flows", "lost-contact", "returnees"]
PAGE_FILES = {
    "overview": "app_pages/overview.py",
    "flows": "app_pages/flows.py",
    "lost-contact": "app_pages/lost_contact.py",
    "returnees": "app_pages/returnees.py",
    "quality": "app_pages/quality.py",
    "accounts": "app_pages/accounts.py",
}


# --------------------------------------------------------------------------- helpers


def visit(at: AppTest, slug: str) -> AppTest:
    at.switch_page(PAGE_FILES[slug]).run()
    assert not at.exception, (slug, [e.value for e in at.exception])
    return at


def nav(at: AppTest) -> set[str]:
    """Titles of the pages the app offers in its navigation for this run (the hidden
    refusals registered at other pages' URLs left out)."""
    titles = {info.get("page_name") for info in at._registered_pages.values()}
    return titles - {navigation.REFUSED_TITLE}


def open_url(at: AppTest, url_path: str) -> AppTest:
    """What a browser does with a bookmark: request the page at /<url_path>."""
    at._page_hash = calc_hash(url_path)  # st.Page hashes its url_path
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def titles(at: AppTest) -> list[str]:
    return [t.value for t in at.title]


def rendered_text(at: AppTest) -> str:
    """Everything the last run put on screen, sidebar included: element protos as text,
    tables as CSV, chart specs decoded (their JSON escapes CJK)."""
    parts: list[str] = []

    def walk(node) -> None:
        if isinstance(node, Dataframe):
            parts.append(node.value.to_csv())
        elif getattr(node, "type", "") == "plotly_chart":
            parts.append(json.dumps(json.loads(node.proto.spec), ensure_ascii=False))
        elif getattr(node, "proto", None) is not None:
            parts.append(text_format.MessageToString(node.proto, as_utf8=True))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def member_tables(at: AppTest) -> list:
    return [d.value for d in at.dataframe if "姓名" in d.value.columns]


@pytest.fixture
def samples_app(samples_db, monkeypatch):
    monkeypatch.setenv("CENSUS_DB", str(samples_db[0]))
    return samples_db[0]


@pytest.fixture
def follow_up_calls(monkeypatch):
    """Counts every run of the member-list query (the spy replaces it in the module the
    pages read it from)."""
    calls: list = []
    real = queries.follow_up

    def spy(con, f):
        calls.append(f)
        return real(con, f)

    spy.member_level = True
    spy.__name__ = "follow_up"
    spy.__module__ = real.__module__
    monkeypatch.setattr(queries, "follow_up", spy)
    return calls


# --------------------------------------------------------------------------- anonymous


def test_an_anonymous_visitor_sees_only_the_sign_in_page(samples_app):
    at = app_as(None)
    assert titles(at) == ["流动党员普查分析"]
    assert nav(at) == {"登录"}
    assert not at.sidebar.children  # no filters, no navigation
    assert not at.get("plotly_chart") and not at.dataframe and not at.metric
    assert not at.selectbox
    assert [t.label for t in at.text_input] == ["用户名", "密码"]
    text = rendered_text(at)
    assert not any(t in text for t in TOWNSHIPS)
    with pytest.raises(ValueError):  # a data page is not even registered
        at.switch_page(PAGE_FILES["overview"])


def test_a_bookmarked_page_asks_for_sign_in_then_opens(samples_app):
    make_user("county1", "county")
    at = open_url(app_as(None), "flows")
    assert nav(at) == {"登录"} and not at.get("plotly_chart") and not at.sidebar.children
    sign_in_form(at, "county1", PASSWORD)
    assert "流向分析" in titles(at)


def test_user_and_scope_written_without_a_token_sign_nobody_in(samples_app):
    user = make_user("qk", "township", "钱库镇")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["census_user"] = user
    at.session_state["census_scope"] = accounts.scope_for(user)
    at.run()
    assert nav(at) == {"登录"} and not at.dataframe
    assert "census_scope" not in at.session_state


# --------------------------------------------------------------------------- signing in and out


def test_sign_in_through_the_form_then_sign_out(samples_app):
    make_user("county1", "county")
    at = sign_in_form(app_as(None), "County1", PASSWORD)  # usernames are case-insensitive
    assert "总览" in titles(at)
    assert at.session_state["census_user"].username == "county1"
    scope = at.session_state["census_scope"]
    assert isinstance(scope, Scope) and scope.role == "county" and scope.all_townships
    token = at.session_state["census_token"]
    assert accounts.validate_session(token) is not None
    assert audit.recent(1, event="sign_in")[0]["actor"] == "county1"

    at.button(key="sign_out").click().run()
    assert nav(at) == {"登录"} and "您已退出登录。" in [i.value for i in at.info]
    assert accounts.validate_session(token) is None
    assert "census_user" not in at.session_state
    assert audit.recent(1, event="sign_out")[0]["actor"] == "county1"


def test_ten_wrong_passwords_sign_nobody_in_and_each_is_audited(samples_app):
    make_user("qk", "township", "钱库镇")
    at = app_as(None)
    for attempt in range(10):
        sign_in_form(at, "qk", f"wrong-password-{attempt}")
        assert at.error, attempt
        assert nav(at) == {"登录"} and "census_token" not in at.session_state
    refused = [
        e
        for e in audit.recent(100, actor="qk")
        if e["event"] in ("sign_in_failed", "sign_in_throttled")
    ]
    assert len(refused) == 10
    assert not audit.recent(100, event="sign_in")
    assert "尝试次数过多" in at.error[0].value or "失败次数过多" in at.error[0].value


def test_a_disabled_account_or_ended_session_is_signed_out_at_the_next_rerun(samples_app):
    user = make_user("qk", "township", "钱库镇")
    at = app_as(user)
    assert "总览" in titles(at)
    accounts.disable_user("qk")
    at.run()
    assert nav(at) == {"登录"} and "census_token" not in at.session_state
    assert "登录已过期或账号已被停用" in at.info[0].value

    other = make_user("qk2", "township", "钱库镇")
    at = app_as(other)
    accounts.expire_session(at.session_state["census_token"])
    at.run()
    assert nav(at) == {"登录"}


def test_a_reset_password_must_be_changed_before_anything_else(samples_app):
    make_user("qk", "township", "钱库镇", must_change_password=True)
    at = sign_in_form(app_as(None), "qk", PASSWORD)
    assert "修改密码" in titles(at) and nav(at) == {"修改密码"}
    assert not at.dataframe and not at.get("plotly_chart")
    at.text_input(key="password_old").input(PASSWORD)
    at.text_input(key="password_new").input("Another-pass-2025")
    at.text_input(key="password_again").input("Another-pass-2025")
    at.button(key="password_submit").click().run()
    assert not at.exception
    assert "总览" in titles(at) and "数据质量" in nav(at)
    assert accounts.authenticate("qk", "Another-pass-2025").ok


# --------------------------------------------------------------------------- roles


def test_navigation_per_role():
    def urls(role, township=None):
        return [p.url_path for p in navigation.pages_for(Scope.for_role(role, township))]

    for role in ("viewer", "analyst", "county", "township", "admin"):
        got = urls(role, "钱库镇" if role == "township" else None)
        assert got[:4] == AGGREGATE and got[-1] == "password", role
    duty = [s.url_path for s in navigation._DUTY if (navigation.HERE / s.page).exists()]
    assert urls("viewer") == [*AGGREGATE, *duty, "password"]
    assert "quality" in urls("analyst") and "accounts" not in urls("analyst")
    assert "accounts" not in urls("county") and "upload" not in urls("county")
    assert "accounts" in urls("admin")
    if (navigation.HERE / "app_pages" / "upload.py").exists():
        assert "upload" in urls("analyst") and "upload" in urls("admin")
        assert "upload" not in urls("township", "钱库镇") and "upload" not in urls("viewer")
    if (navigation.HERE / "app_pages" / "submissions.py").exists():
        assert "submissions" in urls("analyst") and "submissions" not in urls("viewer")


def test_a_viewer_sees_aggregates_and_no_member_rows(samples_app, follow_up_calls):
    at = app_as(make_user("leader", "viewer"))
    duty = {s.title for s in navigation._DUTY if (navigation.HERE / s.page).exists()}
    assert nav(at) == {"总览", "流向", "失联", "返乡创业", *duty, "修改密码"}
    for slug in AGGREGATE:
        visit(at, slug)
        assert not member_tables(at), slug
    assert "只能查看汇总数据" in rendered_text(visit(at, "lost-contact"))
    assert follow_up_calls == []  # the member-list query never ran
    with pytest.raises(ValueError):
        at.switch_page(PAGE_FILES["quality"])
    open_url(at, "quality")  # the URL typed in by hand: refused, in Chinese
    assert "无权访问" in titles(at) and not at.dataframe


def test_an_analyst_sees_data_quality_but_no_member_rows(samples_app, follow_up_calls):
    at = app_as(make_user("ana", "analyst"))
    assert "数据质量" in nav(at) and "账号管理" not in nav(at)
    for slug in [*AGGREGATE, "quality"]:
        visit(at, slug)
        assert not member_tables(at), slug
    assert follow_up_calls == []
    assert "只能查看汇总数据" in rendered_text(visit(at, "lost-contact"))


def test_a_township_user_sees_only_its_own_township(samples_app, follow_up_calls):
    # An administrator first fills the shared query cache with the whole county.
    admin = app_as(make_user("boss", "admin"))
    for slug in ("overview", "lost-contact", "quality"):
        visit(admin, slug)
    assert "xx镇" in rendered_text(admin)
    follow_up_calls.clear()

    at = app_as(make_user("qk", "township", "钱库镇"))
    township = at.selectbox(key="filter_township")
    assert township.options == ["钱库镇"] and township.disabled
    foreign = TOWNSHIPS - {"钱库镇"}
    for slug in [*AGGREGATE, "quality"]:
        visit(at, slug)
        text = rendered_text(at)
        assert "钱库镇" in text, slug
        assert not [t for t in foreign if t in text], slug
    visit(at, "lost-contact")
    people = member_tables(at)[0]
    assert set(people["乡镇"]) == {"钱库镇"} and len(people) > 5
    # Masked by default, its own members included ...
    assert people["姓名"].str.fullmatch(r".\*+").all()
    assert people["联系电话"].str.contains(r"\*\*\*\*").all()
    assert not audit.recent(5, event="reveal_personal")
    # ... and in clear, for follow-up calls, once the switch is on (which the audit records).
    at.toggle(key="reveal_personal").set_value(True).run()
    people = member_tables(at)[0]
    assert not people["姓名"].str.contains(r"\*").any()
    assert people["联系电话"].str.fullmatch(r"1\d{10}").all()
    assert people["身份证号"].str.contains(r"\*{8}").all()  # IDs exist only masked
    [entry] = audit.recent(5, event="reveal_personal")
    assert entry["actor"] == "qk" and entry["scope"].endswith("钱库镇")
    assert follow_up_calls and all(f.allowed_townships == ("钱库镇",) for f in follow_up_calls)


def test_the_county_sees_every_township_with_names_and_phones_masked(samples_app):
    at = app_as(make_user("county1", "county"))
    assert at.selectbox(key="filter_township").options[0] == "全县"
    at.selectbox(key="filter_wave").select("2022-04").run()
    visit(at, "lost-contact")
    people = member_tables(at)[0]
    assert len(set(people["乡镇"])) > 1
    assert people["姓名"].str.fullmatch(r".\*+").all()
    assert people["联系电话"].str.contains(r"\*\*\*\*").all()


# --------------------------------------------------------------------------- exports


@pytest.fixture
def deferred(monkeypatch):
    """file name → the callable a download button will run when clicked."""
    found: dict[str, object] = {}
    real = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        found[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return found


def test_a_member_list_export_is_neutralised_and_audited(tmp_path, monkeypatch, deferred):
    import duckdb
    from dashboard_warehouse import build

    db = build(tmp_path / "tiny.duckdb")
    with duckdb.connect(str(db)) as con:  # a township file with a formula for a name
        con.execute(
            """update members set name = '=HYPERLINK("http://x")' where member_key = 'i:h1'"""
        )
    monkeypatch.setenv("CENSUS_DB", str(db))
    at = app_as(make_user("jia", "township", "甲镇"))
    at.toggle(key="reveal_personal").set_value(True).run()  # names in clear, the formula too
    visit(at, "lost-contact")
    name = next(n for n in deferred if n.endswith("重点跟进名单.csv"))
    data = deferred[name]()
    text = data.decode("utf-8-sig")
    assert data.startswith(b"\xef\xbb\xbf")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text
    entry = audit.recent(1, event="export")[0]
    assert entry["actor"] == "jia" and entry["scope"] == "乡镇·甲镇"
    assert entry["detail"]["format"] == "csv" and entry["detail"]["member_level"] is True
    assert "HYPERLINK" not in json.dumps(entry, ensure_ascii=False)  # no cell values logged
    import io

    import openpyxl

    xlsx = deferred[name.replace(".csv", ".xlsx")]()
    cells = [
        c.value for row in openpyxl.load_workbook(io.BytesIO(xlsx)).active.iter_rows() for c in row
    ]
    assert """'=HYPERLINK("http://x")""" in cells
    assert len(audit.recent(10, event="export")) == 2


def test_chart_downloads_are_audited_too(samples_app, deferred):
    at = app_as(make_user("leader", "viewer"))
    assert not member_tables(at)
    csv_name = next(n for n in deferred if n.endswith(".csv"))
    deferred[csv_name]()
    entry = audit.recent(1, event="export")[0]
    assert entry["actor"] == "leader" and entry["detail"]["member_level"] is False
    # A button drawn before the session ended builds nothing afterwards.
    accounts.expire_session(at.session_state["census_token"])
    with pytest.raises(PermissionError):
        deferred[csv_name]()
    assert len(audit.recent(10, event="export")) == 1


def test_the_scope_is_part_of_every_cached_query_key(samples_db):
    """Same query name, warehouse version and filters, two scopes: two computations, so a
    result cached for an administrator is never handed to a township account."""
    from dashboard import ui
    from pipeline.queries.base import Filters
    from pipeline.warehouse import store as warehouse

    ver = warehouse.warehouse_version(samples_db[0])
    calls: list[str] = []

    def probe(con, f):
        calls.append(f.wave)
        return queries.waves(con, f)

    f = Filters(wave="2022-04")
    for scope in (
        Scope.for_role("admin"),
        Scope.for_role("township", "钱库镇"),
        Scope.for_role("admin"),
    ):
        ui._cached("test.probe", probe, ver, f, scope)
    assert len(calls) == 2  # the second admin call came from the cache


# --------------------------------------------------------------------------- administration


def test_the_admin_manages_accounts_and_every_change_is_audited(samples_app):
    at = app_as(make_user("boss", "admin"))
    assert "账号管理" in nav(at)
    visit(at, "accounts")
    at.text_input(key="account_add_username").input("qk")
    at.selectbox(key="account_add_role").select("township")
    at.selectbox(key="account_add_township").select("钱库镇")
    at.button(key="account_add_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    created = accounts.get_user("qk")
    assert created.role == "township" and created.township == "钱库镇"
    assert created.must_change_password
    initial = at.code[0].value
    assert accounts.authenticate("qk", initial).ok

    at.selectbox(key="account_target").select("qk").run()
    at.button(key="account_disable").click().run()
    assert accounts.get_user("qk").disabled
    at.selectbox(key="account_target").select("qk").run()
    at.button(key="account_enable").click().run()
    assert not accounts.get_user("qk").disabled
    at.selectbox(key="account_target").select("qk").run()
    at.button(key="account_reset").click().run()
    fresh = at.code[0].value
    assert fresh != initial and accounts.authenticate("qk", fresh).ok

    events = [e["event"] for e in audit.recent(50, actor="boss")]
    for event in ("account_created", "account_disabled", "account_enabled", "password_reset"):
        assert event in events, event
    log = next(d.value for d in at.dataframe if "事件" in d.value.columns)
    assert "新建账号" in set(log["事件"])
    assert initial not in rendered_text(at) and fresh in rendered_text(at)  # shown once


def test_only_the_admin_gets_the_accounts_page(samples_app):
    at = app_as(make_user("county1", "county"))
    with pytest.raises(ValueError):
        at.switch_page(PAGE_FILES["accounts"])
    open_url(at, "accounts")
    assert "无权访问" in titles(at) and "账号管理" not in titles(at) and not at.dataframe
