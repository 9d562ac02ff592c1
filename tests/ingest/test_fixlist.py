"""The fix-list: the township's workbook back with its rejected rows marked, and the round trip
of correcting it and resubmitting."""

from __future__ import annotations

import io
import shutil

import openpyxl
import pytest

from pipeline.ingest.batch import ingest_paths
from pipeline.ingest.fixlist import (
    BAD_FILL,
    REASON_HEADER,
    FixlistError,
    Problem,
    build_fixlist,
    find_raw,
    fixlist_for,
    fixlist_name,
    plan_sheet,
)
from pipeline.intake.readers import Sheet
from pipeline.warehouse.store import connect_readonly
from tests.conftest import HEADER, member, require_samples, valid_id

JINXIANG = "金乡镇_2022-04_含错误行.xlsx"
BAD_ROWS = [13, 14, 16, 22, 27, 37, 46, 48]
BAD = BAD_FILL.start_color.rgb


def _marked(ws) -> dict[int, list[str]]:
    """Excel row → coordinates of highlighted cells."""
    found: dict[int, list[str]] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.fill is not None and cell.fill.fgColor.rgb == BAD:
                found.setdefault(cell.row, []).append(cell.coordinate)
    return found


def _reason_column(ws) -> int:
    [col] = [c.column for row in ws.iter_rows(max_row=5) for c in row if c.value == REASON_HEADER]
    return col


def _quarantine(db):
    con = connect_readonly(db)
    try:
        return con.execute(
            "select sheet, excel_row, field, reason from quarantine "
            "order by file_hash, excel_row, field"
        ).fetchall()
    finally:
        con.close()


@pytest.fixture
def jinxiang(tmp_path):
    samples = require_samples()
    raw = tmp_path / "raw"
    raw.mkdir()
    path = raw / JINXIANG
    shutil.copyfile(samples / JINXIANG, path)
    db = tmp_path / "fix.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.status, result.rows_loaded, result.rows_rejected) == ("loaded", 50, 8)
    return db, path


def test_fixlist_marks_exactly_the_rejected_rows_with_their_reasons(jinxiang, tmp_path):
    db, path = jinxiang
    out = tmp_path / fixlist_name(path.name)
    out.write_bytes(build_fixlist(db, path.name, path))
    ws = openpyxl.load_workbook(out).active
    marked = _marked(ws)
    assert sorted(marked) == BAD_ROWS
    col = _reason_column(ws)
    assert col == 23  # right of the last header column (V, 备注)
    reasons = {r: reason for _s, r, _f, reason in _quarantine(db)}
    for row in BAD_ROWS:
        assert reasons[row] in ws.cell(row, col).value
        # The bad cell itself plus the note: the township sees which cell to correct.
        assert len(marked[row]) == 2
    assert "H13" in marked[13]  # 流出时间 in the future
    assert ws.cell(13, col).value == "流出时间：日期2031-05-01晚于普查时间"  # says which column
    assert ws.cell(48, col).value == "姓名为空"  # already names it
    assert "B48" in marked[48]  # 姓名 missing
    # Nothing else moved: every untouched cell is the original.
    original = openpyxl.load_workbook(path).active
    for row_a, row_b in zip(
        original.iter_rows(values_only=True), ws.iter_rows(values_only=True), strict=True
    ):
        assert row_a == row_b[: len(row_a)]


def test_fixlist_by_hash_and_refuses_a_different_version(jinxiang, tmp_path, write_xlsx):
    db, path = jinxiang
    con = connect_readonly(db)
    [(digest,)] = con.execute("select file_hash from source_files").fetchall()
    con.close()
    assert build_fixlist(db, digest, path)[:2] == b"PK"
    other = write_xlsx("other.xlsx", {"Sheet1": [HEADER, member()]})
    with pytest.raises(FixlistError, match="不一致"):
        build_fixlist(db, digest, other)
    with pytest.raises(FixlistError, match="没有这个文件"):
        build_fixlist(db, "从未上报.xlsx", path)


def _correct(ws) -> None:
    """What the township does with the fix-list: correct each marked cell in place."""
    fixes = {
        "H13": "2021-05-01",  # 流出时间 in the future
        "E14": valid_id("33032719770712001"),  # ID with 14 digits
        "P16": "正常",  # 联系状态 outside the vocabulary
        "E22": valid_id("33032719631107002"),  # duplicate ID: a different member after all
        "E27": valid_id("33032719641109026"),  # wrong check digit
        "R37": "2022-01-01",  # 返乡时间 before 流出时间
        "U46": 3,  # 带动就业人数 negative
        "B48": "陈建国",  # 姓名 missing
    }
    for ref, value in fixes.items():
        ws[ref].value = value


