"""`make bench`: where one workbook's ingest time goes, step by step.

    python -m pipeline.bench.phases FILE DB

Run as its own process by `pipeline.bench.floors`. Each step of `python -m pipeline ingest
FILE` is timed alone, one after another in this process (the command itself overlaps the
parse with its imports and primes the cleaning code meanwhile; here nothing overlaps), so the
figures say which steps a faster ingest must shorten. Prints one JSON object of seconds.
"""

from __future__ import annotations

import io
import json
import sys
import time
from datetime import datetime
from pathlib import Path


def measure(path: Path, db: Path) -> dict[str, float]:
    seconds: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        seconds[step] = now - clock
        clock = now

    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    from pipeline.intake.cell_guard import scan_xlsx_cells

    data = path.read_bytes()
    lap("read_bytes")
    scan_xlsx_cells(data, {})
    lap("guard")
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    sheets = [
        book.get_sheet_by_index(i)
        for i, meta in enumerate(book.sheets_metadata)
        if meta.typ == SheetTypeEnum.WorkSheet and meta.visible == SheetVisibleEnum.Visible
    ]
    lap("parse")
    for sheet in sheets:
        sheet.to_python(skip_empty_area=False)
    lap("to_python")

    from pipeline.clean.identity import make_id_hasher
    from pipeline.ingest import batch
    from pipeline.ingest.prepare import prepare_staged, stage
    from pipeline.ingest.primer import prime
    from pipeline.intake.readers import read_sheets
    from pipeline.parse.layout import parse_workbook
    from pipeline.warehouse import store
    from pipeline.warehouse.models import build_models

    lap("imports")
    prime("330327")
    read = read_sheets(path)  # the reader's own Sheet objects (guard and parse timed above)
    clock = time.perf_counter()
    laid_out = parse_workbook(read)
    lap("layout")
    staged = stage(path, batch.file_hash(data), "330327", None, (read, laid_out))
    prepared = prepare_staged(staged, make_id_hasher(b"\0" * 32), "330327")
    lap("clean")
    with store.write_transaction(db) as con:
        con.execute("set threads = 1")
        con.execute("begin transaction")
        batch._load(con, prepared, datetime.now())  # noqa: SLF001 — the command's own step
        con.execute("commit")
        con.execute("reset threads")
        lap("load")
        build_models(con)
        lap("models")
    lap("close")
    return seconds


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    print(json.dumps(measure(Path(args[0]), Path(args[1]))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
