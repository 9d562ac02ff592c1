"""The leaders' exports from the overview page (issue #16), through AppTest against the
samples warehouse: a 只读 account (the leader's) and a 乡镇 account generate the Word report
there, and "全部图表打包下载" holds every chart the analysis pages draw, numbered, with the
figures behind them in one workbook."""

from __future__ import annotations

import io
import json
import re
import zipfile

import docx
import openpyxl
import pytest
from app_session import app_as, make_user

from tests.conftest import shown

ANALYSIS_PAGES = [
    "app_pages/overview.py",
    "app_pages/flows.py",
    "app_pages/lost_contact.py",
    "app_pages/returnees.py",
]


@pytest.fixture
def warehouse(samples_db, monkeypatch):
    monkeypatch.setenv("CENSUS_DB", str(samples_db[0]))
    monkeypatch.delenv("CENSUS_BASE_MAP", raising=False)
    yield samples_db[0]
    from pipeline.charts import export as exports

    exports.shutdown()


def _report(at) -> docx.Document:
    at.button(key="overview_report_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    labels = [shown(d.proto.label) for d in at.get("download_button")]
    selection, name, data = at.session_state["overview_report"]
    assert any(name in label for label in labels), labels
    return docx.Document(io.BytesIO(data))


def test_a_viewer_generates_the_report_from_the_overview(warehouse):
    at = app_as(make_user("leader", "viewer"))
    at.selectbox(key="filter_wave").select("2022-04").run()
    assert "总览" in [t.value for t in at.title]
    document = _report(at)
    assert document.paragraphs[0].text == "关于苍南县2022年4月流动党员普查情况的报告"
    assert "流动党员普查分析报告_2022-04.docx" in at.session_state["overview_report"][1]


def test_a_township_account_reports_on_its_own_township(warehouse):
    at = app_as(make_user("qk", "township", "钱库镇"))
    at.selectbox(key="filter_wave").select("2022-04").run()
    document = _report(at)
    assert document.paragraphs[0].text == "关于钱库镇2022年4月流动党员普查情况的报告"
    text = "\n".join(p.text for p in document.paragraphs)
    assert not [t for t in ("xx镇", "宜山镇", "金乡镇") if t in text]


def _drawn(at) -> dict[str, list]:
    """Each chart the analysis pages draw, by key: the traces the browser gets."""
    drawn = {}
    for page in ANALYSIS_PAGES:
        at.switch_page(page)
        at.run()
        assert not at.exception, (page, [e.value for e in at.exception])
        for chart in at.get("plotly_chart"):
            found = re.search(r"chart_(\w+)$", chart.proto.id)
            assert found, chart.proto.id
            drawn[found.group(1)] = json.loads(chart.proto.spec)["data"]
    return drawn


def test_the_chart_package_holds_every_chart_of_the_analysis_pages(warehouse):
    from dashboard.report_block import chart_items
    from pipeline.access.scope import Scope
    from pipeline.charts.base import ChartContext
    from pipeline.queries.base import Filters

    at = app_as(make_user("county1", "county"))
    at.selectbox(key="filter_wave").select("2022-04").run()
    drawn = _drawn(at)
    assert len(drawn) >= 15
    items = chart_items(
        Filters(wave="2022-04"), ChartContext("苍南县", "2022-04"), Scope.for_role("county")
    )
    packaged = {key: item for item in items for key in item.keys}
    # Without an approved base map (审图号) the map stays in the app; everything else goes.
    assert set(packaged) == set(drawn) - {"flows_map"}
    # and each goes as the page draws it: the same traces, the same numbers
    for key, item in packaged.items():
        assert json.loads(item.figure.to_json())["data"] == drawn[key], key

    at.switch_page("app_pages/overview.py")
    at.run()
    at.button(key="overview_package_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    _selection, name, data, count = at.session_state["overview_package"]
    assert name == "苍南县_2022-04_全部图表.zip" and count == len(items)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        pngs = [n for n in names if n.endswith(".png")]
        numbers = sorted(int(re.match(r"图(\d+) ", n).group(1)) for n in pngs)
        assert numbers == list(range(1, len(items) + 1))
        assert f"图1 {items[0].caption}.png" in names  # the caption is the file name
        assert all(archive.getinfo(n).file_size > 10_000 for n in pngs)
        assert "未配置标准地图" in archive.read("说明.txt").decode("utf-8-sig")
        [book] = [n for n in names if n.endswith(".xlsx")]
        workbook = openpyxl.load_workbook(io.BytesIO(archive.read(book)))
    assert workbook.sheetnames == [f"图{i}" for i in numbers]
    assert workbook["图1"]["A1"].value == f"图1　{items[0].caption}"
    assert any(
        "下载：苍南县_2022-04_全部图表.zip" in shown(d.proto.label)
        for d in at.get("download_button")
    )


def test_with_an_approved_base_map_the_map_goes_too(warehouse, tmp_path, monkeypatch):
    from dashboard.report_block import chart_items
    from pipeline.access.scope import Scope
    from pipeline.charts.base import ChartContext
    from pipeline.queries.base import Filters
    from tests.charts.test_chart_defects import _standard_map

    monkeypatch.setenv("CENSUS_BASE_MAP", str(_standard_map(tmp_path)))
    monkeypatch.setenv("CENSUS_BASE_MAP_APPROVAL", "GS(2024)0650号")
    items = chart_items(
        Filters(wave="2022-04"), ChartContext("苍南县", "2022-04"), Scope.for_role("viewer")
    )
    [the_map] = [i for i in items if i.key == "flows_map"]
    notes = " ".join(a.text or "" for a in the_map.figure.layout.annotations)
    assert "审图号：GS(2024)0650号" in notes
