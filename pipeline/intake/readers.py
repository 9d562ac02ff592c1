"""Any dropped file → raw sheets: calamine for xlsx/xls, encoding-sniffed text for csv.

Every failure becomes `FileRejected` with a Chinese reason. calamine aborts the whole process
(not an exception) when a sheet's cells span a huge range, so an xlsx is read in-process only
after `cell_guard.scan_xlsx_cells` has bounded every sheet, from the very bytes it then hands to
calamine. Legacy .xls (calamine places its cells while opening it, before we could look) and
xlsx the scan cannot vouch for are read in a short-lived child process that may die alone.
"""

from __future__ import annotations

import csv
import io
import logging
import os
import pickle
import re
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from python_calamine import CalamineWorkbook, PasswordError, SheetTypeEnum, SheetVisibleEnum

from pipeline import config
from pipeline.access.quiet_logs import stderr_summary
from pipeline.intake import error_cells, seen
from pipeline.intake.cell_guard import column_letters, scan_xlsx_cells
from pipeline.intake.html_table import read_html
from pipeline.intake.sniff import (
    BAD_ENCODING,
    ENCRYPTED,
    NO_DATA,
    FileRejected,
    decode_text,
    detect_format,
)
from pipeline.intake.spreadsheet_ml import read_spreadsheet_ml
from pipeline.intake.xlsx_formats import show_decimals

__all__ = ["FileRejected", "Sheet", "detect_format", "read_sheets"]

log = logging.getLogger(__name__)

UNREADABLE = "文件无法读取（内容损坏或格式异常）；请在 Excel 或 WPS 中打开后另存为 .xlsx，再上传"
CRASHED = (
    "文件无法安全读取（读取程序异常退出，可能是工作表范围过大或文件已损坏）；"
    "请在 Excel 中打开后另存为 .xlsx，再上传"
)
_CHILD_TIMEOUT_SECONDS = 120
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_CHILD_CODE = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from pipeline.intake.readers import _contained_main; _contained_main()"
)
_DELIMITERS = (",", "\t", ";")
_SEP_HINT = re.compile(r"\ufeff?sep=([^\r\n])[ \t]*(?:\r\n|\r|\n)")


@dataclass
class Sheet:
    """One worksheet as the reader gives it.

    rows[i][j] is Excel cell (row first_row + i + 1, column j + 1); the readers here always start
    at A1, so first_row is 0. Rows are rectangular; an empty cell is '' (calamine and csv both say
    so). Numbers stay floats (an ID number stored as a number shows its lost digits), dates are
    date/datetime, csv values are always str. merged holds (first_row, first_col, last_row,
    last_col), 0-based inclusive, indexing `rows` directly and clipped to it.
    """

    name: str
    rows: list[list[object]]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    first_row: int = 0
    hidden: bool = False  # hidden or very hidden in the workbook: named, never read (no rows)
    hidden_cols: frozenset[int] = frozenset()  # columns the analyst hid (xlsx), 0-based


def read_sheets(path, *, meanwhile: Callable[[], None] | None = None) -> list[Sheet]:
    """Every non-empty worksheet of a file, in workbook order; raises FileRejected otherwise.

    `meanwhile` runs in a thread while calamine parses a guarded workbook, which it does
    without holding the GIL; it has finished when this returns. Other files skip it.
    """
    path = Path(path)
    kind = detect_format(path)
    try:
        if kind == "csv":
            sheets = _read_csv(path)
        elif kind == "html":
            sheets = [Sheet(n, rows, merged) for n, rows, merged in read_html(path.read_bytes())]
        elif kind == "spreadsheetml":
            sheets = [
                # merges checked as calamine's are: overlapping ones could make filling explode
                Sheet(
                    name, rows, _clip_merges(_pairs(merged), rows), hidden=hidden, hidden_cols=cols
                )
                for name, rows, merged, hidden, cols in read_spreadsheet_ml(path.read_bytes())
            ]
        else:
            # One read: the bytes the guard checked are the bytes calamine gets.
            data = path.read_bytes()
            formats: dict = {}
            errors: dict = {}
            if kind == "xlsx" and scan_xlsx_cells(data, formats, errors):
                sheets = _read_workbook(
                    io.BytesIO(data), meanwhile, formats, seen.hidden_cols(data), errors
                )
            else:
                sheets = _read_contained(data, path.name)
    except FileRejected:
        raise
    except MemoryError:
        raise FileRejected("文件过大，读取时内存不足，为安全起见已放弃；请拆分后再上传") from None
    except Exception:
        log.warning("unexpected error reading %s", path, exc_info=True)
        raise FileRejected(UNREADABLE) from None
    sheets = [sheet for sheet in sheets if sheet.hidden or _has_content(sheet.rows)]
    if not any(not sheet.hidden for sheet in sheets):
        raise FileRejected(_only_hidden(sheets) if sheets else NO_DATA)
    return sheets


