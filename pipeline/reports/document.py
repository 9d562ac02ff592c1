"""Word primitives for the report in the form of official documents (党政机关公文格式, GB/T 9704):
A4, 天头 37 mm, 订口 28 mm, a 156 × 225 mm text area of 22 lines of 28 characters; title in
方正小标宋简体 二号, body in 仿宋_GB2312 三号, level-one headings in 黑体, level-two in 楷体;
page numbers "— 1 —" in 四号 below the text area, odd pages right, even pages left.

Chinese text needs an East Asian font on every run (w:rFonts/@w:eastAsia), or Word and
LibreOffice fall back to a Latin font. The official fonts are missing on many machines, so
the font table names an alternative for each (w:altName: 仿宋, 楷体, 黑体, 宋体 are on every
Chinese Windows); on Linux fontconfig resolves them to Noto CJK. Theme font attributes are
removed because Word lets them override explicit names.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
H1_FONT = "黑体"
H2_FONT = "楷体_GB2312"
NUMBER_FONT = "宋体"
LATIN_FONT = "Times New Roman"
# Named in the font table: what Word and LibreOffice use when the official font is missing.
FALLBACKS = {
    TITLE_FONT: ("小标宋", "华文中宋", "宋体", "SimSun", "Noto Serif CJK SC"),
    BODY_FONT: ("仿宋", "FangSong", "STFangsong", "华文仿宋", "Noto Serif CJK SC"),
    H1_FONT: ("SimHei", "STHeiti", "Noto Sans CJK SC"),
    H2_FONT: ("楷体", "KaiTi", "STKaiti", "华文楷体", "Noto Serif CJK SC"),
    NUMBER_FONT: ("SimSun", "STSong", "Noto Serif CJK SC"),
}
BLACK = RGBColor(0, 0, 0)

TITLE_SIZE = 22  # 二号
BODY_SIZE = 16  # 三号
CAPTION_SIZE = 14  # 四号
TABLE_SIZE = 10.5  # 五号
LINE = Pt(28.95)  # 225 mm / 22 lines
TEXT_WIDTH = Mm(156)


def new_document():
    """An A4 document laid out as GB/T 9704, every style carrying a Chinese font."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(21)
    section.header_distance = Mm(15)
    _east_asian_defaults(doc)
    _font_table(doc)
    styles = doc.styles
    _font(styles["Normal"], BODY_FONT, size=BODY_SIZE)
    for name, font in (("Heading 1", H1_FONT), ("Heading 2", H2_FONT)):
        style = styles[name]
        _font(style, font, size=BODY_SIZE, bold=False)
        style.font.italic = False
        fmt = style.paragraph_format
        fmt.first_line_indent = Pt(BODY_SIZE * 2)
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
        fmt.keep_with_next = True
    _font(styles["Caption"], BODY_FONT, size=CAPTION_SIZE, bold=False)
    styles["Caption"].font.italic = False
    doc.settings.odd_and_even_pages_header_footer = True
    _page_numbers(section)
    return doc


def landscape_section(doc):
    """A new landscape A4 section for the attachments: their tables are wide."""
    section = doc.add_section()
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(28), Mm(26)
    section.left_margin, section.right_margin = Mm(30), Mm(30)
    return section


# ------------------------------------------------------------------------------ fonts


def _east_asian_defaults(doc) -> None:
    """docDefaults too, so table styles and anything without its own font inherit a CJK one."""
    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _rfonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _font_table(doc) -> None:
    """Declare each official font with its alternatives (w:altName) and the GB2312 charset."""
    fonts_part = next(
        (rel.target_part for rel in doc.part.rels.values() if rel.reltype.endswith("/fontTable")),
        None,
    )
    if fonts_part is None:
        return
    from docx.oxml import parse_xml

    root = parse_xml(fonts_part.blob)
    for name, alternatives in FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        alt = OxmlElement("w:altName")
        alt.set(qn("w:val"), ",".join(alternatives))
        font.append(alt)
        for tag, value in (("w:charset", "86"), ("w:family", "modern"), ("w:pitch", "fixed")):
            el = OxmlElement(tag)
            el.set(qn("w:val"), value)
            font.append(el)
        root.append(font)
    from lxml import etree

    fonts_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _rfonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    # Theme attributes override explicit names in Word, so they have to go.
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
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
    latin: str = LATIN_FONT,
):
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    _rfonts(run._element.get_or_add_rPr(), east_asia, latin)
    return run


