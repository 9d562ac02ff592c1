"""Bulk load: millions of rows through the same validation and load code as `ingest`.

A bulk source is a set of raw chunk files (Arrow IPC), each holding raw member rows exactly
as `layout.parse_workbook` produces them from a sheet, with their own 所属乡镇 and 普查时间
columns (a consolidated return of many townships and waves), plus optional 支部情况 rows.
Worker processes read and clean chunks with `transform.clean_census` on both cores; the
parent loads each cleaned chunk with `warehouse.load.load_file` in file-name order, all inside
one `write_transaction` and one DuckDB transaction (the run is all-or-nothing either way),
and builds the models once at the end. A spreadsheet goes through
`ingest.ingest_paths`; this is for a province's worth of rows, where one file per township
and a model rebuild per batch would spend the time on overheads.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather

from pipeline import config

SUFFIX = ".arrow"
# Columns of a 支部情况 chunk besides what `clean_branch_totals` reads: whose branch it is.
TOTALS_KEYS = ["township", "wave"]
MEMORY_LIMIT_GB = 6
WORKER_NICENESS = 10
# Cleaned chunks a worker may run ahead of the loader: enough that no worker idles while the
# parent writes, few enough (about 70 MB each) that memory stays flat.
AHEAD_PER_WORKER = 3


@dataclass
class BulkResult:
    file: str
    status: str  # loaded | replaced | unchanged
    rows_loaded: int = 0
    rows_rejected: int = 0
    warnings: int = 0
    read_seconds: float = 0.0  # worker CPU: reading the chunk
    clean_seconds: float = 0.0  # worker CPU: clean_census and clean_branch_totals


@dataclass
class BulkReport:
    files: list[BulkResult] = field(default_factory=list)
    load_seconds: float = 0.0  # parent: load_file calls
    model_seconds: float = 0.0  # parent: build_models once
    wait_seconds: float = 0.0  # parent: waiting for the next cleaned chunk
    finish_seconds: float = 0.0  # parent: commit, checkpoint and swap
    seconds: float = 0.0  # wall, first read to the warehouse swapped in

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files)


# --- raw chunk files --------------------------------------------------------------------------


def write_chunk(path: Path, members: pd.DataFrame, totals: pd.DataFrame | None = None) -> Path:
    """Raw rows to an Arrow file (and `<name>.totals.arrow` for branch summaries).

    Cells keep their types: text, dates and numbers; a column mixing text and numbers (an
    empty 带动就业人数 cell is '') is stored as numbers with the blanks as nulls."""
    feather.write_feather(_to_arrow(members), path, compression="lz4")
    if totals is not None and len(totals):
        feather.write_feather(_to_arrow(totals), _totals_path(path), compression="lz4")
    return path


def read_chunk(path: Path) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """Back to the raw form: text as pandas strings (Arrow-backed, as cleaning reads them
    fastest), dates as `datetime.date`, and nulls in numeric columns as '' (a blank cell)."""
    members = _from_arrow(feather.read_table(path))
    totals_path = _totals_path(path)
    totals = _from_arrow(feather.read_table(totals_path)) if totals_path.exists() else None
    return members, totals


def _totals_path(path: Path) -> Path:
    return path.with_name(path.name.removesuffix(SUFFIX) + ".totals" + SUFFIX)


def _to_arrow(frame: pd.DataFrame) -> pa.Table:
    columns = {}
    for name in frame.columns:
        values = frame[name]
        if values.dtype == object and values.map(type).isin([float, int]).any():
            values = pd.to_numeric(values.where(values != "", None))
        columns[name] = values
    return pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)


def _from_arrow(table: pa.Table) -> pd.DataFrame:
    frame = table.to_pandas(date_as_object=True)
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
            if name != "excel_row":
                values = frame[name].astype(object)
                frame[name] = values.where(values.notna(), "")
        elif not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            frame[name] = frame[name].astype(object)  # dates: datetime.date, as a reader gives
    return frame


# --- workers ------------------------------------------------------------------------------------

_worker: dict = {}


def _init_worker(key: bytes, home_county: str) -> None:
    from pipeline.clean.identity import make_id_hasher

    # The parent's load is the serial stage: cleaning yields the core to it whenever it is
    # ready to write, and takes the rest.
    os.nice(WORKER_NICENESS)

    _worker.update(hash_id=make_id_hasher(key), home_county=home_county)


def _clean_chunk(path: Path) -> dict:
    """Read and clean one chunk (in a worker). Nothing is written here."""
    from pipeline.clean.transform import clean_census

    start = time.process_time()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    members_raw, totals_raw = read_chunk(path)
    read = time.process_time() - start
    cleaned = clean_census(members_raw, township=None, wave=None, home_county=_worker["home_county"],
                           hash_id=_worker["hash_id"])  # fmt: skip
    members = cleaned.members
    rejects = cleaned.rejects
    totals = None
    if totals_raw is not None:
        totals, total_rejects = _clean_totals(totals_raw)
        rejects = (
            pd.concat([rejects, total_rejects], ignore_index=True)
            if len(total_rejects)
            else rejects
        )
    township = members["township"].mode().iat[0] if len(members) else None
    wave = members["wave"].mode().iat[0] if len(members) else None
    return {
        "file_name": path.name, "digest": digest, "members": members, "totals": totals,
        "rejects": rejects, "warnings": cleaned.warnings, "rows_rejected": cleaned.rows_rejected,
        "township": township, "wave": wave, "read": read,
        "clean": time.process_time() - start - read,
    }  # fmt: skip


def _clean_totals(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`clean_branch_totals` for rows of many township-waves at once: validated under a
    placeholder unit, then each row gets its own township and wave back by (sheet, row)."""
    from pipeline.clean.transform import clean_branch_totals

    keys = raw[["sheet", "excel_row", *TOTALS_KEYS]].astype({"sheet": str, "excel_row": int})
    totals, rejects = clean_branch_totals(
        raw.drop(columns=TOTALS_KEYS), township="-", wave="0000-00"
    )
    order = list(totals.columns)
    totals = totals.drop(columns=TOTALS_KEYS).merge(keys, on=["sheet", "excel_row"], how="left")
    return totals[order].astype({"township": "str", "wave": "str"}), rejects


