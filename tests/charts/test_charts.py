"""Pure chart builders and report text: no Streamlit, no warehouse."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from pipeline.charts import china_map
from pipeline.charts import returnee as charts_returnee
from pipeline.charts import units as charts
from pipeline.charts.base import ChartContext, count_range, pct, wave_label
from pipeline.charts.province_map import map_classes
from pipeline.reports import narrative

CTX = ChartContext(scope="xx镇", wave="2022-04", as_of="2024-05-01 10:20")

# Row of metrics_by_wave for the seed census (spec §5).
SEED = {
    "wave": "2022-04",
    "members_total": 957,
    "outflow_counted": 195,
    "townships": 1,
    "outflow": 195,
    "scope_cross_province": 40,
    "scope_cross_city": 9,
    "scope_cross_county": 14,
    "scope_within_county": 128,
    "scope_unknown": 4,
    "long_term": 38,
    "lost_contact": 9,
    "at_risk": 12,
    "dual_managed": 50,
    "two_nots": 5,
    "certified": 160,
    "returnees": 0,
    "enterprises": 0,
    "jobs_created": 0,
}


def _all_text(fig: go.Figure) -> str:
    parts = [fig.layout.title.text or "", fig.layout.title.subtitle.text or ""]
    parts += [a.text or "" for a in fig.layout.annotations]
    return " ".join(parts)


def _assert_report_ready(fig: go.Figure, *, wave_text: str = "2022年4月") -> None:
    text = _all_text(fig)
    assert "xx镇" in text and wave_text in text, text  # scope and wave stated
    assert "数据来源" in text and "2024-05-01 10:20" in text  # source and as-of
    assert fig.layout.template.layout.font.family.startswith("Noto Sans CJK SC")
    for trace in fig.data:  # SVG only: many charts per page must all render
        assert not trace.type.endswith("gl") and trace.type not in {"scattergeo", "choropleth"}


def test_percentages_round_like_the_spec():
    assert pct(195, 957) == 20.38
    assert pct(40, 195) == 20.51
    assert pct(128, 195) == 65.64
    assert pct(38, 195) == 19.49
    assert pct(1, 800) == 0.13  # half-up, not banker's rounding
    assert pct(5, 0) is None and pct(None, 5) is None


def test_wave_label_and_axis_helpers():
    assert wave_label("2022-04") == "2022年4月"
    assert count_range(3)["dtick"] == 1  # no 0.5-person ticks
    assert count_range(190)["range"][1] > 190


def test_report_paragraph_matches_township_report_style():
    text = narrative.paragraph(SEED, "xx镇", "2022-04")
    assert (
        "xx镇现有流出党员195名，占党员总数的20.38%，其中跨省流动党员40名，占流动党员总数的20.51%"
        in text
    )
    assert "县内流动党员128名，占65.64%" in text
    assert "另有4名流入地不详" in text
    assert "长期在外（一年以上）党员38名，占19.49%" in text


def test_paragraph_without_members_total_says_so():
    row = {**SEED, "members_total": None, "outflow_counted": None}
    assert "未报送党员总数" in narrative.paragraph(row, "钱库镇", "2022-04")


def test_kpis_with_change_against_previous_wave():
    prev = {**SEED, "wave": "2021-04", "outflow": 180, "lost_contact": 12, "outflow_counted": 180}
    cards = {k.label: k for k in narrative.kpis(SEED, prev)}
    assert cards["流出党员"].value == "195 人" and cards["流出党员"].delta == "+15 人"
    assert cards["流出党员占比"].value == "20.38%"
    assert cards["失联率"].value == "4.62%" and cards["失联率"].tone == "inverse"
    assert cards["失联率"].delta == "-2.05 个百分点"  # 4.62 - 6.67
    assert narrative.kpis(SEED)[0].delta is None
    same = {k.label: k for k in narrative.kpis(SEED, SEED)}
    assert same["失联率"].delta == "+0.00 个百分点" and same["失联率"].unchanged
    assert not cards["流出党员"].unchanged


def test_scope_breakdown_labels_counts_and_shares():
    df = pd.DataFrame(
        {"scope": ["跨省", "省内跨市", "市内跨县", "县内", "未知"], "outflow": [40, 9, 14, 128, 4]}
    )
    fig = charts.scope_breakdown(df, CTX)
    _assert_report_ready(fig)
    assert "40 人（20.51%）" in fig.data[0].text
    assert "（人，%）" in fig.layout.title.text


def test_every_builder_is_report_ready():
    units = pd.DataFrame(
        {
            "unit": ["一支部", "二支部"],
            "outflow": [10, 5],
            "members_total": [40, None],
            "lost_contact": [2, 0],
            "at_risk": [1, 1],
            "two_nots": [1, 0],
            "long_term": [4, 1],
            "returnees": [2, 1],
            "enterprises": [1, 0],
            "jobs_created": [6, 0],
        }
    )
    by_wave = pd.DataFrame(
        {
            "wave": ["2021-04", "2022-04"],
            "outflow": [12, 15],
            "lost_contact": [3, 2],
            "townships": [1, 1],
        }
    )
    figs = [
        charts.outflow_by_unit(units, CTX, unit_label="党支部"),
        charts.rate_by_unit(
            units,
            CTX,
            unit_label="党支部",
            numerator="lost_contact",
            what="失联率",
            reference=13.33,
        ),
        charts.risk_by_unit(units, CTX, unit_label="党支部"),
        charts.long_term_by_unit(units, CTX, unit_label="党支部"),
        charts_returnee.returnees_by_unit(units, CTX, unit_label="党支部"),
        charts.transitions_bar(
            pd.DataFrame(
                {
                    "transition": ["新增失联", "保持正常"],
                    "members": [2, 9],
                    "prev_waves": ["2021-04", "2021-04"],
                }
            ),
            CTX,
        ),
        charts.flow_sankey(
            pd.DataFrame(
                {
                    "township": ["xx镇"] * 2,
                    "scope": ["跨省", "县内"],
                    "province": ["广东省", "浙江省"],
                    "outflow": [3, 7],
                }
            ),
            CTX,
        ),
        charts.ranked_bar(
            pd.DataFrame({"city": ["杭州市", "上海市"], "outflow": [3, 2]}),
            CTX,
            label="city",
            value="outflow",
            what="流入城市（人）",
        ),
        charts_returnee.industries(
            pd.DataFrame(
                {"industry": ["农业"], "enterprises": [1], "jobs_created": [6], "returnees": [2]}
            ),
            CTX,
        ),
        charts_returnee.since_return(
            pd.DataFrame({"since_return": ["1–2年"], "enterprises": [1], "returnees": [1]}), CTX
        ),
    ]
    for fig in figs:
        _assert_report_ready(fig)
    trend = charts.trend(by_wave, CTX)
    _assert_report_ready(trend, wave_text="历次普查")
    assert trend.data[1].text[-1] == "13.33%"  # 2 / 15


def test_rate_chart_draws_the_reference_line():
    units = pd.DataFrame({"unit": ["一支部", "二支部"], "outflow": [10, 5], "lost_contact": [2, 0]})
    fig = charts.rate_by_unit(
        units,
        CTX,
        unit_label="党支部",
        numerator="lost_contact",
        what="失联率",
        reference=13.33,
        reference_label="xx镇平均",
    )
    assert any(shape.y0 == 13.33 for shape in fig.layout.shapes)
    assert any(t.name == "xx镇平均 13.33%" for t in fig.data)
    assert list(fig.data[0].y) == [20.0, 0.0]


def test_transitions_leave_steady_members_to_the_note():
    df = pd.DataFrame(
        {
            "transition": ["新增失联", "恢复联系", "保持正常"],
            "members": [3, 4, 172],
            "prev_waves": ["2021-04"] * 3,
        }
    )
    fig = charts.transitions_bar(df, CTX)
    assert list(fig.data[0].x) == ["新增失联", "恢复联系"]
    assert "状态未变 172 人" in _all_text(fig)


def test_empty_frames_give_a_chart_that_says_why():
    empty = pd.DataFrame({"scope": [], "outflow": []})
    fig = charts.scope_breakdown(empty, CTX)
    assert "暂无数据" in _all_text(fig)
    moves = charts.transitions_bar(pd.DataFrame({"transition": [], "members": []}), CTX)
    assert "只有一次普查" in _all_text(moves)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("33", "330000"),
        ("330000", "330000"),
        ("浙江省", "330000"),
        ("广东", "440000"),
        ("火星", None),
        (None, None),
    ],
)
def test_province_codes(value, code):
    assert china_map.province_code(value) == code


def test_map_classes_are_round_and_cover_the_maximum():
    classes = map_classes(185)
    assert classes[0][0] == 1 and classes[-1][1] is None
    assert all(lo in (1, 2, 5, 10, 20, 50, 100, 200) for lo, _ in classes)
    assert len(classes) <= 5 and classes[-1][0] <= 185
    assert map_classes(0) == []


def test_china_map_follows_official_boundaries():
    geo = china_map.geometry()
    assert len(geo.main) == 34  # every province-level unit, 台湾 included
    assert {"710000", "460000", "810000", "820000"} <= set(geo.main)
    # The dashed maritime boundary line (the nine dashes of the South China Sea in the inset,
    # the tenth, east of Taiwan, on the main map) and the South China Sea islands.
    assert sum(v is None for v in geo.dash_inset[0]) >= 9
    assert len(geo.islands[0]) > 50
    df = pd.DataFrame({"province_code": ["330000", "440000", "710000"], "outflow": [128, 40, 1]})
    fig = charts.province_map(df, CTX, home_county="330327")
    _assert_report_ready(fig)
    x0, x1, y0, y1 = geo.inset_box  # 南海诸岛 inset, lower right, east of Taiwan
    assert x0 > max(v for v in geo.main["710000"].x if v is not None)
    assert y0 == geo.main_range[1][0]
    assert any(s.type == "rect" and s.x0 == x0 for s in fig.layout.shapes)
    assert any("南海诸岛" in (a.text or "") for a in fig.layout.annotations)
    hover = next(t for t in fig.data if t.hovertext and any("浙江省" in h for h in t.hovertext))
    assert "浙江省：128 人（75.74%）" in hover.hovertext
    assert any(t.name == "流出地" for t in fig.data)


def test_map_without_resolvable_destinations_is_explained():
    fig = charts.province_map(pd.DataFrame({"province_code": [], "outflow": []}), CTX)
    assert "没有可定位到省份" in _all_text(fig)


def test_many_units_turn_the_bars_horizontal():
    units = pd.DataFrame(
        {
            "unit": [f"第{i}党支部" for i in range(1, 41)],
            "outflow": list(range(40, 0, -1)),
            "members_total": [100] * 40,
            "lost_contact": [i % 3 for i in range(40)],
        }
    )
    fig = charts.rate_by_unit(
        units, CTX, unit_label="党支部", numerator="lost_contact", what="失联率", reference=2.5
    )
    assert fig.data[0].orientation == "h" and len(fig.data[0].y) == 25
    assert any(shape.x0 == 2.5 for shape in fig.layout.shapes)  # reference now vertical
    assert "显示比例最高的 25 个党支部" in _all_text(fig)
    out = charts.outflow_by_unit(units, CTX, unit_label="党支部")
    assert out.data[0].orientation == "h" and out.layout.height > 800
    assert out.data[0].hovertemplate.startswith("%{y}：%{x} 人")
