"""Township and census wave from titles, filling rows and file names."""

from __future__ import annotations

import pytest

from pipeline.parse.context_hints import township_from_text, wave_from_text


@pytest.mark.parametrize(
    ("text", "township", "wave"),
    [
        ("2022-04_xx镇_流动党员普查", "xx镇", "2022-04"),
        ("钱库镇流动党员台账_2022年4月", "钱库镇", "2022-04"),
        ("金乡镇_2022-04_含错误行", "金乡镇", "2022-04"),
        ("苍南县马站镇流动党员202308", "马站镇", "2023-08"),
        ("岱岭畲族乡 2023.8 普查表", "岱岭畲族乡", "2023-08"),
        (
            "填报单位：中共宜山镇委员会 普查时间：2023年8月 填报日期：2023年9月2日",
            "宜山镇",
            "2023-08",
        ),
        ("灵溪街道流动党员", "灵溪街道", None),
        ("流动党员名单", None, None),
        ("靈溪鎮流動黨員普查登記表（2023年6月）", "灵溪镇", "2023-06"),
        # 乡 inside ordinary words is not a township
        ("流动党员及返乡创业党员情况统计表", None, None),
        ("助力乡村振兴 城乡流动党员 2023年3月", None, "2023-03"),
        ("各乡镇（街道）流动党员汇总表", None, None),
        ("流动党员及返乡创业党员情况统计表 填报单位：中共苍南县大渔镇委员会", "大渔镇", None),
        ("古城镇返乡创业党员名册", "古城镇", None),
        # a date, table number or 关于 before the name is not part of it
        ("2023年8月矾山镇流动党员普查登记表", "矾山镇", "2023-08"),
        ("2023年度矾山镇流动党员统计表", "矾山镇", None),
        ("表一 矾山镇流动党员名册", "矾山镇", None),
        ("二〇二三年八月矾山镇流动党员", "矾山镇", "2023-08"),
        ("关于矾山镇流动党员情况的报告", "矾山镇", None),
        # a period counts to its end; a fill date is not the wave
        ("矾山镇流动党员统计表 统计时间：2023年1-8月", "矾山镇", "2023-08"),
        ("2022年9月-2023年8月流动党员情况", None, "2023-08"),
        ("2023年1月1日至2023年8月31日 马站镇", "马站镇", "2023-08"),
        ("矾山镇流动党员普查表 2023年9月5日填报 矾山镇_2023-08", "矾山镇", "2023-08"),
    ],
)
def test_township_and_wave_from_text(text, township, wave):
    assert township_from_text(text) == township
    assert wave_from_text(text) == wave


@pytest.mark.parametrize(
    ("text", "wave"),
    [
        # R11: the title's wave in Chinese numerals, a filling date under the table
        ("苍南县灵溪镇流动党员普查登记表（二〇二三年六月） 填表日期：2023年7月5日", "2023-06"),
        ("普查时间：二〇二二年十二月", "2022-12"),
        ("二〇二三年度灵溪镇流动党员统计表", None),  # a year alone names no month
        ("填表日期：二〇二三年七月五日", None),  # the filling date, in numerals too, is not it
        # V11: a two-digit year, as 21年3月 is written in the cells (the file was rejected)
        ("赤溪镇流动党员登记表（23年6月）", "2023-06"),
        ("赤溪镇流动党员登记表（2023年12月）", "2023-12"),
        ("23年度流动党员", None),
    ],
)
def test_wave_in_chinese_numerals(text, wave):
    assert wave_from_text(text) == wave


def test_fill_date_is_not_the_census_wave():
    assert wave_from_text("填报单位：中共宜山镇委员会 填报日期：2023年9月2日") is None
    assert wave_from_text("普查时间：2023年8月 填报日期：2023年9月2日") == "2023-08"