# --- the load ------------------------------------------------------------------------------------


def chunk_files(folder: Path) -> list[Path]:
    """Member chunk files of a folder in file-name order (summaries travel with them)."""
    return sorted(
        p for p in Path(folder).glob(f"*{SUFFIX}") if not p.name.endswith(".totals" + SUFFIX)
    )


def ingest_chunks(
    paths: Iterable[Path],
    db: Path | str | None = None,
    *,
    workers: int | None = None,
    uploaded_by: str = "bulk",
    home_county: str | None = None,
    progress: Callable[[BulkResult], None] | None = None,
) -> BulkReport:
    """Clean chunk files on `workers` processes and load them, in order, in one transaction."""
    from pipeline.clean.identity import load_or_create_secret
    from pipeline.ingest.outcome import reject_duplicates_elsewhere
    from pipeline.ingest.prepare import Prepared
    from pipeline.warehouse.load import (
        duplicates_elsewhere,
        is_known_file,
        load_file,
        log_ingest,
    )
    from pipeline.warehouse.models import build_models
    from pipeline.warehouse.store import write_transaction

    paths = list(paths)
    db = Path(db) if db else config.db_path()
    key = load_or_create_secret(config.secret_path())
    workers = workers or min(len(paths), os.cpu_count() or 1) or 1
    run_id = uuid.uuid4().hex[:12]
    report = BulkReport()
    start = time.perf_counter()
    # spawn: the parent holds a DuckDB connection and its threads, which fork would copy.
    context = multiprocessing.get_context("spawn")
    with write_transaction(db) as con, ProcessPoolExecutor(
        workers, mp_context=context, initializer=_init_worker,
        initargs=(key, home_county or config.HOME_COUNTY_CODE),
    ) as pool:  # fmt: skip
        # DuckDB would take up to 80% of the machine; the cleaning workers and the rest of
        # the box need theirs, and the model build spills to disk beyond this.
        con.execute("set memory_limit = ?", [f"{MEMORY_LIMIT_GB}GB"])
        # The cleaning workers have the cores: one DuckDB thread appends fastest beside them.
        con.execute("set threads = 1")
        # One transaction for the whole load, the way the batch is all-or-nothing anyway:
        # full row groups are then written compressed once, instead of through the WAL and
        # again by the checkpoint.
        con.execute("begin transaction")
        waiting = time.perf_counter()
        for done in _in_order(pool, paths, ahead=AHEAD_PER_WORKER * workers):
            report.wait_seconds += time.perf_counter() - waiting
            now = datetime.now()
            started = time.perf_counter()
            if is_known_file(con, done["digest"]):
                result = BulkResult(done["file_name"], "unchanged")
            else:
                prepared = Prepared(done["file_name"], done["digest"], None, done["township"], done["wave"],
                                    done["members"], done["totals"], done["rejects"], done["warnings"],
                                    done["rows_rejected"])  # fmt: skip
                prepared = reject_duplicates_elsewhere(
                    prepared, duplicates_elsewhere(con, prepared.members)
                )
                status = load_file(
                    con, file_name=prepared.file_name, file_hash=prepared.file_hash, members=prepared.members,
                    branch_totals=prepared.branch_totals, rejects=prepared.rejects,
                    warnings=prepared.warnings, sheets=sorted(prepared.members["sheet"].unique()), unmapped=[],
                    header_map="[]", township=prepared.township, wave=prepared.wave, now=now,
                    own_transaction=False,
                )  # fmt: skip
                result = BulkResult(prepared.file_name, status, len(prepared.members), prepared.rows_rejected,
                                    len(prepared.warnings), done["read"], done["clean"])  # fmt: skip
            log_ingest(con, run_id=run_id, now=now, file_name=result.file, file_hash=done["digest"],
                       status=result.status, rows_loaded=result.rows_loaded, rows_rejected=result.rows_rejected,
                       error=None, township=done["township"], wave=done["wave"], uploaded_by=uploaded_by)  # fmt: skip
            report.load_seconds += time.perf_counter() - started
            report.files.append(result)
            if progress:
                progress(result)
            waiting = time.perf_counter()
        started = time.perf_counter()
        con.execute("commit")
        report.finish_seconds = time.perf_counter() - started
        con.execute("reset threads")
        started = time.perf_counter()
        build_models(con)
        report.model_seconds = time.perf_counter() - started
        started = time.perf_counter()
    report.finish_seconds += time.perf_counter() - started
    report.seconds = time.perf_counter() - start
    return report


def _in_order(pool: ProcessPoolExecutor, paths: list[Path], ahead: int):
    """Results in input order with at most `ahead` chunks in flight, so cleaned chunks never
    pile up in memory while the parent is loading."""
    pending: deque = deque()
    queue = iter(paths)
    for path in queue:
        pending.append(pool.submit(_clean_chunk, path))
        if len(pending) >= ahead:
            break
    while pending:
        done = pending.popleft().result()
        nxt = next(queue, None)
        if nxt is not None:
            pending.append(pool.submit(_clean_chunk, nxt))
        yield done
