"""The fix-list as a signed-in user may have it (issue #12): only rows of their jurisdiction,
personal fields as their role sees them, rebuilt from the reader's values.

A county workbook holds rows of several townships; a township account gets back its own rows
and the header, nothing of the others (their rows are left blank, so every Excel row number
still matches the quarantine). It is always rebuilt cell by cell: the original workbook may
carry hidden sheets, comments, names or cached formula values of other townships.

ID numbers leave as the warehouse's masked form whatever the role (no screen shows them in
clear), in any cell; names and phones in clear only for roles that see personal data, phones
typed into other cells too. Text that reads as a
formula is written as text. `build_scoped_fixlist` returns the bytes and how many data rows
they hold, which is what the audit log records.
"""

from __future__ import annotations

import io
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from pipeline.access.masking import mask_id, mask_name, mask_phone, redact_ids, redact_text
from pipeline.access.scope import Scope
from pipeline.ingest.batch import file_hash
from pipeline.ingest.fixlist import (
    FixlistError,
    _activate,
    _apply,
    _rebuild,
    load_problems,
    plan_sheet,
    used_width,
)
from pipeline.intake.error_cells import FORMULA_ERRORS
from pipeline.intake.readers import Sheet, read_sheets
from pipeline.parse.header_rows import MIN_HEADER_FIELDS, find_header, is_subheader, map_columns
from pipeline.parse.sections import split_tables
from pipeline.warehouse.store import connect_readonly

# Personal fields and how a role without personal data sees them; IDs are masked for all.
_MASKS = {"name": mask_name, "phone": mask_phone}
_ALWAYS_MASKED = {"id_number": mask_id}


def _row_townships(db_path: Path | str, digest: str) -> dict[tuple[str, int], str | None]:
    """(sheet, Excel row) → township for every member or quarantined row of one file."""
    con = connect_readonly(db_path)
    try:
        home = con.execute(
            "select township from source_files where file_hash = ?", [digest]
        ).fetchone()
        rows = con.execute(
            "select sheet, excel_row, township from members where file_hash = ? "
            "union all select sheet, excel_row, township from quarantine where file_hash = ?",
            [digest, digest],
        ).fetchall()
    finally:
        con.close()
    default = home[0] if home else None
    out: dict[tuple[str, int], str | None] = {}
    for sheet, row, township in rows:
        if row is None:
            continue
        key = (sheet, int(row))
        # A row counted under two townships (should not happen) is nobody's to hand out.
        found = township or default
        out[key] = found if out.get(key, found) == found else None
    return out


def _field_columns(sheet: Sheet) -> tuple[int | None, dict[str, list[int]]]:
    """(0-based index of the last header row, field → 0-based columns)."""
    index = find_header(sheet.rows)
    if index is None:
        return None, {}
    rows = sheet.rows
    sub = rows[index + 1] if index + 1 < len(rows) and is_subheader(rows[index + 1]) else None
    fields: dict[str, list[int]] = defaultdict(list)
    for c, (_label, field) in enumerate(map_columns(rows[index], sub, list(sheet.merged), index)):
        if field:
            fields[field].append(c)
    return index + (1 if sub is not None else 0), dict(fields)


def _redacted(value: object, free_text) -> object:
    """A cell with the ID (and, per `free_text`, phone) numbers in it masked: text, or a number
    cell holding one (Excel keeps a phone typed into 备注 or 紧急联系电话 as a number)."""
    if isinstance(value, str):
        return free_text(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not value.is_integer():
            return value
        digits = str(int(value))
        masked = free_text(digits)
        return value if masked == digits else masked
    return value


def _failed_formula(value: object) -> bool:
    """#N/A where a name or phone should be is nobody's data: shown as the sheet shows it."""
    return isinstance(value, str) and value in FORMULA_ERRORS


def _scoped_sheet(
    sheet: Sheet, towns: dict[tuple[str, int], str | None], scope: Scope, personal: bool
) -> tuple[Sheet, set[int]]:
    """The sheet with rows outside the scope blanked and personal cells masked; returns the
    Excel rows of members kept. Each table of the sheet (`split_tables`) by its own header:
    the second table's names may stand where the first had its IDs."""
    masks = dict(_ALWAYS_MASKED)
    if not personal:
        masks.update(_MASKS)
    # Any other cell may hold a number typed as text (备注: 家属电话…, 身份证…).
    free_text = redact_ids if personal else redact_text
    kept: set[int] = set()
    rows: list[list[object]] = []
    for part in split_tables(sheet, find_header(sheet.rows), MIN_HEADER_FIELDS):
        header_end, fields = _field_columns(part)
        masked_cols = {c: masks[f] for f, cols in fields.items() if f in masks for c in cols}
        for i, row in enumerate(part.rows):
            excel_row = part.first_row + i + 1
            if header_end is not None and i <= header_end:
                # Titles and the header: a title row often names who filled the form in
                # (联系人 张三 电话13812345678), so its numbers are masked like any cell's.
                rows.append([_redacted(v, free_text) for v in row])
                continue
            key = (sheet.name, excel_row)
            mine = key in towns and towns[key] is not None and scope.allows(towns[key])
            if not mine and not (scope.all_townships and key not in towns):
                rows.append([""] * len(row))  # another township's row, or a total over several
                continue
            if key in towns:
                kept.add(excel_row)
            rows.append(
                [
                    masked_cols[c](v)
                    if c in masked_cols and v not in (None, "") and not _failed_formula(v)
                    else _redacted(v, free_text)
                    for c, v in enumerate(row)
                ]
            )
    blank = {i for i, row in enumerate(rows) if not any(v not in (None, "") for v in row)}
    merged = [m for m in sheet.merged if not any(r in blank for r in range(m[0], m[2] + 1))]
    return replace(sheet, rows=rows, merged=merged), kept


def build_scoped_fixlist(
    db_path: Path | str,
    file_hash_or_name: str,
    raw_path: Path | str,
    scope: Scope,
    *,
    personal: bool | None = None,
) -> tuple[bytes, int]:
    """(.xlsx bytes, member rows in it) of one ingested file as `scope` may have it.

    `personal`: names and phones in clear, as the user's switch 显示完整姓名和电话 says (masked
    by default like every other download); never for a role that may not see them. None: as
    the role allows (the CLI)."""
    personal = scope.may_see_personal_data and (personal is None or personal)
    raw_path = Path(raw_path)
    digest, _name, problems = load_problems(db_path, file_hash_or_name)
    if file_hash(raw_path.read_bytes()) != digest:
        raise FixlistError(
            "原始文件与入库记录不一致（文件已被修改或不是同一版本），无法生成问题清单"
        )
    towns = _row_townships(db_path, digest)
    sheets, kept_rows = [], 0
    by_sheet = defaultdict(list)
    for sheet in read_sheets(raw_path):
        scoped, kept = _scoped_sheet(sheet, towns, scope, personal)
        if not kept:
            continue  # nothing of this user's in it: the sheet stays out altogether
        sheets.append(scoped)
        kept_rows += len(kept)
        by_sheet[sheet.name] = [
            p for p in problems if p.sheet == sheet.name and p.excel_row in kept
        ]
    if not sheets:
        raise FixlistError("这个文件中没有属于您管辖范围的行，无法生成问题清单")
    book, titles = _rebuild(sheets)
    for sheet in sheets:
        if not by_sheet[sheet.name]:
            continue
        ws = book[titles[sheet.name]]
        _apply(ws, plan_sheet(sheet, by_sheet[sheet.name]), width=used_width(sheet))
        _activate(book, ws)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), kept_rows
