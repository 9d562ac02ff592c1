"""The 数据上报 page's logic without Streamlit: screen uploads, dry-run them, confirm them.

Files come in as (name, bytes) pairs, exactly what the browser sent. Nothing is written to
data/raw/ or the warehouse until `confirm`: the dry run copies the uploads into a private
temporary folder and runs `pipeline.intake.uploads.preview`, which ingests into a throwaway copy of
the warehouse.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.access import audit
from pipeline.access.scope import Scope
from pipeline.clean.schemas import FIELD_LABELS as SCHEMA_FIELD_LABELS
from pipeline.ingest.batch import FileResult, ingest_paths
from pipeline.ingest.fixlist import FixlistError, find_raw, fixlist_for, fixlist_name
from pipeline.ingest.fixlist_scope import build_scoped_fixlist
from pipeline.intake import uploads
from pipeline.intake.uploads import FilePreview, UploadRefused
from pipeline.parse.headers import SYNONYMS
from pipeline.warehouse.store import warehouse_version

ACCEPTED_TYPES = ["xlsx", "xlsm", "xls", "ods", "csv", "txt", "et", "ett", "xml"]

# What the dry run says each file would do, in the analyst's words.
STATUS_TEXT = {
    "loaded": "新增",
    "unchanged": "未变化",
    "replaced": "将替换原有版本",
    "rejected": "整表拒收",
}
# … and what confirming did.
RESULT_TEXT = {
    "loaded": "已入库（新增）",
    "unchanged": "未变化（与已入库版本完全相同，未重复入库）",
    "replaced": "已入库，并替换了原有版本",
    "rejected": "整表拒收",
}
UNMAPPED = "未识别（已保留）"

# The schema's labels, more specific where the upload page shows parts of a field.
FIELD_LABELS = {
    **SCHEMA_FIELD_LABELS,
    "seq": "序号",
    "census_wave": "普查批次",
    "dest_province": "流入地（省）",
    "dest_city": "流入地（市）",
    "dest_county": "流入地（县区）",
    "stated_flow_scope": "流动范围（填报）",
    "members_total": "党员总数（支部情况）",
}

# Headline figures shown before → after a replacement, in reading order.
HEADLINE = [
    ("members_total", "党员总数"),
    ("outflow", "流出党员"),
    ("scope:跨省", "其中：跨省"),
    ("scope:省内跨市", "其中：省内跨市"),
    ("scope:市内跨县", "其中：市内跨县"),
    ("scope:县内", "其中：县内"),
    ("scope:未知", "其中：流入地不详"),
    ("long_term", "长期在外"),
    ("lost_contact", "失联"),
    ("returnees", "返乡党员"),
    ("enterprises", "创办企业"),
    ("jobs_created", "带动就业"),
]


@dataclass
class Screened:
    accepted: list[tuple[str, bytes]] = field(default_factory=list)  # (safe name, bytes)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (name as sent, Chinese reason)


@dataclass
class Confirmed:
    results: list[FileResult] = field(default_factory=list)  # file = the name as uploaded
    stored: dict[str, str] = field(default_factory=dict)  # uploaded name → name in data/raw
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, why not stored)
    fixlists: dict[str, str] = field(default_factory=dict)  # uploaded name → file_hash with rejects


def identity() -> tuple[str, Scope]:
    """(username, scope) of the signed-in user, re-validated now; refuses when nobody is."""
    from dashboard import auth

    found = auth.current()
    if found is None:
        raise PermissionError("请先登录")
    user, scope = found
    return user.username, scope


def field_label(name: str | None) -> str:
    if not name:
        return UNMAPPED
    return FIELD_LABELS.get(name) or (SYNONYMS.get(name) or (name,))[0]


def screen(files: list[tuple[str, bytes]], limit: int | None = None) -> Screened:
    """Refuse unsafe names, empty and oversized files, and a second file of the same name."""
    limit = uploads.MAX_UPLOAD_BYTES if limit is None else limit
    out, seen = Screened(), set()
    for name, data in files:
        try:
            safe = uploads.check_upload_name(name)
            uploads.check_upload_size(len(data), limit)
        except UploadRefused as exc:
            out.refused.append((name, str(exc)))
            continue
        if safe in seen:
            out.refused.append((name, f"本次上传中有两个同名文件“{safe}”，请改名后分开上传"))
            continue
        seen.add(safe)
        out.accepted.append((safe, data))
    return out


def signature(accepted: list[tuple[str, bytes]], db: Path | None = None) -> str:
    """Identifies a dry run: the files and the warehouse version it was computed against."""
    digest = hashlib.sha256()
    for name, data in accepted:
        digest.update(name.encode("utf-8") + b"\0" + hashlib.sha256(data).digest())
    digest.update(repr(warehouse_version(db or config.db_path())).encode())
    return digest.hexdigest()


def dry_run(
    accepted: list[tuple[str, bytes]],
    db: Path | None = None,
    uploaded_by: str | None = None,
    scope: Scope | str | None = None,
) -> list[FilePreview]:
    """What confirming would do, computed on copies in a private temporary folder.

    Audited like an upload: a dry run answers questions about the warehouse (an ID already
    loaded elsewhere is named with its file and branch), so who asked is on record even when
    the batch is then cancelled."""
    if not accepted:
        return []
    with tempfile.TemporaryDirectory(prefix="census-upload-") as tmp:
        paths = []
        for name, data in accepted:
            path = Path(tmp) / name
            path.write_bytes(data)
            paths.append(path)
        previews = uploads.preview(paths, db=db, uploaded_by=uploaded_by)
    for preview in previews:
        result = preview.result
        audit.record("upload_dry_run", uploaded_by or "system", scope, _audited(result))
    return previews


def confirm(
    accepted: list[tuple[str, bytes]],
    previews: list[FilePreview],
    *,
    actor: str,
    scope: Scope | str | None = None,
    db: Path | None = None,
    raw_dir: Path | None = None,
) -> Confirmed:
    """Keep each file the dry run accepted in data/raw/ and ingest them; audit every upload.

    Files the dry run rejected whole are neither stored nor ingested (they would only be
    rejected again by every later ingest of data/raw/).
    """
    db = Path(db) if db else config.db_path()
    raw_dir = Path(raw_dir) if raw_dir else config.raw_dir()
    planned = {p.result.file: p.result for p in previews}
    out = Confirmed()
    stored_paths: dict[str, str] = {}  # stored name → uploaded name
    for name, data in accepted:
        dry = planned.get(name)
        if dry is not None and dry.status == "rejected":
            out.skipped.append((name, dry.error or "整表拒收"))
            continue
        try:
            path = uploads.store_upload(name, data, raw_dir)
        except UploadRefused as exc:
            out.skipped.append((name, str(exc)))
            continue
        out.stored[name] = path.name
        stored_paths[str(path)] = name
    if not stored_paths:
        return out
    report = ingest_paths([Path(p) for p in stored_paths], db=db, uploaded_by=actor)
    by_stored_name = {Path(p).name: n for p, n in stored_paths.items()}
    for result in report.files:
        uploaded_name = by_stored_name.get(result.file, result.file)
        result.file = uploaded_name
        out.results.append(result)
        detail = {**_audited(result), "stored_as": out.stored.get(uploaded_name)}
        audit.record("upload", actor, scope, detail)
        if result.status == "replaced":
            audit.record("replace", actor, scope, detail)
        if result.rows_rejected and result.file_hash and result.status in ("loaded", "replaced"):
            out.fixlists[uploaded_name] = result.file_hash
    return out


def _audited(result: FileResult) -> dict:
    """What the audit log keeps of one file's outcome (names and counts, never a cell)."""
    return {
        "file_name": result.file,
        "status": result.status,
        "township": result.township,
        "wave": result.wave,
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
    }


