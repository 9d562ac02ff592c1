"""What a batch says about each file: loaded, replaced, unchanged or rejected, and why.

The report types the CLI's `--json` and the upload page read (spec §6), and the rules that
turn a file's outcome into its result: a file's rows are its own, its rejection a Chinese
reason, one file's surprise never the batch's end.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import pandas as pd

from pipeline.clean.transform import ContextMissing
from pipeline.ingest.file_health import REVIEW
from pipeline.ingest.prepare import Prepared
from pipeline.ingest.registers import RegisterRejected
from pipeline.intake.readers import FileRejected

log = logging.getLogger(__name__)

UNREADABLE_FILE = "无法读取该文件（权限不足或文件已被移走）"


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


def rejected(path: Path, exc: BaseException) -> FileResult:
    if isinstance(exc, FileRejected | ContextMissing | RegisterRejected):
        return FileResult(path.name, "rejected", error=getattr(exc, "reason", None) or str(exc))
    if isinstance(exc, OSError) and not isinstance(exc, FileRejected):
        return FileResult(path.name, "rejected", error=UNREADABLE_FILE)
    # one file's surprise must not stop the batch
    if os.environ.get("CENSUS_DEBUG"):
        raise exc
    log.error("unexpected failure on %s: %s", path.name, type(exc).__name__)
    return FileResult(
        path.name,
        "rejected",
        error=f"处理文件时发生内部错误（{type(exc).__name__}），请联系管理员",
    )


def result_of(prepared: Prepared, status: str) -> FileResult:
    return FileResult(
        prepared.file_name,
        status,
        len(prepared.members),
        prepared.rows_rejected,
        township=prepared.township,
        wave=prepared.wave,
        file_hash=prepared.file_hash,
        unmapped=prepared.book.unmapped,
        warnings=len(prepared.warnings),
        notices=prepared.notices,
        township_from=prepared.township_from,
        wave_from=prepared.wave_from,
        hidden_sheets=prepared.book.hidden_sheets,
    )


def reject_duplicates_elsewhere(prepared: Prepared, found: pd.DataFrame) -> Prepared:
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


def shared_notice(township: str, members: int) -> str:
    """A file's members also registered by another township (one person, counted twice).
    The other township's file is not named: its uploader may be another jurisdiction."""
    return (
        f"{REVIEW}{members} 名党员（身份证号相同）也登记在{township}的名单中，"
        "县级合计会把他们各计一次；请与该乡镇核实后，从不该登记的名单中删除再重新上传"
    )


def unnamed_notices(unnamed: pd.DataFrame) -> list[str]:
    """What a file naming no branch did to another such file of its township and wave
    (`warehouse.load.unnamed_units_elsewhere`): kept beside it, or replaced it as a correction."""
    notices = []
    for file, shared, held in unnamed[["source_file", "shared", "members"]].itertuples(index=False):
        if shared:
            notices.append(
                f"本文件与已入库的“{file}”都没有注明所在党支部，两份名单有 {int(shared)} 名"
                f"相同党员，已作为它的更正替换其 {int(held)} 名党员"
            )
        else:
            notices.append(
                f"需核对：本文件与已入库的“{file}”都没有注明所在党支部，两份名单没有相同的党员，"
                "应是两个支部的名单，已一并保留（未替换）；请在表中写明所在党支部后重新上传"
            )
    return notices
