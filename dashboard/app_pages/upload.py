"""数据上报: drop census files, see a dry run of exactly what would happen, then confirm or cancel.

Nothing is written (not data/raw/, not the warehouse) before 确认入库. The logic lives in
`dashboard.upload_flow`; this page only lays it out.
"""

from __future__ import annotations

import streamlit as st

from dashboard import ui
from dashboard import upload_choices as choices
from dashboard import upload_flow as flow
from pipeline import config
from pipeline.ingest.fixlist import FixlistError
from pipeline.intake import uploads

_NONCE = "upload_nonce"  # bumped to empty the uploader after confirm / cancel
_PENDING = "upload_pending"  # the dry run awaiting a decision
_DONE = "upload_done"  # what the last confirm did, shown until the next batch
_NOTICE = "upload_notice"

try:
    username, scope = flow.identity()
except PermissionError:
    st.warning("请先登录。", icon="🔒")
    st.stop()

st.title("数据上报")
st.caption(f"上报人：{username}（{scope.role_label}·{scope.label}）")

if not scope.may_upload:
    st.info("当前账号没有上报数据的权限。如需上报，请联系县委组织部管理员。", icon="🔒")
    st.stop()


def _fixlists(done: flow.Confirmed) -> dict[str, tuple[str, bytes, int] | str]:
    """uploaded name → (download name, .xlsx, rows in it) or why none could be made; built
    once, as this account may have it (its townships, personal fields as its role sees them)."""
    out: dict[str, tuple[str, bytes, int] | str] = {}
    reveal = ui.current_filters().show_personal_data  # masked unless the switch is on
    for name, digest in done.fixlists.items():
        try:
            out[name] = flow.scoped_fixlist(config.db_path(), digest, scope, personal=reveal)
        except FixlistError as exc:
            out[name] = str(exc)
    return out


def _show_done(done: flow.Confirmed, fixes: dict) -> None:
    with st.container(border=True):
        st.subheader("入库结果")
        for result in done.results:
            text = flow.RESULT_TEXT.get(result.status, result.status)
            where = f"{choices.plain(result.township or '—')} · {choices.plain(result.wave or '—')}"
            line = f"**{choices.plain(result.file)}**（{where}）：{text}"
            if result.status in ("loaded", "replaced"):
                line += f"，入库 {result.rows_loaded} 行，拒收 {result.rows_rejected} 行"
            if result.status == "rejected":
                st.error(f"{line}：{choices.plain(result.error)}")
            elif result.needs_review:
                st.warning(
                    f"{line}。**需核对**："
                    + "；".join(
                        choices.plain(n.removeprefix("需核对："))
                        for n in result.notices
                        if n.startswith("需核对")
                    )
                )
            else:
                st.success(line)
        for name, why in done.skipped:
            st.warning(f"**{choices.plain(name)}** 未保存、未入库：{choices.plain(why)}")
        for i, (name, fix) in enumerate(fixes.items()):
            if isinstance(fix, str):
                st.warning(choices.plain(fix))
                continue
            ui.download(
                st,
                f"下载问题清单：{choices.plain(name)}",
                lambda fix=fix: (fix[1], fix[2]),
                file_name=fix[0],
                key=f"upload_fixlist_{i}",
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                what=f"问题清单：{name}",
                help="原表中被拒收的行标红，并附“问题说明”列；乡镇改正后重新上报即可替换本版本",
            )
        if done.results:
            st.caption("看板各页面已刷新为最新数据。")