def _exact(paragraph, spacing=LINE) -> None:
    fmt = paragraph.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = spacing
    fmt.space_before = fmt.space_after = Pt(0)


# ------------------------------------------------------------------------------ page numbers


def _field(paragraph, instruction: str, shown: str, **font) -> None:
    """A complex field (PAGE): Word and LibreOffice both update it on every page."""
    for kind in ("begin", None, "separate", "result", "end"):
        run = _run(paragraph, "", **font)
        if kind == "result":
            run.text = shown
            continue
        if kind is None:
            text = OxmlElement("w:instrText")
            text.set(qn("xml:space"), "preserve")
            text.text = f" {instruction} "
            run._element.append(text)
            continue
        char = OxmlElement("w:fldChar")
        char.set(qn("w:fldCharType"), kind)
        run._element.append(char)


def _page_number(footer, *, odd: bool) -> None:
    footer.is_linked_to_previous = False
    para = footer.paragraphs[0] if footer.paragraphs else footer.add_paragraph()
    para.text = ""
    # Odd pages: right, one character in from the edge; even pages: left, likewise.
    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT if odd else WD_ALIGN_PARAGRAPH.LEFT
    indent = Pt(CAPTION_SIZE)
    if odd:
        para.paragraph_format.right_indent = indent
    else:
        para.paragraph_format.left_indent = indent
    font = dict(east_asia=NUMBER_FONT, latin=NUMBER_FONT, size=CAPTION_SIZE)
    _run(para, "— ", **font)
    _field(para, "PAGE", "1", **font)
    _run(para, " —", **font)


def _page_numbers(section) -> None:
    _page_number(section.footer, odd=True)
    _page_number(section.even_page_footer, odd=False)


# ------------------------------------------------------------------------------ blocks


def add_title(doc, text: str) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _exact(para, Pt(35))
    _run(para, text, east_asia=TITLE_FONT, latin=TITLE_FONT, size=TITLE_SIZE)
    blank = doc.add_paragraph()  # one empty line between title and body, as GB/T 9704 sets it
    _exact(blank)


def add_heading(doc, text: str, level: int, *, indent: bool = True) -> None:
    para = doc.add_paragraph(style="Heading 1" if level == 1 else "Heading 2")
    if not indent:
        para.paragraph_format.first_line_indent = Pt(0)
    _run(para, text, east_asia=H1_FONT if level == 1 else H2_FONT, size=BODY_SIZE)


def add_body(doc, text: str, *, size: float = BODY_SIZE, draft_note: bool = False):
    """Body text: three-size 仿宋, first line indented two characters, exact 22-line pitch.
    `draft_note`: a highlighted line telling the analyst this text is a draft to edit."""
    para = doc.add_paragraph()
    _exact(para, LINE if size == BODY_SIZE else Pt(size * 1.6))
    para.paragraph_format.first_line_indent = Pt(size * 2)
    run = _run(para, text, size=size, east_asia=H2_FONT if draft_note else BODY_FONT)
    if draft_note:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return para


def add_signature(doc, issuer: str, date_text: str) -> None:
    """发文机关署名 and 成文日期 at the end of the text, right-aligned four characters in."""
    for _ in range(2):
        _exact(doc.add_paragraph())
    for text in (issuer, date_text):
        para = doc.add_paragraph()
        _exact(para)
        para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        para.paragraph_format.right_indent = Pt(BODY_SIZE * 4)
        para.paragraph_format.keep_with_next = text == issuer
        _run(para, text)


