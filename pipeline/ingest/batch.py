"""A batch ingest: files in sorted name order, one bad file never stops the batch.

The whole batch writes into one private copy of the warehouse (see `warehouse.write_transaction`),
so a crash anywhere leaves the previous warehouse exactly as it was.
"""

from __future__ import annotations

import getpass
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.clean.identity import load_or_create_secret, make_id_hasher
from pipeline.ingest.chunk import clean_together
from pipeline.ingest.files import (
    SPREADSHEET_SUFFIXES,
    Read,
    collect_files,
    file_hash,
    read_ahead,
)
from pipeline.ingest.outcome import (
    UNREADABLE_FILE,
    FileResult,
    IngestReport,
    reject_duplicates_elsewhere,
    rejected,
    result_of,
    shared_notice,
    unnamed_notices,
)
from pipeline.ingest.prepare import Prepared, Staged, header_map, prepare, stage
from pipeline.ingest.registers import clean_register, register_kind
from pipeline.parse.layout import Workbook
from pipeline.parse.mappings import Choices
from pipeline.parse.mappings import load as load_choices
from pipeline.warehouse.load import (
    current_places,
    duplicates_elsewhere,
    is_known_file,
    kept_apart,
    known_files,
    load_file,
    load_files_together,
    log_ingest,
    save_notices,
    shared_with_other_townships,
    unnamed_units_elsewhere,
)
from pipeline.warehouse.models import build_models
from pipeline.warehouse.registers import load_register, register_township
from pipeline.warehouse.store import write_transaction

# Rows a chunk of staged files gathers before it is cleaned together (`ingest.chunk`): a county
# batch is one or two chunks; memory stays bounded on a province's folder.
CHUNK_ROWS = 200_000
# `prepare` and `Prepared` are the one-file path (the upload page's and bulk's) as before.
__all__ = [
    "SPREADSHEET_SUFFIXES",
    "FileResult",
    "IngestReport",
    "Prepared",
    "collect_files",
    "file_hash",
    "ingest_paths",
    "prepare",
]


def ingest_paths(
    paths: Iterable[Path | str],
    db: Path | str | None = None,
    *,
    uploaded_by: str | None = None,
    progress: Callable[[str], None] | None = None,
    home_county: str | None = None,
    first: Future | None = None,
) -> IngestReport:
    """Ingest files and folders into the warehouse; returns one result per file.

    `first`: the first file's read already under way (`files.start_reading`)."""
    files = collect_files(paths)
    db = Path(db) if db else config.db_path()
    home_county = home_county or config.HOME_COUNTY_CODE
    report = IngestReport()
    with write_transaction(db) as con:
        # Appending a file's rows is fastest on one DuckDB thread (measured: half the time at
        # 100k rows); the model build below gets them all back.
        con.execute("set threads = 1")
        # One DuckDB transaction for the batch, as in bulk.py: the batch is all-or-nothing
        # anyway (a failed load ends the run and write_transaction drops the copy), and a
        # commit per file paid a WAL flush per file for nothing.
        con.execute("begin transaction")
        run = _Run(
            con,
            hash_id=make_id_hasher(load_or_create_secret(config.secret_path())),
            home_county=home_county,
            choices=load_choices(),  # the analysts' kept decisions, read once for the batch
            run_id=uuid.uuid4().hex[:12],
            uploaded_by=uploaded_by or _os_user(),
            report=report,
            progress=progress,
            known=known_files(con),
        )
        for path, read in read_ahead(files, run.known, home_county, first):
            run.take(path, read)
        run.flush()
        _note_shared_members(con, report)
        con.execute("commit")
        con.execute("reset threads")
        build_models(con)
    return report


@dataclass
class _Run:
    """One batch's files, in order: staged files wait in a chunk that is cleaned together
    (`ingest.chunk`) once it holds CHUNK_ROWS rows, then every file's result is loaded and
    logged in file-name order (a later file may replace, or duplicate, an earlier one)."""

    con: object
    hash_id: Callable[[str], str]
    home_county: str
    choices: Choices
    run_id: str
    uploaded_by: str
    report: IngestReport
    progress: Callable[[str], None] | None
    queue: list = field(default_factory=list)  # (path, now, FileResult | staged position)
    staged: list[Staged] = field(default_factory=list)
    rows: int = 0
    known: set[str] = field(default_factory=set)  # source_files' hashes when the batch began
    seen: set[str] = field(default_factory=set)  # hashes this batch has taken so far

    def _is_known(self, digest: str) -> bool:
        """`load.is_known_file` without a query per file (0.8 s of a 60-file batch): the
        warehouse only gains files, and only this batch's, so only a hash seen earlier in the
        batch needs asking."""
        if digest in self.known:
            return True
        if digest in self.seen:
            return is_known_file(self.con, digest)
        self.seen.add(digest)
        return False

    def take(self, path: Path, read: Read) -> None:
        now = datetime.now()
        if read.digest is None:
            self._done(path, now, FileResult(path.name, "rejected", error=UNREADABLE_FILE))
            return
        if any(s.digest == read.digest for s in self.staged):
            self.flush()  # the same bytes twice in one batch: the second is unchanged
        if self._is_known(read.digest):
            self._done(path, now, FileResult(path.name, "unchanged"), read.digest)
            return
        try:
            if read.error is not None:
                raise read.error
            kind = register_kind(read.book[1])
            if kind is not None:  # a roster or host register (issue #17), not a census
                self.flush()
                result = _load_register(
                    self.con, path, read.digest, self.hash_id, read.book[1], kind, now
                )
                self._done(path, now, result, read.digest)
                return
            staged = stage(path, read.digest, self.home_county, self.choices, read.book)
        except Exception as exc:
            self._done(path, now, rejected(path, exc), read.digest)
            return
        self._stage(path, now, staged)

    def _stage(self, path: Path, now: datetime, staged: Staged) -> None:
        self.queue.append((path, now, len(self.staged)))
        self.staged.append(staged)
        self.rows += len(staged.raw)
        if self.rows >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        """Clean the waiting files together, then load and log everything queued, in order."""
        staged = self.staged
        prepared = clean_together(staged, self.hash_id, self.home_county) if staged else []
        queue, self.queue, self.staged, self.rows = self.queue, [], [], 0
        at = {item: now for _path, now, item in queue if isinstance(item, int)}
        together = _independent(self.con, prepared)
        load_files_together(
            self.con,
            [
                {**_load_args(prepared[i], at[i]), "notices": prepared[i].notices}
                for i in sorted(together)
            ],
        )
        for path, now, item in queue:
            if isinstance(item, FileResult):
                self._log(path, now, item)
                continue
            outcome = prepared[item]
            if item in together:
                result = result_of(outcome, "loaded")
            elif isinstance(outcome, Prepared):
                result = _load(self.con, outcome, now)
            else:
                result = rejected(path, outcome)
            result.file_hash = staged[item].digest
            self._log(path, now, result)

    def _done(
        self, path: Path, now: datetime, result: FileResult, digest: str | None = None
    ) -> None:
        result.file_hash = digest
        if self.queue:  # files before it still wait for their chunk: keep the order
            self.queue.append((path, now, result))
        else:
            self._log(path, now, result)

    def _log(self, path: Path, now: datetime, result: FileResult) -> None:
        log_ingest(
            self.con,
            run_id=self.run_id,
            now=now,
            file_name=path.name,
            file_hash=result.file_hash,
            status=result.status,
            rows_loaded=result.rows_loaded,
            rows_rejected=result.rows_rejected,
            error=result.error,
            township=result.township,
            wave=result.wave,
            uploaded_by=self.uploaded_by,
        )
        self.report.files.append(result)
        if self.progress:
            self.progress(path.name)


