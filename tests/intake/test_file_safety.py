"""File-level safety: wrong formats, encryption, empty files, zip bombs and hostile sheets.

Every fixture is a real file written into tmp_path. calamine aborts the whole process on some of
these, so a test that reaches calamine by mistake kills the test run: that is the point.
"""

from __future__ import annotations

import os
import random
import re
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter
import xlwt

from pipeline import config
from pipeline.intake import cell_guard, sniff
from pipeline.intake.readers import FileRejected, detect_format, read_sheets

# ---------------------------------------------------------------------------------------------
# Fixture writers

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="登记表" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def cell(ref: str | None, text: str, prefix: str = "") -> str:
    """An inline-string cell, optionally without its r attribute."""
    r = f' r="{ref}"' if ref else ""
    return f'<{prefix}c{r} t="inlineStr"><{prefix}is><{prefix}t>{text}</{prefix}t></{prefix}is></{prefix}c>'


def raw_xlsx(
    path: Path,
    sheet_data: str,
    dimension: str | None = "A1",
    extra: str = "",
    prefix: str = "",
    skip: tuple[str, ...] = (),
) -> Path:
    """A minimal but valid xlsx whose sheet XML is written by hand."""
    p = prefix
    xmlns = f' xmlns:{prefix[:-1]}="{_NS}"' if prefix else f' xmlns="{_NS}"'
    dim = f'<{p}dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><{p}worksheet{xmlns}>{dim}'
        f"<{p}sheetData>{sheet_data}</{p}sheetData>{extra}</{p}worksheet>"
    )
    parts = {
        "[Content_Types].xml": _CONTENT_TYPES,
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK,
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS,
        "xl/worksheets/sheet1.xml": sheet,
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            if name not in skip:
                zf.writestr(name, text)
    return path


def far_corner_xlsx(path: Path, with_title: bool = True) -> Path:
    """What a stray keystroke in XFD1048576 produces: xlsxwriter writes it like Excel does."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("登记表")
    if with_title:
        sheet.write("A1", "xx镇流动党员普查登记表")
    sheet.write("XFD1048576", "x")
    book.close()
    return path


def ole2_file(path: Path, streams: dict[str, bytes]) -> Path:
    """A compound file (MS-CFB v3) with the given top-level streams, as Office writes them.

    An xlsx protected with a password is such a container holding EncryptionInfo and
    EncryptedPackage streams instead of a zip.
    """
    names = list(streams)
    assert len(names) <= 3  # one directory sector holds the root and three streams
    # At least 4096 bytes each, so they live in regular sectors rather than the mini stream.
    blobs = [streams[n].ljust(max(4096, -(-len(streams[n]) // 512) * 512), b"\0") for n in names]
    end, free, fat_sect, nostream = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sect, end]
    starts = []
    for blob in blobs:
        count = len(blob) // 512
        starts.append(len(fat))
        fat.extend(range(len(fat) + 1, len(fat) + count))
        fat.append(end)
    fat += [free] * (128 - len(fat))
    header = bytearray(512)
    header[:8] = sniff._OLE2_MAGIC
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 40, 0, 1, 1, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 76, 0, *([free] * 108))

    def entry(name: str, kind: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(raw), kind, 1, nostream, right, child)
            + bytes(16)
            + struct.pack("<IQQIQ", 0, 0, 0, start, size)
        )

    directory = entry("Root Entry", 5, nostream, 1 if names else nostream, end, 0)
    for i, name in enumerate(names):
        right = i + 2 if i + 1 < len(names) else nostream
        directory += entry(name, 2, right, nostream, starts[i], len(streams[name]))
    directory = directory.ljust(512, b"\0")
    path.write_bytes(bytes(header) + struct.pack("<128I", *fat) + directory + b"".join(blobs))
    return path


def patch_sheet_size(path: Path, member: str, declared: bytes) -> None:
    """Make the zip directory claim `member` holds only `declared` (with a matching CRC)."""
    data = bytearray(path.read_bytes())
    info = zipfile.ZipFile(path).getinfo(member)
    crc = zlib.crc32(declared)
    struct.pack_into("<I", data, info.header_offset + 14, crc)
    struct.pack_into("<I", data, info.header_offset + 22, len(declared))
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == member.encode():
            struct.pack_into("<I", data, at + 16, crc)
            struct.pack_into("<I", data, at + 24, len(declared))
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))


def rejected(path: Path) -> str:
    with pytest.raises(FileRejected) as info:
        read_sheets(path)
    assert info.value.reason and info.value.reason == str(info.value)
    return info.value.reason


# ---------------------------------------------------------------------------------------------
# Not a spreadsheet, encrypted, empty


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), "图片"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(64), "图片"),
        (b"Rar!\x1a\x07\x00" + bytes(64), "RAR"),
    ],
)
def test_other_file_types_named_xlsx_are_not_spreadsheets(tmp_path, content, what):
    path = tmp_path / "2022-04_xx镇_流动党员普查.xlsx"
    path.write_bytes(content)
    reason = rejected(path)
    assert reason.startswith("不是电子表格文件") and what in reason


def test_random_bytes_are_not_a_spreadsheet(tmp_path):
    path = tmp_path / "普查.xlsx"
    path.write_bytes(random.Random(7).randbytes(50_000))
    assert rejected(path).startswith("不是电子表格文件")


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"word/document.xml": "<w:document/>", "[Content_Types].xml": "<Types/>"}, "Word"),
        ({"readme.txt": "hello", "data.csv": "姓名\n张三\n"}, "zip 压缩包"),
        ({"xl/workbook.bin": "\x00\x01", "[Content_Types].xml": "<Types/>"}, ".xlsb"),
    ],
)
def test_zip_that_is_not_an_xlsx_is_named(tmp_path, members, expected):
    path = tmp_path / "普查.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    reason = rejected(path)
    assert expected in reason
    assert reason.startswith(("不是电子表格文件", "暂不支持"))


def test_ole2_writer_is_a_real_compound_file(tmp_path):
    # xlrd's own compound-file parser must agree with the fixture (and so with our sniffer).
    from xlrd.compdoc import CompDoc

    path = ole2_file(
        tmp_path / "x.bin",
        {"EncryptionInfo": b"\x04\x00\x04\x00", "EncryptedPackage": b"\x01" * 5000},
    )
    with open(os.devnull, "w") as quiet:
        doc = CompDoc(path.read_bytes(), logfile=quiet)
    listed = [d.name for d in doc.dirlist if d.name]
    assert listed == ["Root Entry", "EncryptionInfo", "EncryptedPackage"]
    assert doc.get_named_stream("EncryptedPackage")[:5000] == b"\x01" * 5000
    assert sniff.ole2_entry_names(path) == listed


def test_password_protected_xlsx_is_rejected_as_encrypted(tmp_path):
    path = ole2_file(
        tmp_path / "金乡镇_2022-04.xlsx",
        {
            "EncryptionInfo": b"\x04\x00\x04\x00\x40\x00\x00\x00",
            "EncryptedPackage": os.urandom(6000),
        },
    )
    with pytest.raises(FileRejected) as info:
        detect_format(path)
    assert info.value.reason.startswith("文件已加密")
    assert rejected(path).startswith("文件已加密")


def test_ole2_word_document_is_not_a_spreadsheet(tmp_path):
    path = ole2_file(
        tmp_path / "普查.xls", {"WordDocument": b"\xec\xa5" * 100, "1Table": b"\0" * 100}
    )
    reason = rejected(path)
    assert reason.startswith("不是电子表格文件") and "Word" in reason


def test_real_xls_is_recognised_by_its_bytes_whatever_its_name(tmp_path):
    book = xlwt.Workbook()
    book.add_sheet("第一支部").write(0, 0, "姓名")
    path = tmp_path / "普查.xlsx"
    book.save(str(path))
    assert detect_format(path) == "xls"


@pytest.mark.parametrize("content", [b"", b" \r\n", b",,,\r\n,,,\r\n", "\ufeff,,\n".encode()])
def test_empty_text_files_are_rejected(tmp_path, content):
    path = tmp_path / "普查.csv"
    path.write_bytes(content)
    reason = rejected(path)
    assert reason.startswith(("文件为空", "文件中没有任何数据"))


def test_workbook_without_any_value_is_rejected(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "空.xlsx"))
    sheet = book.add_worksheet("第一支部")
    sheet.write_blank(0, 0, None, book.add_format({"bold": True}))
    sheet.write(1, 1, "   ")
    book.add_worksheet("第二支部")
    book.close()
    assert rejected(tmp_path / "空.xlsx").startswith("文件中没有任何数据")


def test_html_table_and_excel_2003_xml_saved_as_xls_are_read(tmp_path):
    path = tmp_path / "系统导出.xls"
    path.write_text(
        "<html><head><meta charset='utf-8'></head><body><table><tr><td>姓名</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    assert detect_format(path) == "html"
    assert read_sheets(path)[0].rows == [["姓名"]]
    xml = tmp_path / "系统导出2003.xls"
    xml.write_text(
        '<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?>'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="表">'
        '<Table><Row><Cell><Data ss:Type="String">姓名</Data></Cell></Row></Table>'
        "</Worksheet></Workbook>",
        encoding="utf-8",
    )
    assert detect_format(xml) == "spreadsheetml"
    assert read_sheets(xml)[0].rows == [["姓名"]]
    # the same with its ss: prefix never declared is not well-formed XML: refused whole
    xml.write_text(xml.read_text(encoding="utf-8").replace(" xmlns:ss=", " xmlns:zz="), "utf-8")
    assert rejected(xml)


def test_text_with_nul_bytes_is_not_a_spreadsheet(tmp_path):
    path = tmp_path / "普查.csv"
    path.write_bytes(b"name,phone\n\x00\x00\x00\x01\x02binary\x00\n")
    assert rejected(path).startswith("不是电子表格文件")


def test_undecodable_text_is_rejected_with_encoding_hint(tmp_path):
    path = tmp_path / "普查.csv"
    path.write_bytes("姓名,电话\n张三,1\n".encode("gb18030") + b"\xff\xfe\xff\x80,\xff\n")
    assert "编码" in rejected(path)


# ---------------------------------------------------------------------------------------------
# Corrupt and truncated files


def _plain_xlsx(path: Path, rows: int = 300) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("第一支部")
    for r in range(rows):
        sheet.write_row(r, 0, [f"党员{r}", "男", f"3303271980{r:08d}", 13800000000 + r])
    book.close()
    return path


def test_truncated_xlsx_is_rejected_as_corrupt(tmp_path):
    path = _plain_xlsx(tmp_path / "普查.xlsx")
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    assert rejected(path).startswith("文件已损坏")


def test_damaged_sheet_stream_is_rejected(tmp_path):
    path = _plain_xlsx(tmp_path / "普查.xlsx", rows=3000)
    info = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml")
    data = bytearray(path.read_bytes())
    middle = info.header_offset + 30 + len(info.filename) + info.compress_size // 2
    data[middle : middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    rejected(path)


def test_malformed_sheet_xml_is_rejected_not_raised(tmp_path):
    path = raw_xlsx(
        tmp_path / "普查.xlsx", '<row r="1"><c r="A1" t="n"><v>not a number</v></c><row>'
    )
    rejected(path)


def test_workbook_missing_its_sheet_part_is_rejected(tmp_path):
    path = raw_xlsx(
        tmp_path / "普查.xlsx",
        '<row r="1">' + cell("A1", "x") + "</row>",
        skip=("xl/_rels/workbook.xml.rels",),
    )
    rejected(path)


def test_truncated_xls_is_rejected(tmp_path):
    book = xlwt.Workbook()
    sheet = book.add_sheet("第一支部")
    for r in range(2000):
        sheet.write(r, 0, f"党员{r}")
    path = tmp_path / "普查.xls"
    book.save(str(path))
    path.write_bytes(path.read_bytes()[:6000])
    rejected(path)


# ---------------------------------------------------------------------------------------------
# Size limits and zip bombs


def test_file_above_max_file_bytes_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "巨大.csv"
    with open(path, "wb") as fh:  # sparse: costs no disk
        fh.truncate(config.MAX_FILE_BYTES + 1)

    def read_whole(self, *args, **kwargs):
        raise AssertionError("the oversized file was read whole")

    monkeypatch.setattr(Path, "read_bytes", read_whole)
    monkeypatch.setattr(Path, "read_text", read_whole)
    assert rejected(path).startswith("文件过大")


@pytest.fixture(scope="module")
def gib_bomb(tmp_path_factory) -> Path:
    """A valid-looking xlsx whose sheet inflates to 1 GiB of zeros (about 1 MB on disk)."""
    path = tmp_path_factory.mktemp("bomb") / "2022-04_xx镇_流动党员普查.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/workbook.xml", _WORKBOOK),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
        ):
            zf.writestr(name, text)
        chunk = bytes(1 << 20)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(1024):
                fh.write(chunk)
    return path


def test_gib_zip_bomb_is_refused_within_a_second(gib_bomb):
    assert gib_bomb.stat().st_size < 8 * 1024 * 1024
    started = time.perf_counter()
    reason = rejected(gib_bomb)
    assert time.perf_counter() - started < 1.0
    assert "压缩炸弹" in reason


def test_highly_compressed_part_below_the_size_limit_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "普查.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/worksheets/sheet1.xml", bytes(64 * 1024 * 1024))

    def inflate(*args, **kwargs):
        raise AssertionError("the part was inflated before its ratio was judged")

    # refused from the zip directory alone: nothing of the 64 MiB is ever inflated
    monkeypatch.setattr(cell_guard.zlib, "decompressobj", inflate)
    assert "压缩比异常" in rejected(path)


def test_part_inflating_beyond_its_declared_size_is_refused(tmp_path):
    # zipfile stops quietly at the declared size, so a lying header could hide cells from a scan.
    path = raw_xlsx(
        tmp_path / "普查.xlsx",
        '<row r="1">'
        + cell("A1", "x")
        + "</row>"
        + '<row r="1048576">'
        + cell("XFD1048576", "y")
        + "</row>",
    )
    member = "xl/worksheets/sheet1.xml"
    full = zipfile.ZipFile(path).read(member)
    declared = full[: full.index(b'<row r="1048576"')]
    patch_sheet_size(path, member, declared)
    assert zipfile.ZipFile(path).read(member) == declared  # zipfile is fooled
    assert "声明" in rejected(path)


def test_zip_with_a_huge_directory_is_refused_before_parsing_it(tmp_path):
    path = tmp_path / "普查.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        for i in range(10_001):
            zf.writestr(f"x/{i}", b"")
    assert "部件" in rejected(path)


# ---------------------------------------------------------------------------------------------
# Hostile sheets: calamine would abort the process


def test_far_corner_cell_aborts_calamine_in_a_subprocess(tmp_path):
    """The hazard the guard exists for: an uncatchable abort, not an exception."""
    path = far_corner_xlsx(tmp_path / "远角.xlsx")
    code = (
        "import sys, python_calamine as pc;"
        "pc.CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)],
        capture_output=True,
        timeout=120,
        env={**os.environ, "RUST_BACKTRACE": "0"},
    )
    assert done.returncode != 0, "calamine no longer aborts here; the guard is still correct"
    assert b"memory allocation" in done.stderr or done.returncode < 0


@pytest.mark.parametrize("with_title", [True, False])
def test_far_corner_workbook_is_rejected_in_process(tmp_path, with_title):
    # Reaching calamine in-process would kill this test run, not fail it.
    path = far_corner_xlsx(tmp_path / "远角.xlsx", with_title)
    reason = rejected(path)
    assert reason.startswith("工作表范围过大") and "XFD1048576" in reason


def test_styled_far_cell_outside_a_lying_dimension_is_found(tmp_path):
    path = raw_xlsx(
        tmp_path / "普查.xlsx",
        '<row r="1">'
        + cell("A1", "姓名")
        + "</row>"
        + '<row r="1048576"><c r="XFD1048576" s="0"><v>1</v></c></row>',
        dimension="A1",
    )
    assert rejected(path).startswith("工作表范围过大")


def test_dimension_alone_does_not_reject_a_small_sheet(tmp_path):
    path = raw_xlsx(
        tmp_path / "普查.xlsx",
        '<row r="1">' + cell("A1", "姓名") + cell("B1", "电话") + "</row>",
        dimension="A1:XFD1048576",
    )
    assert read_sheets(path)[0].rows == [["姓名", "电话"]]


def test_wide_and_tall_cells_that_multiply_past_the_limit_are_rejected(tmp_path):
    # Neither far row nor far column is alarming alone; their product is.
    path = raw_xlsx(
        tmp_path / "普查.xlsx",
        '<row r="1">'
        + cell("A1", "x")
        + cell("ZZ1", "y")
        + "</row>"
        + '<row r="60000">'
        + cell("A60000", "z")
        + "</row>",
        dimension=None,
    )
    assert rejected(path).startswith("工作表范围过大")


def test_cells_without_references_are_read_in_a_contained_process(tmp_path):
    path = raw_xlsx(
        tmp_path / "普查.xlsx",
        "<row>"
        + cell(None, "姓名")
        + cell(None, "电话")
        + "</row>"
        + "<row>"
        + cell(None, "张三")
        + cell(None, "13800001111")
        + "</row>",
    )
    assert not cell_guard.scan_xlsx_cells(path.read_bytes())
    assert read_sheets(path)[0].rows == [["姓名", "电话"], ["张三", "13800001111"]]


def test_hostile_cells_without_references_only_kill_the_child(tmp_path):
    # 20,000 empty <c/> push the last column out; calamine then allocates ~670 GB and aborts.
    row1 = '<row r="1">' + cell("A1", "x") + "<c/>" * 20_000 + cell(None, "y") + "</row>"
    path = raw_xlsx(tmp_path / "普查.xlsx", row1 + '<row r="1048576">' + cell(None, "z") + "</row>")
    assert not cell_guard.scan_xlsx_cells(path.read_bytes())
    assert rejected(path)


def test_second_r_attribute_is_not_trusted(tmp_path):
    # calamine places a cell at its last r attribute: B1 here would really be XFD1048576.
    far = '<c r="B1" r="XFD1048576" t="inlineStr"><is><t>y</t></is></c>'
    path = raw_xlsx(
        tmp_path / "普查.xlsx", '<row r="1">' + cell("A1", "x") + far + "</row>", dimension="A1:B1"
    )
    assert not cell_guard.scan_xlsx_cells(path.read_bytes())
    assert rejected(path)


# The cell-tag rule without its shortcuts for common tags: the shortcuts only make it faster.
_GENERAL_CELL = re.compile(
    rb'<c(?! r="[A-Z]{1,3}[1-9][0-9]{0,6}"(?: [A-Za-qs-z_][\w.:-]*="[^"<]*")*/?>)[\s/>]'
)


@pytest.mark.parametrize(
    "tag",
    [
        '<c r="A1">', '<c r="A1"/>', '<c r="A1" t="s">', '<c r="A1" t="inlineStr"/>',
        '<c r="A1" s="12" t="s">', '<c r="A1" s="3"/>', '<c r="A1" cm="1" t="str">',
        '<c r="A1" t="s" r="XFD1048576">', '<c r="A1" s="3" r="XFD1">',
        '<c r="A1" s="3" t="s" r="B2">', '<c r="A1" t="s"r="B2">', "<c r=\"A1\" t='s'>",
        '<c r="A1"  t="s">', '<c r="A1" t="s" >', '<c r="A1" t="s"\n>', '<c r="A1" s="" t="s">',
        '<c r="A1" t="x<y">', '<c r="A1" s="3" t="s" s="4">', '<c t="s" r="A1">', "<c>",
    ],
)  # fmt: skip
def test_common_tag_shortcuts_accept_exactly_what_the_general_rule_accepts(tag):
    data = tag.encode()
    assert bool(cell_guard._IRREGULAR_CELL.search(data)) == bool(_GENERAL_CELL.search(data))
    in_box = cell_guard._in_box_pattern(b"Z", b"99")
    assert bool(in_box.search(data)) == bool(_GENERAL_CELL.search(data))


def test_namespace_prefixed_cells_are_read_in_a_contained_process(tmp_path):
    rows = (
        '<x:row r="1">'
        + cell("A1", "姓名", "x:")
        + "</x:row>"
        + '<x:row r="2">'
        + cell("A2", "张三", "x:")
        + "</x:row>"
    )
    path = raw_xlsx(tmp_path / "普查.xlsx", rows, prefix="x:")
    assert not cell_guard.scan_xlsx_cells(path.read_bytes())
    assert read_sheets(path)[0].rows == [["姓名"], ["张三"]]


def test_row_numbers_beyond_excel_limits_are_rejected(tmp_path):
    path = raw_xlsx(
        tmp_path / "普查.xlsx",
        '<row r="1">'
        + cell("A1", "x")
        + "</row>"
        + '<row r="99999999">'
        + cell("A99999999", "y")
        + "</row>",
    )
    rejected(path)


def test_xls_whose_cell_sits_far_away_only_kills_the_child(tmp_path):
    # BIFF stores row and column as 16-bit numbers; calamine places cells while opening the file.
    book = xlwt.Workbook()
    sheet = book.add_sheet("第一支部")
    sheet.write(0, 0, "姓名")
    sheet.write(1, 1, 12345.6789)
    path = tmp_path / "普查.xls"
    book.save(str(path))
    data = bytearray(path.read_bytes())
    at = data.find(struct.pack("<d", 12345.6789))
    assert data[at - 10 : at - 6] == b"\x03\x02\x0e\x00"  # the NUMBER record holding it
    struct.pack_into("<HH", data, at - 6, 0xFFFF, 0xFFFF)
    path.write_bytes(bytes(data))
    assert rejected(path)


def test_overlapping_merges_are_rejected_but_repeated_ones_are_not(tmp_path):
    def book(name: str, refs: list[str]) -> Path:
        merges = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs)
        return raw_xlsx(
            tmp_path / name,
            '<row r="1">'
            + cell("A1", "x")
            + cell("B1", "y")
            + "</row>"
            + '<row r="2">'
            + cell("A2", "z")
            + "</row>",
            dimension="A1:B2",
            extra=f'<mergeCells count="{len(refs)}">{merges}</mergeCells>',
        )

    # Thousands of overlapping full-sheet merges would make filling them cost sheet x merges.
    assert "合并单元格" in rejected(book("overlap.xlsx", ["A1:B2", "A1:B1", "A2:B2", "B1:B2"]))
    assert read_sheets(book("repeat.xlsx", ["A1:B1"] * 3))[0].merged == [(0, 0, 0, 1)]


def test_huge_merged_range_is_clipped_to_the_sheet(tmp_path):
    path = raw_xlsx(
        tmp_path / "普查.xlsx",
        '<row r="1">'
        + cell("A1", "标题")
        + "</row>"
        + '<row r="2">'
        + cell("A2", "姓名")
        + cell("B2", "电话")
        + "</row>",
        dimension="A1:B2",
        extra='<mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>',
    )
    assert read_sheets(path)[0].merged == [(0, 0, 1, 1)]


def test_csv_whose_width_times_height_explodes_is_rejected_quickly(tmp_path):
    # One very wide row, then many short ones: padding rows to the width would need 40M cells.
    path = tmp_path / "普查.csv"
    path.write_bytes(("x" + "," * 20_000 + "\n" + "a\n" * 2_000).encode())
    started = time.perf_counter()
    assert rejected(path).startswith("表格范围过大")
    assert time.perf_counter() - started < 5


def test_csv_with_an_overlong_field_is_rejected(tmp_path):
    path = tmp_path / "普查.csv"
    path.write_bytes(b'name,note\n"' + b"x" * 200_000 + b'",1\n')
    assert rejected(path).startswith("CSV 文件格式错误")


# ---------------------------------------------------------------------------------------------
# Speed of the guard


def _cpu(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def test_scan_inflates_parts_exactly_as_zipfile_does(tmp_path):
    # The scan inflates parts itself (to catch lying sizes); it must see every byte zipfile sees.
    path = tmp_path / "parts.zip"
    rng = random.Random(3)
    members = {
        "small.xml": b"<a/>",
        "rows.xml": b"".join(
            b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, rng.randrange(10**9))
            for i in range(1, 400_000)
        ),
        "runs.xml": b"".join(bytes([65 + i % 26]) * rng.randrange(1, 200_000) for i in range(200)),
    }
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, content, zipfile.ZIP_DEFLATED)
            zf.writestr("stored/" + name, content, zipfile.ZIP_STORED)
    with zipfile.ZipFile(path) as zf, open(path, "rb") as raw:
        for info in zf.infolist():
            pieces = list(cell_guard._inflate(raw, info))
            assert pieces[-1] == (b"", True)
            assert b"".join(p for p, _ in pieces) == zf.read(info), info.filename


@pytest.mark.parametrize("last", ["A1", "V100001", "AD5000", "N31", "XFD1048576", "BA7", "Z99"])
def test_dimension_box_pattern_hits_exactly_the_cells_outside_it(last):
    col = "".join(ch for ch in last if ch.isalpha())
    row = int(last[len(col) :])
    pattern = cell_guard._in_box_pattern(col.encode(), str(row).encode())
    max_col = cell_guard.column_number(col)
    cols = sorted(
        {1, 2, 25, 26, 27, 52, 53, 702, 703, 16384, 16385, max_col - 1, max_col, max_col + 1} - {0}
    )
    rows = sorted(
        {1, 9, 10, 99, 100, 1000, 99999, 100000, 100001, 100002, 1048576, row - 1, row, row + 1}
        - {0}
    )
    for c in cols:
        for r in rows:
            tag = f'<c r="{cell_guard.column_letters(c)}{r}" s="1" t="s"><v>0</v></c>'.encode()
            assert bool(pattern.search(tag)) == (c > max_col or r > row), tag
    for odd in (
        b'<c r="a1"/>',
        b'<c r="A01"/>',
        b"<c>",
        b'<c s="1" r="A1"/>',
        b"<c r='A1'/>",
        b'<c r="A1" r="A1"/>',
        b'<c  r="A1"/>',
        b'<c\tr="A1"/>',
    ):
        assert pattern.search(odd), odd  # anything but the plain form goes the careful way
    assert not pattern.search(b'<cols><col min="1" max="3"/></cols><cfRule type="x"/>')


def test_a_wps_et_file_is_read_by_its_bytes_or_refused_in_wps_words(tmp_path):
    """An .et that is BIFF inside (as WPS long saved it) is the .xls it is; one that is not
    is refused with how to save it from WPS, not as "not a spreadsheet"."""
    book = xlwt.Workbook()
    book.add_sheet("第一支部").write(0, 0, "姓名")
    biff = tmp_path / "桥墩镇.et"
    book.save(str(biff))
    assert detect_format(biff) == "xls"
    other = ole2_file(tmp_path / "桥墩镇_新版.et", {"WpsContent": b"\x01" * 600})
    assert rejected(other).startswith("暂不支持 WPS 表格专用格式")
    not_et = ole2_file(tmp_path / "桥墩镇.xls", {"WpsContent": b"\x01" * 600})
    assert rejected(not_et).startswith("不是电子表格文件")
