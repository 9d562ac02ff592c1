"""The 核对 page (issue #17) through AppTest on the demo census with its roster and host
register: a county account sees every list with names masked; a township account sees only
its own township's rows; a viewer sees counts and no member rows."""

from __future__ import annotations

import os

import pytest
from app_session import app_as, make_user

from pipeline.demo.registers import register_manifest
from tests.access.test_access import member_tables, rendered_text

CHECKS = "app_pages/checks.py"


@pytest.fixture(scope="module", autouse=True)
def close_app_connections():
    """The app keeps its warehouse connection open in this process; close it after these
    tests, or a later plain duckdb.connect to the same file refuses the other configuration."""
    yield
    from dashboard import ui

    ui._connection.clear()
    while ui._open:
        ui._close(ui._open.pop())


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    from pipeline.demo.census import generate
    from pipeline.demo.registers import generate_registers
    from pipeline.ingest.batch import ingest_paths

    folder = tmp_path_factory.mktemp("check_demo")
    os.environ.setdefault("CENSUS_SECRET_FILE", str(folder / "secret.key"))
    generate(folder / "raw")
    generate_registers(folder / "raw")
    db = folder / "census.duckdb"
    ingest_paths([folder / "raw"], db=db)
    return db


@pytest.fixture
def demo_app(demo_db, monkeypatch):
    monkeypatch.setenv("CENSUS_DB", str(demo_db))
    return demo_db


def open_checks(at, wave="2022-04"):
    at.selectbox(key="filter_wave").select(wave).run()
    at.switch_page(CHECKS).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_county_sees_every_list_masked(demo_app):
    expected = register_manifest()
    at = open_checks(app_as(make_user("county1", "county")))
    shown = metrics(at)
    assert shown["不在册"] == f"{expected['not_on_roster']} 人"
    assert shown["漏报"] == f"{expected['missing_at_home']} 人"
    assert shown["找回"] == f"{expected['found_again']} 人"
    [people] = member_tables(at)
    assert len(set(people["乡镇"])) > 1
    assert people["姓名"].str.fullmatch(r".\*+").all()
    found = people[people["核对结果"] == "找回"]
    assert found["流入地登记的联系电话"].str.contains(r"\*\*\*\*").all()
    assert "党员名册" in rendered_text(at)


def test_a_township_account_sees_only_its_own_rows(demo_app):
    town = register_manifest()["roster_township"]
    at = open_checks(app_as(make_user("fs", "township", town)))
    at.toggle(key="reveal_personal").set_value(True).run()
    [people] = member_tables(at)
    assert set(people["乡镇"]) == {town}
    assert not people["姓名"].str.contains(r"\*").any()  # its own members, in clear
    for table in at.dataframe:
        if "乡镇" in table.value.columns:
            assert set(table.value["乡镇"]) <= {town}, table.value
    assert metrics(at)["漏报"] == "3 人"  # the host's unknown members all name this township


def test_another_township_sees_none_of_them(demo_app):
    at = open_checks(app_as(make_user("qk", "township", "钱库镇")))
    text = rendered_text(at)
    assert register_manifest()["roster_township"] not in text
    for table in at.dataframe:
        if "乡镇" in table.value.columns:
            assert set(table.value["乡镇"]) <= {"钱库镇"}


def test_a_viewer_sees_counts_and_no_member_rows(demo_app):
    at = open_checks(app_as(make_user("leader", "viewer")))
    assert metrics(at)["不在册"] == f"{register_manifest()['not_on_roster']} 人"
    assert not member_tables(at)
    assert "只能查看汇总数据" in rendered_text(at)
