"""Downloads: CSV that Excel on Chinese Windows opens, XLSX, and PNGs with real Chinese."""

from __future__ import annotations

import io

import numpy as np
import openpyxl
import pandas as pd
import pytest
from PIL import Image

from pipeline.charts import export as exports
from pipeline.charts import labels
from pipeline.charts import units as charts
from pipeline.charts.base import ChartContext

FRAME = pd.DataFrame(
    {"township": ["xx镇", "钱库镇"], "outflow": [195, 108], "lost_contact": [9, 10]}
)
CTX = ChartContext(scope="苍南县", wave="2022-04", as_of="2024-05-01 10:20")


def test_csv_has_bom_and_chinese_headers():
    data = exports.to_csv(labels.chinese(FRAME))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "乡镇,流出党员（人）,失联（人）"
    assert "xx镇,195,9" in text


def test_xlsx_opens_with_title_header_and_values():
    data = exports.to_xlsx(
        labels.chinese(FRAME), sheet="各乡镇流出党员", title="苍南县 2022年4月普查"
    )
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["各乡镇流出党员"]
    assert sheet["A1"].value == "苍南县 2022年4月普查"
    assert [c.value for c in sheet[3]] == ["乡镇", "流出党员（人）", "失联（人）"]
    assert [c.value for c in sheet[4]] == ["xx镇", 195, 9]


def test_xlsx_with_missing_values_and_dates():
    frame = pd.DataFrame(
        {
            "members_total": [957, None],
            "loaded_at": pd.to_datetime(["2024-05-01", None]),
            "township": ["xx镇", None],
        }
    )
    book = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(labels.chinese(frame))))
    rows = [[c.value for c in r] for r in book.active.iter_rows()]
    assert rows[0] == ["党员总数", "入库时间", "乡镇"] and rows[1][0] == 957


def test_xlsx_sheet_names_are_cut_to_excels_limit():
    data = exports.to_xlsx(FRAME, sheet="很长的工作表名称" * 6)
    assert len(openpyxl.load_workbook(io.BytesIO(data)).sheetnames[0]) == 31


needs_chromium = pytest.mark.skipif(exports.chromium_path() is None, reason="no Chromium")


def _title_band(png: bytes) -> np.ndarray:
    """The title area of a 2x export, as greyscale."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return np.asarray(image)[10:90, 0:1000]


def _scope_figure(scope: str):
    df = pd.DataFrame({"scope": ["跨省", "县内"], "outflow": [40, 128]})
    return charts.scope_breakdown(df, ChartContext(scope=scope, wave="2022-04"))


@needs_chromium
def test_png_export_renders_chinese_glyphs():
    fig = _scope_figure("苍南县")
    png = exports.to_png(fig)
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size == (exports.PNG_WIDTH * 2, int(fig.layout.height) * 2)  # scale 2
    band = _title_band(png)
    ink = (band < 128).mean()
    assert 0.01 < ink < 0.5, ink  # the title is drawn: dark glyph pixels, not a blank strip
    # Missing-glyph boxes look alike whatever the text; real glyphs do not. Two titles that
    # differ only in Chinese characters must therefore render differently.
    other = exports.to_png(
        charts.scope_breakdown(
            pd.DataFrame({"scope": ["跨省", "县内"], "outflow": [40, 128]}),
            ChartContext(scope="苍南县", wave="2022-04"),
        ).update_layout(title_text="流出党员职业构成（人，%）")
    )
    assert (np.abs(band.astype(int) - _title_band(other).astype(int)) > 64).mean() > 0.01


@needs_chromium
def test_png_export_reuses_one_warm_browser():
    import time

    exports.to_png(_scope_figure("钱库镇"))  # warm
    start = time.perf_counter()
    for _ in range(3):
        exports.to_png(_scope_figure("宜山镇"))
    assert (time.perf_counter() - start) / 3 < 3.0  # a cold Chromium start alone takes ~4 s


@needs_chromium
def test_png_export_of_the_china_map():
    df = pd.DataFrame({"province_code": ["330000", "440000"], "outflow": [128, 40]})
    png = exports.to_png(charts.province_map(df, CTX, home_county="330327"))
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    # The deepest class colour (Zhejiang, ≥100 人) is on the map.
    deep = np.abs(image - np.array([0x6E, 0x12, 0x0D])).sum(axis=2) < 30
    assert deep.sum() > 100
