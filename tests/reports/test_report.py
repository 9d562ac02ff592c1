"""The Word report for leaders: the seed census figures in its text, charts embedded, Chinese
that really renders (LibreOffice → PDF → PNG), and the command line."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import zipfile

import docx
import pytest

from pipeline.reports.text import (
    COMPARISON_HEADERS,
    Scope,
    comparison_rows,
    extra_section,
    from_row,
    numbered,
    order_units,
    outflow_section,
    sections,
    totals,
)
from pipeline.reports.word import ReportError, build_report, county_name, natural_key
from tests.conftest import ROOT

SEED = "xx镇"
SEED_FIGURES = ["195", "20.38%", "20.51%", "65.64%", "19.49%"]


def _text(document: docx.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _prose(all_sections) -> str:
    return "".join(p for _level, _heading, s in numbered(all_sections) for p in s.paragraphs)


@pytest.fixture(scope="module")
def seed_report(samples_db) -> bytes:
    from pipeline.charts import export as exports

    db, _ = samples_db
    try:
        yield build_report(db, "2022-04", SEED)
    finally:
        exports.shutdown()


# ------------------------------------------------------------------------------ pure text


SEED_ROW = {
    "township": SEED,
    "wave": "2022-04",
    "registered": 195,
    "outflow": 195,
    "scope_cross_province": 40,
    "scope_cross_city": 9,
    "scope_cross_county": 14,
    "scope_within_county": 128,
    "scope_unknown": 4,
    "long_term": 38,
    "lost_contact": 9,
    "members_total": 957,
}


def test_wording_matches_a_township_report():
    scope = Scope(SEED, "2022-04", is_county=False, branches=60, files=1, rejected_rows=0)
    [first, second] = outflow_section(scope, totals([SEED_ROW]), None, None).paragraphs
    assert first.startswith(
        "xx镇现有流出党员195名，占党员总数的20.38%，其中跨省流动党员40名，占流动党员总数的20.51%；"
    )
    assert "省内跨市流动党员9名，占4.62%" in first
    assert "县内流动党员128名，占65.64%" in first
    assert "另有4名流入地不详" in first
    assert "长期在外（外出满一年）党员38名，占流出党员的19.49%" in second


def test_county_share_counts_only_townships_that_gave_a_total():
    other = {**SEED_ROW, "township": "钱库镇", "outflow": 108, "members_total": None}
    scope = Scope("苍南县", "2022-04", is_county=True, branches=70, files=2, rejected_rows=8)
    text = _prose(sections(scope, totals([SEED_ROW, other])))
    assert "苍南县现有流出党员303名，占党员总数的20.38%（按报送了党员总数的1个乡镇计）" in text
    assert "另有8行登记数据因信息有误未能入库" in text


def test_change_against_previous_wave():
    before = {**SEED_ROW, "outflow": 200, "lost_contact": 20}  # 10.00%
    scope = Scope(SEED, "2022-04", is_county=False, branches=60, files=1, rejected_rows=0)
    text = _prose(sections(scope, totals([SEED_ROW]), totals([before]), "2021-10"))
    assert "与2021年10月普查相比（按两次均报送的支部计），流出党员减少5名" in text
    assert "失联率4.62%，较2021年10月普查（按两次均报送的支部计，10.00%）下降5.38个百分点" in text


def test_names_and_order():
    assert county_name("浙江省温州市苍南县") == "苍南县"
    assert county_name("浙江省温州市瑞安市") == "瑞安市"
    names = ["第10党支部", "第2党支部", "第1党支部"]
    assert sorted(names, key=natural_key) == ["第1党支部", "第2党支部", "第10党支部"]


# ------------------------------------------------------------------------------ the document


def test_seed_report_has_the_figures_and_the_charts(seed_report):
    document = docx.Document(io.BytesIO(seed_report))
    text = _text(document)
    assert document.paragraphs[0].text == "关于xx镇2022年4月流动党员普查情况的报告"
    for figure in SEED_FIGURES:
        assert figure in text, figure
    assert "统计时点：2022年4月普查（截至2022年4月30日）" in text
    assert "数据截至" not in text
    # the duty paragraph (issue #17) is part of every report, counted for the report's scope
    assert "督办事项" in text and "本次普查共有" in text and "失联满6个月" in text
    assert (
        "60个党支部" in text
    )  # branches from the summary sheet count, not only those with members
    assert len(document.inline_shapes) >= 3
    with zipfile.ZipFile(io.BytesIO(seed_report)) as parts:
        images = [n for n in parts.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        assert len(images) >= 3
        assert all(parts.getinfo(n).file_size > 20_000 for n in images)  # real charts, not stubs
        styles = parts.read("word/styles.xml").decode("utf-8")
        fonts = parts.read("word/fontTable.xml").decode("utf-8")
        body = parts.read("word/document.xml").decode("utf-8")
    # Every style inherits an East Asian font from the document defaults; the official fonts
    # are named with their alternatives for machines without them.
    assert 'w:eastAsia="仿宋_GB2312"' in styles.split("</w:docDefaults>")[0]
    assert 'w:name="仿宋_GB2312"' in fonts and "仿宋,FangSong,STFangsong" in fonts
    assert 'w:eastAsia="方正小标宋简体"' in body and '<w:sz w:val="44"/>' in body  # 二号 title
    # The attachment: the township's own figures as its total row.
    total = next(r for t in document.tables for r in t.rows if r.cells[0].text == "xx镇合计")
    assert [c.text for c in total.cells[1:4]] == ["957", "195", "20.38%"]


def test_county_report_lists_every_township(samples_db, monkeypatch):
    from pipeline.charts import export as exports

    db, _ = samples_db
    monkeypatch.setenv("CENSUS_TOWNSHIP_ORDER", "宜山镇、钱库镇、金乡镇、xx镇")
    try:
        document = docx.Document(io.BytesIO(build_report(db, "2022-04")))
    finally:
        exports.shutdown()
    assert document.paragraphs[0].text == "关于苍南县2022年4月流动党员普查情况的报告"
    attachment = next(t for t in document.tables if t.rows[0].cells[0].text == "乡镇")
    rows = [row.cells[0].text for row in attachment.rows[1:]]
    assert rows == ["宜山镇", "钱库镇", "金乡镇", "xx镇", "苍南县合计"]  # the county's own order
    text = _text(document)
    assert "表中乡镇按本县乡镇排列顺序排列" in text
    assert "另有8行登记数据因信息有误未能入库" in text
    # Destinations, and the draft sections naming the worst units with their numbers.
    assert "从流入省份看" in text and "从流入城市看" in text
    assert "存在问题" in text and "下步建议" in text and "初稿" in text
    assert re.search(r"失联人数较多的乡镇有钱库镇（失联10名，失联率9\.26%）", text)
    assert "中共苍南县委组织部" in text


def test_townships_by_outflow_unless_an_order_is_configured():
    rows = [
        {**SEED_ROW, "township": "甲镇", "outflow": 5},
        {**SEED_ROW, "township": "乙镇", "outflow": 50},
        {**SEED_ROW, "township": "丙镇", "outflow": 20},
    ]
    units = [(r["township"], totals([r])) for r in rows]
    ordered, note = order_units(units, None, "乡镇")
    assert [n for n, _t in ordered] == ["乙镇", "丙镇", "甲镇"]
    assert note == "表中乡镇按流出党员人数从多到少排列。"
    ordered, _note = order_units(units, ["甲镇", "乙镇"], "乡镇")
    assert [n for n, _t in ordered] == ["甲镇", "乙镇", "丙镇"]  # unlisted ones after


def test_comparison_table_has_previous_current_and_change():
    before = {**SEED_ROW, "outflow": 200, "lost_contact": 20}
    rows = {r[0]: r[1:] for r in comparison_rows(totals([SEED_ROW]), totals([before]))}
    assert COMPARISON_HEADERS == ["指标", "上期", "本期", "增减"]
    assert rows["流出党员（名）"] == ["200", "195", "-5"]
    assert rows["失联率"] == ["10.00%", "4.62%", "-5.38个百分点"]
    assert rows["流出党员占党员总数"][1] == "20.38%"


def test_a_count_the_registers_lack_is_not_reported_not_zero():
    row = {k: v for k, v in SEED_ROW.items()}
    row["certified"] = None  # no certificate column in the township's registers
    cur = from_row(row, ["xx镇"], 1)
    scope = Scope(SEED, "2022-04", is_county=False, branches=60, files=1, rejected_rows=0)
    text = _prose(sections(scope, cur))
    assert "持证率未填报" in text and "持证率0.00%" not in text


def test_extra_sections_are_numbered_in_place():
    scope = Scope(SEED, "2022-04", is_county=False, branches=60, files=1, rejected_rows=0)
    duty = extra_section("督办落实情况", ["已督办3项，完成2项。"])
    headings = [
        h
        for level, h, _s in numbered(sections(scope, totals([SEED_ROW]), extra=[duty]))
        if level == 1
    ]
    assert headings == [
        "一、基本情况",
        "二、流向分布",
        "三、联系与管理",
        "四、返乡创业",
        "五、督办落实情况",
        "六、存在问题",
        "七、下步建议",
    ]


def test_a_township_account_reports_on_its_own_township_only(samples_db):
    from pipeline.access.scope import Scope as Access

    db, _ = samples_db
    with pytest.raises(ReportError, match="乡镇账号只能生成钱库镇的报告"):
        build_report(db, "2022-04", None, access=Access.for_role("township", "钱库镇"))
    with pytest.raises(ReportError, match="只能生成钱库镇的报告"):
        build_report(db, "2022-04", "xx镇", access=Access.for_role("township", "钱库镇"))


def test_unknown_wave_is_a_clear_error(samples_db):
    db, _ = samples_db
    with pytest.raises(ReportError, match="没有 2019-01 的普查数据（已有批次：2022-04、2023-08）"):
        build_report(db, "2019-01", SEED)


def _pdf(docx_bytes: bytes, folder) -> object:
    """The document as LibreOffice prints it (a private profile: parallel runs never collide)."""
    source = folder / "report.docx"
    source.write_bytes(docx_bytes)
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{folder / 'lo-profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return folder / "report.pdf"


def _pages(pdf) -> list[str]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    count = int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1))
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for n in range(1, count + 1)
    ]


def _image_pages(pdf) -> list[int]:
    """The page of every image in the PDF, in document order (pdfimages -list)."""
    listing = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for line in listing.splitlines()[2:]:
        fields = line.split()
        if len(fields) > 2 and fields[2] == "image":
            pages.append(int(fields[0]))
    return pages


needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice (soffice) or poppler missing: "
    "apt-get install libreoffice-writer-nogui poppler-utils",
)


@needs_office
def test_the_report_as_the_leader_prints_it(seed_report, tmp_path):
    """LibreOffice → PDF: every figure on the page of its caption, a page number on every
    page, the census date, the section headings and the seed figures in the text."""
    from PIL import Image

    pdf = _pdf(seed_report, tmp_path)
    pages = _pages(pdf)
    flat = ["".join(page.split()) for page in pages]
    for number, page in enumerate(flat, 1):
        assert f"—{number}—" in page, f"page {number} has no page number"
    captions = []
    for number, page in enumerate(flat, 1):
        captions += [(int(n), number) for n in re.findall(r"图(\d+)[^\d]", page)]
    images = _image_pages(pdf)
    assert captions and len(images) == len(captions) == max(n for n, _p in captions)
    for figure, page in captions:
        assert images[figure - 1] == page, (
            f"图{figure}: image on page {images[figure - 1]}, caption on {page}"
        )
    text = "".join(flat)
    for wanted in [
        "统计时点：2022年4月普查",
        "一、基本情况",
        "二、流向分布",
        "三、联系与管理",
        "存在问题",
        "下步建议",
        "中共xx镇委员会",
        "957",
        *SEED_FIGURES,
    ]:
        assert wanted in text, wanted
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
    assert "CJK" in fonts  # the Chinese glyphs came from a CJK font, not a fallback box
    # The title really renders: dark pixels where it stands, a white top margin above it.
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    [png] = tmp_path.glob("page*.png")
    image = Image.open(png).convert("L")
    width, height = image.size
    title = image.crop((0, int(height * 0.11), width, int(height * 0.22)))
    assert sum(1 for value in title.getdata() if value < 100) > 400
    blank = image.crop((0, 0, width, int(height * 0.1)))  # 天头 37 mm stays white
    assert sum(1 for value in blank.getdata() if value < 100) == 0


def test_cli_writes_the_report(samples_db, tmp_path):
    db, _ = samples_db
    out = tmp_path / "报告" / "金乡镇.docx"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "report",
            "--wave",
            "2022-04",
            "--township",
            "金乡镇",
            "--db",
            str(db),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    assert "已生成报告" in done.stdout
    assert "金乡镇现有流出党员50名" in _text(docx.Document(out))
    missing = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "report",
            "--wave",
            "2030-01",
            "--db",
            str(db),
            "--out",
            str(tmp_path / "x.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env=env,
    )
    assert missing.returncode == 2
    assert "没有 2030-01 的普查数据" in missing.stderr
    assert not (tmp_path / "x.docx").exists()


@needs_office
def test_a_caption_never_leaves_its_figure_at_a_page_break(tmp_path):
    """A figure that just fits at the foot of a page, its caption not: both go over."""
    from PIL import Image

    from pipeline.reports.document import add_body, add_picture, new_document

    doc = new_document()
    for i in range(8):  # eight lines of the 22 on a page
        add_body(doc, f"第{i + 1}行正文。")
    png = io.BytesIO()
    Image.new("RGB", (1560, 1400), "white").save(png, format="PNG")  # 156 × 140 mm on the page
    add_picture(doc, png.getvalue(), "图1　测试图")
    out = io.BytesIO()
    doc.save(out)
    pdf = _pdf(out.getvalue(), tmp_path)
    pages = ["".join(p.split()) for p in _pages(pdf)]
    [caption_page] = [n for n, page in enumerate(pages, 1) if "图1测试图" in page]
    assert _image_pages(pdf) == [caption_page]
    assert caption_page == 2  # the figure went over with its caption
    assert "—1—" in pages[0] and "—2—" in pages[1]