def _only_hidden(sheets: list[Sheet]) -> str:
    names = "、".join(f"“{sheet.name}”" for sheet in sheets)
    return (
        f"文件中只有隐藏的工作表（{names}），隐藏的工作表不读取；"
        "如其中就是要上报的名单，请在 Excel 或 WPS 中取消隐藏后再上传"
    )


def _has_content(rows: list[list[object]]) -> bool:
    return any(
        v is not None and v != "" and not (isinstance(v, str) and not v.strip())
        for row in rows
        for v in row
    )


def _read_workbook(
    source,
    meanwhile: Callable[[], None] | None = None,
    formats: dict | None = None,
    hidden_cols: dict | None = None,
    errors: dict | None = None,
) -> list[Sheet]:
    """calamine on a binary file object: only for bytes a guard has bounded, or in the child.

    Never from_path: calamine picks the format from the extension, and analysts' extensions lie.
    """
    helper = None
    try:
        book = CalamineWorkbook.from_filelike(source)
        sheets, budget = [], config.MAX_SHEET_CELLS
        for index, meta in enumerate(book.sheets_metadata):
            if meta.typ != SheetTypeEnum.WorkSheet:
                continue  # chart and dialog sheets hold no cells
            if meta.visible != SheetVisibleEnum.Visible:
                sheets.append(Sheet(meta.name, [], hidden=True))  # a stale copy: never read
                continue
            if meanwhile is not None and helper is None:
                helper = threading.Thread(target=meanwhile, name="while-calamine-parses")
                helper.start()
            sheet = book.get_sheet_by_index(index)
            if sheet.end is None:
                continue
            height, width = sheet.end[0] + 1, sheet.end[1] + 1
            budget -= height * width
            if budget < 0:
                raise FileRejected(
                    f"工作表范围过大：“{meta.name}”延伸到 {column_letters(width)}{height}"
                    f"（上限合计 {config.MAX_SHEET_CELLS:,} 个单元格），为安全起见未打开"
                )
            rows = sheet.to_python(skip_empty_area=False)
            if formats and meta.name in formats:
                show_decimals(rows, formats[meta.name])  # 2023.1 shown as 2023.10 is October
            if errors and meta.name in errors:
                error_cells.show_errors(rows, errors[meta.name])  # #N/A is not a blank
            merged = _clip_merges(sheet.merged_cell_ranges or [], rows)  # None: an .ods
            cols = (hidden_cols or {}).get(meta.name, frozenset())
            sheets.append(Sheet(meta.name, rows, merged, hidden_cols=cols))
        return sheets
    except FileRejected:
        raise
    except PasswordError:
        raise FileRejected(ENCRYPTED) from None
    except MemoryError:
        raise
    except BaseException as exc:
        # pyo3 turns a Rust panic into PanicException, a BaseException.
        if isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        log.info("calamine refused a workbook: %r", exc)
        raise FileRejected(UNREADABLE) from None
    finally:
        if helper is not None:
            helper.join()


def _clip_merges(ranges, rows: list[list[object]]) -> list[tuple[int, int, int, int]]:
    """Merged ranges clipped to the cells read, so filling them costs no more than the sheet."""
    height = len(rows)
    width = len(rows[0]) if rows else 0
    merged, area = [], 0
    for (r0, c0), (r1, c1) in dict.fromkeys(ranges):  # some writers repeat a merge verbatim
        r1, c1 = min(r1, height - 1), min(c1, width - 1)
        if r0 <= r1 and c0 <= c1 and (r1 > r0 or c1 > c0):
            merged.append((r0, c0, r1, c1))
            area += (r1 - r0 + 1) * (c1 - c0 + 1)
    if area > height * width:
        # Excel never writes overlapping merges; a file that does could make filling them explode.
        raise FileRejected(
            "合并单元格异常（互相重叠），文件可能已损坏；请在 Excel 中打开后另存，再上传"
        )
    return sorted(merged)


