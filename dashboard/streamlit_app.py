"""流动党员普查分析 — the one Streamlit entry point: `streamlit run dashboard/streamlit_app.py`.

Renders the global sidebar filters, then the page chosen in the navigation. Every page reads
the same filters, so switching pages keeps the selection.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `streamlit run dashboard/streamlit_app.py` puts dashboard/ on sys.path, not the repo root.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import duckdb  # noqa: E402
import streamlit as st  # noqa: E402

from dashboard import exports, ui  # noqa: E402

st.set_page_config(page_title="流动党员普查分析", page_icon="📊", layout="wide")

PAGES = [
    st.Page(
        "app_pages/overview.py",
        title="总览",
        icon=":material/dashboard:",
        url_path="overview",
        default=True,
    ),
    st.Page("app_pages/flows.py", title="流向", icon=":material/map:", url_path="flows"),
    st.Page(
        "app_pages/lost_contact.py",
        title="失联",
        icon=":material/person_search:",
        url_path="lost-contact",
    ),
    st.Page(
        "app_pages/returnees.py",
        title="返乡创业",
        icon=":material/storefront:",
        url_path="returnees",
    ),
    st.Page(
        "app_pages/quality.py", title="数据质量", icon=":material/fact_check:", url_path="quality"
    ),
]


@st.cache_resource(show_spinner=False)
def _warm_exporter() -> bool:
    # One render browser per process, started early so the first PNG download is quick.
    return exports.warm()


def main() -> None:
    nav = st.navigation(PAGES)
    ui.style()
    st.sidebar.title("流动党员普查分析")
    try:
        ui.sidebar()
    except ui.NoWarehouse:
        ui.empty_state()
        return
    except duckdb.CatalogException:
        ui.empty_state(
            "普查数据库缺少分析模型（可能由旧版本生成）。请重新运行入库命令 "
            "`python -m pipeline ingest data/raw` 以重建分析表。"
        )
        return
    _warm_exporter()
    nav.run()


main()
