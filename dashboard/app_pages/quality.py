"""数据质量: completeness of submissions, ingest history, quarantine and warnings."""

from __future__ import annotations

import streamlit as st

from dashboard import auth, blocks, ui
from pipeline.charts import labels
from pipeline.charts import units as charts
from pipeline.charts.base import wave_label
from pipeline.queries import quality as queries_quality

auth.require("may_see_quality")
f = ui.current_filters()
ctx = ui.context(f)
ui.page_header("数据质量", f)

st.subheader("报送完整性")
done = ui.run(queries_quality.completeness, f.with_(branch=None))
submitted = int(done["submitted"].fillna(False).sum())
missing = done[~done["submitted"].fillna(False).astype(bool)]
cols = st.columns(3)
cols[0].metric("本批次已报送乡镇", f"{submitted} 个", border=True)
cols[1].metric("未报送乡镇", f"{len(missing)} 个", border=True)
cols[2].metric("历次出现过的乡镇", f"{len(done)} 个", border=True)
if len(missing):
    st.warning(
        f"{wave_label(f.wave)}普查尚未收到以下乡镇的报送："
        + "、".join(missing["township"].tolist())
    )
else:
    st.success(f"{wave_label(f.wave)}普查：历次出现过的乡镇均已报送。")
shown = done.assign(submitted=done["submitted"].map({True: "是", False: "否"}).fillna("否"))
blocks.table(shown, key="completeness", name=f"{f.wave}_报送完整性")

st.subheader("入库记录")
statuses = ui.run(queries_quality.ingest_status_counts, f)
cols = st.columns(4)
for col, (status, label) in zip(cols, labels.STATUS_LABELS.items(), strict=True):
    n = int(statuses.loc[statuses["status"] == status, "files"].sum())
    col.metric(label, f"{n} 个文件", border=True)
history = ui.run(queries_quality.ingest_history, f)
history = history.assign(
    status=history["status"].map(labels.STATUS_LABELS).fillna(history["status"])
)
blocks.table(history, key="ingest_history", name="入库记录", height=320)
replaced = ui.run(queries_quality.replaced_units, f)
with st.expander(f"被重新报送替换的历史版本（{len(replaced)} 个支部单元）"):
    st.caption(
        "同一批次、乡镇、支部重新报送时，新文件替换旧版本；旧版本保留在历史中，不再计入统计。"
    )
    blocks.table(replaced, key="replaced_units", name="历史版本")

st.subheader("需核对的文件")
notices = ui.run(queries_quality.file_notices, f)
review = notices[notices["needs_review"].astype(bool)]
if review.empty:
    st.success("所选范围内没有需核对的文件。")
else:
    st.warning(
        f"{review['file_name'].nunique()} 个文件已入库，但统计数字可能不准，请核对（原因见下表）。"
    )
if len(notices):
    shown = notices.assign(
        needs_review=notices["needs_review"].map({True: "需核对", False: "说明"}),
        notice=notices["notice"].str.removeprefix("需核对："),
    )
    blocks.table(shown, key="file_notices", name=f"{f.wave}_文件说明", height=260)

st.subheader("拒收行（隔离区）")
reasons = ui.run(queries_quality.quarantine_summary, f)
if reasons.empty:
    st.success("所选范围内没有被拒收的数据行。")
else:
    blocks.chart(
        charts.ranked_bar(
            reasons,
            ctx,
            label="field",
            value="rows",
            unit="行",
            what="拒收行按问题字段分布（行）",
            color="#A8201A",
        ),
        reasons,
        key="quarantine_reasons",
        name=f"{ctx.scope}_{f.wave}_拒收字段分布",
    )
    rows = ui.run(queries_quality.quarantine_rows, f)
    st.caption(
        "按文件、工作表和 Excel 行号列出，可直接回到原表修改后重新报送。"
        + ("" if f.show_personal_data else "姓名、电话已脱敏。")
    )
    blocks.table(rows, key="quarantine_rows", name=f"{ctx.scope}_{f.wave}_拒收明细", height=320)

st.subheader("提醒（已入库但需核实）")
warnings = ui.run(queries_quality.warning_rows, f)
if warnings.empty:
    st.success("所选范围内没有需要核实的提醒。")
else:
    blocks.table(warnings, key="warnings", name=f"{ctx.scope}_{f.wave}_提醒明细", height=320)
