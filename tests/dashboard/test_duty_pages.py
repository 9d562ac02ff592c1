"""The 督办 page (issue #17) through AppTest on the samples warehouse: a county account sees
every township with names masked, a township account sees only its own rows, a viewer gets
counts and no member rows, and the branch workbook is scoped, masked as on screen and audited."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from app_session import app_as, make_user
from streamlit.runtime.media_file_manager import MediaFileManager

from pipeline.access import audit
from tests.access.test_access import TOWNSHIPS, member_tables, rendered_text

DUTIES = "app_pages/duties.py"


@pytest.fixture(scope="module", autouse=True)
def close_app_connections():
    """The app keeps its warehouse connection open in this process; close it after these
    tests, or a later plain duckdb.connect to the same file refuses the other configuration."""
    yield
    from dashboard import ui

    ui._connection.clear()
    while ui._open:
        ui._close(ui._open.pop())


@pytest.fixture
def samples_app(samples_db, monkeypatch):
    monkeypatch.setenv("CENSUS_DB", str(samples_db[0]))
    return samples_db[0]


@pytest.fixture
def deferred(monkeypatch):
    """file name → the callable its download button runs when clicked."""
    found: dict[str, object] = {}
    real = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kw):
        found[file_name] = data_callable
        return real(self, data_callable, mimetype, coordinates, file_name=file_name, **kw)

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return found


def open_duties(at):
    at.switch_page(DUTIES).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def table(at, key: str) -> pd.DataFrame:
    """The township table ('towns') or the branch table ('branches') by its columns (AppTest
    does not expose a dataframe's key)."""
    for d in at.dataframe:
        columns = list(d.value.columns)
        if "流出党员（人）" not in columns or "姓名" in columns:
            continue
        if ("党支部" in columns) == (key == "branches"):
            return d.value
    raise LookupError(key)


def test_the_county_sees_every_township_masked(samples_app, deferred):
    at = app_as(make_user("county1", "county"))
    at.selectbox(key="filter_wave").select("2022-04").run()
    open_duties(at)
    towns = table(at, "towns")
    assert set(towns["乡镇"]) == TOWNSHIPS
    # the samples carry no 党费缴纳至 column: not assessed anywhere, never a zero
    assert (towns["连续6个月未交党费"] == -1).all()  # shown as 未填报 (a styler display value)
    assert "连续6个月未交党费" in rendered_text(at) and "未填报" in rendered_text(at)
    people = member_tables(at)[0]
    assert len(set(people["乡镇"])) > 1
    assert people["姓名"].str.fullmatch(r".\*+").all()
    assert people["联系电话"].dropna().str.contains(r"\*\*\*\*").all()
    # the branch workbook for the chosen branch: that branch only, masked as on screen
    name = next(n for n in deferred if n.endswith("督办清单.xlsx"))
    book = pd.read_excel(io.BytesIO(deferred[name]()), sheet_name=None, header=2)
    rows = book["督办清单"]
    assert len(rows) > 0 and rows["姓名"].str.fullmatch(r".\*+").all()
    assert "规则说明" in book
    chosen = at.selectbox(key="duty_branch_pick").value
    assert name.startswith(chosen.replace("｜", ""))
    exported = [e["detail"] for e in audit.recent(20, event="export")]
    assert any("督办清单" in d["what"] and d["member_level"] for d in exported)


def test_a_township_account_sees_only_its_own_rows(samples_app, deferred):
    at = app_as(make_user("qk", "township", "钱库镇"))
    open_duties(at)
    text = rendered_text(at)
    assert "钱库镇" in text
    assert not [t for t in TOWNSHIPS - {"钱库镇"} if t in text]
    people = member_tables(at)[0]
    assert set(people["乡镇"]) == {"钱库镇"}
    assert people["姓名"].str.fullmatch(r".\*+").all()  # masked by default
    at.toggle(key="reveal_personal").set_value(True).run()
    people = member_tables(at)[0]
    assert not people["姓名"].str.contains(r"\*").any()  # its own members, in clear
    sheets = [name for name in deferred if name.endswith("督办清单.xlsx")]
    assert sheets and all(name.startswith("钱库镇") for name in sheets)


def test_a_viewer_gets_counts_and_no_member_rows(samples_app):
    at = app_as(make_user("leader", "viewer"))
    at.selectbox(key="filter_wave").select("2022-04").run()
    open_duties(at)
    assert len(table(at, "branches")) > 10
    assert not member_tables(at)
    assert "只能查看汇总数据" in rendered_text(at)
