"""The chart defects a leader met pasting charts into a report (issue #16), each as it was
seen: names over the notes, labels into each other, legend over the subtitle, labels cut at
the right edge, notes cut, a Sankey without numbers, and the map's labels, legend and inset."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from pipeline import config
from pipeline.charts import china_map
from pipeline.charts import returnee as charts_returnee
from pipeline.charts import units as charts
from pipeline.charts.base import NARROW_PLOT_PX, NOTE_CHARS, ChartContext, _width, wrap_lines
from pipeline.charts.province_map import _CONFIGURED  # noqa: F401  (the default exists)
from pipeline.reports.figures import for_print

CTX = ChartContext(scope="xx镇", wave="2022-04", as_of="2024-05-01 10:20")
BRANCHES = ["马站村党支部", "沿浦社区党支部", "霞关渔业党支部", "第一党支部", "金乡老城党支部"]


def _units(names: list[str]) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame(
        {
            "unit": names,
            "outflow": [30 - i for i in range(n)],
            "members_total": [120] * n,
            "long_term": [8 - i % 5 for i in range(n)],
            "lost_contact": [3, 1, 0, 2, 1][:n] + [0] * max(0, n - 5),
            "at_risk": [2, 0, 1, 0, 3][:n] + [0] * max(0, n - 5),
            "two_nots": [1, 1, 0, 0, 2][:n] + [0] * max(0, n - 5),
            "returnees": [2, 1, 1, 0, 3][:n] + [0] * max(0, n - 5),
            "enterprises": [1, 0, 1, 0, 1][:n] + [0] * max(0, n - 5),
            "jobs_created": [5, 0, 3, 0, 8][:n] + [0] * max(0, n - 5),
        }
    )


def _notes(fig: go.Figure) -> list[str]:
    return [a.text for a in fig.layout.annotations if a.text and "数据来源" in a.text]


def _slanted(fig: go.Figure) -> bool:
    """Category labels under vertical bars that Plotly would slant: long, not wrapped."""
    for trace in fig.data:
        if trace.type == "bar" and trace.orientation != "h":
            if fig.layout.xaxis.tickangle != 0:
                return True
            if any(len(part) > 5 for x in trace.x for part in str(x).split("<br>")):
                return True
    return False


@pytest.mark.parametrize(
    "build",
    [
        lambda df: charts.outflow_by_unit(df, CTX, unit_label="党支部"),
        lambda df: charts.long_term_by_unit(df, CTX, unit_label="党支部"),
        lambda df: charts.rate_by_unit(
            df, CTX, unit_label="党支部", numerator="lost_contact", what="失联率", reference=2.0
        ),
        lambda df: charts.risk_by_unit(df, CTX, unit_label="党支部"),
        lambda df: charts_returnee.returnees_by_unit(df, CTX, unit_label="党支部"),
    ],
)
def test_branch_names_never_slant_over_the_notes(build):
    fig = build(_units(BRANCHES))
    assert not _slanted(fig)
    # The notes sit below however many lines the category labels take.
    [note] = [a for a in fig.layout.annotations if a.text and "数据来源" in a.text]
    lines = max(
        [
            str(x).count("<br>") + 1
            for t in fig.data
            if t.orientation != "h"
            for x in ([] if t.x is None else list(t.x))
        ]
        or [1]
    )
    assert -note.yshift >= 56 + 16 * (lines - 1) + 16 * note.text.count("<br>")


def test_percentage_labels_of_many_units_do_not_run_into_each_other():
    fig = charts.long_term_by_unit(
        _units([f"第{i}党支部" for i in range(1, 21)]), CTX, unit_label="党支部"
    )
    labels = next(t for t in fig.data if t.type == "scatter" and t.mode == "text")
    # Horizontal: one label per row, beside its bar, never two on one line.
    assert fig.data[0].orientation == "h"
    assert labels.textposition == "middle right"
    assert all("人（" in t for t in labels.text)


def test_legend_stays_under_the_subtitle():
    fig = charts.risk_by_unit(_units(BRANCHES[:3] + ["一", "二"]), CTX, unit_label="党支部")
    legend = fig.layout.legend
    assert legend.yref == "container" and legend.yanchor == "top"
    height = fig.layout.height
    # Title (17 px) and subtitle (13 px) take the top 64 px; the legend starts below them.
    assert (1 - legend.y) * height >= 64
    assert fig.layout.margin.t >= 108
    # the explanation went into the note (“两不管” keeps its quotation marks, as in the text)
    assert all(len(t.name.strip("“”")) <= 4 for t in fig.data)


@pytest.mark.parametrize("plot_px", [NARROW_PLOT_PX])
def test_ranking_labels_fit_inside_a_narrow_column(plot_px):
    provinces = pd.DataFrame(
        {"province": ["江苏省", "上海市", "广东省", "福建省"], "outflow": [407, 39, 60, 45]}
    )
    fig = charts.ranked_bar(
        provinces, CTX, label="province", value="outflow", what="流入省份排名（人，%）", total=551
    )
    bar = fig.data[0]
    top = fig.layout.xaxis.range[1]
    assert "407 人（73.87%）" in bar.text
    for value, text, where in zip(bar.x, bar.text, bar.textposition, strict=True):
        need = 8 + 13 * _width(text)
        if where == "inside":
            assert value / top * plot_px >= need
        else:
            assert value / top * plot_px + need <= plot_px + 1, text


def test_long_notes_wrap_instead_of_being_cut():
    moves = pd.DataFrame(
        {
            "transition": ["新增失联", "恢复联系", "保持正常"],
            "members": [3, 2, 150],
            "prev_waves": ["2021-10", "2021-10", "2021-10"],
        }
    )
    fig = charts.transitions_bar(moves, CTX)
    [note] = _notes(fig)
    assert all(_width(line) <= NOTE_CHARS for line in note.split("<br>"))
    assert "按姓名+出生年月+支部" in note.replace("<br>", "")
    assert wrap_lines("甲" * 50, 20) == ["甲" * 20, "甲" * 20, "甲" * 10]


def test_sankey_shows_its_numbers_without_hover():
    flows = pd.DataFrame(
        {
            "township": ["xx镇", "xx镇", "钱库镇"],
            "scope": ["县内", "跨省", "跨省"],
            "province": ["浙江省", "上海市", "上海市"],
            "outflow": [128, 17, 22],
        }
    )
    fig = charts.flow_sankey(flows, CTX)
    labels = list(fig.data[0].node.label)
    assert "xx镇 145人" in labels and "跨省 39人" in labels and "上海市 39人" in labels


def _map(counts: dict[str, int], **kw) -> go.Figure:
    df = pd.DataFrame({"province_code": list(counts), "outflow": list(counts.values())})
    return charts.province_map(df, CTX, home_county="330327", **kw)


def _labels(fig: go.Figure) -> list[tuple[str, float, float]]:
    return [
        (text, x, y)
        for t in fig.data
        if t.type == "scatter" and t.mode == "text"
        for text, x, y in zip(t.text, t.x, t.y, strict=True)
    ]


def test_map_labels_the_second_destination_and_keeps_clear_of_the_star():
    fig = _map({"330000": 420, "310000": 39, "320000": 25, "440000": 12}, base_map=None)
    labels = {text: (x, y) for text, x, y in _labels(fig)}
    assert "浙江 420" in labels and "上海 39" in labels and "江苏 25" in labels
    star = next(t for t in fig.data if t.name == "流出地")
    geo = china_map.geometry()
    (x0, x1), _ = geo.main_range
    char = (x1 - x0) / 44
    for text, (x, y) in labels.items():
        half = char * _width(text) / 2
        assert not (abs(x - star.x[0]) < half + char * 0.9 and abs(y - star.y[0]) < char * 1.6), (
            text
        )


def test_map_legend_lists_every_class():
    fig = _map({"330000": 420, "310000": 39, "440000": 12, "110000": 3}, base_map=None)
    legend = [t.name for t in sorted(fig.data, key=lambda t: t.legendrank or 0) if t.showlegend]
    assert legend[:1] == ["无"]
    classes = [n for n in legend if n not in ("无", "流出地")]
    # No class skipped between the first and the last (50–199 holds no province here).
    from pipeline.charts.province_map import _class_label, map_classes

    assert classes == [_class_label(*c) for c in map_classes(420)]


def test_inset_is_drawn_inside_its_frame():
    geo = china_map.geometry()
    bx0, bx1, by0, by1 = geo.inset_box
    eps = 1e-9
    for shape in geo.inset.values():
        assert all(bx0 - eps <= x <= bx1 + eps for x in shape.x if x is not None), shape.code
        assert all(by0 - eps <= y <= by1 + eps for y in shape.y if y is not None), shape.code
    assert all(bx0 - eps <= x <= bx1 + eps for x in geo.dash_inset[0] if x is not None)
    assert all(by0 - eps <= y <= by1 + eps for y in geo.dash_inset[1] if y is not None)


def test_a_map_names_its_base_map(tmp_path, monkeypatch):
    sketch = _map({"330000": 10}, base_map=None)
    assert "示意图：未配置标准地图（审图号）" in " ".join(
        a.text or "" for a in sketch.layout.annotations
    )
    path = _standard_map(tmp_path)
    monkeypatch.setenv("CENSUS_BASE_MAP", str(path))
    monkeypatch.setenv("CENSUS_BASE_MAP_APPROVAL", "GS(2024)0650号")
    assert config.base_map() == config.BaseMap(path, "GS(2024)0650号")
    approved = _map({"330000": 10})  # the configured map by default
    text = " ".join(a.text or "" for a in approved.layout.annotations)
    assert "审图号：GS(2024)0650号" in text and "示意图" not in text
    monkeypatch.setenv("CENSUS_BASE_MAP_APPROVAL", "")
    assert config.base_map() is None  # a map file without its 审图号 is no standard map


def _standard_map(folder) -> object:
    """A province GeoJSON as an administrator would configure one (built from the bundled
    boundaries; properties carry adcode and name)."""
    import json

    features = []
    for code, (full, _short) in china_map.PROVINCES.items():
        coords = china_map._read(f"land/{code}.geojson")["coordinates"]
        features.append(
            {
                "type": "Feature",
                "properties": {"adcode": int(code), "name": full},
                "geometry": {"type": "MultiPolygon", "coordinates": coords},
            }
        )
    lines = china_map._read("maritime/100000.geojson")["geometry"]["coordinates"]
    features.append(
        {
            "type": "Feature",
            "properties": {},
            "geometry": {"type": "MultiLineString", "coordinates": lines},
        }
    )
    path = folder / "standard.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return path


def test_print_figures_carry_no_title_of_their_own():
    fig = charts.risk_by_unit(_units(BRANCHES), CTX, unit_label="党支部")
    printed = for_print(fig)
    assert not printed.layout.title.text and not printed.layout.title.subtitle.text
    assert fig.layout.title.text  # the dashboard's figure keeps its title
    assert printed.layout.margin.t < fig.layout.margin.t
