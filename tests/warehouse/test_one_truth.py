"""Issue #15 piece by piece: a column a register does not carry is 未填报 (not zero, out of
rates and changes, the rollup says how many units it covers); changes compare only branches
present in both waves; the follow-up partition has its own name; 统计时点 is the census wave;
the docs' metric section is the catalogue. `test_consistency` checks every surface at once."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from app_session import app_as, make_user

from pipeline.charts.base import ChartContext
from pipeline.cli import commands as cli
from pipeline.demo.census import generate
from pipeline.ingest.batch import ingest_paths
from pipeline.reports import narrative
from pipeline.warehouse import metric_sql, metrics
from pipeline.warehouse import store as warehouse

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
HEAD = ["姓名", "身份证号", "所在党支部", "流出时间", "流入地", "联系状态", "最近联系时间"]


def _register(name: str, with_cert: bool, branches: list[str], contact: str) -> dict:
    head = HEAD + (["是否持流动党员证", "流入地党组织"] if with_cert else [])
    rows = [[f"{name}普查表"], head]
    for i, branch in enumerate(branches):
        for k in range(3):
            row = [f"张{i}{k}", None, branch, "2020.3", "广东省广州市", "正常", contact]
            if with_cert:
                row += ["是" if k else "否", "广州某党支部" if k == 2 else None]
            rows.append(row)
    return {"流动党员": rows}


@pytest.fixture
def two_waves(write_xlsx, tmp_path):
    """甲镇: 2022-04 without certificate and inflow-org columns, three branches; 2023-08 with
    both, and its third branch missing while a fourth is new."""
    folder = tmp_path / "raw"
    write_xlsx(
        "2022-04_甲镇_流动党员普查.xlsx",
        _register("甲镇", False, ["一支部", "二支部", "三支部"], "2022-03-01"),
        folder=folder,
    )
    write_xlsx(
        "2023-08_甲镇_流动党员普查.xlsx",
        _register("甲镇", True, ["一支部", "二支部", "四支部"], "2023-07-01"),
        folder=folder,
    )
    db = tmp_path / "w.duckdb"
    ingest_paths([folder], db=db)
    return db


def _rows(db, sql: str, params=()) -> pd.DataFrame:
    con = warehouse.connect_readonly(db)
    try:
        return con.execute(sql, list(params)).df()
    finally:
        con.close()


def test_a_missing_column_is_not_reported_not_zero(two_waves):
    marts = _rows(two_waves, "select * from mart_township_wave order by wave").set_index("wave")
    assert pd.isna(marts.loc["2022-04", "certified"]) and pd.isna(
        marts.loc["2022-04", "dual_managed"]
    )
    assert pd.isna(marts.loc["2022-04", "certificate_rate_pct"])
    assert (
        marts.loc["2023-08", "certified"] == 6
        and marts.loc["2023-08", "certificate_rate_pct"] == 66.67
    )
    # present columns are still counted: nobody is 失联, everyone contacted recently
    assert marts.loc["2022-04", "lost_contact"] == 0 and marts.loc["2022-04", "outflow"] == 9
    rows = {(r["wave"]): r for r in cli.stats_rows(two_waves)}
    assert set(rows["2022-04"]) == {
        "township", "wave", "members_total", "outflow", "scope", "long_term", "lost_contact",
        "returnees", "enterprises", "jobs_created",
    }  # fmt: skip


def test_a_column_left_blank_in_every_row_is_not_reported_not_zero(write_xlsx, tmp_path):
    """乙镇's register has the 流出时间, 联系状态, 最近联系时间 and 持证 columns, every cell blank:
    it reported none of them (not 0% lost, not everyone 180 days uncontacted). 丙镇 fills them
    for one branch only: the other branch's blanks are blanks, counted."""
    head = [*HEAD, "是否持流动党员证", "流入地党组织"]
    blank = [
        [f"李{k}", None, "一支部", None, "广东省广州市", None, None, None, None] for k in range(4)
    ]
    folder = tmp_path / "raw"
    write_xlsx(
        "2023-06_乙镇_流动党员普查.xlsx",
        {"流动党员": [["乙镇普查表"], head, *blank]},
        folder=folder,
    )
    filled = [
        [f"王{k}", None, "一支部", "2020.3", "广东省广州市", "失联", "2022-01-01", "是", None]
        for k in range(2)
    ] + [[f"赵{k}", None, "二支部", None, "广东省广州市", None, None, None, None] for k in range(2)]
    write_xlsx(
        "2023-06_丙镇_流动党员普查.xlsx",
        {"流动党员": [["丙镇普查表"], head, *filled]},
        folder=folder,
    )
    db = tmp_path / "b.duckdb"
    ingest_paths([folder], db=db)
    marts = _rows(db, "select * from mart_township_wave").set_index("township")
    for figure in ("long_term", "lost_contact", "at_risk", "two_nots", "certified"):
        assert pd.isna(marts.loc["乙镇", figure]), figure
    for rate in ("long_term_pct", "lost_contact_rate_pct", "certificate_rate_pct"):
        assert pd.isna(marts.loc["乙镇", rate]), rate
    assert marts.loc["乙镇", "dual_managed"] == 0  # a blank 流入地党组织 is "none"
    assert marts.loc["乙镇", "outflow"] == 4
    stats = {r["township"]: r for r in cli.stats_rows(db)}
    assert stats["乙镇"]["lost_contact"] is None and stats["乙镇"]["long_term"] is None
    丙 = marts.loc["丙镇"]
    assert (丙["long_term"], 丙["lost_contact"], 丙["at_risk"], 丙["certified"]) == (2, 2, 2, 2)
    assert 丙["lost_contact_rate_pct"] == 50.0


