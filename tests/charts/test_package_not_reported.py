"""A chart and its figures say what every other surface says: the long-term chart's share is the
catalogue's (over the outflow of the branches that carried 流出时间), and the chart package's
workbook, like the page's own chart download, writes 未填报 for a count a unit did not report
and carries the outflow each rate is out of."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pandas as pd
import pytest

from pipeline.charts import export as exports
from pipeline.charts.base import ChartContext
from pipeline.charts.flow import long_term_by_unit
from pipeline.charts.package import analysis_charts, package
from pipeline.ingest.batch import ingest_paths
from pipeline.queries import analysis as queries
from pipeline.queries.base import Filters
from pipeline.warehouse import metrics
from pipeline.warehouse import store as warehouse

HEAD = ["姓名", "所在党支部", "流入地", "最近联系时间"]
CTX = ChartContext("苍南县", "2023-08")


@pytest.fixture
def uneven(write_xlsx, tmp_path):
    """甲镇: 一支部 carries 流出时间 and 联系状态 (4 out, 2 long-term, 1 lost); 二支部, its own
    file, carries neither (6 out). 乙镇 carries neither (3 out)."""
    folder = tmp_path / "raw"
    rows = [["甲镇普查表"], [*HEAD, "流出时间", "联系状态"]]
    for k, (start, status) in enumerate(
        [("2020.3", "失联"), ("2021.5", "正常"), ("2023.5", "正常"), ("2023.6", "正常")]
    ):
        rows.append([f"张{k}", "一支部", "上海市", "2023-07-01", start, status])
    write_xlsx("2023-08_甲镇_一支部.xlsx", {"流动党员": rows}, folder=folder)
    rows = [["甲镇普查表"], HEAD] + [[f"王{k}", "二支部", "上海市", "2023-07-01"] for k in range(6)]
    write_xlsx("2023-08_甲镇_二支部.xlsx", {"流动党员": rows}, folder=folder)
    rows = [["乙镇普查表"], HEAD] + [[f"李{k}", "三支部", "上海市", "2023-07-01"] for k in range(3)]
    write_xlsx("2023-08_乙镇_流动党员普查.xlsx", {"流动党员": rows}, folder=folder)
    db = tmp_path / "w.duckdb"
    ingest_paths([folder], db=db)
    con = warehouse.connect_readonly(db)
    yield con
    con.close()


def test_the_long_term_share_is_over_the_outflow_that_carried_the_date(uneven):
    by_town = queries.metrics_by_township(uneven, Filters(wave="2023-08"))
    row = by_town.set_index("township").loc["甲镇"]
    assert row["outflow"] == 10 and row["long_term"] == 2 and row["long_term_base"] == 4
    assert metrics.rate(row, "long_term") == 50.0  # what the report and the summary say
    fig = long_term_by_unit(by_town.rename(columns={"township": "unit"}), CTX, unit_label="乡镇")
    labels = next(t for t in fig.data if t.type == "scatter")
    shown = dict(zip(labels.x, labels.text, strict=True))
    assert shown["甲镇"] == "2人<br>（50.00%）"  # not 2 of all 10 (20.00%)
    assert shown["乙镇"] == "未填报"
    parts = {t.name: dict(zip(t.x, t.y, strict=True)) for t in fig.data if t.type == "bar"}
    # the six whose register has no 流出时间 are not "不足一年"
    assert parts["不足一年"]["甲镇"] == 2 and parts["未填报流出时间"]["甲镇"] == 6


def test_the_chart_package_workbook_says_not_reported(uneven):
    f = Filters(wave="2023-08")
    items = analysis_charts(
        lambda fn, flt: fn(uneven, flt),
        f,
        CTX,
        county="苍南县",
        home_county="330327",
        with_map=False,
    )
    data = package(items, lambda fig: b"", exports.to_xlsx_book, title="苍南县_2023-08")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        [book_name] = [n for n in archive.namelist() if n.endswith(".xlsx")]
        book = openpyxl.load_workbook(io.BytesIO(archive.read(book_name)))
    sheets = {}
    for ws in book:
        rows = list(ws.iter_rows(values_only=True))
        sheets[rows[0][0].split("　", 1)[1]] = pd.DataFrame(rows[3:], columns=rows[2])
    lost = sheets["各乡镇流出党员失联率"].set_index("乡镇")
    assert lost.loc["乙镇", "失联（人）"] == "未填报"  # not a blank cell
    assert lost.loc["乙镇", "填报联系状态的流出党员（人）"] == "未填报"
    # 甲镇's rate is 1 of the 4 that reported, the base the workbook now carries
    assert lost.loc["甲镇", "失联（人）"] == 1
    assert lost.loc["甲镇", "填报联系状态的流出党员（人）"] == 4
    long_term = sheets["各乡镇长期在外流出党员"].set_index("乡镇")
    assert long_term.loc["乙镇", "长期在外（人）"] == "未填报"
    assert long_term.loc["甲镇", "长期在外统计范围的流出党员（人）"] == 4


def test_a_province_share_is_the_same_on_the_map_and_the_ranking(samples_db):
    """xx镇 2022-04: 151 of 195 outflow went to 浙江省, 4 have no resolvable destination. The
    map's hover gave 151 of the 191 it can place (79.06%), the ranking and the report 77.44%."""
    con = warehouse.connect_readonly(samples_db[0])
    try:
        items = {
            key: item
            for item in analysis_charts(
                lambda fn, flt: fn(con, flt),
                Filters(wave="2022-04", township="xx镇"),
                ChartContext("xx镇", "2022-04"),
                county="苍南县",
                home_county="330327",
                with_map=True,
            )
            for key in item.keys
        }
    finally:
        con.close()
    hover = [h for t in items["flows_map"].figure.data if t.hovertext for h in t.hovertext]
    ranking = items["flows_provinces"].figure.data[0]
    share = f"151 人（{metrics.pct(151, 195):.2f}%）"
    assert share == "151 人（77.44%）"
    assert f"浙江省：{share}" in hover
    assert dict(zip(ranking.y, ranking.text, strict=True))["浙江省"] == share