def _show_preview(i: int, preview) -> None:
    r = preview.result
    status = flow.STATUS_TEXT.get(r.status, r.status)
    with st.container(border=True):
        st.markdown(f"#### {choices.plain(r.file)}　·　{status}")
        if r.status == "rejected":
            st.error(f"整表拒收：{choices.plain(r.error)}")
            if r.file_hash and "无法确定" in (r.error or ""):
                _context_form(i, preview, expanded=True)
            return
        if r.status == "unchanged":
            st.info("与已入库的版本内容完全相同，确认后不会重复入库。")
            return
        cols = st.columns(4)
        cols[0].metric("乡镇", r.township or "—", border=True)
        cols[1].metric("普查批次", r.wave or "—", border=True)
        cols[2].metric("将入库行数", f"{r.rows_loaded} 行", border=True)
        cols[3].metric("将拒收行数", f"{r.rows_rejected} 行", border=True)
        if r.status == "replaced":
            st.warning(
                "该文件覆盖的支部已有上报数据：确认后将替换原有版本（原版本保留在历史中，可恢复）。"
            )
        elif preview.before is not None:
            st.info("该乡镇本批次已有其他支部的数据，本文件为新增支部。")
        for line in choices.guessed(preview):
            st.caption(line)
        _notices(r.notices)
        branches = "、".join(map(choices.plain, preview.branches)) if preview.branches else "—"
        st.markdown(f"**党支部（{len(preview.branches)} 个）**：{branches}")
        if preview.after is not None:
            st.markdown(
                f"**{choices.plain(r.township)}{choices.plain(r.wave)} 主要指标：现有 → 入库后**"
            )
            headline = flow.headline_table(preview.before, preview.after)
            st.dataframe(
                headline,
                hide_index=True,
                key=f"upload_headline_{i}",
                height=flow.fit_height(headline, 600),
            )
        unmapped = choices.unmapped_columns(preview)
        if unmapped:
            _column_form(i, preview, unmapped)
        _context_form(i, preview, expanded=False)
        with st.expander("表头识别：原表列名 → 字段", expanded=False):
            headers = flow.header_table(preview)
            st.dataframe(
                headers,
                hide_index=True,
                key=f"upload_headers_{i}",
                height=flow.fit_height(headers, 600),
            )
        if r.rows_rejected:
            st.markdown(f"**将被拒收的行（{r.rows_rejected} 行）**：改正后可重新上报")
            rejects = flow.rejects_table(preview)
            st.dataframe(
                rejects, hide_index=True, key=f"upload_rejects_{i}", height=flow.fit_height(rejects)
            )
        if len(preview.warnings):
            with st.expander(f"提醒：{len(preview.warnings)} 行可以入库但需要核实"):
                st.dataframe(
                    flow.issue_table(preview.warnings),
                    hide_index=True,
                    key=f"upload_warnings_{i}",
                )


def _notices(notices: list[str]) -> None:
    review = [n for n in notices if n.startswith("需核对")]
    other = [n for n in notices if not n.startswith("需核对")]
    if review:
        st.warning(
            "**需核对**：本文件可以入库，但以下情况可能使统计数字不准：\n\n"
            + "\n".join(f"- {choices.plain(n.removeprefix('需核对：'))}" for n in review)
        )
    if other:
        st.info("\n".join(f"- {choices.plain(n)}" for n in other))


def _decided(message: str) -> None:
    """A choice was kept: compute the dry run again with it."""
    st.session_state.pop(_PENDING, None)
    st.session_state[_NOTICE] = message
    st.rerun()


def _column_form(i: int, preview, unmapped: list[dict]) -> None:
    r = preview.result
    names = list(choices.CHOICE_LABELS)
    with st.container(border=True):
        st.markdown(f"**未识别的列（{len(unmapped)} 个）**：已原样保存，未参与统计。")
        st.caption(
            f"如某列就是某个字段，请在下面指定；将为{choices.plain(r.township or '该乡镇')}保存，"
            "该乡镇以后上报的文件会自动按此识别。"
        )
        picks = {}
        for j, column in enumerate(unmapped):
            picks[column["column"]] = st.selectbox(
                f"“{choices.plain(column['column'])}”（工作表“{choices.plain(column['sheet'])}”）对应字段",
                [None, *names],
                format_func=lambda k: "（不指定）" if k is None else choices.CHOICE_LABELS[k],
                key=f"upload_map_{i}_{j}",
            )
        if st.button("保存列映射并重新试算", key=f"upload_map_save_{i}", icon=":material/save:"):
            chosen = {c: f for c, f in picks.items() if f}
            if not chosen:
                st.warning("请先为至少一列选择字段。")
                return
            try:
                for column, field_name in chosen.items():
                    choices.choose_column(preview, column, field_name, actor=username, scope=scope)
            except (PermissionError, ValueError) as exc:
                st.error(str(exc))
                return
            saved = "、".join(
                f"“{choices.plain(c)}”→{choices.CHOICE_LABELS[f]}" for c, f in chosen.items()
            )
            _decided(f"已保存列映射：{saved}（{r.township}以后的文件将自动按此识别）。已重新试算。")


def _context_form(i: int, preview, expanded: bool) -> None:
    r = preview.result
    with st.expander("指定乡镇或普查批次", expanded=expanded):
        st.caption("只对这个文件有效；留空的项目仍按表格内容识别。")
        cols = st.columns(2)
        township = cols[0].text_input(
            "乡镇", value="", placeholder=r.township or "如 钱库镇", key=f"upload_township_{i}"
        )
        wave = cols[1].text_input(
            "普查批次（YYYY-MM）",
            value="",
            placeholder=r.wave or "如 2022-04",
            key=f"upload_wave_{i}",
        )
        if st.button("保存并重新试算", key=f"upload_context_save_{i}", icon=":material/save:"):
            if not township.strip() and not wave.strip():
                st.warning("请填写乡镇或普查批次。")
                return
            try:
                choices.choose_context(
                    preview, township=township, wave=wave, actor=username, scope=scope
                )
            except (PermissionError, ValueError) as exc:
                st.error(str(exc))
                return
            _decided("已保存该文件的乡镇/普查批次设置。已重新试算。")


