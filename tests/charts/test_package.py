"""The analysis pages' charts, defined once (`pipeline.charts.package`): a figure's rule is
the same wherever it is drawn. Here: the lost-contact rate's reference line, whose base is the
outflow of the units that reported a contact status (spec §5), not every unit's outflow."""

from __future__ import annotations

import pytest

from pipeline.charts.base import ChartContext
from pipeline.charts.package import analysis_charts, lost_charts
from pipeline.ingest.batch import ingest_paths
from pipeline.queries.base import Filters
from pipeline.warehouse import store as warehouse

HEAD = ["姓名", "身份证号", "所在党支部", "流出时间", "流入地"]


@pytest.fixture
def one_township_without_contact(write_xlsx, tmp_path):
    """甲镇 reports a contact status (2 of 4 lost), 乙镇's register has no such column (3)."""
    folder = tmp_path / "raw"
    rows = [["甲镇普查表"], [*HEAD, "联系状态"]]
    for k, status in enumerate(["失联", "失联", "正常", "正常"]):
        rows.append([f"张{k}", None, "一支部", "2020.3", "广东省广州市", status])
    write_xlsx("2023-08_甲镇_流动党员普查.xlsx", {"流动党员": rows}, folder=folder)
    rows = [["乙镇普查表"], HEAD]
    for k in range(3):
        rows.append([f"李{k}", None, "二支部", "2020.3", "上海市"])
    write_xlsx("2023-08_乙镇_流动党员普查.xlsx", {"流动党员": rows}, folder=folder)
    db = tmp_path / "w.duckdb"
    report = ingest_paths([folder], db=db)
    assert [f.status for f in report.files] == ["loaded", "loaded"]
    con = warehouse.connect_readonly(db)
    yield con
    con.close()


def _legend(item) -> list[str]:
    return [t.name for t in item.figure.data if t.showlegend is not False and t.name]


def test_the_lost_rate_reference_counts_only_units_that_reported_contact(
    one_township_without_contact,
):
    con = one_township_without_contact
    f, ctx = Filters(wave="2023-08"), ChartContext("苍南县", "2023-08")
    items = {
        k: item
        for item in lost_charts(lambda fn, flt: fn(con, flt), f, ctx, county="苍南县")
        for k in item.keys
    }
    rate = items["lost_rate"]
    # 2 lost of 甲镇's 4; 乙镇's 3 did not report a status: not 2 of 7 (28.57%)
    assert _legend(rate) == ["苍南县平均 50.00%"]
    bars = rate.figure.data[0]
    assert list(bars.x if bars.orientation != "h" else bars.y) == ["甲镇"]
    assert "未填报：乙镇" in str([a.text for a in rate.figure.layout.annotations])
    # the package and the report take the very same item
    packaged = analysis_charts(
        lambda fn, flt: fn(con, flt), f, ctx, county="苍南县", home_county=None, with_map=False
    )
    [same] = [i for i in packaged if "lost_rate" in i.keys]
    assert same.figure.to_json() == rate.figure.to_json()
    # with the outflow the rate is out of, so the workbook gives the rate the chart shows
    assert list(same.data.columns) == ["乡镇", "outflow", "lost_contact", "lost_contact_base"]