def test_changes_compare_branches_present_in_both_waves(two_waves):
    con = warehouse.connect_readonly(two_waves)
    try:
        [row] = (
            con.execute(metric_sql.comparison_sql(""), ["2023-08", "2023-08"])
            .df()
            .to_dict("records")
        )
    finally:
        con.close()
    cur, prev = metric_sql.split_comparison(row)
    assert row["prev_wave"] == "2022-04" and row["branches"] == 2
    assert list(row["only_current"]) == ["甲镇·四支部"] and list(row["only_previous"]) == [
        "甲镇·三支部"
    ]
    assert cur["outflow"] == prev["outflow"] == 6  # not 9 against 9 by luck of totals
    # the certificate was not reported in 2022-04: no change can be computed for it
    assert prev["certified"] is None or pd.isna(prev["certified"])
    cards = {k.label: k for k in narrative.kpis(cur | {"outflow": 9}, prev, cur, unit="支部")}
    assert cards["持证率"].delta is None and cards["流出党员"].delta == "+0 人"
    caption = narrative.comparison_caption(row, "2022-04")
    assert "按两次均报送的2个支部计" in caption
    assert "双重管理占比、持证率两次普查未均填报，不计变化" in caption
    assert "甲镇·三支部（本次未报送）" in caption and "甲镇·四支部（上次未报送）" in caption


def test_kpis_say_not_reported_and_coverage():
    row = {"outflow": 100, "lost_contact": 5, "lost_contact_base": 100, "certified": None,
           "certified_base": None, "dual_managed": 30, "dual_managed_base": 60,
           "dual_managed_townships": 2, "townships": 3, "returnees": 0, "enterprises": 0,
           "jobs_created": 0, "members_total": None}  # fmt: skip
    cards = {k.label: k for k in narrative.kpis(row)}
    assert cards["持证率"].value == "未填报"
    assert cards["双重管理占比（2个乡镇填报）"].value == "50.00%"  # 30 of the 60 that reported
    assert cards["失联率"].value == "5.00%"
    assert cards["失联率"].help == metrics.help_text("lost_contact_rate")
    text = narrative.paragraph(row, "苍南县", "2023-08")
    assert "持流动党员活动证未填报" in text and "持证率0.00%" not in text


def test_two_nots_is_never_called_a_subset_of_at_risk():
    row = {"outflow": 50, "lost_contact": 3, "at_risk": 4, "two_nots": 6}
    text = narrative.contact_sentence(row)
    assert "失联及失联风险党员共7名，其中“两不管”党员6名" in text
    assert "失联风险党员4名，其中" not in text
    partition = [m for m in metrics.CATALOGUE if m.partition]
    assert {m.key for m in partition} == {"primary_lost", "primary_two_nots", "primary_stale"}
    counts = {m.name for m in metrics.CATALOGUE if not m.partition}
    assert not counts & {m.name for m in partition}


def test_stat_point_is_the_census_wave():
    ctx = ChartContext(scope="苍南县", wave="2023-08", as_of="2024-05-01 10:20")
    assert (
        ctx.caption()
        == "数据来源：流动党员普查数据库；统计时点：2023年8月普查；数据更新于 2024-05-01 10:20"
    )
    assert "截至" not in ctx.caption()


def test_docs_metric_section_is_the_catalogue():
    assert DOCS.read_text(encoding="utf-8") == metrics.markdown()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo_truth")
    generate(folder / "raw")
    db = folder / "demo.duckdb"
    ingest_paths([folder / "raw"], db=db)
    return db


def test_demo_app_shows_not_reported_and_the_missing_branch(demo_db, monkeypatch):
    monkeypatch.setenv("CENSUS_DB", str(demo_db))
    at = app_as(make_user("mz", "township", "马站镇"))
    at.selectbox(key="filter_wave").select("2022-04").run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    cards = {m.label: m.value for m in at.metric}
    assert cards["持证率"] == "未填报" and cards["双重管理占比"] == "未填报"
    at.selectbox(key="filter_wave").select("2023-08").run()
    cards = {m.label: m for m in at.metric}
    assert cards["持证率"].value.endswith("%")
    # no change against a wave that did not report the certificate (was "+71.26 个百分点")
    assert not cards["持证率"].proto.delta

    at = app_as(make_user("county1", "county"))
    at.switch_page("app_pages/overview.py").run()
    captions = "\n".join(c.value for c in at.caption)
    assert "钱库镇·非公企业联合党支部（本次未报送）" in captions
    at.selectbox(key="filter_wave").select("2022-04").run()
    labels = [m.label for m in at.metric]
    # 7 of 8: only 马站镇 lacks the column (钱库镇 writes 持证情况, read since the header rules of #14)
    assert "持证率（7个乡镇填报）" in labels
    at.selectbox(key="filter_wave").select("2023-08").run()
    at.switch_page("app_pages/submissions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = "\n".join(w.value for w in at.warning)
    assert "钱库镇：2022年4月普查报送过的非公企业联合党支部本次未报送" in warnings
    infos = "\n".join(i.value for i in at.info)
    assert "但有支部与上次普查不一致" in infos


def test_stats_keys_and_meaning_on_the_demo(demo_db):
    rows = {f"{r['township']}|{r['wave']}": r for r in cli.stats_rows(demo_db)}
    assert all(isinstance(r["lost_contact"], int) for r in rows.values())
    assert json.loads(json.dumps(rows["马站镇|2022-04"]))["outflow"] > 0
