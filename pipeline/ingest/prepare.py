"""One file read, laid out and put in context, then cleaned: everything before the load.

`stage` does the per-file part (read → layout → the file's township and wave → its raw member
rows with their context); nothing there is costly per row. `finish` turns a staged file and its
cleaned rows into a `Prepared` file ready to load. Between the two, cleaning runs either for one
file (`clean_alone`, which `prepare` uses) or for many files at once (`ingest.chunk`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import pandas as pd

from pipeline.clean import value_vote
from pipeline.clean.transform import Cleaned, clean_branch_totals, clean_census, resolve_context
from pipeline.ingest.file_health import health_notices
from pipeline.ingest.primer import prime
from pipeline.intake.readers import FileRejected, read_sheets
from pipeline.parse.branch_hints import branch_from_text
from pipeline.parse.context_hints import fill_wave_from_text, township_from_text, wave_from_text
from pipeline.parse.header_rules import header_key
from pipeline.parse.layout import Workbook, parse_workbook
from pipeline.parse.mappings import IGNORE, Choices

NO_MEMBERS = (
    "名单中没有任何党员记录（只有表头，或表头下只有合计、说明等行），未入库；请填好名单后再上传"
)


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


@dataclass
class Staged:
    """A file read and laid out, with its township, wave and raw member rows (not cleaned)."""

    path: Path
    digest: str
    sheets: list
    book: Workbook
    township: str | None
    wave: str | None
    sources: dict[str, str | None]
    columns: dict[str, str]  # the township's kept column choices (header key → field)
    chosen: dict  # the analyst's choices for this very file (township, wave)
    raw: pd.DataFrame
    labels: dict[str, str]  # field → the header as the file words it
    context: pd.DataFrame  # each raw row's township and wave


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


def stage(
    path: Path,
    digest: str,
    home_county: str,
    choices: Choices | None = None,
    read: tuple[list, Workbook] | None = None,
) -> Staged:
    """Read → layout → context for one file. Raises FileRejected / ContextMissing."""
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
    tables = [t.members for t in book.tables]
    raw = tables[0] if len(tables) == 1 else pd.concat(tables, ignore_index=True)
    if raw.empty:
        # "loaded, 0 rows" with nothing stored: the township looked reported and was not
        raise FileRejected(NO_MEMBERS)
    raw = with_file_branch(raw.reset_index(drop=True), path.stem)
    # The analyst's township or wave is the file's, whatever its sheets or rows say.
    if chosen.get("township"):
        raw = raw.drop(columns=["township", "sheet_township"], errors="ignore")
    if chosen.get("wave"):
        raw = raw.drop(columns=["census_wave", "sheet_wave"], errors="ignore")
    context = resolve_context(raw, township, wave)  # ContextMissing: the file is rejected
    return Staged(
        path, digest, sheets, book, township, wave, sources, columns, chosen, raw, labels, context
    )


def with_file_branch(raw: pd.DataFrame, stem: str) -> pd.DataFrame:
    """Rows that no column, sheet title, sheet name or block heading gives a branch take the
    branch the file name names ("灵溪镇城东社区党支部流动党员登记表_2023年6月"): a branch's file
    read without it would load under an empty branch, shared with every other such file."""
    branch = branch_from_text(stem)
    if branch is None or "sheet_branch" not in raw:
        return raw
    unnamed = raw["sheet_branch"].isna()
    if "block_branch" in raw:
        unnamed &= raw["block_branch"].isna()
    if unnamed.any():
        raw.loc[unnamed, "sheet_branch"] = branch
    return raw


def clean_alone(
    staged: Staged, hash_id: Callable[[str], str], home_county: str
) -> tuple[Cleaned, dict]:
    """(cleaned rows, misread columns) for one file; a misread column is cleaned again without."""

    def clean() -> Cleaned:
        return clean_census(
            staged.raw,
            township=staged.township,
            wave=staged.wave,
            home_county=home_county,
            hash_id=hash_id,
            labels=staged.labels,
            context=staged.context,
        )

    cleaned = clean()
    wrong = contradicted(staged, cleaned)
    if wrong:  # the values outvote a header rule: clean again without the misread column
        staged.raw = value_vote.keep_as_unmapped(staged.raw, staged.book.columns, wrong)
        staged.labels = {f: label for f, label in staged.labels.items() if f not in wrong}
        cleaned = clean()
    return cleaned, wrong


def contradicted(staged: Staged, cleaned: Cleaned) -> dict:
    failed = value_vote.failed_values(cleaned.rejects, cleaned.warnings)
    return value_vote.contradicted(staged.book.columns, staged.raw, failed, set(staged.columns))


def settle(staged: Staged, members: pd.DataFrame) -> tuple[str | None, str | None]:
    """The file's township and wave: its own, unless none of its loaded rows carry them."""
    township, wave = staged.township, staged.wave
    if len(members):
        # compared column-wise: a set of an Arrow string column builds a str per row
        if township is None or not (members["township"] == township).any():
            township = members["township"].mode().iat[0]
        if wave is None or not (members["wave"] == wave).any():
            wave = members["wave"].mode().iat[0]
    return township, wave


