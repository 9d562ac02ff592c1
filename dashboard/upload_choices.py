"""The upload page's decisions an analyst makes about a file: which field an unmapped column
is, which township and wave a file without them belongs to; kept for later files of the same
township, listed, and forgotten. Every decision is checked against the user's scope.
"""

from __future__ import annotations

import pandas as pd

from dashboard.text import plain  # noqa: F401  (choices.plain for the upload page)
from pipeline.access.scope import Scope
from pipeline.intake.uploads import FilePreview
from pipeline.parse import mappings
from pipeline.parse.header_rules import header_key

CHOICE_LABELS = dict(mappings.CHOOSABLE)  # field → the words the analyst picks from
SOURCE_TEXT = {
    "分析员指定": "由分析员指定",
    "标题": "取自表格标题",
    "文件名": "取自文件名（请核对）",
    "填报时间": "取自填报时间（请核对）",
}


def unmapped_columns(preview: FilePreview) -> list[dict]:
    """Columns of the file no field was found for: {sheet, column}, in the file's order;
    not those an analyst already declared no census field for this township."""
    kept = mappings.load().for_township(preview.result.township)
    return [
        {"sheet": h.get("sheet"), "column": h.get("column")}
        for h in preview.header_map
        if not h.get("field")
        and h.get("column")
        and kept.get(header_key(h["column"])) != mappings.IGNORE
    ]


def guessed(preview: FilePreview) -> list[str]:
    """What the machine guessed about the file's township and wave, in the analyst's words."""
    r = preview.result
    out = []
    for what, value, source in (
        ("乡镇", r.township, r.township_from),
        ("普查批次", r.wave, r.wave_from),
    ):
        if value and source and source != "分析员指定":
            out.append(f"{what}“{value}”{SOURCE_TEXT.get(source, source)}")
        elif value and not source:
            out.append(f"{what}“{value}”取自表中各行")
    return out


def _may_decide(scope: Scope, township: str | None) -> None:
    if not scope.may_upload:
        raise PermissionError("当前账号没有上报数据的权限")
    if township and not scope.allows(township):
        raise PermissionError(f"只能为本乡镇设置（{scope.label}）")


def choose_column(
    preview: FilePreview,
    column: str,
    field_name: str,
    *,
    actor: str,
    scope: Scope,
    township: str | None = None,
) -> int:
    """Keep `column` → `field_name` for the file's township (and its later files)."""
    township = township or preview.result.township
    _may_decide(scope, township)
    return mappings.save_column(township or "", column, field_name, actor, scope)


def choose_context(
    preview: FilePreview, *, township: str | None, wave: str | None, actor: str, scope: Scope
) -> None:
    """Set this file's township and/or wave (kept for this file's content)."""
    township = (township or "").strip() or None
    wave = (wave or "").strip() or None
    _may_decide(scope, township or preview.result.township)
    if not preview.result.file_hash:
        raise ValueError("该文件无法识别，不能设置")
    mappings.save_file_choice(
        preview.result.file_hash,
        preview.result.file,
        township=township,
        wave=wave,
        actor=actor,
        scope=scope,
    )


def kept_columns(scope: Scope) -> pd.DataFrame:
    """The kept column choices this user may see: all for the county, its own for a township."""
    rows = [r for r in mappings.list_columns() if scope.allows(r["township"])]
    frame = pd.DataFrame(
        rows, columns=["id", "township", "label", "field_label", "created_by", "created_at"]
    )
    return frame.rename(
        columns={
            "id": "编号",
            "township": "乡镇",
            "label": "原表列名",
            "field_label": "对应字段",
            "created_by": "设置人",
            "created_at": "设置时间",
        }
    )


def forget_column(mapping_id: int, *, actor: str, scope: Scope) -> bool:
    if not scope.may_manage_accounts:
        raise PermissionError("只有管理员可以删除已保存的列映射")
    return mappings.remove_column(int(mapping_id), actor, scope)