def _note_shared_members(con, report: IngestReport) -> None:
    """A member the batch loaded whom another township's register of the wave also holds:
    both files are told (need review), after every file of the batch is in."""
    loaded = {r.file_hash: r for r in report.files if r.status in ("loaded", "replaced")}
    for digest, township, members in shared_with_other_townships(con, list(loaded)):
        result, notice = loaded[digest], shared_notice(township, members)
        save_notices(con, digest, [notice], first=len(result.notices))
        result.notices.append(notice)


def _independent(con, prepared: list) -> set[int]:
    """The chunk's files that can be loaded all at once (`load.load_files_together`): each
    touches (wave, township) pairs that no other file of the chunk touches and the warehouse
    holds no current unit of, so none can replace or duplicate anything. Most of a county's
    first submission; a resubmission takes the file-by-file path."""
    places = {i: _places(p) for i, p in enumerate(prepared) if isinstance(p, Prepared)}
    seen = Counter(place for found in places.values() for place in found)
    held = current_places(con, set(seen))
    return {
        i for i, found in places.items() if all(seen[pl] == 1 and pl not in held for pl in found)
    }


def _places(prepared: Prepared) -> set[tuple[str, str]]:
    frames = [prepared.members, prepared.branch_totals]
    return {
        place for frame in frames if frame is not None and len(frame) for place in _pairs(frame)
    }


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    """A frame's (wave, township) pairs: a file is almost always one of each, which two
    `unique` calls tell at a third of a `drop_duplicates`' cost (paid twice per file)."""
    waves, townships = frame["wave"].unique(), frame["township"].unique()
    if len(waves) == 1 and len(townships) == 1:
        return {(waves[0], townships[0])}
    return set(frame[["wave", "township"]].drop_duplicates().itertuples(index=False, name=None))


def _load_args(prepared: Prepared, now: datetime) -> dict:
    """`load.load_file`'s arguments for a prepared file."""
    return {
        "file_name": prepared.file_name,
        "file_hash": prepared.file_hash,
        "members": prepared.members,
        "branch_totals": prepared.branch_totals,
        "rejects": prepared.rejects,
        "warnings": prepared.warnings,
        "sheets": [t.sheet for t in prepared.book.tables],
        "unmapped": prepared.book.unmapped,
        "header_map": header_map(prepared.book),
        "township": prepared.township,
        "wave": prepared.wave,
        "now": now,
    }


def _load(con, prepared: Prepared, now: datetime) -> FileResult:
    """Write one prepared file: its rows, its quarantine, its notices."""
    prepared = reject_duplicates_elsewhere(prepared, duplicates_elsewhere(con, prepared.members))
    unnamed = unnamed_units_elsewhere(con, prepared.members, prepared.file_hash)
    if len(unnamed):
        prepared = replace(prepared, notices=[*prepared.notices, *unnamed_notices(unnamed)])
    apart = kept_apart(unnamed)
    status = load_file(con, **_load_args(prepared, now), own_transaction=False, apart=apart)
    save_notices(con, prepared.file_hash, prepared.notices)
    return result_of(prepared, status)


def _load_register(con, path: Path, digest: str, hash_id, book: Workbook, kind: str, now):
    clean = clean_register(book, kind, file_stem=path.stem, hash_id=hash_id)
    status = load_register(
        con,
        clean,
        file_name=path.name,
        file_hash=digest,
        sheets=[t.sheet for t in book.tables],
        unmapped=[],
        header_map=header_map(book),
        now=now,
        own_transaction=False,  # the batch's one transaction (see ingest_paths)
    )
    return FileResult(
        path.name,
        status,
        len(clean.rows),
        len(set(zip(clean.rejects["sheet"], clean.rejects["excel_row"], strict=True))),
        township=register_township(clean),
        wave=clean.wave,
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
