"""The leaders' exports on the overview page: the Word report and "全部图表打包下载".

Every role that opens the overview gets them (县级 and 只读 for the county or any township,
乡镇 for its own township only): the report and the package are built under the signed-in
scope (`build_report(access=…)`, queries narrowed by `scoped`), and every download is
audited by `ui.download` like any other export. Both take a while (charts are rendered by
Kaleido), so each is built on a button press and then offered for download.
"""

from __future__ import annotations

import streamlit as st

from dashboard import auth, ui
from dashboard.text import plain
from pipeline import config
from pipeline.charts import export as exports
from pipeline.charts.base import ChartContext, wave_label
from pipeline.charts.package import analysis_charts, package
from pipeline.queries.base import Filters, scoped
from pipeline.reports.word import ReportError, build_report, county_name
from pipeline.warehouse.store import connect_readonly

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_REPORT = "overview_report"  # (key, file name, bytes) of the last report built
_PACKAGE = "overview_package"
NO_MAP = (
    "未配置标准地图（审图号），按规定地图不随报告和图表包对外提供；各省人数见图表数据 XLSX。"
    "管理员可在配置中指定标准地图文件及其审图号（见 README“标准地图”）。"
)


def chart_items(f: Filters, ctx: ChartContext, granted) -> list:
    """Every chart of the analysis pages for the selection, queried under `granted`."""
    con = connect_readonly(config.db_path())
    try:
        return analysis_charts(
            lambda fn, filters: fn(con, scoped(filters, granted)),
            scoped(f, granted),
            ctx,
            county=ui.county_name(),
            home_county=config.HOME_COUNTY_CODE,
            with_map=config.base_map() is not None,
        )
    finally:
        con.close()


def build_package(f: Filters, ctx: ChartContext, granted, title: str) -> tuple[bytes, int]:
    items = chart_items(f, ctx, granted)
    data = package(
        items,
        exports.to_png,
        exports.to_xlsx_book,
        title=title,
        note=None if config.base_map() else NO_MAP,
    )
    return data, len(items)


def render(f: Filters) -> None:
    granted = auth.scope()
    township = f.township  # a branch view reports on its township
    name = township or county_name()
    selection = (f.wave, township, granted.role, granted.township)
    st.subheader("分析报告与图表")
    st.caption(
        f"按公文格式生成{name}{wave_label(f.wave)}普查分析报告（Word），或将本范围的全部图表"
        "打包下载（编号 PNG 图片及图表数据 Excel）。“存在问题”“下步建议”为系统起草的初稿，请核改后使用。"
    )
    row = st.container(horizontal=True, gap="small")
    if row.button(
        "生成分析报告（Word）", key="overview_report_build", icon=":material/description:"
    ):
        with st.spinner("正在生成报告（含图表），约需半分钟……"):
            try:
                data = build_report(config.db_path(), f.wave, township, access=granted)
            except ReportError as exc:
                st.error(str(exc))
            else:
                file_name = f"{name}流动党员普查分析报告_{f.wave}.docx"
                st.session_state[_REPORT] = (selection, file_name, data)
    if row.button("全部图表打包下载", key="overview_package_build", icon=":material/folder_zip:"):
        with st.spinner("正在生成全部图表……"):
            ctx = ui.context(f)
            title = f"{ui.scope_label(f)}_{f.wave}"
            data, count = build_package(f, ctx, granted, title)
            st.session_state[_PACKAGE] = (selection, f"{title}_全部图表.zip", data, count)
    built = st.session_state.get(_REPORT)
    if built and built[0] == selection:
        ui.download(
            st,
            f"下载：{plain(built[1])}",
            lambda: built[2],
            file_name=built[1],
            mime=DOCX,
            key="overview_report_download",
            what=built[1],
        )
    packed = st.session_state.get(_PACKAGE)
    if packed and packed[0] == selection:
        ui.download(
            st,
            f"下载：{plain(packed[1])}（{packed[3]} 张图）",
            lambda: packed[2],
            file_name=packed[1],
            mime="application/zip",
            key="overview_package_download",
            what=packed[1],
            rows=packed[3],
        )
        if not config.base_map():
            st.caption(NO_MAP)
