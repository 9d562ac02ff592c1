"""The report's scope paragraph names the townships that sent nothing for the wave, as the
overview does (已有 1 个乡镇报送（历次共出现 2 个），全县数字只含已报送乡镇)."""

from __future__ import annotations

from pipeline.ingest.batch import ingest_paths
from pipeline.reports.reading import load_report_data
from pipeline.reports.text import scope_section

HEAD = ["姓名", "所在党支部", "流出时间", "流入地"]


def test_a_township_absent_from_the_wave_is_named(write_xlsx, tmp_path):
    folder = tmp_path / "raw"
    for name, wave in (("甲镇", "2022-04"), ("乙镇", "2022-04"), ("乙镇", "2023-08")):
        rows = [[f"{name}普查表"], HEAD, [f"张{wave}", "一支部", "2020.3", "上海市"]]
        write_xlsx(f"{wave}_{name}_流动党员普查.xlsx", {"流动党员": rows}, folder=folder)
    db = tmp_path / "w.duckdb"
    ingest_paths([folder], db=db)
    data = load_report_data(db, "2023-08")
    [text] = scope_section(data.scope, data.current).paragraphs
    assert "报送乡镇：乙镇。" in text
    assert "尚未收到甲镇的报送（历次共出现2个乡镇），全县数字只含已报送乡镇。" in text
    # a wave every township sent says nothing of the kind; a township's report neither
    full = load_report_data(db, "2022-04")
    assert "尚未收到" not in scope_section(full.scope, full.current).paragraphs[0]
    own = load_report_data(db, "2023-08", "乙镇")
    assert "尚未收到" not in scope_section(own.scope, own.current).paragraphs[0]
