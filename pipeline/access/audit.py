"""Append-only audit log: who did what, when, under which scope (issue #5).

Lives in the state database (`pipeline.access.state`), which ingests never replace. SQL triggers refuse
UPDATE and DELETE; each row also carries a SHA-256 chained over its predecessor, so an edit made
with a raw file tool (which bypasses triggers) shows up in `verify_chain()`.

Never personal data: callers pass usernames, file names, townships, waves, counts. As a last
line of defence, ID and mobile numbers found in any text are masked before they are written.
"""

from __future__ import annotations

import hashlib
import json

from pipeline.access.masking import redact_text
from pipeline.access.scope import Scope
from pipeline.access.state import now_text, open_state, transaction

EVENTS = {
    "sign_in": "登录成功",
    "sign_in_failed": "登录失败",
    "sign_in_throttled": "登录受限（失败次数过多，稍后再试）",
    "sign_out": "退出登录",
    "session_expired": "会话过期",
    "upload": "上传普查表",
    "upload_dry_run": "试算上报（未入库）",
    "replace": "替换已入库数据",
    "restore": "恢复历史版本",
    "export": "导出数据",
    "reveal_personal": "显示完整姓名和电话",
    "account_created": "新建账号",
    "account_disabled": "停用账号",
    "account_enabled": "启用账号",
    "password_reset": "重置密码",
    "password_changed": "修改密码",
    "role_changed": "变更角色",
    "admin_bootstrap": "首次运行创建管理员",
    "mapping_saved": "保存列映射或批次设置",
    "mapping_removed": "删除列映射或批次设置",
}

_GENESIS = "0" * 64
_MAX_TEXT = 500  # a detail is a note, not a document; also bounds what a bad caller can leak


def _clip(text: str) -> str:
    """Masked, then cut: cut first, an ID number at the cut kept its first digits (birth date
    included) and no longer looked like an ID to mask. Masks keep a number's length, so what
    lies past four times the limit never reaches the kept part."""
    return redact_text(text[: _MAX_TEXT * 4])[:_MAX_TEXT]


def _clean(value):
    if isinstance(value, str):
        return _clip(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, list | tuple | set):
        return [_clean(v) for v in (sorted(value, key=str) if isinstance(value, set) else value)]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return _clip(str(value))


def _scope_text(scope: Scope | str | None) -> str | None:
    if isinstance(scope, Scope):
        return f"{scope.role_label}·{scope.label}"
    return None if scope is None else _clean(str(scope))


def _row_hash(prev_hash: str, at: str, event: str, actor, scope, source, detail: str) -> str:
    payload = json.dumps([prev_hash, at, event, actor, scope, source, detail], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def record(
    event: str,
    actor: str | None,
    scope: Scope | str | None = None,
    detail: dict | None = None,
    *,
    source: str | None = None,
) -> int:
    """Append one entry and return its id.

    `event` is a key of EVENTS (a typo would make an entry unfindable, so it is refused);
    `actor` the username (or 'cli:<os user>'); `source` the client address when known.
    """
    if event not in EVENTS:
        raise ValueError(f"未知审计事件：{event}")
    at = now_text()
    actor = None if actor is None else _clean(str(actor))[:100]
    scope_text = _scope_text(scope)
    source = None if source is None else _clean(str(source))[:100]
    detail_text = json.dumps(_clean(detail or {}), ensure_ascii=False, sort_keys=True)
    with open_state() as con, transaction(con):
        last = con.execute("select row_hash from audit_log order by id desc limit 1").fetchone()
        prev = last["row_hash"] if last else _GENESIS
        digest = _row_hash(prev, at, event, actor, scope_text, source, detail_text)
        cur = con.execute(
            "insert into audit_log (at, event, actor, scope, source, detail, prev_hash, row_hash)"
            " values (?, ?, ?, ?, ?, ?, ?, ?)",
            (at, event, actor, scope_text, source, detail_text, prev, digest),
        )
        return int(cur.lastrowid)


def recent(limit: int = 100, *, event: str | None = None, actor: str | None = None) -> list[dict]:
    """Newest first: dicts with id, at, event, event_label, actor, scope, source, detail (dict)."""
    clauses, params = [], []
    if event:
        clauses.append("event = ?")
        params.append(event)
    if actor:
        clauses.append("actor = ?")
        params.append(actor)
    where = f"where {' and '.join(clauses)}" if clauses else ""
    with open_state() as con:
        rows = con.execute(
            f"select id, at, event, actor, scope, source, detail from audit_log {where}"
            " order by id desc limit ?",
            [*params, max(0, int(limit))],
        ).fetchall()
    return [
        {
            **dict(r),
            "event_label": EVENTS.get(r["event"], r["event"]),
            "detail": json.loads(r["detail"]),
        }
        for r in rows
    ]


def verify_chain() -> int | None:
    """The id of the first entry whose hash does not follow from its predecessor, else None."""
    prev = _GENESIS
    with open_state() as con:
        for r in con.execute("select * from audit_log order by id"):
            expected = _row_hash(
                prev, r["at"], r["event"], r["actor"], r["scope"], r["source"], r["detail"]
            )
            if r["prev_hash"] != prev or r["row_hash"] != expected:
                return int(r["id"])
            prev = r["row_hash"]
    return None
