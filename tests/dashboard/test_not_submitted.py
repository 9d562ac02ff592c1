"""A township that sent nothing for a wave has no figures for it, on every page: the overview
said so, the 返乡创业 page showed 返乡党员 0 人 (a page-side `.sum()` of no rows)."""

from __future__ import annotations

import pytest
from app_session import app_as, make_user

from pipeline.ingest.batch import ingest_paths

HEAD = ["姓名", "所在党支部", "流出时间", "流入地", "是否返乡"]


@pytest.fixture
def one_wave_missing(write_xlsx, tmp_path, monkeypatch):
    """甲镇 reported 2022-04 only; 乙镇 2022-04 and 2023-08 (one returnee each time)."""
    folder = tmp_path / "raw"
    for name, wave in (("甲镇", "2022-04"), ("乙镇", "2022-04"), ("乙镇", "2023-08")):
        rows = [[f"{name}普查表"], HEAD, [f"张{wave}", "一支部", "2020.3", "上海市", "否"]]
        rows.append([f"李{wave}", "一支部", "2020.3", "上海市", "是"])
        write_xlsx(f"{wave}_{name}_流动党员普查.xlsx", {"流动党员": rows}, folder=folder)
    db = tmp_path / "w.duckdb"
    ingest_paths([folder], db=db)
    monkeypatch.setenv("CENSUS_DB", str(db))
    return db


def test_the_returnee_page_says_not_submitted_not_zero(one_wave_missing):
    at = app_as(make_user("c1", "county"))
    at.selectbox(key="filter_wave").select("2023-08").run()
    at.selectbox(key="filter_township").select("甲镇").run()
    at.switch_page("app_pages/returnees.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [m.value for m in at.metric]  # no "返乡党员 0 人"
    assert any("甲镇在2023年8月普查中没有报送数据" in i.value for i in at.info)
    # a township that did report shows its own figure
    at.selectbox(key="filter_township").select("乙镇").run()
    at.switch_page("app_pages/returnees.py").run()
    assert {m.label: m.value for m in at.metric}["返乡党员"] == "1 人"