def _pairs(
    merged: list[tuple[int, int, int, int]],
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(r0, c0, r1, c1) as calamine gives a merged range: ((r0, c0), (r1, c1))."""
    return [((r0, c0), (r1, c1)) for r0, c0, r1, c1 in merged]


def _read_contained(data: bytes, label: str) -> list[Sheet]:
    """Read with calamine in a child process, so that an abort only ends the child."""
    env = {**os.environ, "RUST_BACKTRACE": "0"}
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD_CODE, str(_PACKAGE_ROOT)],
            input=data,
            capture_output=True,
            timeout=_CHILD_TIMEOUT_SECONDS,
            env=env,
        )
    except subprocess.TimeoutExpired:
        raise FileRejected(
            f"读取文件超时（超过 {_CHILD_TIMEOUT_SECONDS} 秒），为安全起见已放弃；请检查文件是否异常庞大"
        ) from None
    if done.returncode != 0:
        log.warning(
            "reader child for %s exited with %s: %s",
            label,
            done.returncode,
            stderr_summary(done.stderr),  # a panic message may quote a cell
        )
        raise FileRejected(CRASHED)
    try:
        status, payload = pickle.loads(done.stdout)  # our own child's output, not the file's
    except Exception:
        raise FileRejected(CRASHED) from None
    if status == "rejected":
        raise FileRejected(payload)
    return [
        Sheet(name, rows, merged, hidden=hidden, hidden_cols=cols)
        for name, rows, merged, hidden, cols in payload
    ]


def _contained_main() -> None:
    """Child entry point, workbook bytes on stdin: a memory cap turns a runaway allocation into a
    quick, contained abort instead of swapping the machine."""
    try:
        import resource

        cap = max(2 << 30, config.MAX_SHEET_CELLS * 64) + (1 << 30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ImportError, ValueError, OSError):
        pass
    try:
        data = sys.stdin.buffer.read()
        decimals, errors = seen.marked_cells(data)
        sheets = _read_workbook(
            io.BytesIO(data), formats=decimals, hidden_cols=seen.hidden_cols(data), errors=errors
        )
        if not data.startswith(b"PK\x03\x04"):  # a legacy .xls
            seen.xls_shown_decimals(data, sheets)
            seen.xls_hidden_cols(data, sheets)
            seen.xls_error_cells(data, sheets)
        result = ("ok", [(s.name, s.rows, s.merged, s.hidden, s.hidden_cols) for s in sheets])
    except FileRejected as exc:
        result = ("rejected", exc.reason)
    sys.stdout.buffer.write(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    sys.stdout.flush()


def _read_csv(path: Path) -> list[Sheet]:
    from pipeline.intake.csv_guard import check_csv_width

    data = path.read_bytes()
    check_csv_width(data)  # a line of millions of cells is refused before it is parsed
    decoded = decode_text(data)
    if decoded is None:
        raise FileRejected(BAD_ENCODING)
    text = decoded[0]
    hint = _SEP_HINT.match(text)
    if hint:  # Excel's "sep=;" line: it names the delimiter and Excel shows no row for it
        text, delimiter = text[hint.end() :], hint[1]
    else:
        delimiter = _sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[object]] = []
    width = 0
    try:
        for row in reader:
            rows.append(row)
            width = max(width, len(row))
            if len(rows) * width > config.MAX_SHEET_CELLS:
                raise FileRejected(
                    f"表格范围过大（第 {len(rows)} 行时已超过 {config.MAX_SHEET_CELLS:,} 个单元格），"
                    "为安全起见未读取；请拆分后再上传"
                )
    except csv.Error:
        raise FileRejected(
            f"CSV 文件格式错误（第 {reader.line_num} 行附近，如引号不配对或单元格内容过长），无法读取；"
            "请用 Excel 打开后另存为 .xlsx 再上传"
        ) from None
    forced = '="' in text or "'" in text
    for i, row in enumerate(rows):
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        if forced:
            rows[i] = [_unforce(cell) for cell in row]
    return [Sheet(path.stem, rows, [])]


# How Excel users keep digits as text in a CSV: ="330327…" (a formula giving the text) or a
# leading apostrophe. Either way the cell means the digits, which must not lose a character.
_FORCED_TEXT = re.compile(r'="(.*)"|\'(?=[0-9])(.*)', re.S)


def _unforce(cell: str) -> str:
    if cell[:1] not in ("=", "'"):
        return cell
    found = _FORCED_TEXT.fullmatch(cell)
    return (found[1] if found[1] is not None else found[2]) if found else cell


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits most sample rows into the same number (> 1) of fields."""
    sample = text[:65536]
    if len(text) > len(sample) and "\n" in sample:
        sample = sample[: sample.rindex("\n")]
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            widths = Counter(
                len(row)
                for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                if any(value.strip() for value in row)
            )
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        score = (count, width) if width > 1 else (0, 0)
        if score > best_score:
            best, best_score = delimiter, score
    return best
