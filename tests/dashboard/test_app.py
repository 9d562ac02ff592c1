"""Every page through Streamlit's AppTest, with and without filters, against the samples
warehouse: real figures appear, charts exist, nothing raises. Signed in as a county account
(every township, personal data masked) with the helpers of `tests/app_session.py`; what each
role sees is tested in `tests/test_access.py`."""

from __future__ import annotations

import json

import pytest
from app_session import app_as, make_user
from streamlit.testing.v1 import AppTest

PAGES = {
    "app_pages/overview.py": ("总览", 3),
    "app_pages/flows.py": ("流向分析", 7),
    "app_pages/lost_contact.py": ("失联党员分析", 5),
    "app_pages/returnees.py": ("返乡创业", 4),
    "app_pages/quality.py": ("数据质量", 0),
}


@pytest.fixture
def app(samples_db, monkeypatch):
    monkeypatch.setenv("CENSUS_DB", str(samples_db[0]))
    return app_as(make_user("county1", "county"))


def _visit(at: AppTest, page: str) -> AppTest:
    at.switch_page(page)
    at.run()
    assert not at.exception, (page, [e.value for e in at.exception])
    assert not at.error, (page, [e.value for e in at.error])
    title, charts = PAGES[page]
    assert title in [t.value for t in at.title]
    assert len(at.get("plotly_chart")) >= charts, page
    return at


def _figure(at: AppTest, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key))
    return json.loads(chart.proto.spec)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [i.value for i in at.info] + [w.value for w in at.warning]
    return "\n".join(parts)


def _choose(
    at: AppTest, wave: str | None = None, township: str | None = None, branch: str | None = None
) -> AppTest:
    if wave:
        at.selectbox(key="filter_wave").select(wave).run()
    if township:
        at.selectbox(key="filter_township").select(township).run()
    if branch:
        at.selectbox(key="filter_branch").select(branch).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_every_page_in_the_county_view(app):
    for page in PAGES:
        _visit(app, page)
    assert app.selectbox(key="filter_township").value == "全县"
    assert app.selectbox(key="filter_branch").disabled


def test_seed_census_figures_on_the_overview(app):
    _choose(app, wave="2022-04", township="xx镇")
    _visit(app, "app_pages/overview.py")
    metrics = _metrics(app)
    assert metrics["流出党员"] == "195 人"
    assert metrics["流出党员占比"] == "20.38%"
    assert (
        "现有流出党员195名，占党员总数的20.38%，其中跨省流动党员40名，占流动党员总数的20.51%"
        in _text(app)
    )
    scope = _figure(app, "chart_overview_scope")
    assert "40 人（20.51%）" in scope["data"][0]["text"]
    assert scope["layout"]["title"]["subtitle"]["text"] == "xx镇 · 2022年4月普查"


def test_later_wave_compares_with_the_same_townships(app):
    _choose(app, wave="2023-08")
    _visit(app, "app_pages/overview.py")
    assert _metrics(app)["流出党员"] == "189 人"
    delta = next(m for m in app.metric if m.label == "流出党员").proto.delta
    assert delta == "-6 人"  # xx镇 195 → 189, not the county's four townships of 2022-04
    assert "已有 1 个乡镇报送" in _text(app)


def test_every_page_for_a_township_and_a_branch(app):
    _choose(app, wave="2022-04", township="钱库镇")
    for page in PAGES:
        _visit(app, page)
    _visit(app, "app_pages/returnees.py")
    metrics = _metrics(app)
    assert metrics["返乡党员"] == "12 人" and metrics["创办企业"] == "6 个"
    assert metrics["带动就业"] == "32 人"
    branch = app.selectbox(key="filter_branch").options[1]
    _choose(app, branch=branch)
    for page in PAGES:
        _visit(app, page)
        assert f"钱库镇{branch}" in _text(app)  # the page says which branch it shows


def test_lost_contact_page_lists_masked_members(app):
    _choose(app, wave="2022-04", township="xx镇")
    _visit(app, "app_pages/lost_contact.py")
    # the follow-up cards are the one-reason partition, named apart from the 失联 count
    assert _metrics(app)["跟进原因：失联"] == "9 人"
    table = app.dataframe[0].value
    assert table["姓名"].str.fullmatch(r".\*+").all()
    assert table["联系电话"].str.contains(r"\*\*\*\*").all()


def test_quality_page_shows_quarantine_and_completeness(app):
    _choose(app, wave="2022-04")
    _visit(app, "app_pages/quality.py")
    tables = [d.value for d in app.dataframe]
    rejected = next(t for t in tables if "原因" in t.columns)
    assert len(rejected) == 8 and set(rejected["乡镇"]) == {"金乡镇"}
    _choose(app, wave="2023-08")
    _visit(app, "app_pages/quality.py")
    assert "尚未收到以下乡镇的报送" in _text(app)
    assert _metrics(app)["未报送乡镇"] == "3 个"


def test_empty_state_before_the_first_ingest(tmp_path, monkeypatch):
    monkeypatch.setenv("CENSUS_DB", str(tmp_path / "none.duckdb"))
    at = app_as(make_user("county1", "county"), timeout=60)
    assert "尚未建立普查数据库" in at.info[0].value


def test_a_new_warehouse_swapped_in_is_picked_up(samples_db, tmp_path, monkeypatch):
    """Ingest replaces the file (new inode): the next rerun must show the new figures."""
    import os
    import shutil

    from dashboard_warehouse import build

    live = tmp_path / "live.duckdb"
    build(live)  # the tiny warehouse: 5 outflow members in 2023-08
    monkeypatch.setenv("CENSUS_DB", str(live))
    at = app_as(make_user("county1", "county"))
    assert _metrics(at)["流出党员"] == "5 人"
    staged = tmp_path / "staged.duckdb"
    shutil.copyfile(samples_db[0], staged)
    os.replace(staged, live)  # what an ingest does
    at.run()
    assert not at.exception
    assert _metrics(at)["流出党员"] == "189 人"


def test_a_warehouse_built_by_other_models_asks_for_a_rebuild(
    samples_db, isolated_env, monkeypatch
):
    """An upgrade changed the model SQL: the pages say to re-ingest instead of failing."""
    import shutil

    from pipeline.warehouse import store as warehouse

    db = isolated_env / "old.duckdb"
    shutil.copyfile(samples_db[0], db)
    con = warehouse.connect(db)
    con.execute("update model_version set fingerprint = 'older-models'")
    con.close()
    monkeypatch.setenv("CENSUS_DB", str(db))
    at = app_as(make_user("county2", "county"))
    assert not at.exception
    assert "重新运行入库命令" in _text(at)
