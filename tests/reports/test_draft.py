"""The drafted 存在问题 name each unit's rate with the outflow it is out of: a township whose
certificate column only some branches carried is "持证 x 名 / 流出 (those branches') y 名", the
same y its 持证率 divides by, not its whole outflow."""

from __future__ import annotations

from pipeline.reports.draft import worst_units
from pipeline.reports.model import from_row


def test_the_certificate_line_names_the_outflow_its_rate_is_out_of():
    # 甲镇: 35 out, the certificate carried by branches holding 20 of them, 10 of whom hold it
    row = {"township": "甲镇", "outflow": 35, "certified": 10, "certified_base": 20,
           "members_total": None, "branches": 2, "certified_branches": 1}  # fmt: skip
    units = [("甲镇", from_row(row, ("甲镇",), 0))]
    cert = next(w for w in worst_units(units) if w.what == "持证率")
    assert cert.items == ("甲镇（持证10名/流出20名，持证率50.00%）",)
