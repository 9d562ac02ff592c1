"""The outflow share (spec §5: outflow ÷ members_total) is defined once, in mart_branch_wave's
`outflow_counted`: the outflow of the branches that have a 党员总数, over those members. Every
surface reads it: the marts, the rollups of the pages and the report, the per-unit chart and
`stats` in text form (the mart's rounding, half-up, not Python's)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.charts.base import ChartContext
from pipeline.charts.units import outflow_by_unit
from pipeline.cli import commands as cli
from pipeline.ingest.batch import ingest_paths
from pipeline.queries import analysis as queries
from pipeline.queries.base import Filters
from pipeline.reports import narrative
from pipeline.reports.reading import load_report_data
from pipeline.reports.text import outflow_section
from pipeline.warehouse import metric_sql, metrics
from pipeline.warehouse import store as warehouse

HEAD = ["姓名", "所在党支部", "流出时间", "流入地", "联系状态", "最近联系时间"]


def _members(branch: str | None, n: int, start: int = 0) -> list[list]:
    rows = [
        [f"王{start + k}", branch, "2020.3", "广东省广州市", "正常", "2023-07-01"] for k in range(n)
    ]
    return rows if branch else [[r[0], *r[2:]] for r in rows]


@pytest.fixture
def partial_summary(write_xlsx, tmp_path):
    """丁镇: 一支部 (3 out, 党员总数 10) and 二支部 (5 out, missing from the summary sheet).
    戊镇: a register naming no branch (6 out) with a summary of two branches (10 + 20).
    己镇: one member out of 32 (1/32 = 3.125%)."""
    folder = tmp_path / "raw"
    write_xlsx(
        "2023-08_丁镇_流动党员普查.xlsx",
        {
            "流动党员": [["丁镇普查表"], HEAD, *_members("一支部", 3), *_members("二支部", 5, 3)],
            "支部情况": [["支部名称", "党员总数"], ["一支部", 10]],
        },
        folder=folder,
    )
    no_branch = [h for h in HEAD if h != "所在党支部"]
    write_xlsx(
        "2023-08_戊镇_流动党员普查.xlsx",
        {
            "流动党员": [["戊镇普查表"], no_branch, *_members(None, 6)],
            "支部情况": [["支部名称", "党员总数"], ["一支部", 10], ["二支部", 20]],
        },
        folder=folder,
    )
    write_xlsx(
        "2023-08_己镇_流动党员普查.xlsx",
        {
            "流动党员": [["己镇普查表"], HEAD, *_members("一支部", 1)],
            "支部情况": [["支部名称", "党员总数"], ["一支部", 32]],
        },
        folder=folder,
    )
    db = tmp_path / "w.duckdb"
    ingest_paths([folder], db=db)
    return db


def _read(db, fn, f: Filters) -> pd.DataFrame:
    con = warehouse.connect_readonly(db)
    try:
        return fn(con, f)
    finally:
        con.close()


def test_a_branch_missing_from_the_summary_is_left_out_of_the_share(partial_summary):
    con = warehouse.connect_readonly(partial_summary)
    try:
        town = con.execute("select * from mart_township_wave").df().set_index("township")
    finally:
        con.close()
    # 3 of 10, not all 8 outflow over the 10 members of the one branch summarised
    assert town.loc["丁镇", "outflow"] == 8 and town.loc["丁镇", "outflow_share_pct"] == 30.0
    # a register naming no branch: its members are the summary's (6 of 30)
    assert town.loc["戊镇", "outflow_share_pct"] == 20.0
    f = Filters(wave="2023-08")
    by_town = _read(partial_summary, queries.metrics_by_township, f).set_index("township")
    assert metrics.rate(by_town.loc["丁镇"], "outflow_share") == 30.0
    one = _read(partial_summary, queries.metrics_by_wave, f.with_(township="丁镇")).iloc[0]
    assert metrics.rate(one, "outflow_share") == 30.0
    # the county: (3 + 6 + 1) of (10 + 30 + 32)
    county = _read(partial_summary, queries.metrics_by_wave, f).iloc[0]
    assert metrics.rate(county, "outflow_share") == metrics.pct(10, 72)
    # the per-township chart labels the same share
    fig = outflow_by_unit(
        by_town.reset_index().rename(columns={"township": "unit"}),
        ChartContext(scope="苍南县", wave="2023-08"),
        unit_label="乡镇",
    )
    labels = dict(zip(fig.data[0].x, fig.data[0].text, strict=True))
    assert labels["丁镇"] == "8<br>30.00%"


def test_stats_text_rounds_the_share_as_every_surface(partial_summary, capsys):
    assert cli.main(["stats", "--db", str(partial_summary)]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert "占党员总数 3.13%" in lines["己镇"]  # 1/32 = 3.125%: half-up, as the mart
    assert "占党员总数 30.00%" in lines["丁镇"]


def test_the_wave_comparison_counts_the_share_as_the_cards(write_xlsx, tmp_path):
    """戊镇 names no branch in either wave and sends a summary both times: the overview's change
    and the report's table 1 compared 0.00% with 0.00% while the card said 30.00%."""
    folder = tmp_path / "raw"
    no_branch = [h for h in HEAD if h != "所在党支部"]
    for wave, n in (("2022-04", 6), ("2023-08", 9)):
        write_xlsx(
            f"{wave}_戊镇_流动党员普查.xlsx",
            {
                "流动党员": [
                    ["戊镇普查表"],
                    no_branch,
                    *([f"王{k}", "2020.3", "上海市", "正常", "2022-03-01"] for k in range(n)),
                ],
                "支部情况": [["支部名称", "党员总数"], ["一支部", 10], ["二支部", 20]],
            },
            folder=folder,
        )
    db = tmp_path / "w.duckdb"
    ingest_paths([folder], db=db)
    f = Filters(wave="2023-08")
    card = _read(db, queries.metrics_by_wave, f).set_index("wave").loc["2023-08"]
    row = _read(db, queries.wave_comparison, f).iloc[0]
    cur, prev = metric_sql.split_comparison(row)
    assert metrics.rate(card, "outflow_share") == metrics.rate(cur, "outflow_share") == 30.0
    assert metrics.rate(prev, "outflow_share") == 20.0


def test_every_surface_says_which_units_the_share_covers(partial_summary):
    """丁镇's share is over the one branch of two that gave a 党员总数: the card, the overview
    paragraph and the report say so, as they do for the county's townships."""
    f = Filters(wave="2023-08", township="丁镇")
    row = _read(partial_summary, queries.metrics_by_wave, f).iloc[0]
    cards = {k.label: k.value for k in narrative.kpis(row, unit="支部")}
    assert cards["流出党员占比（1个支部填报）"] == "30.00%"
    text = narrative.paragraph(row, "丁镇", "2023-08", unit="支部")
    assert "占党员总数的30.00%（1个支部填报）" in text
    county = _read(partial_summary, queries.metrics_by_wave, f.with_(township=None)).iloc[0]
    assert {k.label for k in narrative.kpis(county)} >= {"流出党员占比"}  # all three gave one
    data = load_report_data(partial_summary, "2023-08", "丁镇")
    section = outflow_section(data.scope, data.current, None, None)
    assert "占党员总数的30.00%（1个支部填报）" in section.paragraphs[0]