def fixlist(db: Path | None, file_hash: str, raw_dir: Path | None = None) -> tuple[str, bytes]:
    """(download name, .xlsx) for a loaded file with rejects; FixlistError carries the reason."""
    return fixlist_for(db or config.db_path(), file_hash, raw_dir or config.raw_dir())


def scoped_fixlist(
    db: Path | None,
    file_hash: str,
    scope: Scope,
    raw_dir: Path | None = None,
    *,
    personal: bool = False,
) -> tuple[str, bytes, int]:
    """(download name, .xlsx, member rows in it) as `scope` may have it: its townships' rows
    only, names and phones masked unless `personal` (the sidebar switch) and the role allow."""
    from pipeline.ingest.fixlist import load_problems

    db = db or config.db_path()
    digest, name, _problems = load_problems(db, file_hash)
    raw = find_raw(digest, name, raw_dir or config.raw_dir())
    if raw is None:
        raise FixlistError(
            f"在原始文件夹中找不到“{name}”的原件（可能已被移走或改动），无法生成问题清单"
        )
    data, rows = build_scoped_fixlist(db, digest, raw, scope, personal=personal)
    return fixlist_name(name), data, rows


# ------------------------------------------------------------------------------ display frames


def header_table(preview: FilePreview) -> pd.DataFrame:
    """原表列名 → 字段, unmapped columns marked as kept."""
    rows = [
        {"工作表": h.get("sheet"), "原表列名": h.get("column"), "字段": field_label(h.get("field"))}
        for h in preview.header_map
    ]  # every column of the header, mapped or not, in order
    return pd.DataFrame(rows, columns=["工作表", "原表列名", "字段"])


