"""LibreOffice's .ods (as 国产 desktops and WPS can save a register) is read like a workbook:
by calamine, in the contained child that may die alone (no guard scans an .ods in-process)."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pandas as pd
import pytest

from pipeline.ingest.batch import ingest_paths
from pipeline.intake.readers import FileRejected, detect_format, read_sheets
from tests.conftest import HEADER, fetch_all, member, valid_id


def _ods(path, rows):
    """Written by odfpy through pandas, as LibreOffice reads and writes it."""
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    with pd.ExcelWriter(path, engine="odf") as writer:
        frame.to_excel(writer, sheet_name="名单", index=False)
    return path


def test_an_ods_register_loads(tmp_path, isolated_env):
    rows = [
        HEADER,
        member(seq=1, name="张三"),
        member(seq=2, name="李四", status="失联", id_number=valid_id("33032719900202123")),
    ]
    path = _ods(tmp_path / "2022-04_灵溪镇_流动党员.ods", rows)
    assert detect_format(path) == "ods"
    [result] = ingest_paths([path], isolated_env / "census.duckdb").files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 0)
    got = fetch_all(
        isolated_env / "census.duckdb",
        "select name, contact_status, township, wave from members order by excel_row",
    )
    assert got == [("张三", "正常", "灵溪镇", "2022-04"), ("李四", "失联", "灵溪镇", "2022-04")]


def test_an_ods_keeps_its_types(tmp_path):
    rows = [["姓名", "流出时间", "身份证号"], ["张三", datetime(2021, 3, 1), "330327198001011234"]]
    sheet = read_sheets(_ods(tmp_path / "名单.ods", rows))[0]
    assert sheet.name == "名单"
    assert sheet.rows[1] == ["张三", datetime(2021, 3, 1), "330327198001011234"]


_CONTENT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="名单">{rows}</table:table>'
    "</office:spreadsheet></office:body></office:document-content>"
)


def _raw_ods(path, rows_xml: str):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                    compress_type=zipfile.ZIP_STORED)  # fmt: skip
        zf.writestr("content.xml", _CONTENT.format(rows=rows_xml), zipfile.ZIP_DEFLATED)
        zf.writestr("META-INF/manifest.xml", "<manifest/>", zipfile.ZIP_DEFLATED)
    return path


@pytest.mark.parametrize(
    "rows",
    [
        # a far corner: a value after a million empty rows of sixteen thousand cells
        '<table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
        '<table:table-row><table:table-cell table:number-columns-repeated="16383"/>'
        '<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>'
        "</table:table-row>",
        "<table:table-row><table:table-cell><text:p>",  # cut off
    ],
)
def test_a_hostile_or_broken_ods_is_refused_whole(tmp_path, rows):
    with pytest.raises(FileRejected):
        read_sheets(_raw_ods(tmp_path / "2022-04_灵溪镇.ods", rows))
