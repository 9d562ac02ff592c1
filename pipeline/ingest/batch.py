"""A batch ingest: files in sorted name order, one bad file never stops the batch.

The whole batch writes into one private copy of the warehouse (see `warehouse.write_transaction`),
so a crash anywhere leaves the previous warehouse exactly as it was.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from functools import partial
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.clean import value_vote
from pipeline.clean.identity import load_or_create_secret, make_id_hasher
from pipeline.clean.transform import ContextMissing, clean_branch_totals, clean_census
from pipeline.ingest.file_health import REVIEW, health_notices
from pipeline.ingest.primer import prime
from pipeline.ingest.registers import RegisterRejected, clean_register, register_kind
from pipeline.intake.readers import FileRejected, read_sheets
from pipeline.parse.context_hints import fill_wave_from_text, township_from_text, wave_from_text
from pipeline.parse.header_rules import header_key
from pipeline.parse.layout import Workbook, parse_workbook
from pipeline.parse.mappings import IGNORE, Choices
from pipeline.parse.mappings import load as load_choices
from pipeline.warehouse.models import build_models
from pipeline.warehouse.registers import load_register, register_township
from pipeline.warehouse.store import (
    duplicates_elsewhere,
    is_known_file,
    load_file,
    log_ingest,
    save_notices,
    write_transaction,
)

log = logging.getLogger(__name__)

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".csv", ".txt"}


@dataclass
class FileResult:
    file: str
    status: str  # loaded | replaced | unchanged | rejected
    rows_loaded: int = 0
    rows_rejected: int = 0
    error: str | None = None
    township: str | None = None
    wave: str | None = None
    file_hash: str | None = None
    unmapped: list[str] = field(default_factory=list)
    warnings: int = 0
    notices: list[str] = field(default_factory=list)  # what the analyst should know (spec §6)
    township_from: str | None = None  # where the township was read: 标题, 文件名, 分析员指定 …
    wave_from: str | None = None
    hidden_sheets: list[str] = field(default_factory=list)

    @property
    def needs_review(self) -> bool:
        """需核对: the file loaded, but something about its figures looks wrong."""
        return any(n.startswith(REVIEW) for n in self.notices)


@dataclass
class IngestReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def any_rejected(self) -> bool:
        return any(f.status == "rejected" for f in self.files)

    def to_json(self) -> str:
        keys = ("file", "status", "rows_loaded", "rows_rejected", "error")
        # spec §6: the keys above never change; `notices` is there when there is something to say
        files = [
            {k: asdict(f)[k] for k in keys} | ({"notices": f.notices} if f.notices else {})
            for f in self.files
        ]
        return json.dumps({"files": files}, ensure_ascii=False)


@dataclass
class Prepared:
    """A file read, parsed and cleaned, ready to load (nothing written yet)."""

    file_name: str
    file_hash: str
    book: Workbook
    township: str | None
    wave: str | None
    members: pd.DataFrame
    branch_totals: pd.DataFrame | None
    rejects: pd.DataFrame
    warnings: pd.DataFrame
    rows_rejected: int
    notices: list[str] = field(default_factory=list)
    township_from: str | None = None
    wave_from: str | None = None


def collect_files(paths: Iterable[Path | str]) -> list[Path]:
    """Files and folders → the files to ingest, in sorted file-name order (spec §4)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            # A link inside the folder that leads out of it is not part of the batch: the
            # folder is what the analyst (or an upload) put there, nothing else on the disk.
            root = path.resolve()
            found += [
                p
                for p in path.rglob("*")
                if p.is_file() and not _ignored(p) and p.resolve().is_relative_to(root)
            ]
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"找不到文件或文件夹：{path}")
    return sorted(set(found), key=lambda p: (p.name, str(p)))


def _ignored(path: Path) -> bool:
    # Office lock files (~$x.xlsx), hidden files and our own notes are not census files.
    return path.name.startswith(("~$", ".")) or path.suffix.lower() in {".json", ".md", ".gitkeep"}


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_book(path: Path, home_county: str) -> tuple[list, Workbook]:
    """(sheets, their layout): the sheets are kept so an analyst's column choices can lay them
    out again without reading the file twice."""
    sheets = read_sheets(path, meanwhile=partial(prime, home_county))
    return sheets, parse_workbook(sheets)


def _context(book: Workbook, stem: str, chosen: dict) -> tuple[str | None, str | None, dict]:
    """(township, wave, where each came from) for the file as a whole.

    The analyst's choice, else the titles, else the file name; the wave last from the filling
    date (填报时间：2022年4月30日), which the file's notices then mention."""
    sources: dict[str, str | None] = {"township": None, "wave": None}
    township = chosen.get("township")
    if township:
        sources["township"] = "分析员指定"
    elif township := township_from_text(book.context_text):
        sources["township"] = "标题"
    elif township := township_from_text(stem):
        sources["township"] = "文件名"
    wave = chosen.get("wave")
    if wave:
        sources["wave"] = "分析员指定"
    elif wave := wave_from_text(book.context_text):
        sources["wave"] = "标题"
    elif wave := wave_from_text(stem):
        sources["wave"] = "文件名"
    elif wave := fill_wave_from_text(f"{book.context_text} {book.footer_text}"):
        sources["wave"] = "填报时间"
    return township, wave, sources


