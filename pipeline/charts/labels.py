"""Chinese column headings for tables and exported CSV/XLSX (identifiers stay English)."""

from __future__ import annotations

import pandas as pd

COLUMN_LABELS = {
    "wave": "普查批次",
    "prev_wave": "上次普查",
    "township": "乡镇",
    "branch": "党支部",
    "unit": "单位",
    "members_total": "党员总数",
    "outflow_counted": "有党员总数单位的流出党员",
    "townships": "乡镇数",
    "outflow": "流出党员（人）",
    "outflow_share": "流出占比（%）",
    "scope": "流动范围",
    "scope_cross_province": "跨省（人）",
    "scope_cross_city": "省内跨市（人）",
    "scope_cross_county": "市内跨县（人）",
    "scope_within_county": "县内（人）",
    "scope_unknown": "流入地不详（人）",
    "long_term": "长期在外（人）",
    "lost_contact": "失联（人）",
    "lost_rate": "失联率（%）",
    "rate": "比例（%）",
    "at_risk": "失联风险（人）",
    "dual_managed": "双重管理（人）",
    "two_nots": "两不管（人）",
    "certified": "持证（人）",
    # the follow-up partition: each person once, under the first reason (its own names)
    "primary_lost": "跟进原因：失联（人）",
    "primary_two_nots": "跟进原因：两不管（人）",
    "primary_stale": "跟进原因：超180天未联系（人）",
    "long_term_base": "长期在外统计范围的流出党员（人）",
    "lost_contact_base": "填报联系状态的流出党员（人）",
    "at_risk_base": "填报最近联系时间的流出党员（人）",
    "dual_managed_base": "填报流入地党组织的流出党员（人）",
    "two_nots_base": "两不管统计范围的流出党员（人）",
    "certified_base": "填报持证情况的流出党员（人）",
    "returnees": "返乡党员（人）",
    "enterprises": "创办企业（个）",
    "jobs_created": "带动就业（人）",
    "province_code": "省份代码",
    "province": "省份",
    "city": "城市",
    "occupation": "从事职业",
    "transition": "状态变化",
    "members": "人数",
    "prev_waves": "对比的上次普查",
    "matched_by_name": "其中按姓名匹配",
    "name": "姓名",
    "gender": "性别",
    "phone": "联系电话",
    "id_masked": "身份证号",
    "destination": "流入地",
    "outflow_date": "流出时间",
    "last_contact_date": "最近联系时间",
    "days_since_contact": "未联系天数（截至普查月末）",
    "reason": "原因",
    "industry": "创业行业",
    "former_province": "返乡前所在省份",
    "former_scope": "返乡前流动范围",
    "since_return": "返乡至普查时长",
    "ingested_at": "入库时间",
    "file_name": "文件名",
    "status": "状态",
    "rows_loaded": "入库行数",
    "rows_rejected": "拒收行数",
    "error": "错误说明",
    "uploaded_by": "上传人",
    "files": "文件数",
    "old_file": "被替换的文件",
    "new_file": "替换为",
    "loaded_at": "入库时间",
    "replaced_at": "替换时间",
    "sheet": "工作表",
    "excel_row": "Excel行号",
    "field": "字段",
    "value": "原值",
    "rows": "行数",
    "waves_submitted": "已报送批次数",
    "last_wave": "最近报送批次",
    "submitted": "本批次已报送",
    "branches": "本批次支部数",
    "needs_review": "类别",
    "notice": "说明",
}

STATUS_LABELS = {
    "loaded": "已入库",
    "replaced": "已替换旧版本",
    "unchanged": "内容未变",
    "rejected": "整表拒收",
}


def chinese(df: pd.DataFrame) -> pd.DataFrame:
    """Same frame with Chinese headings, for display and export."""
    return df.rename(columns={c: COLUMN_LABELS.get(c, c) for c in df.columns})


def not_reported(df: pd.DataFrame) -> pd.DataFrame:
    """A table as shown or exported (page tables, chart CSV/XLSX, the chart package): a count a
    unit did not report, and the outflow it would be out of, reads 未填报, never blank or 0."""
    from pipeline.warehouse import metrics

    out = df.copy()
    for col in out.columns:
        count = col[: -len("_base")] if col.endswith("_base") else col
        if count in metrics.NULLABLE and out[col].isna().any():
            out[col] = out[col].astype(object).where(out[col].notna(), metrics.NOT_REPORTED)
    return out
