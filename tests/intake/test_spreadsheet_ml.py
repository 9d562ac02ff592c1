"""Excel 2003's XML Spreadsheet, as older systems "export to Excel" (a .xls that is XML text).

The documents here are written as Excel 2003 writes them: the `ss:` namespace on attributes,
`ss:Index` where cells or rows skip ahead, merges by `ss:MergeAcross`/`ss:MergeDown`, a hidden
sheet by `<x:Visible>SheetHidden</x:Visible>`, a comment's own `<ss:Data>` inside a cell.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline import config
from pipeline.ingest.batch import ingest_paths
from pipeline.intake.readers import FileRejected, detect_format, read_sheets
from tests.conftest import fetch_all, valid_id

ID = valid_id("33032719850315123")

HEAD = """<?xml version="1.0"{encoding}?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel"
 xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:html="http://www.w3.org/TR/REC-html40">
 <DocumentProperties xmlns="urn:schemas-microsoft-com:office:office"><Author>党建系统</Author></DocumentProperties>
 <Styles><Style ss:ID="Default" ss:Name="Normal"><Alignment ss:Vertical="Center"/></Style>
  <Style ss:ID="s21"><NumberFormat ss:Format="yyyy\\-mm\\-dd"/></Style></Styles>
"""

REGISTER = """ <Worksheet ss:Name="流动党员">
  <Table ss:ExpandedColumnCount="7" ss:ExpandedRowCount="5" x:FullColumns="1" x:FullRows="1">
   <Column ss:Index="2" ss:AutoFitWidth="0" ss:Width="60"/>
   <Column ss:Index="7" ss:Hidden="1" ss:AutoFitWidth="0"/>
   <Row ss:AutoFitHeight="0" ss:Height="30">
    <Cell ss:MergeAcross="5"><Data ss:Type="String">灵溪镇流动党员登记表（2024年4月）</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="String">序号</Data></Cell>
    <Cell><Data ss:Type="String">姓名</Data></Cell>
    <Cell><Data ss:Type="String">身份证号</Data></Cell>
    <Cell><Data ss:Type="String">所在党支部</Data></Cell>
    <Cell><Data ss:Type="String">流出时间</Data></Cell>
    <Cell><Data ss:Type="String">流入地</Data></Cell>
    <Cell><Data ss:Type="String">流入地</Data></Cell>
   </Row>
   <Row>
    <Cell><Data ss:Type="Number">1</Data></Cell>
    <Cell><Data ss:Type="String">张三</Data><Comment ss:Author="admin"><ss:Data xmlns="http://www.w3.org/TR/REC-html40"><B>已核实</B></ss:Data></Comment></Cell>
    <Cell><Data ss:Type="String">{id}</Data></Cell>
    <Cell ss:MergeDown="1"><Data ss:Type="String">城东村党支部</Data></Cell>
    <Cell ss:StyleID="s21"><Data ss:Type="DateTime">2021-03-01T00:00:00.000</Data></Cell>
    <Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><Font>浙江省</Font><B>杭州市</B></ss:Data></Cell>
    <Cell><Data ss:Type="String">旧地址</Data></Cell>
   </Row>
   <Row ss:Index="5">
    <Cell><Data ss:Type="Number">2</Data></Cell>
    <Cell><Data ss:Type="String">李四</Data></Cell>
    <Cell ss:Index="5" ss:Formula="=DATE(2022,6,1)"><Data ss:Type="DateTime">2022-06-01T00:00:00.000</Data></Cell>
    <Cell ss:Formula="=VLOOKUP(B5,表2!A:B,2,0)"><Data ss:Type="Error">#N/A</Data></Cell>
   </Row>
  </Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Selected/></WorksheetOptions>
 </Worksheet>
 <Worksheet ss:Name="上次普查">
  <Table><Row><Cell><Data ss:Type="String">姓名</Data></Cell></Row></Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible></WorksheetOptions>
 </Worksheet>