def prepare(
    path: Path,
    digest: str,
    hash_id: Callable[[str], str],
    home_county: str,
    choices: Choices | None = None,
    read: tuple[list, Workbook] | None = None,
) -> Prepared:
    """Read → layout → clean one file. Raises FileRejected / ContextMissing for a bad file."""
    choices = choices or Choices()
    chosen = choices.files.get(digest, {})
    sheets, book = read if read is not None else read_book(path, home_county)
    township, wave, sources = _context(book, path.stem, chosen)
    columns = choices.for_township(township or _first_township(book))
    if any(header_key(c.label) in columns for c in book.columns):
        # the township's kept column choices name a column here: lay the sheets out again
        book = parse_workbook(sheets, {k: (None if f == IGNORE else f) for k, f in columns.items()})
    if not book.tables and book.branch_totals is not None:
        raise FileRejected(
            "文件只有“支部情况”表（党员总数），没有流动党员名单；"
            "请把支部情况表与名单放在同一个工作簿中上传"
        )
    if not book.tables:
        raise FileRejected(
            "未找到可识别的表头：表中应有“姓名”等列（如 姓名、身份证号、所在党支部、流出时间、流入地）"
        )
    labels = {c.field: c.label for c in reversed(book.columns) if c.field}
    raw = pd.concat([t.members for t in book.tables], ignore_index=True)
    # The analyst's township or wave is the file's, whatever its sheets or rows say.
    if chosen.get("township"):
        raw = raw.drop(columns=["township", "sheet_township"], errors="ignore")
    if chosen.get("wave"):
        raw = raw.drop(columns=["census_wave", "sheet_wave"], errors="ignore")
    cleaned = clean_census(
        raw, township=township, wave=wave, home_county=home_county, hash_id=hash_id, labels=labels
    )
    wrong = value_vote.contradicted(book.columns, raw, cleaned.rejects, set(columns))
    if wrong:  # the values outvote a header rule: clean again without the misread column
        raw = value_vote.keep_as_unmapped(raw, book.columns, wrong)
        labels = {f: label for f, label in labels.items() if f not in wrong}
        cleaned = clean_census(
            raw,
            township=township,
            wave=wave,
            home_county=home_county,
            hash_id=hash_id,
            labels=labels,
        )
    members = cleaned.members
    if len(members):
        township = (
            members["township"].mode().iat[0]
            if township is None or township not in set(members["township"])
            else township
        )
        wave = (
            members["wave"].mode().iat[0]
            if wave is None or wave not in set(members["wave"])
            else wave
        )
    totals, rejects, rows_rejected = None, cleaned.rejects, cleaned.rows_rejected
    if book.branch_totals is not None and township and wave:
        totals, total_rejects = clean_branch_totals(
            book.branch_totals, township=township, wave=wave
        )
        rejects = (
            pd.concat([rejects, total_rejects], ignore_index=True)
            if len(total_rejects)
            else rejects
        )
        rows_rejected += len(total_rejects)
    notices = book.notices + value_vote.notices(wrong)
    if sources["wave"] == "填报时间" and len(members) and (members["wave"] == wave).any():
        notices.append(f"表中没有注明普查批次，已按填报时间取 {wave}；如不对，请在上传试算中指定")
    ignored = {k for k, f in columns.items() if f == IGNORE}
    notices += health_notices(
        book,
        raw,
        members,
        rejects,
        labels,
        ignored=lambda label: header_key(label) in ignored or label in wrong.values(),
    )
    return Prepared(
        path.name,
        digest,
        book,
        township,
        wave,
        members,
        totals,
        rejects,
        cleaned.warnings,
        rows_rejected,
        notices,
        sources["township"],
        sources["wave"],
    )


def _first_township(book: Workbook) -> str | None:
    """A county workbook's township, when only its sheets or rows name one."""
    for table in book.tables:
        named = table.members.get("sheet_township")
        if named is not None and named.notna().any():
            return named.dropna().iat[0]
        own = table.members.get("township")
        if own is not None and own.notna().any():
            return township_from_text(str(own.dropna().iat[0])) or str(own.dropna().iat[0])
    return None


def _header_map(book: Workbook) -> str:
    return json.dumps(
        [{"sheet": c.sheet, "column": c.label, "field": c.field} for c in book.columns],
        ensure_ascii=False,
    )


