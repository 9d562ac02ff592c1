"""数据质量 shows the files marked 需核对 with their reasons, scoped like every other table."""

from __future__ import annotations

from app_session import app_as, make_user

from pipeline import config
from pipeline.ingest.batch import ingest_paths
from tests.conftest import valid_id

HEADER = ["序号", "姓名", "身份证号", "所在党支部", "流出时间", "流入地"]


def _ingest(write_xlsx, township: str, destinations: list[str]) -> None:
    # each township its own people: one ID in two townships' registers is itself 需核对
    day = {"灵溪镇": "01", "桥墩镇": "02"}[township]
    rows = [
        [i + 1, f"党员{i}", valid_id(f"33032719{80 + i}01{day}123"), "城东村党支部", "2021.3", d]
        for i, d in enumerate(destinations)
    ]
    path = write_xlsx(f"2022-04_{township}_流动党员普查.xlsx", {"名单": [HEADER, *rows]})
    [result] = ingest_paths([path], db=config.db_path()).files
    assert result.status == "loaded"


def _visit(at):
    at.switch_page("app_pages/quality.py")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_file_to_review_is_listed_with_its_reason(write_xlsx):
    _ingest(write_xlsx, "灵溪镇", ["火星", "月球", "上海"])  # 2 of 3 destinations unknown
    _ingest(write_xlsx, "桥墩镇", ["上海", "杭州", "北京"])
    at = _visit(app_as(make_user("county1", "county")))
    assert any("1 个文件已入库，但统计数字可能不准" in w.value for w in at.warning)
    [table] = [d.value for d in at.dataframe if "说明" in d.value.columns]
    assert table["文件名"].tolist() == ["2022-04_灵溪镇_流动党员普查.xlsx"]
    assert table["类别"].tolist() == ["需核对"]
    assert "2 名流出党员（67%）的流入地缺失或无法识别" in table["说明"].iat[0]

    # a township account sees its own files only
    at = _visit(app_as(make_user("qd", "township", "桥墩镇")))
    assert not [d for d in at.dataframe if "说明" in d.value.columns]
    assert any("没有需核对的文件" in s.value for s in at.success)
