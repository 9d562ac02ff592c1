"""A page's building blocks: a chart or a table with its downloads under it.

Every download is built only when clicked and goes through `downloads.download` (bound to the
signed-in browser, audited); tables of members export only for roles that may.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from dashboard import auth
from dashboard.downloads import download
from dashboard.ui import context, not_reported, run, with_stat_point
from pipeline.charts import export as exports
from pipeline.charts import labels
from pipeline.charts.package import ChartItem
from pipeline.queries.base import Filters

# No mode bar: it covers the titles of half-width charts, and downloads have their own
# buttons (server-side PNG at 2x with the report font).
_PLOTLY_CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True}


_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_charts(build: Callable[..., list[ChartItem]], f: Filters, **kw) -> dict[str, ChartItem]:
    """A page's charts by key, from their one definition in `pipeline.charts.package` (the
    chart package and the Word report take the same), queried through `run` in the signed-in
    scope."""
    return {key: item for item in build(run, f, context(f), **kw) for key in item.keys}


def draw(item: ChartItem, *, key: str, name: str) -> None:
    """One of `page_charts` with its downloads; `key` is the page's own chart key."""
    chart(item.figure, item.data, key=key, name=name)


def chart(fig: go.Figure, data: pd.DataFrame, *, key: str, name: str) -> None:
    """A chart with PNG / CSV / Excel downloads under it, all built only when clicked, so
    a page with ten charts renders no images up front."""
    st.plotly_chart(fig, key=f"chart_{key}", theme=None, config=_PLOTLY_CONFIG)
    table = labels.chinese(with_stat_point(not_reported(data)))
    title = fig.layout.title.text or name
    footnote = next(
        (
            a.text.split("<br>")[-1]
            for a in fig.layout.annotations or ()
            if "统计时点" in (a.text or "")
        ),
        None,
    )
    if footnote:
        title = f"{title}（{footnote.split('；', 1)[-1]}）"
    row = st.container(horizontal=True, gap="small")
    rows = len(table)
    download(
        row,
        "图片",
        lambda: exports.to_png(fig),
        file_name=f"{name}.png",
        mime="image/png",
        key=f"png_{key}",
        what=name,
        help="PNG 图片（2倍分辨率），可直接插入报告",
    )
    download(
        row,
        "CSV",
        lambda: exports.to_csv(table),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv_{key}",
        what=name,
        rows=rows,
        help="CSV（UTF-8 BOM，Excel 可直接打开）",
    )
    download(
        row,
        "Excel",
        lambda: exports.to_xlsx(table, sheet=name, title=title),
        file_name=f"{name}.xlsx",
        mime=_XLSX,
        key=f"xlsx_{key}",
        what=name,
        rows=rows,
    )


def _readable(data: pd.DataFrame) -> pd.DataFrame:
    """Blank instead of 'None', timestamps to the minute."""
    out = data.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d %H:%M").fillna("")
        elif out[col].isna().any():
            out[col] = out[col].astype(object).where(out[col].notna(), "")
    return out


def table(
    data: pd.DataFrame,
    *,
    key: str,
    name: str,
    height: int | None = None,
    member_rows: bool = False,
) -> None:
    """A data table with CSV / Excel downloads. `member_rows`: one row per member (a name
    list), exported only by roles with `may_export_member_rows`."""
    shown = labels.chinese(_readable(not_reported(data)))
    # Short tables get their natural height; long ones scroll inside `height`.
    fit = 38 + 35 * max(len(shown), 1)
    st.dataframe(
        shown,
        key=f"table_{key}",
        hide_index=True,
        width="stretch",
        height=min(fit, height) if height else "auto",
    )
    if member_rows and not auth.scope().may_export_member_rows:
        st.caption(f"{auth.scope().role_label}账号不能导出党员个人明细。")
        return
    row = st.container(horizontal=True, gap="small")
    common = dict(what=name, rows=len(shown), member_level=member_rows)
    download(
        row,
        "CSV",
        lambda: exports.to_csv(shown),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"csv_{key}",
        **common,
    )
    download(
        row,
        "Excel",
        lambda: exports.to_xlsx(shown, sheet=name, title=name),
        file_name=f"{name}.xlsx",
        mime=_XLSX,
        key=f"xlsx_{key}",
        **common,
    )
