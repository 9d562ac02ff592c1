"""Word primitives for the report: A4 pages, Chinese fonts, body text, pictures, tables.

Chinese text needs an East Asian font on every style (w:rFonts/@w:eastAsia), or Word and
LibreOffice fall back to a Latin font and may show boxes. Theme font attributes are removed
because Word lets them override explicit names.
"""

from __future__ import annotations

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

# 宋体 / 黑体 are on every Chinese Windows and are what Word users expect; on Linux fontconfig
# resolves both to Noto CJK, so LibreOffice renders the same document without boxes.
BODY_FONT = "宋体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)


def landscape_section(doc):
    """A new landscape A4 section: fifteen table columns do not fit across portrait."""
    section = doc.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21)
    section.left_margin = section.right_margin = Cm(1.5)
    return section


def new_document():
    """An A4 document whose every style carries a Chinese font."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)  # A4; the template is Letter
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.5)
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)
    _east_asian_defaults(doc)
    styles = doc.styles
    _font(styles["Normal"], BODY_FONT, size=12)
    for name, size in (("Title", 22), ("Heading 1", 15), ("Heading 2", 13), ("Caption", 10.5)):
        _font(styles[name], HEADING_FONT if name != "Caption" else BODY_FONT, size=size, bold=False)
    styles["Heading 1"].paragraph_format.space_before = Pt(12)
    styles["Heading 1"].paragraph_format.space_after = Pt(6)
    return doc


def _east_asian_defaults(doc) -> None:
    """docDefaults too, so table styles and anything without its own font inherit a CJK one."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _rfonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _rfonts(rpr, east_asia: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    # Theme attributes override explicit names in Word, so they have to go.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)
    fonts.set(qn("w:cs"), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _font(style, east_asia: str, *, size: float, bold: bool | None = None) -> None:
    style.font.size = Pt(size)
    style.font.color.rgb = BLACK
    if bold is not None:
        style.font.bold = bold
    _rfonts(style.element.get_or_add_rPr(), east_asia)


def _run(
    paragraph,
    text: str,
    *,
    east_asia: str = BODY_FONT,
    size: float | None = None,
    bold: bool = False,
):
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    _rfonts(run._element.get_or_add_rPr(), east_asia)
    return run


def add_title(doc, text: str) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.space_after = Pt(18)
    _run(para, text, east_asia=HEADING_FONT, size=20)


def add_body(doc, text: str, *, size: float = 12) -> None:
    para = doc.add_paragraph()
    fmt = para.paragraph_format
    fmt.first_line_indent = Pt(size * 2)  # two characters, as Chinese prose is set
    fmt.line_spacing = 1.5
    fmt.space_after = Pt(4)
    _run(para, text, size=size)


def add_picture(doc, png: bytes, caption: str) -> None:
    doc.add_picture(io.BytesIO(png), width=Cm(15.6))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    para = doc.add_paragraph(style="Caption")
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(para, caption, size=10.5)


def add_table(doc, headers: list[str], rows: list[list[str]]) -> None:
    """A bordered table, header row repeated on every page, 合计 rows in the heading font."""
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        _cell(cell, text, bold=True, shade=True)
    _repeat_header(table.rows[0])
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
            _cell(cell, text, bold=values[0].endswith("合计"), align_left=i == 0)
    # Fixed widths on the grid and on every cell: Word reads the cells, LibreOffice the grid.
    table.autofit = False
    widths = [Cm(2.7)] + [Cm(1.6)] * (len(headers) - 1)  # 26.7 cm: landscape text width
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def _cell(
    cell, text: str, *, bold: bool = False, shade: bool = False, align_left: bool = False
) -> None:
    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.LEFT if align_left else WD_ALIGN_PARAGRAPH.CENTER
    _run(para, text, east_asia=HEADING_FONT if bold else BODY_FONT, size=9, bold=False)
    if shade:
        tc_pr = cell._element.get_or_add_tcPr()
        fill = OxmlElement("w:shd")
        fill.set(qn("w:val"), "clear")
        fill.set(qn("w:color"), "auto")
        fill.set(qn("w:fill"), "F2F2F2")
        tc_pr.append(fill)


def _repeat_header(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    tr_pr.append(flag)
