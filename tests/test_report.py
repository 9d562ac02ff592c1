"""The Word report for leaders: the seed census figures in its text, charts embedded, Chinese
that really renders (LibreOffice → PDF → PNG), and the command line."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import zipfile

import docx
import pytest

from pipeline.report import ReportError, build_report, county_name, natural_key
from pipeline.report_text import Scope, outflow_section, sections, totals
from tests.conftest import ROOT

SEED = "xx镇"
SEED_FIGURES = ["195", "20.38%", "20.51%", "65.64%", "19.49%"]


def _text(document: docx.Document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


@pytest.fixture(scope="module")
def seed_report(samples_db) -> bytes:
    from dashboard import exports

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
    text = "".join(p for s in sections(scope, totals([SEED_ROW, other])) for p in s.paragraphs)
    assert "苍南县现有流出党员303名，占党员总数的20.38%（按报送了党员总数的1个乡镇计）" in text
    assert "另有8行登记数据因信息有误未能入库" in text


def test_change_against_previous_wave():
    before = {**SEED_ROW, "outflow": 200, "lost_contact": 20}  # 10.00%
    scope = Scope(SEED, "2022-04", is_county=False, branches=60, files=1, rejected_rows=0)
    text = "".join(
        p
        for s in sections(scope, totals([SEED_ROW]), totals([before]), "2021-10")
        for p in s.paragraphs
    )
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
    assert document.paragraphs[0].text == "xx镇流动党员普查分析报告（2022年4月）"
    for figure in SEED_FIGURES:
        assert figure in text, figure
    assert (
        "60个党支部" in text
    )  # branches from the summary sheet count, not only those with members
    assert len(document.inline_shapes) >= 3
    with zipfile.ZipFile(io.BytesIO(seed_report)) as parts:
        images = [n for n in parts.namelist() if n.startswith("word/media/") and n.endswith(".png")]
        assert len(images) >= 3
        assert all(parts.getinfo(n).file_size > 20_000 for n in images)  # real charts, not stubs
        styles = parts.read("word/styles.xml").decode("utf-8")
    # Every style inherits an East Asian font from the document defaults.
    assert 'w:eastAsia="宋体"' in styles.split("</w:docDefaults>")[0]
    # The appendix: one table per township, and the township's branches.
    assert document.tables[0].rows[1].cells[0].text == SEED
    assert document.tables[0].rows[1].cells[2].text == "195"


def test_county_report_lists_every_township(samples_db):
    from dashboard import exports

    db, _ = samples_db
    try:
        document = docx.Document(io.BytesIO(build_report(db, "2022-04")))
    finally:
        exports.shutdown()
    assert document.paragraphs[0].text == "苍南县流动党员普查分析报告（2022年4月）"
    rows = [row.cells[0].text for row in document.tables[0].rows[1:]]
    assert rows == ["xx镇", "宜山镇", "金乡镇", "钱库镇", "苍南县合计"]
    assert "另有8行登记数据因信息有误未能入库" in _text(document)


def test_unknown_wave_is_a_clear_error(samples_db):
    db, _ = samples_db
    with pytest.raises(ReportError, match="没有 2019-01 的普查数据（已有批次：2022-04、2023-08）"):
        build_report(db, "2019-01", SEED)


@pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftoppm") is None,
    reason="LibreOffice (soffice) or poppler (pdftoppm) missing: "
    "apt-get install libreoffice-writer-nogui poppler-utils",
)
def test_first_page_renders_chinese(seed_report, tmp_path):
    from PIL import Image

    source = tmp_path / "report.docx"
    source.write_bytes(seed_report)
    profile = tmp_path / "lo-profile"  # a private profile: parallel soffice runs do not collide
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = tmp_path / "report.pdf"
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "CJK" in fonts  # the Chinese glyphs came from a CJK font, not a fallback box
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "1", "-l", "1", "-png", str(pdf), str(tmp_path / "page")],
        check=True,
        timeout=120,
    )
    [png] = tmp_path.glob("page*.png")
    image = Image.open(png).convert("L")
    width, height = image.size
    title = image.crop((0, int(height * 0.05), width, int(height * 0.14)))
    dark = sum(1 for value in title.getdata() if value < 100)
    assert dark > 400, f"title area has only {dark} dark pixels"
    blank = image.crop((0, 0, width, int(height * 0.04)))  # the top margin stays white
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