def add_picture(doc, png: bytes, caption: str) -> None:
    """The image, then its numbered caption below; the image paragraph keeps with the
    caption so a page break never separates them."""
    doc.add_picture(io.BytesIO(png), width=TEXT_WIDTH)
    image = doc.paragraphs[-1]
    image.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt = image.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE  # an exact pitch would crop the picture
    fmt.space_before = Pt(6)
    fmt.keep_with_next = True
    fmt.keep_together = True
    para = doc.add_paragraph(style="Caption")
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.space_after = Pt(6)
    _run(para, caption, size=CAPTION_SIZE)


def add_table_title(doc, text: str) -> None:
    para = doc.add_paragraph()
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    para.paragraph_format.keep_with_next = True
    para.paragraph_format.space_before = Pt(6)
    _run(para, text, east_asia=H1_FONT, size=CAPTION_SIZE)


def add_table(
    doc,
    headers: list[list[str]] | list[str],
    rows: list[list[str]],
    *,
    width_mm: float = 156,
    first_mm: float = 30,
    wide: Sequence[int] = (),
) -> None:
    """A bordered table; `headers` is one row or two (a group row over 上期/本期/增减, merged
    where a group spans columns); header rows repeat on every page; 合计 rows in 黑体."""
    header_rows = headers if headers and isinstance(headers[0], list) else [headers]
    cols = len(header_rows[-1])
    table = doc.add_table(rows=len(header_rows), cols=cols)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for r, texts in enumerate(header_rows):
        for c, text in enumerate(texts):
            _cell(table.cell(r, c), text, bold=True, shade=True)
        _repeat_header(table.rows[r])
    if len(header_rows) == 2:
        _merge_groups(table, header_rows)
    for values in rows:
        cells = table.add_row().cells
        for i, (cell, text) in enumerate(zip(cells, values, strict=True)):
            _cell(cell, text, bold=values[0].endswith("合计"), align_left=i == 0)
    # Fixed widths on the grid and on every cell: Word reads the cells, LibreOffice the grid.
    table.autofit = False
    # Columns in `wide` (percentages: "43.75%") get a third more than the others.
    shares = [0.0] + [4 / 3 if i in wide else 1.0 for i in range(1, cols)]
    unit = (width_mm - first_mm) / max(sum(shares), 1)
    widths = [Mm(first_mm)] + [Mm(unit * share) for share in shares[1:]]
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    # Rows do not split across pages.
    for row in table.rows:
        flag = OxmlElement("w:cantSplit")
        row._tr.get_or_add_trPr().append(flag)


def _merge_groups(table, header_rows: list[list[str]]) -> None:
    """Top row: equal neighbours merge across; a cell whose lower neighbour is empty merges down."""
    top, bottom = header_rows
    c = 0
    while c < len(top):
        if not bottom[c]:
            merged = table.cell(0, c).merge(table.cell(1, c))
            _relabel(merged, top[c])
            c += 1
            continue
        end = c
        while end + 1 < len(top) and top[end + 1] == top[c] and bottom[end + 1]:
            end += 1
        if end > c:
            _relabel(table.cell(0, c).merge(table.cell(0, end)), top[c])
        c = end + 1


def _relabel(cell, text: str) -> None:
    for para in cell.paragraphs[1:]:
        para._element.getparent().remove(para._element)
    para = cell.paragraphs[0]
    for run in list(para.runs):
        run._element.getparent().remove(run._element)
    para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(para, text, east_asia=H1_FONT, size=TABLE_SIZE)


def _cell(
    cell, text: str, *, bold: bool = False, shade: bool = False, align_left: bool = False
) -> None:
    para = cell.paragraphs[0]
    para.alignment = WD_ALIGN_PARAGRAPH.LEFT if align_left else WD_ALIGN_PARAGRAPH.CENTER
    _run(para, text, east_asia=H1_FONT if bold else BODY_FONT, size=TABLE_SIZE)
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


def page_break(doc) -> None:
    from docx.enum.text import WD_BREAK

    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
