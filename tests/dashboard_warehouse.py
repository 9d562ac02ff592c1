"""A tiny hand-made warehouse for the dashboard tests: every metric and transition has a
known answer. Built with the pipeline's own schema and models, so the marts under test
are the ones an ingest builds."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd

from pipeline.warehouse import models
from pipeline.warehouse import store as warehouse

COLUMNS = [
    "member_key",
    "wave",
    "township",
    "branch",
    "name",
    "gender",
    "birth_date",
    "id_hash",
    "id_masked",
    "outflow_date",
    "destination_text",
    "dest_province",
    "dest_province_code",
    "dest_city",
    "dest_city_code",
    "dest_county",
    "dest_county_code",
    "flow_scope",
    "stated_flow_scope",
    "occupation",
    "phone",
    "inflow_org",
    "has_certificate",
    "last_contact_date",
    "contact_status",
    "dues_paid_through",
    "is_returned",
    "return_date",
    "enterprise",
    "enterprise_industry",
    "jobs_created",
    "remarks",
    "extra",
    "sheet",
    "excel_row",
    "file_hash",
    "source_file",
    "is_current",
]

DEST = {
    "广东": ("广东省", "440000", "广州市", "跨省"),
    "上海": ("上海市", "310000", "上海市", "跨省"),
    "杭州": ("浙江省", "330000", "杭州市", "省内跨市"),
    "温州": ("浙江省", "330000", "温州市", "市内跨县"),
    "苍南": ("浙江省", "330000", "温州市", "县内"),
    None: (None, None, None, None),
}


def member(
    wave,
    township,
    branch,
    name,
    idn,
    *,
    dest="广东",
    out="2020-01-01",
    contact="2022-03-01",
    status="正常",
    org=None,
    cert=True,
    returned=False,
    ret=None,
    ent=None,
    industry=None,
    jobs=None,
    birth="1980-05-01",
    phone="13812345678",
    occupation="务工",
):
    province, pcode, city, scope = DEST[dest]
    id_hash = f"h{idn}" if idn else None
    key = f"i:{id_hash}" if id_hash else f"n:{township}|{name}|{birth[:7]}|{branch}"
    d = lambda v: date.fromisoformat(v) if v else None  # noqa: E731
    return [
        key,
        wave,
        township,
        branch,
        name,
        "男",
        d(birth),
        id_hash,
        f"330327********{idn:04d}" if idn else None,
        d(out),
        dest,
        province,
        pcode,
        city,
        None,
        None,
        None,
        scope,
        None,
        occupation,
        phone,
        org,
        cert,
        d(contact),
        status,
        None,
        returned,
        d(ret),
        ent,
        industry,
        jobs,
        None,
        None,
        "Sheet1",
        5,
        f"f-{township}-{wave}",
        f"{wave}_{township}.xlsx",
        True,
    ]


def rows() -> list[list]:
    r = []
    w1, w2 = "2022-04", "2023-08"
    # 甲镇 2022-04: 6 outflow, 1 returnee.
    r.append(member(w1, "甲镇", "一支部", "张三", 1, dest="广东", out="2020-01-01"))
    r.append(member(w1, "甲镇", "一支部", "李四", 2, dest="上海", out="2021-09-01", status="失联"))
    r.append(
        member(
            w1,
            "甲镇",
            "一支部",
            "王五",
            3,
            dest="杭州",
            out="2021-06-01",
            contact="2021-01-01",
            org=None,
        )
    )  # stale, no org → 两不管 (and at risk)
    r.append(
        member(
            w1,
            "甲镇",
            "二支部",
            "赵六",
            4,
            dest="苍南",
            out="2022-01-01",
            org="杭州某党支部",
            contact="2021-05-01",
        )
    )  # stale with org → at risk only
    r.append(
        member(w1, "甲镇", "二支部", "钱七", None, dest=None, out="2019-01-01", cert=False)
    )  # no ID, unknown destination
    r.append(member(w1, "甲镇", "二支部", "孙八", 6, dest="温州", out="2021-05-01"))
    r.append(
        member(
            w1,
            "甲镇",
            "二支部",
            "周九",
            7,
            returned=True,
            ret="2021-10-01",
            ent="周记农场",
            industry="农业",
            jobs=5,
        )
    )
    # 甲镇 2023-08: 张三 becomes 失联, 李四 regained, 王五 returns, 钱七 matched by name,
    # 孙八 left the register, 吴十 newly out.
    r.append(member(w2, "甲镇", "一支部", "张三", 1, status="失联", contact="2023-07-01"))
    r.append(member(w2, "甲镇", "一支部", "李四", 2, dest="上海", contact="2023-07-01"))
    r.append(
        member(
            w2,
            "甲镇",
            "一支部",
            "王五",
            3,
            returned=True,
            ret="2023-01-01",
            ent="王五电商",
            industry="电子商务",
            jobs=12,
        )
    )
    r.append(member(w2, "甲镇", "二支部", "赵六", 4, dest="苍南", contact="2023-07-01"))
    r.append(member(w2, "甲镇", "二支部", "钱七", 5, dest="杭州", contact="2023-07-01"))
    r.append(
        member(
            w2,
            "甲镇",
            "二支部",
            "周九",
            7,
            returned=True,
            ret="2021-10-01",
            ent="周记农场",
            industry="农业",
            jobs=8,
        )
    )
    r.append(
        member(
            w2, "甲镇", "二支部", "吴十", 10, dest="广东", out="2023-03-01", contact="2023-07-01"
        )
    )
    # 乙镇 only in 2022-04, no branch summary.
    r.append(member(w1, "乙镇", "乙一支部", "郑一", 21, dest="上海", status="失联"))
    r.append(member(w1, "乙镇", "乙一支部", "冯二", 22, dest="广东"))
    return r


def build(path: Path) -> Path:
    """Create the warehouse at `path` and build every model on it."""
    path = Path(path)
    con = warehouse.connect(path)
    try:
        warehouse.create_schema(con)
        frame = pd.DataFrame(rows(), columns=COLUMNS)
        con.register("frame", frame)
        con.execute(
            f"insert into members ({', '.join(COLUMNS)}) select {', '.join(COLUMNS)} from frame"
        )
        con.executemany(
            "insert into branch_totals values (?, ?, ?, ?, '支部情况', ?, ?, true)",
            [
                ["2022-04", "甲镇", "一支部", 40, 3, "f-甲镇-2022-04"],
                ["2022-04", "甲镇", "二支部", 60, 4, "f-甲镇-2022-04"],
                ["2022-04", "甲镇", "三支部", 20, 5, "f-甲镇-2022-04"],
                ["2023-08", "甲镇", "一支部", 42, 3, "f-甲镇-2023-08"],
                ["2023-08", "甲镇", "二支部", 58, 4, "f-甲镇-2023-08"],
            ],
        )
        now = datetime(2023, 9, 1, 10, 0)
        for wave, town in [("2022-04", "甲镇"), ("2022-04", "乙镇"), ("2023-08", "甲镇")]:
            fh = f"f-{town}-{wave}"
            con.execute(
                "insert into ingest_log values ('r1', ?, ?, ?, 'loaded', 5, 0, null, ?, ?, null)",
                [now, f"{wave}_{town}.xlsx", fh, town, wave],
            )
            con.execute(
                "insert into source_files values (?, ?, ?, ?, ?, ['Sheet1'], [], null)",
                [fh, f"{wave}_{town}.xlsx", town, wave, now],
            )
            for br in {row[3] for row in rows() if row[1] == wave and row[2] == town}:
                con.execute(
                    "insert into units values (?, ?, ?, ?, ?, null, null, true)",
                    [wave, town, br, fh, now],
                )
        con.execute(
            "insert into ingest_log values ('r1', ?, '坏文件.xlsx', null, 'rejected', 0, 0, "
            "'无法识别表头', null, null, null)",
            [now],
        )
        con.execute(
            "insert into quarantine values ('f-乙镇-2022-04', '2022-04_乙镇.xlsx', '2022-04', "
            "'乙镇', 'Sheet1', 9, 'id_number', '身份证号', '330327********0000', "
            "'身份证号校验位错误')"
        )
        models.build_models(con)
        con.execute("checkpoint")
    finally:
        con.close()
    return path
