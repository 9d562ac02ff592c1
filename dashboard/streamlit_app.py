"""流动党员普查分析 — the one Streamlit entry point: `streamlit run dashboard/streamlit_app.py`.

An anonymous visitor gets the sign-in page and nothing else (no sidebar, no navigation).
A signed-in user gets the pages of their role (`navigation.pages_for`), the account box and
the global sidebar filters built on their scope, then the chosen page. Every page reads the
same filters, so switching pages keeps the selection.
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

from dashboard import auth, navigation, ui  # noqa: E402
from dashboard.navigation import PageSpec  # noqa: E402
from pipeline.charts import export as exports  # noqa: E402

st.set_page_config(page_title="流动党员普查分析", page_icon="📊", layout="wide")


def _page(spec: PageSpec) -> st.Page:
    target = spec.page if spec.is_file else getattr(auth, spec.page)
    return st.Page(
        target, title=spec.title, icon=spec.icon, url_path=spec.url_path, default=spec.default
    )


def _hidden(target, title: str, skip: set[str] = frozenset()) -> list[st.Page]:
    """`target` at every known page URL not in `skip`, listed nowhere in the navigation."""
    return [
        st.Page(target, title=title, url_path=path, visibility="hidden")
        for path in navigation.ALL_URL_PATHS
        if path not in skip
    ]


def _only(spec: PageSpec) -> None:
    """A one-page app (sign-in, or the forced password change) answering at every URL."""
    target = getattr(auth, spec.page)
    st.navigation([_page(spec), *_hidden(target, spec.title)], position="hidden").run()


@st.cache_resource(show_spinner=False)
def _warm_exporter() -> bool:
    # One render browser per process, started early so the first PNG download is quick.
    return exports.warm()


def main() -> None:
    ui.style()
    signed_in = auth.current()
    if signed_in is None:
        _only(navigation.SIGN_IN)
        return
    user, scope = signed_in
    st.sidebar.title("流动党员普查分析")
    auth.sidebar_account(user, scope)
    if user.must_change_password:
        _only(navigation.FORCED_PASSWORD)
        return
    specs = navigation.pages_for(scope)
    grouped = {
        section: [_page(spec) for spec in pages]
        for section, pages in navigation.sections(specs).items()
    }
    mine = {spec.url_path for spec in specs}
    grouped[navigation.ACCOUNT] += _hidden(auth.refused_page, navigation.REFUSED_TITLE, mine)
    nav = st.navigation(grouped)
    # Titles are unique in one navigation (the default page's url_path reads as "").
    needs_warehouse = next((s.needs_warehouse for s in specs if s.title == nav.title), True)
    try:
        ui.sidebar(scope)
    except ui.NoWarehouse:
        if needs_warehouse:
            ui.empty_state()
            return
    except (duckdb.CatalogException, ui.StaleModels):
        if needs_warehouse:
            ui.empty_state(
                "普查数据库缺少分析模型（可能由旧版本生成）。请重新运行入库命令 "
                "`python -m pipeline ingest data/raw` 以重建分析表。"
            )
            return
    _warm_exporter()
    nav.run()


main()
