"""A web page's table named .xls (a system's "export to Excel") read as the sheet Excel shows."""

from __future__ import annotations

import pytest

from pipeline.intake.html_table import read_html
from pipeline.intake.readers import FileRejected, read_sheets

PAGE = """<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<style>td {mso-number-format:'\\@';}</style><script>var s = '<td>脚本</td>';</script></head>
<body><table border="1">
<tr><td colspan="5">灵溪镇流动党员普查登记表</td></tr>
<tr><th rowspan="2">姓名</th><th rowspan="2">公民身份<br>号码</th><th colspan="2">流入地</th>
<th rowspan="2">联系<br/>状态</th></tr>
<tr><th>省</th><th>市</th></tr>
<tr><td>张&nbsp;三</td><td>330327198001011237</td><td>浙江省</td><td>杭州市</td><td>正常</td></tr>
<tr><td>李四</td><td>&nbsp;</td><td>上海市</td><td>
  上海市</td><td>失联</td></tr>
</table><table><tr><td><table><tr><td>嵌套</td></tr></table>外层</td></tr></table></body></html>"""


def test_a_system_export_page_is_read_with_its_merges_in_its_charset(tmp_path):
    path = tmp_path / "灵溪镇_系统导出.xls"
    path.write_bytes(PAGE.encode("gb18030"))
    first, second = read_sheets(path)
    assert first.name == "工作表1"
    assert first.rows == [
        ["灵溪镇流动党员普查登记表", "", "", "", ""],
        ["姓名", "公民身份\n号码", "流入地", "", "联系\n状态"],
        ["", "", "省", "市", ""],
        ["张\u00a0三", "330327198001011237", "浙江省", "杭州市", "正常"],
        ["李四", "", "上海市", "上海市", "失联"],  # &nbsp; alone is an empty cell
    ]
    assert first.merged == [(0, 0, 0, 4), (1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 1, 3), (1, 4, 2, 4)]
    assert second.rows == [["嵌套外层"]]  # a nested table's text stays in its cell


@pytest.mark.parametrize(
    "cell", ['<td colspan="16384" rowspan="65536">x</td>', '<td rowspan="999999999">x</td>' * 300]
)
def test_spans_that_would_blow_up_the_grid_refuse_the_page(cell):
    with pytest.raises(FileRejected) as info:
        read_html(f"<table><tr>{cell}</tr></table>".encode())
    assert info.value.reason.startswith("网页表格范围过大")


def test_a_page_of_millions_of_tiny_cells_is_refused_while_it_is_parsed(monkeypatch):
    monkeypatch.setattr("pipeline.intake.html_table._MAX_HTML_CELLS", 1000)
    with pytest.raises(FileRejected) as info:
        read_html(("<table><tr>" + "<td>x</td>" * 1001 + "</tr></table>").encode())
    assert info.value.reason.startswith("网页表格范围过大")