def _kept_mappings() -> None:
    kept = choices.kept_columns(scope)
    if kept.empty:
        return
    with st.expander(f"已保存的列映射（{len(kept)} 条）"):
        st.dataframe(kept, hide_index=True, key="upload_kept_mappings")
        if not scope.may_manage_accounts:
            st.caption("如需删除，请联系县委组织部管理员。")
            return
        row = st.container(horizontal=True, gap="small")
        chosen = row.selectbox(
            "删除编号", kept["编号"].tolist(), key="upload_forget_id", label_visibility="collapsed"
        )
        if row.button("删除该映射", key="upload_forget", icon=":material/delete:"):
            choices.forget_column(int(chosen), actor=username, scope=scope)
            st.session_state.pop(_PENDING, None)
            st.session_state[_NOTICE] = f"已删除列映射（编号 {chosen}）。"
            st.rerun()


done = st.session_state.get(_DONE)
if done is not None:
    _show_done(*done)
notice = st.session_state.pop(_NOTICE, None)
if notice:
    st.info(notice)

_kept_mappings()

limit_mb = uploads.MAX_UPLOAD_BYTES / 1048576
files = st.file_uploader(
    "选择普查表（可一次选多个文件）",
    type=flow.ACCEPTED_TYPES,
    accept_multiple_files=True,
    key=f"upload_files_{st.session_state.get(_NONCE, 0)}",
    help=f"支持 Excel（.xlsx/.xls，含系统导出的网页表格和 Excel 2003 XML 表格）、WPS 表格（.et）、"
    "LibreOffice（.ods）"
    f"和 CSV；单个文件不超过 {limit_mb:.0f} MB。"
    "先试算、后入库：确认之前不会写入任何数据。",
)
if not files:
    st.session_state.pop(_PENDING, None)
    st.caption(
        "上传后先显示试算结果（识别的乡镇、批次、支部、表头、将入库和将拒收的行），确认后才入库。"
    )
    st.stop()

screened = flow.screen([(f.name, f.getvalue()) for f in files])
for name, why in screened.refused:
    st.error(f"已拒绝“{choices.plain(name)}”：{choices.plain(why)}。该文件不会被保存或入库。")
if not screened.accepted:
    st.stop()

db = config.db_path()
sig = flow.signature(screened.accepted, db)
pending = st.session_state.get(_PENDING)
if not pending or pending["sig"] != sig:
    with st.spinner("正在试算（不会写入任何数据）……"):
        previews = flow.dry_run(screened.accepted, db, uploaded_by=username, scope=scope)
    pending = {"sig": sig, "files": screened.accepted, "previews": previews}
    st.session_state[_PENDING] = pending
    st.session_state.pop(_DONE, None)  # a new batch: the last result is history now

st.subheader("试算结果（尚未入库）")
st.caption(flow.summary_text(pending["previews"]))
for i, preview in enumerate(pending["previews"]):
    _show_preview(i, preview)

loadable = [p for p in pending["previews"] if p.result.status != "rejected"]
row = st.container(horizontal=True, gap="small")
confirmed = row.button(
    "确认入库", key="upload_confirm", type="primary", disabled=not loadable, icon=":material/check:"
)
cancelled = row.button("取消", key="upload_cancel", icon=":material/close:")

if confirmed:
    with st.spinner("正在入库……"):
        result = flow.confirm(
            pending["files"],
            pending["previews"],
            actor=username,
            scope=scope,
            db=db,
            raw_dir=config.raw_dir(),
        )
        ui.reopen()  # the fix-lists below must read the warehouse just swapped in
        fixes = _fixlists(result)
    ui.reopen()
    st.session_state[_DONE] = (result, fixes)
    st.session_state.pop(_PENDING, None)
    st.session_state[_NONCE] = st.session_state.get(_NONCE, 0) + 1
    st.rerun()
if cancelled:
    st.session_state.pop(_PENDING, None)
    st.session_state[_NONCE] = st.session_state.get(_NONCE, 0) + 1
    st.session_state.pop(_DONE, None)
    st.session_state[_NOTICE] = "已取消：没有保存文件，也没有写入数据库。"
    st.rerun()