ISSUE_COLUMNS = {
    "sheet": "工作表",
    "excel_row": "Excel行号",
    "column_label": "列",
    "value": "原值",
    "reason": "原因",
}


def issue_table(frame: pd.DataFrame | None) -> pd.DataFrame:
    """Rejected or flagged rows as the analyst reads them: Excel row, column, value, reason."""
    if frame is None or frame.empty:
        return pd.DataFrame(columns=list(ISSUE_COLUMNS.values()))
    out = frame.rename(columns=ISSUE_COLUMNS)[list(ISSUE_COLUMNS.values())].reset_index(drop=True)
    out["原值"] = out["原值"].astype(object).where(out["原值"].notna(), "")
    return out


def rejects_table(preview: FilePreview) -> pd.DataFrame:
    """Rows that would be rejected (IDs are masked already)."""
    return issue_table(preview.rejects)


def _figure(row: dict | None, key: str):
    if row is None:
        return None
    if key.startswith("scope:"):
        return row["scope"].get(key.split(":", 1)[1], 0)
    return row.get(key)


def headline_table(before: dict | None, after: dict | None) -> pd.DataFrame:
    """指标 | 现有 | 入库后 | 变化 for the township and wave the file belongs to."""
    rows = []
    for key, label in HEADLINE:
        old, new = _figure(before, key), _figure(after, key)
        if old is None and new is None:
            continue
        change = "" if old is None or new is None else f"{new - old:+d}" if new != old else "不变"
        rows.append(
            {
                "指标": label,
                "现有": "—" if old is None else str(old),
                "入库后": "—" if new is None else str(new),
                "变化": change,
            }
        )
    return pd.DataFrame(rows, columns=["指标", "现有", "入库后", "变化"])


def fit_height(frame: pd.DataFrame, most: int = 420) -> int:
    """Pixel height showing every row of a short table (long ones scroll)."""
    return min(38 + 35 * max(len(frame), 1), most)


def summary_text(previews: list[FilePreview]) -> str:
    loaded = sum(
        p.result.rows_loaded for p in previews if p.result.status in ("loaded", "replaced")
    )
    rejected = sum(
        p.result.rows_rejected for p in previews if p.result.status in ("loaded", "replaced")
    )
    whole = sum(p.result.status == "rejected" for p in previews)
    text = f"共 {len(previews)} 个文件：将入库 {loaded} 行，拒收 {rejected} 行"
    return text + (f"，{whole} 个文件整表拒收（不会保存）" if whole else "")


__all__ = [
    "ACCEPTED_TYPES",
    "Confirmed",
    "FixlistError",
    "Screened",
    "confirm",
    "dry_run",
    "fixlist",
    "header_table",
    "identity",
    "headline_table",
    "issue_table",
    "rejects_table",
    "screen",
    "signature",
]
