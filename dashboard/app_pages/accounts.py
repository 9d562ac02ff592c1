"""账号管理 (administrators only): list, add, disable/enable, reset password, audit log.

Every change goes through `pipeline.access.accounts`, which checks the rules (role and township,
password strength, at least one administrator) and writes the audit log itself. A password
the system generates is shown once, on the next screen, and never again.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import streamlit as st

from dashboard import auth, blocks, ui
from pipeline.access import accounts, audit
from pipeline.access.passwords import AccountError, generate_password
from pipeline.access.scope import ROLE_LABELS
from pipeline.queries import analysis as queries
from pipeline.queries.base import Filters

granted = auth.require("may_manage_accounts")
me = auth.user()
_FLASH = "accounts_flash"


def _done(message: str, password: str | None = None) -> None:
    """Show the outcome after a rerun, so the list above already reflects the change."""
    st.session_state[_FLASH] = (message, password)
    st.rerun()


# Audit detail keys and coded values in Chinese; anything else is shown as stored.
_DETAIL_KEYS = {
    "username": "账号",
    "role": "角色",
    "from": "原角色",
    "township": "乡镇",
    "reason": "原因",
    "what": "内容",
    "format": "格式",
    "rows": "行数",
    "member_level": "含个人明细",
    "retry_after": "需等待（秒）",
    "blocked_seconds": "限制（秒）",
    "idle": "空闲超时",
}
_DETAIL_VALUES = {
    "wrong_password": "密码错误",
    "unknown_account": "账号不存在",
    "account_disabled": "账号已停用",
    **ROLE_LABELS,
}


def _detail_text(detail: dict) -> str:
    parts = []
    for key, value in detail.items():
        if isinstance(value, bool):
            value = "是" if value else "否"
        elif value is None:
            value = "—"
        parts.append(f"{_DETAIL_KEYS.get(key, key)}：{_DETAIL_VALUES.get(value, value)}")
    return "；".join(parts)


def _local_time(stamp: str | None) -> str:
    """'2026-11-23T07:35:51+00:00' → '2026-11-23 15:35:51' in the server's time zone."""
    if not stamp:
        return ""
    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return stamp


def _townships() -> list[str]:
    try:
        return ui.run(queries.townships, Filters())["township"].tolist()
    except ui.NoWarehouse:
        return []


st.title("账号管理")
st.caption("新建、停用、启用账号和重置密码；每一项操作都记入审计日志。")

flash = st.session_state.pop(_FLASH, None)
if flash:
    message, password = flash
    st.success(message)
    if password:
        st.warning("初始密码只显示这一次，请当面或电话告知本人；对方首次登录时须修改密码。")
        st.code(password, language=None)

users = accounts.list_users()
listing = pd.DataFrame(
    {
        "用户名": [u.username for u in users],
        "角色": [u.role_label for u in users],
        "所属乡镇": [u.township or "全县" for u in users],
        "状态": ["已停用" if u.disabled else "正常" for u in users],
        "须修改密码": ["是" if u.must_change_password else "否" for u in users],
        "创建时间": [_local_time(u.created_at) for u in users],
        "最近登录": [_local_time(u.last_sign_in_at) for u in users],
    }
)
st.subheader(f"全部账号（{len(users)} 个）")
st.dataframe(listing, key="accounts_table", hide_index=True, width="stretch")

left, right = st.columns(2)
with left:
    st.subheader("新建账号")
    with st.form("account_add_form", clear_on_submit=True):
        username = st.text_input("用户名", key="account_add_username", max_chars=32)
        role = st.selectbox(
            "角色",
            list(ROLE_LABELS),
            index=list(ROLE_LABELS).index("viewer"),
            format_func=ROLE_LABELS.get,
            key="account_add_role",
        )
        township = st.selectbox(
            "所属乡镇（仅乡镇账号填写）",
            _townships(),
            index=None,
            placeholder="选择或输入乡镇名称",
            accept_new_options=True,
            key="account_add_township",
        )
        password = st.text_input(
            "初始密码（留空则自动生成）", type="password", key="account_add_password"
        )
        submitted = st.form_submit_button("新建账号", type="primary", key="account_add_submit")
    if submitted:
        initial = password or generate_password()
        try:
            user = accounts.create_user(
                username,
                initial,
                role,
                township if role == "township" else None,
                actor=me.username,
                actor_scope=granted,
                must_change_password=True,
            )
        except AccountError as exc:
            st.error(str(exc))
        else:
            where = f"（{user.township}）" if user.township else ""
            _done(
                f"已新建账号 {user.username}：{user.role_label}{where}",
                None if password else initial,
            )

with right:
    st.subheader("停用、启用与重置密码")
    names = [u.username for u in users]
    target = st.selectbox(
        "选择账号", names, index=None, key="account_target", placeholder="选择一个账号"
    )
    row = st.container(horizontal=True, gap="small")
    disable = row.button("停用", key="account_disable", disabled=target is None)
    enable = row.button("启用", key="account_enable", disabled=target is None)
    reset = row.button("重置密码", key="account_reset", disabled=target is None)
    st.caption("停用立即结束该账号的所有登录；重置密码会生成新的随机密码，对方下次登录时须修改。")
    try:
        if disable and target == me.username:
            st.error("不能停用当前登录的账号。")
        elif disable:
            accounts.disable_user(target, actor=me.username, actor_scope=granted)
            _done(f"已停用账号 {target}")
        elif enable:
            accounts.enable_user(target, actor=me.username, actor_scope=granted)
            _done(f"已启用账号 {target}")
        elif reset:
            fresh = generate_password()
            accounts.reset_password(target, fresh, actor=me.username, actor_scope=granted)
            _done(f"已重置账号 {target} 的密码", fresh)
    except AccountError as exc:
        st.error(str(exc))

st.subheader("审计日志（最近 300 条）")
st.caption("登录、登录失败、上传、替换、恢复、导出和账号变更：谁、何时、做了什么、在什么范围。")
entries = audit.recent(300)
log = pd.DataFrame(
    {
        "时间": [_local_time(e["at"]) for e in entries],
        "事件": [e["event_label"] for e in entries],
        "操作人": [e["actor"] or "" for e in entries],
        "范围": [e["scope"] or "" for e in entries],
        "来源地址": [e["source"] or "" for e in entries],
        "详情": [_detail_text(e["detail"]) for e in entries],
    }
)
blocks.table(log, key="audit_log", name="审计日志", height=420)
