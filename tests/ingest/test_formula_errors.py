"""A cell whose formula failed (#N/A, #REF! …) is named, never read as blank or as a value.

Townships fill 姓名 or 流入地 by VLOOKUP from another sheet; when the lookup breaks, Excel shows
#N/A. Such a cell costs the field (left blank, with a warning the township can act on), or the
row where it stands for the member's name, which is then quarantined with the formula named.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import xlsxwriter

from pipeline.access.scope import Scope
from pipeline.ingest.batch import ingest_paths
from pipeline.ingest.fixlist_scope import build_scoped_fixlist
from pipeline.queries import quality
from pipeline.queries.base import Filters
from pipeline.warehouse.store import connect_readonly
from tests.conftest import HEADER, fetch_all, member, valid_id

IDS = [valid_id(f"330327198{i}0101123") for i in range(6)]
FIELDS = {label: i for i, label in enumerate(HEADER)}
# (index into the rows, header first: Excel row index + 1; column; what the formula shows)
BROKEN = [(1, "姓名", "#N/A"), (2, "流入地", "#REF!"), (3, "身份证号", "#N/A"),
          (4, "最近联系时间", "#VALUE!"), (5, "是否返乡", "#NAME?")]  # fmt: skip


def _rows():
    rows = [HEADER] + [member(seq=i + 1, name=f"成员{i}", id_number=IDS[i]) for i in range(6)]
    return rows


def _xlsx(path):
    """Written as Excel writes a failed formula: `<c t="e"><f>…</f><v>#N/A</v></c>`."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    sheet = book.add_worksheet("名单")
    broken = {(r, FIELDS[label]): shown for r, label, shown in BROKEN}
    for r, row in enumerate(_rows()):
        for c, value in enumerate(row):
            if (r, c) in broken:
                sheet.write_formula(r, c, "=VLOOKUP(B2,花名册!A:C,3,0)", None, broken[(r, c)])
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return path


def _csv(path):
    """Saved from that sheet as CSV: the errors are the text Excel showed."""
    rows = _rows()
    for r, label, shown in BROKEN:
        rows[r][FIELDS[label]] = shown
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([["" if v is None else v for v in row] for row in rows])
    return path


@pytest.fixture(params=["xlsx", "csv"])
def broken_register(request, tmp_path):
    name = tmp_path / f"2022-04_灵溪镇_流动党员.{request.param}"
    return _xlsx(name) if request.param == "xlsx" else _csv(name)


def test_a_failed_formula_is_named_and_costs_only_its_field(broken_register, isolated_env):
    db = isolated_env / "census.duckdb"
    report = ingest_paths([broken_register], db)
    assert [f.status for f in report.files] == ["loaded"]
    # the name's row is quarantined, with the formula named once (not also "姓名为空")
    assert fetch_all(db, "select excel_row, field, value, reason from quarantine") == [
        (
            2,
            "name",
            "#N/A",
            "单元格是公式错误（#N/A），公式没有算出结果；请在表中修正公式后重新上报",
        )
    ]
    # every other member counts, the broken field blank: 未填报, not a value
    members = fetch_all(
        db,
        "select excel_row, destination_text, id_masked, last_contact_date, is_returned "
        "from members order by excel_row",
    )
    assert [m[0] for m in members] == [3, 4, 5, 6, 7]
    by_row = {m[0]: m for m in members}
    assert by_row[3][1] is None and by_row[4][2] is None and by_row[5][3] is None
    assert by_row[7][1] == "上海市闵行区" and by_row[7][2] is not None
    warned = fetch_all(
        db, "select excel_row, field, value, reason from warnings order by excel_row"
    )
    assert [(r, f, v) for r, f, v, _ in warned] == [
        (3, "destination", "#REF!"),
        (4, "id_number", "#N/A"),  # nobody's number: shown as it is, not masked
        (5, "last_contact_date", "#VALUE!"),
        (6, "returned", "#NAME?"),
    ]
    assert all("公式错误" in reason and "已留空" in reason for *_, reason in warned)


def test_a_column_of_failed_formulas_is_still_its_field(tmp_path, isolated_env):
    """Broken lookups say nothing of what the column is: the values vote does not count them,
    so 最近联系时间 stays 最近联系时间 (all blank, 未填报) rather than an unrecognised column."""
    rows = _rows()
    for row in rows[1:]:
        row[FIELDS["最近联系时间"]] = "#N/A"
    path = tmp_path / "2022-04_灵溪镇_流动党员.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([["" if v is None else v for v in row] for row in rows])
    db = isolated_env / "census.duckdb"
    report = ingest_paths([path], db)
    assert [f.status for f in report.files] == ["loaded"]
    assert not any("未识别的列" in n for n in report.files[0].notices)
    assert fetch_all(db, "select count(*), count(last_contact_date) from members") == [(6, 0)]
    assert fetch_all(db, "select count(*) from warnings where field = 'last_contact_date'") == [
        (6,)
    ]


def test_a_failed_formula_is_shown_as_it_is_where_names_and_phones_are_masked(
    tmp_path, isolated_env
):
    """#N/A where a name or phone should be is nobody's data: the 数据质量 page and the
    fix-list of a role without personal data show it as the sheet does, not as #***; the
    members' own names and phones stay masked."""
    path = _xlsx(tmp_path / "2022-04_灵溪镇_流动党员.xlsx")
    db = isolated_env / "census.duckdb"
    [result] = ingest_paths([path], db).files
    con = connect_readonly(db)
    try:
        masked = Filters(wave="2022-04", show_personal_data=False)
        rejected = quality.quarantine_rows(con, masked)
        warned = quality.warning_rows(con, masked)
    finally:
        con.close()
    assert list(rejected["value"]) == ["#N/A"]
    assert "#VALUE!" in set(warned["value"]) and "#REF!" in set(warned["value"])
    data, _rows = build_scoped_fixlist(db, result.file_hash, path, Scope.for_role("analyst"))
    book = openpyxl.load_workbook(io.BytesIO(data))
    shown = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row}
    assert "#N/A" in shown and "#***" not in shown
    assert "成员1" not in shown and "成*1" in shown  # names still masked