</Workbook>
"""


def _document(tmp_path, name="2024-04_灵溪镇_系统导出.xls", encoding="utf-8", body=REGISTER):
    declared = f' encoding="{encoding.upper()}"' if encoding != "utf-8" else ""
    path = tmp_path / name
    path.write_bytes((HEAD.format(encoding=declared) + body.format(id=ID)).encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "gb2312", "utf-16"])
def test_an_excel_2003_xml_spreadsheet_is_read_as_excel_shows_it(tmp_path, encoding):
    path = _document(tmp_path, encoding=encoding)
    assert detect_format(path) == "spreadsheetml"
    register, old = read_sheets(path)
    assert (old.name, old.hidden, old.rows) == ("上次普查", True, [])  # hidden: never read
    rows = register.rows
    assert register.name == "流动党员" and len(rows) == 5 and {len(r) for r in rows} == {7}
    assert rows[0][0] == "灵溪镇流动党员登记表（2024年4月）"
    assert rows[2][:6] == [1.0, "张三", ID, "城东村党支部", datetime(2021, 3, 1), "浙江省杭州市"]
    assert rows[3] == [""] * 7  # the row ss:Index skipped
    assert rows[4][:6] == [2.0, "李四", "", "", datetime(2022, 6, 1), "#N/A"]
    assert (0, 0, 0, 5) in register.merged and (2, 3, 3, 3) in register.merged
    assert register.hidden_cols == frozenset({6})


def test_it_loads_like_any_register(tmp_path, isolated_env):
    db = isolated_env / "census.duckdb"
    [result] = ingest_paths([_document(tmp_path)], db).files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 2, 0)
    got = fetch_all(
        db,
        "select name, branch, outflow_date, destination_text, township, wave "
        "from members order by excel_row",
    )
    assert [g[:2] for g in got] == [("张三", "城东村党支部"), ("李四", "城东村党支部")]
    assert str(got[0][2]) == "2021-03-01" and got[0][3] == "浙江省杭州市"
    assert got[1][3] is None  # the failed lookup: blank, with a warning
    assert {g[4:] for g in got} == {("灵溪镇", "2024-04")}


@pytest.mark.parametrize(
    "body",
    [
        # a far corner: one cell a million rows down and sixteen thousand columns across
        ' <Worksheet ss:Name="a"><Table><Row ss:Index="1048576"><Cell ss:Index="16384">'
        '<Data ss:Type="String">x</Data></Cell></Row></Table></Worksheet></Workbook>',
        # a merge spanning the whole sheet
        ' <Worksheet ss:Name="a"><Table><Row><Cell ss:MergeAcross="16383" ss:MergeDown="1048575">'
        '<Data ss:Type="String">x</Data></Cell></Row></Table></Worksheet></Workbook>',
    ],
)
def test_a_far_corner_is_refused_before_any_grid_is_built(tmp_path, body):
    with pytest.raises(FileRejected, match="表格范围过大"):
        read_sheets(_document(tmp_path, body=body))
    assert config.MAX_SHEET_CELLS < 1048576 * 16384


@pytest.mark.parametrize(
    "body",
    [
        # entities: a billion laughs, or a file of the server's read through an external one
        '<!DOCTYPE Workbook [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;">]>'
        ' <Worksheet ss:Name="a"><Table><Row><Cell><Data ss:Type="String">&b;</Data></Cell>'
        "</Row></Table></Worksheet></Workbook>",
        '<!DOCTYPE Workbook [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        ' <Worksheet ss:Name="a"><Table><Row><Cell><Data ss:Type="String">&x;</Data></Cell>'
        "</Row></Table></Worksheet></Workbook>",
        # cut off half way
        ' <Worksheet ss:Name="a"><Table><Row><Cell><Data ss:Type="String">张',
    ],
)
def test_hostile_or_broken_documents_are_refused_whole(tmp_path, body):
    path = tmp_path / "2024-04_灵溪镇.xls"
    head = HEAD.format(encoding="")
    if body.startswith("<!DOCTYPE"):  # a document type goes before the root element
        head = head.replace("<Workbook ", body[: body.index("]>") + 2] + "\n<Workbook ", 1)
        body = body[body.index("]>") + 2 :]
    path.write_text(head + body, encoding="utf-8")
    with pytest.raises(FileRejected):
        read_sheets(path)


def test_other_xml_is_still_refused(tmp_path):
    path = tmp_path / "导出.xls"
    path.write_text('<?xml version="1.0"?><data><row a="1"/></data>', encoding="utf-8")
    with pytest.raises(FileRejected, match="XML 数据"):
        read_sheets(path)


def _sheet_xml(name: str, table: str) -> str:
    return f' <Worksheet ss:Name="{name}"><Table>{table}</Table></Worksheet>\n'


_ROWS = (
    '<Row><Cell><Data ss:Type="String">姓名</Data></Cell>'
    '<Cell><Data ss:Type="String">流入地</Data></Cell></Row>'
    '<Row><Cell><Data ss:Type="String">张三</Data></Cell>'
    '<Cell><Data ss:Type="String">上海</Data></Cell></Row>'
)


def test_hidden_column_spans_cost_the_sheets_width_not_their_own(tmp_path):
    """A 16,384-column hidden span repeated twenty thousand times (1 MB) took 12 s and the
    columns past the sheet's edge were kept, one set entry each; hidden columns are those of
    the sheet."""
    spans = '<Column ss:Index="2" ss:Hidden="1" ss:Span="16382"/>' * 20_000
    body = _sheet_xml("名单", spans + _ROWS) + "</Workbook>"
    [sheet] = read_sheets(_document(tmp_path, body=body))
    assert sheet.rows[1] == ["张三", "上海"]
    assert sheet.hidden_cols == frozenset({1})


def test_a_workbook_of_more_sheets_than_a_county_has_is_refused(tmp_path):
    body = "".join(_sheet_xml(f"表{i}", _ROWS) for i in range(1_001)) + "</Workbook>"
    with pytest.raises(FileRejected, match="工作表过多"):
        read_sheets(_document(tmp_path, body=body))


def test_overlapping_merges_are_refused_before_they_are_filled(tmp_path):
    """Each row merged down a hundred thousand rows over the others: filling them walked
    every merge's rows in the layout (a batch stalled for minutes)."""
    merges = "".join(
        f'<Row><Cell ss:MergeDown="100000"><Data ss:Type="String">{i}</Data></Cell></Row>'
        for i in range(50)
    )
    body = _sheet_xml("名单", _ROWS + merges) + "</Workbook>"
    with pytest.raises(FileRejected, match="合并单元格异常"):
        read_sheets(_document(tmp_path, body=body))


def test_data_outside_a_cell_is_placed_nowhere(tmp_path):
    """A <Data> before any row stood in the last row (row -1 of a list)."""
    rows = _ROWS + '<Row><Cell ss:Index="2"><Data ss:Type="String">杭州</Data></Cell></Row>'
    body = _sheet_xml("名单", '<Data ss:Type="String">孤立</Data>' + rows) + "</Workbook>"
    [sheet] = read_sheets(_document(tmp_path, body=body))
    assert sheet.rows == [["姓名", "流入地"], ["张三", "上海"], ["", "杭州"]]