def totals_context(staged: Staged, township: str, wave: str) -> pd.DataFrame:
    """Each 支部情况 row's township and wave (ContextMissing when a row has none)."""
    return resolve_context(staged.book.branch_totals.reset_index(drop=True), township, wave)


def finish(
    staged: Staged,
    cleaned: Cleaned,
    wrong: dict,
    township: str | None,
    wave: str | None,
    totals: tuple[pd.DataFrame, pd.DataFrame] | None,
) -> Prepared:
    """The cleaned file with its 支部情况 totals, its notices and its health checks."""
    members, rejects, rows_rejected = cleaned.members, cleaned.rejects, cleaned.rows_rejected
    branch_totals = None
    if totals is not None:
        branch_totals, total_rejects = totals
        if len(total_rejects):
            rejects = pd.concat([rejects, total_rejects], ignore_index=True)
        rows_rejected += len(total_rejects)
    book = staged.book
    notices = book.notices + value_vote.notices(wrong)
    if staged.sources["wave"] == "填报时间" and len(members) and (members["wave"] == wave).any():
        notices.append(f"表中没有注明普查批次，已按填报时间取 {wave}；如不对，请在上传试算中指定")
    ignored = {k for k, f in staged.columns.items() if f == IGNORE}
    notices += health_notices(
        book,
        staged.raw,
        members,
        value_vote.failed_values(rejects, cleaned.warnings),
        staged.labels,
        ignored=lambda label: header_key(label) in ignored or label in wrong.values(),
    )
    return Prepared(
        staged.path.name,
        staged.digest,
        book,
        township,
        wave,
        members,
        branch_totals,
        rejects,
        cleaned.warnings,
        rows_rejected,
        notices,
        staged.sources["township"],
        staged.sources["wave"],
    )


def prepare(
    path: Path,
    digest: str,
    hash_id: Callable[[str], str],
    home_county: str,
    choices: Choices | None = None,
    read: tuple[list, Workbook] | None = None,
) -> Prepared:
    """Read → layout → clean one file. Raises FileRejected / ContextMissing for a bad file."""
    return prepare_staged(stage(path, digest, home_county, choices, read), hash_id, home_county)


def prepare_staged(staged: Staged, hash_id: Callable[[str], str], home_county: str) -> Prepared:
    """A staged file cleaned alone and finished (its 支部情况 totals, notices, health)."""
    cleaned, wrong = clean_alone(staged, hash_id, home_county)
    township, wave = settle(staged, cleaned.members)
    totals = None
    if staged.book.branch_totals is not None and township and wave:
        totals = clean_branch_totals(staged.book.branch_totals, township=township, wave=wave)
    return finish(staged, cleaned, wrong, township, wave, totals)


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


def header_map(book: Workbook) -> str:
    return json.dumps(
        [{"sheet": c.sheet, "column": c.label, "field": c.field} for c in book.columns],
        ensure_ascii=False,
    )
