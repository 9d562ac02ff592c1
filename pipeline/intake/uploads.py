"""Browser uploads: a dry run that writes nothing, and safe storage into data/raw/.

The dry run is the real ingest run against a private copy of the warehouse, so what the
analyst is shown is exactly what confirming will do: same code path, same numbers.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from pipeline import config
from pipeline.cli.commands import stats_rows
from pipeline.ingest.batch import FileResult, ingest_paths
from pipeline.warehouse.store import connect_readonly

MAX_UPLOAD_BYTES = int(config.MAX_FILE_BYTES)
_SAFE_NAME = re.compile(r"^[^/\\\x00-\x1f]{1,200}$")
# Text-direction controls make a name read otherwise than it is (钱库镇\u202exslx.csv shows as
# 钱库镇vsc.xlsx); C1 controls are controls too.
_HIDDEN = re.compile(r"[\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# data/raw/ is often copied to a Windows share, where these names and characters cannot be.
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$", re.IGNORECASE)
_WINDOWS_BAD = re.compile(r'[<>:"|?*]')


class UploadRefused(ValueError):
    """A name or size the upload page must refuse; the message is shown to the analyst."""


@dataclass
class FilePreview:
    result: FileResult
    branches: list[str] = field(default_factory=list)
    header_map: list[dict] = field(default_factory=list)  # sheet, column, field
    rejects: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: pd.DataFrame = field(default_factory=pd.DataFrame)
    before: dict | None = None  # headline figures of the township-wave now
    after: dict | None = None  # … and after confirming


def check_upload_name(name: str) -> str:
    """The bare file name, or UploadRefused for anything that could leave data/raw/."""
    name = unicodedata.normalize("NFC", name or "").strip()
    if (
        not _SAFE_NAME.match(name)
        or name in (".", "..")
        or ".." in Path(name).parts
        or name.startswith(".")
    ):
        raise UploadRefused(
            f"文件名“{name}”不合法：不能包含路径（/ 或 \\）、“..”或控制字符，也不能以“.”开头"
        )
    if Path(name).name != name:
        raise UploadRefused(f"文件名“{name}”不合法：只能是文件名，不能带文件夹")
    if _HIDDEN.search(name):
        raise UploadRefused("文件名含有不可见的控制字符（如改变文字方向的字符），请改名后再上传")
    if _WINDOWS_RESERVED.match(name) or _WINDOWS_BAD.search(name) or name.endswith("."):
        raise UploadRefused(
            f'文件名“{name}”不合法：不能用 CON、NUL、COM1 等系统保留名，不能含 < > : " | ? * ，'
            "也不能以“.”结尾"
        )
    return name


def check_upload_size(size: int, limit: int = MAX_UPLOAD_BYTES) -> None:
    if size > limit:
        raise UploadRefused(f"文件过大（{size / 1048576:.1f} MB），上限为 {limit / 1048576:.0f} MB")
    if size == 0:
        raise UploadRefused("文件为空")


def store_upload(name: str, data: bytes, raw_dir: Path | None = None) -> Path:
    """Keep an upload in data/raw/ under a name that can neither collide nor escape.

    Same bytes already there → that file; same name, other bytes → a `-2`, `-3` … sibling.
    """
    name = check_upload_name(name)
    check_upload_size(len(data))
    raw_dir = (raw_dir or config.raw_dir()).resolve()
    raw_dir.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(data).digest()
    stem, suffix = Path(name).stem, Path(name).suffix
    for n in range(1, 1000):
        target = raw_dir / (name if n == 1 else f"{stem}-{n}{suffix}")
        if target.resolve().parent != raw_dir:
            raise UploadRefused(f"文件名“{name}”不合法")
        if target.exists():
            if hashlib.sha256(target.read_bytes()).digest() == digest:
                return target
            continue
        with tempfile.NamedTemporaryFile(dir=raw_dir, prefix=".upload-", delete=False) as tmp:
            tmp.write(data)
        Path(tmp.name).replace(target)  # the folder watcher never sees a half-written file
        return target
    raise UploadRefused(f"同名文件过多：{name}")


def _headline(rows: list[dict], township: str | None, wave: str | None) -> dict | None:
    return next((r for r in rows if r["township"] == township and r["wave"] == wave), None)


def preview(
    paths: list[Path], db: Path | None = None, uploaded_by: str | None = None
) -> list[FilePreview]:
    """What ingesting `paths` would do, computed on a throwaway copy of the warehouse."""
    db = Path(db) if db else config.db_path()
    before = stats_rows(db) if db.exists() else []
    with tempfile.TemporaryDirectory(prefix="census-preview-") as tmp:
        scratch = Path(tmp) / "preview.duckdb"
        if db.exists():
            shutil.copyfile(db, scratch)
        report = ingest_paths(paths, db=scratch, uploaded_by=uploaded_by)
        after = stats_rows(scratch)
        con = connect_readonly(scratch)
        try:
            return [_file_preview(con, f, before, after) for f in report.files]
        finally:
            con.close()


_REJECTS = (
    "select sheet, excel_row, column_label, value, reason from quarantine "
    "where file_hash = ? order by excel_row"
)
_WARNINGS = (
    "select sheet, excel_row, column_label, value, reason from warnings "
    "where file_hash = ? order by excel_row"
)


def _file_preview(con, result: FileResult, before: list[dict], after: list[dict]) -> FilePreview:
    out = FilePreview(result)
    if result.status in ("loaded", "replaced") and result.file_hash:
        out.branches = [
            b
            for (b,) in con.execute(
                "select distinct branch from units where file_hash = ? order by branch",
                [result.file_hash],
            ).fetchall()
        ]
        (header,) = con.execute(
            "select header_map from source_files where file_hash = ?", [result.file_hash]
        ).fetchone()
        out.header_map = json.loads(header or "[]")
        out.rejects = con.execute(_REJECTS, [result.file_hash]).fetchdf()
        out.warnings = con.execute(_WARNINGS, [result.file_hash]).fetchdf()
        out.before = _headline(before, result.township, result.wave)
        out.after = _headline(after, result.township, result.wave)
    return out
