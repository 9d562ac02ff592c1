"""上报情况: for one wave, which townships have submitted, when, how many versions and by whom;
the versions re-submissions replaced (restorable); fix-lists; the Word report for leaders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import blocks, ui, upload_flow
from dashboard.text import plain
from pipeline import config
from pipeline.charts.base import wave_label
from pipeline.ingest.fixlist import find_raw, fixlist_name
from pipeline.ingest.restore import RestoreError, restore_version
from pipeline.queries import submissions as q
from pipeline.queries.base import for_scope
from pipeline.reports.word import ReportError, build_report, county_name
from pipeline.warehouse import metrics

_RESTORE_ASK = "submissions_restore_ask"  # file_hash awaiting 确认恢复
_RESTORE_DONE = "submissions_restore_done"
_REPORT = "submissions_report"  # (wave, township, name, bytes) of the last report built
_ALL = "全县"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATE_TEXT = {
    "current": "现行",
    "partial": "部分支部已被替换",
    "replaced": "已被替换",
    "empty": "无有效数据行",
}

try:
    username, scope = upload_flow.identity()
except PermissionError:
    st.warning("请先登录。", icon="🔒")
    st.stop()
st.title("上报情况")

try:
    all_waves = ui.run(q.waves, for_scope(scope))["wave"].tolist()
except ui.NoWarehouse:
    all_waves = []
if not all_waves:
    st.info("尚无任何乡镇上报的数据。请在“数据上报”页上传普查表。", icon="📋")
    st.stop()

sidebar_wave = ui.current_filters().wave
wave = st.selectbox(
    "普查批次",
    all_waves,
    index=all_waves.index(sidebar_wave) if sidebar_wave in all_waves else 0,
    key="submissions_wave",
    format_func=lambda w: f"{wave_label(w)}（{w}）",
)
f = for_scope(scope, wave=wave)
st.caption(f"范围：{scope.label} ｜ 普查批次：{wave_label(wave)}")


def _names(values) -> list[str]:
    if values is None or isinstance(values, float) or values is pd.NA:
        return []
    return [plain(v) for v in values]  # branch names from the registers, shown as Markdown


def _when(value) -> str:
    if value is None or pd.isna(value):
        return "—"
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M")


# --- who has submitted ------------------------------------------------------------------------

status = ui.run(q.township_status, f)
submitted = status[status["submitted"]]
missing = status[~status["submitted"]]
cols = st.columns(3)
cols[0].metric("本批次已上报乡镇", f"{len(submitted)} 个", border=True)
cols[1].metric("未上报乡镇", f"{len(missing)} 个", border=True)
cols[2].metric("历次出现过的乡镇", f"{len(status)} 个", border=True)
# A township counts as submitted while one of its branches may not have: said per township.
changes = ui.run(q.branch_changes, f)
branch_flags = []
for row in changes.itertuples():
    gone, new = _names(row.missing), _names(row.added)
    if gone:
        branch_flags.append(
            f"{plain(row.township)}：{wave_label(row.prev_wave)}普查报送过的{'、'.join(gone)}"
            f"本次未报送（{len(gone)}个支部缺报）"
        )
    if new:
        branch_flags.append(
            f"{plain(row.township)}：本次新增{'、'.join(new)}（{wave_label(row.prev_wave)}普查未报送）"
        )
if len(missing):
    st.warning(
        f"{wave_label(wave)}普查尚未收到以下乡镇的上报："
        + "、".join(map(plain, missing["township"]))
    )
elif branch_flags:
    st.info(f"{wave_label(wave)}普查：历次出现过的乡镇均已上报，但有支部与上次普查不一致（见下）。")
else:
    st.success(f"{wave_label(wave)}普查：历次出现过的乡镇均已上报。")
for flag in branch_flags:
    if "缺报" in flag:
        st.warning(flag, icon="⚠️")
    else:
        st.info(flag)
if branch_flags:
    st.caption("与上次普查的比较只计两次均报送的支部；缺报或新增的支部不计入变化。")
gaps = ui.run(q.field_gaps, f)
for row in gaps.itertuples():
    field = metrics.FIELD_LABELS.get(row.field.removeprefix("has_")) or metrics.FIELD_LABELS.get(
        row.field, row.field
    )
    which = "" if row.missing_branches >= row.branches else f"{row.missing_branches}个支部"
    st.warning(
        f"{plain(row.township)}{which}报送的表格没有“{field}”列（或该列全部空白）：相关指标记为{metrics.NOT_REPORTED}，"
        "不计为0，也不计入比例。",
        icon="📝",
    )
shown = status.assign(submitted=status["submitted"].map({True: "是", False: "否"})).rename(
    columns={
        "submitted": "本批次已上报",
        "branches": "现行支部数",
        "versions": "上报版本数",
        "first_at": "首次上报",
        "last_at": "最近上报",
        "uploaded_by": "上传人",
        "rows_loaded": "现行入库人数",
        "rows_rejected": "拒收行数",
    }
)
blocks.table(shown, key="submissions_status", name=f"{wave}_各乡镇上报情况")

# --- every version of every file --------------------------------------------------------------

st.subheader("上报文件与版本")
versions = ui.run(q.file_versions, f)
if versions.empty:
    st.info("本批次还没有入库的文件。")
else:
    table = versions.assign(
        state=versions["state"].map(STATE_TEXT),
        units=versions["current_branches"].astype(str) + " / " + versions["branches"].astype(str),
    )[
        [
            "file_name",
            "state",
            "township",
            "loaded_at",
            "uploaded_by",
            "rows_loaded",
            "rows_rejected",
            "units",
        ]
    ]
    blocks.table(
        table.rename(columns={"state": "版本状态", "units": "现行支部 / 全部支部"}),
        key="submissions_files",
        name=f"{wave}_上报文件",
        height=360,
    )

# --- history: replaced versions, restorable ---------------------------------------------------

st.subheader("被替换的历史版本")
done = st.session_state.pop(_RESTORE_DONE, None)
if done:
    st.success(done)
old = versions[versions["state"].isin(["partial", "replaced"])] if len(versions) else versions
if old.empty:
    st.caption("本批次没有被重新上报替换的版本。")
else:
    st.caption(
        "同一乡镇、支部重新上报后，旧版本不再计入统计，但保留在历史中，可以恢复。"
        "恢复后，替换它的版本同样保留在历史中。"
    )
    units = ui.run(q.replaced_units, f)
    for i, row in enumerate(old.itertuples(index=False)):
        with st.container(border=True):
            replaced = units[units["file_hash"] == row.file_hash]
            newer = "、".join(map(plain, sorted(set(replaced["new_file"].dropna()))))
            st.markdown(
                f"**{plain(row.township)}** · {plain(row.file_name)}　（{STATE_TEXT[row.state]}：{len(replaced)} 个支部）"
            )
            st.caption(
                f"入库：{_when(row.loaded_at)}，上传人：{plain(row.uploaded_by or '—')}；"
                f"替换为：{newer or '—'}（{_when(row.replaced_at)}）"
            )
            if not scope.may_upload:
                continue
            if st.session_state.get(_RESTORE_ASK) != row.file_hash:
                if st.button(
                    "恢复此版本", key=f"restore_{i}_{row.file_hash[:12]}", icon=":material/history:"
                ):
                    st.session_state[_RESTORE_ASK] = row.file_hash
                    st.rerun()
                continue
            st.warning(
                f"确认恢复“{plain(row.file_name)}”？其被替换的 {len(replaced)} 个支部将恢复为该版本的数据，"
                f"现行版本（{newer}）转入历史，可随时再恢复。"
            )
            buttons = st.container(horizontal=True, gap="small")
            yes = buttons.button("确认恢复", key=f"restore_yes_{i}", type="primary")
            no = buttons.button("取消", key=f"restore_no_{i}")
            if no:
                st.session_state.pop(_RESTORE_ASK, None)
                st.rerun()
            if yes:
                st.session_state.pop(_RESTORE_ASK, None)
                try:
                    result = restore_version(
                        config.db_path(), row.file_hash, actor=username, scope=scope
                    )
                except RestoreError as exc:
                    st.error(str(exc))
                else:
                    ui.reopen()
                    st.session_state[_RESTORE_DONE] = (
                        f"已恢复“{plain(result.file_name)}”：{len(result.branches)} 个支部、{result.members} 名党员的数据"
                        f"重新计入统计；{plain('、'.join(result.displaced) or '原现行版本')}已转入历史。"
                    )
                    st.rerun()
    with st.expander(f"历史版本明细（{len(units)} 个支部单元）"):
        blocks.table(
            units.drop(columns=["file_hash"]).rename(
                columns={
                    "old_file": "历史版本文件",
                    "old_uploaded_by": "历史版本上传人",
                    "loaded_at": "入库时间",
                    "replaced_at": "替换时间",
                    "new_file": "替换为",
                    "new_uploaded_by": "替换版本上传人",
                }
            ),
            key="submissions_history",
            name=f"{wave}_历史版本",
        )

# --- fix-lists --------------------------------------------------------------------------------

# The workbook goes back with names and phones in clear only when the switch is on.
may_fix = scope.may_upload or scope.may_see_personal_data
rejected = ui.run(q.rejected_files, f)
if may_fix and len(rejected):
    st.subheader("问题清单")
    st.caption("原表中被拒收的行标红，并附“问题说明”列；发回乡镇改正后重新上报，即替换原版本。")
    raw = config.raw_dir()
    reveal = ui.current_filters().show_personal_data  # masked unless the switch is on
    for i, row in enumerate(rejected.itertuples(index=False)):
        line = st.container(horizontal=True, gap="small", vertical_alignment="center")
        line.markdown(
            f"**{plain(row.township)}** · {plain(row.file_name)}：拒收 {row.rows_rejected} 行"
        )
        if find_raw(row.file_hash, row.file_name, raw) is None:
            line.caption("原件不在原始文件夹中，无法生成问题清单")
            continue

        def _build(digest=row.file_hash) -> tuple[bytes, int]:
            # Only this account's townships, masked as its role sees members; the audit entry
            # counts the rows the file holds, not the rejects.
            _name, data, rows = upload_flow.scoped_fixlist(
                config.db_path(), digest, scope, raw, personal=reveal
            )
            return data, rows

        ui.download(
            line,
            "下载问题清单",
            _build,
            file_name=fixlist_name(row.file_name),
            mime=XLSX,
            key=f"submissions_fixlist_{i}",
            what=f"问题清单：{row.file_name}",
            member_level=True,
        )

# --- the Word report --------------------------------------------------------------------------

st.subheader("分析报告")
towns = submitted["township"].tolist()
options = towns if not scope.all_townships else [_ALL, *towns]
if not options:
    st.caption("本批次没有可生成报告的数据。")
    st.stop()
sidebar_town = ui.current_filters().township
pick = st.selectbox(
    "报告范围",
    options,
    key="submissions_report_township",
    index=options.index(sidebar_town) if sidebar_town in options else 0,
)
township = None if pick == _ALL else pick
if st.button(
    "生成分析报告（Word）",
    key="submissions_report_build",
    type="primary",
    icon=":material/description:",
):
    with st.spinner("正在生成报告（含图表）……"):
        try:
            data = build_report(config.db_path(), wave, township, access=scope)
        except ReportError as exc:
            st.error(str(exc))
        else:
            name = f"{county_name()}{township or ''}流动党员普查分析报告_{wave}.docx"
            st.session_state[_REPORT] = (wave, township, name, data)
built = st.session_state.get(_REPORT)
if built and built[:2] == (wave, township):
    ui.download(
        st,
        f"下载：{plain(built[2])}",
        lambda: built[3],
        file_name=built[2],
        mime=DOCX,
        key="submissions_report_download",
        what=built[2],
    )