def test_corrected_fixlist_replaces_with_no_rejects(jinxiang, tmp_path):
    db, path = jinxiang
    fixed = tmp_path / "upload" / fixlist_name(path.name)
    fixed.parent.mkdir()
    fixed.write_bytes(build_fixlist(db, path.name, path))
    book = openpyxl.load_workbook(fixed)
    _correct(book.active)
    book.save(fixed)  # the 问题说明 column is left in: ingestion only reports it

    [result] = ingest_paths([fixed], db=db).files
    assert (result.status, result.rows_rejected, result.rows_loaded) == ("replaced", 0, 58)
    assert (result.township, result.wave) == ("金乡镇", "2022-04")
    assert f"{book.active.title}:{REASON_HEADER}" in result.unmapped
    con = connect_readonly(db)
    try:
        current = con.execute(
            "select count(*) from members where is_current and township = '金乡镇' and wave = '2022-04'"
        ).fetchone()[0]
        history = con.execute(
            "select count(*), count(*) filter (where is_current) from units where township = '金乡镇'"
        ).fetchone()
        rejects = con.execute(
            "select count(*) from quarantine where file_hash = ?", [result.file_hash]
        ).fetchone()[0]
    finally:
        con.close()
    assert current == 58
    assert history == (2, 1)  # the first version stays in the history
    assert rejects == 0


def test_uncorrected_fixlist_reproduces_the_same_quarantine(jinxiang, tmp_path):
    """Row numbers survive the round trip: the fix-list has no inserted or deleted rows."""
    db, path = jinxiang
    again = tmp_path / "again" / fixlist_name(path.name)
    again.parent.mkdir()
    again.write_bytes(build_fixlist(db, path.name, path))
    before = _quarantine(db)
    [result] = ingest_paths([again], db=db).files
    assert (result.status, result.rows_rejected) == ("replaced", 8)
    after = _quarantine(db)
    assert after[len(before) :] == before  # same sheet, row, field and reason


def test_csv_fixlist_is_an_xlsx_with_the_same_layout(tmp_path):
    rows = [
        HEADER,
        member(seq=1, name="李四", id_number=valid_id("33032719850307123")),
        member(seq=2, name="王五", status="不清楚", phone="057768881234"),
        member(seq=3, name=None, id_number=valid_id("33032719900101123")),
    ]
    text = "\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
    path = tmp_path / "灵溪镇_2022-04_系统导出.csv"
    path.write_bytes(text.encode("gb18030"))
    db = tmp_path / "csv.duckdb"
    [result] = ingest_paths([path], db=db).files
    assert (result.status, result.rows_rejected) == ("loaded", 2)

    out = tmp_path / fixlist_name(path.name)
    out.write_bytes(build_fixlist(db, path.name, path))
    ws = openpyxl.load_workbook(out).active
    assert [c.value for c in ws[1]][: len(HEADER)] == HEADER
    assert ws.cell(1, len(HEADER) + 1).value == REASON_HEADER
    assert sorted(_marked(ws)) == [3, 4]
    assert ws.cell(3, 10).value == "057768881234"  # the leading zero of a landline survives
    assert "联系状态" in ws.cell(3, len(HEADER) + 1).value
    assert ws.cell(4, len(HEADER) + 1).value == "姓名为空"


def test_plan_two_level_header_finds_the_child_column_or_marks_the_row():
    sheet = Sheet(
        "流动党员",
        [
            ["xx镇流动党员普查登记表", "", "", "", ""],
            ["姓名", "身份证号", "流入地", "", ""],
            ["", "", "省", "市", "县(区)"],
            ["张三", "330327", "浙江省", "温州市", "鹿城区"],
            ["李四", "330327", "火星", "", ""],
        ],
        merged=[(0, 0, 0, 4), (1, 0, 2, 0), (1, 1, 2, 1), (1, 2, 1, 4)],
    )
    plan = plan_sheet(
        sheet,
        [
            Problem("流动党员", 4, "id_number", "身份证号", "身份证号应为18位"),
            Problem("流动党员", 5, "dest_province", "流入地/省", "省份无法识别"),
            Problem("流动党员", 5, None, None, "同一乡镇同一普查批次中身份证号重复"),
        ],
    )
    assert (plan.header_row, plan.header_rows, plan.reason_col) == (2, 2, 6)
    assert plan.cells == {4: {2}, 5: set()}  # row 5 has a problem with no column: whole row
    assert plan.reasons[5] == "省份无法识别；同一乡镇同一普查批次中身份证号重复"


def test_fixlist_for_finds_the_original_among_renamed_uploads(jinxiang, tmp_path):
    db, path = jinxiang
    raw = path.parent
    # A later, different upload under the numbered name the upload page gives a duplicate.
    (raw / "金乡镇_2022-04_含错误行-2.xlsx").write_bytes(b"PK not this one")
    (raw / "金乡镇_2022-04_含错误行.xlsx").rename(raw / "金乡镇_2022-04_含错误行-3.xlsx")
    name, data = fixlist_for(db, path.name, raw)
    assert name == "金乡镇_2022-04_含错误行_问题清单.xlsx"
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sorted(_marked(ws)) == BAD_ROWS
    (raw / "金乡镇_2022-04_含错误行-3.xlsx").unlink()
    assert find_raw("0" * 64, path.name, raw) is None
    with pytest.raises(FixlistError, match="找不到"):
        fixlist_for(db, path.name, raw)