def ingest_paths(
    paths: Iterable[Path | str],
    db: Path | str | None = None,
    *,
    uploaded_by: str | None = None,
    progress: Callable[[str], None] | None = None,
    home_county: str | None = None,
) -> IngestReport:
    """Ingest files and folders into the warehouse; returns one result per file."""
    files = collect_files(paths)
    db = Path(db) if db else config.db_path()
    hash_id = make_id_hasher(load_or_create_secret(config.secret_path()))
    home_county = home_county or config.HOME_COUNTY_CODE
    uploaded_by = uploaded_by or _os_user()
    run_id = uuid.uuid4().hex[:12]
    choices = load_choices()  # the analysts' kept decisions, read once for the batch
    report = IngestReport()
    with write_transaction(db) as con:
        # Appending a file's rows is fastest on one DuckDB thread (measured: half the time at
        # 100k rows); the model build below gets them all back.
        con.execute("set threads = 1")
        # One DuckDB transaction for the batch, as in bulk.py: the batch is all-or-nothing
        # anyway (a failed load ends the run and write_transaction drops the copy), and a
        # commit per file paid a WAL flush per file for nothing.
        con.execute("begin transaction")
        for path in files:
            now = datetime.now()
            result = _ingest_one(con, path, hash_id, home_county, now, choices)
            log_ingest(
                con,
                run_id=run_id,
                now=now,
                file_name=path.name,
                file_hash=result.file_hash,
                status=result.status,
                rows_loaded=result.rows_loaded,
                rows_rejected=result.rows_rejected,
                error=result.error,
                township=result.township,
                wave=result.wave,
                uploaded_by=uploaded_by,
            )
            report.files.append(result)
            if progress:
                progress(path.name)
        con.execute("commit")
        con.execute("reset threads")
        build_models(con)
    return report


def _ingest_one(
    con, path: Path, hash_id, home_county: str, now: datetime, choices: Choices | None = None
) -> FileResult:
    try:
        data = path.read_bytes()
    except OSError:
        return FileResult(path.name, "rejected", error="无法读取该文件（权限不足或文件已被移走）")
    digest = file_hash(data)
    result = _process(con, path, digest, hash_id, home_county, now, choices)
    result.file_hash = digest
    return result


def _process(
    con, path: Path, digest: str, hash_id, home_county: str, now: datetime, choices=None
) -> FileResult:
    if is_known_file(con, digest):
        return FileResult(path.name, "unchanged")
    try:
        read = read_book(path, home_county)
        kind = register_kind(read[1])
        if kind is not None:  # a roster or host register (issue #17), not a census
            return _load_register(con, path, digest, hash_id, read[1], kind, now)
        prepared = prepare(path, digest, hash_id, home_county, choices, read)
    except (FileRejected, ContextMissing, RegisterRejected) as exc:
        return FileResult(path.name, "rejected", error=getattr(exc, "reason", None) or str(exc))
    except Exception as exc:  # one file's surprise must not stop the batch
        if os.environ.get("CENSUS_DEBUG"):
            raise
        log.error("unexpected failure on %s: %s", path.name, type(exc).__name__)
        return FileResult(
            path.name,
            "rejected",
            error=f"处理文件时发生内部错误（{type(exc).__name__}），请联系管理员",
        )
    prepared = _reject_duplicates_elsewhere(prepared, duplicates_elsewhere(con, prepared.members))
    status = load_file(
        con,
        file_name=prepared.file_name,
        file_hash=digest,
        members=prepared.members,
        branch_totals=prepared.branch_totals,
        rejects=prepared.rejects,
        warnings=prepared.warnings,
        sheets=[t.sheet for t in prepared.book.tables],
        unmapped=prepared.book.unmapped,
        header_map=_header_map(prepared.book),
        township=prepared.township,
        wave=prepared.wave,
        now=now,
        own_transaction=False,
    )
    save_notices(con, digest, prepared.notices)
    return FileResult(
        path.name,
        status,
        len(prepared.members),
        prepared.rows_rejected,
        township=prepared.township,
        wave=prepared.wave,
        unmapped=prepared.book.unmapped,
        warnings=len(prepared.warnings),
        notices=prepared.notices,
        township_from=prepared.township_from,
        wave_from=prepared.wave_from,
        hidden_sheets=prepared.book.hidden_sheets,
    )


def _load_register(con, path: Path, digest: str, hash_id, book: Workbook, kind: str, now):
    clean = clean_register(book, kind, file_stem=path.stem, hash_id=hash_id)
    status = load_register(
        con,
        clean,
        file_name=path.name,
        file_hash=digest,
        sheets=[t.sheet for t in book.tables],
        unmapped=[],
        header_map=_header_map(book),
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


def _reject_duplicates_elsewhere(prepared: Prepared, found: pd.DataFrame) -> Prepared:
    """Spec §3: one member once per township-wave, across files too; the newcomer is rejected."""
    if found.empty:
        return prepared
    found = found.drop_duplicates("position")
    rows = prepared.members.loc[found["position"]]
    rejects = pd.DataFrame(
        {
            "sheet": rows["sheet"].to_numpy(),
            "excel_row": rows["excel_row"].to_numpy(),
            "field": "id_number",
            "column_label": "身份证号",
            "value": rows["id_masked"].to_numpy(),
            "reason": [
                f"身份证号与已入库的“{f}”{s}表第{int(r)}行重复（同一乡镇同一普查批次只能登记一次）"
                for f, s, r in found[["source_file", "sheet", "excel_row"]].itertuples(index=False)
            ],
        }
    )
    return replace(
        prepared,
        members=prepared.members.drop(index=found["position"]).reset_index(drop=True),
        rejects=pd.concat([prepared.rejects, rejects], ignore_index=True),
        rows_rejected=prepared.rows_rejected + len(found),
    )


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
