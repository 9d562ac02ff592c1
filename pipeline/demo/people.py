"""Vocabulary for the demo generator: names, places, occupations, ID numbers.

Everything here is fixed data or a pure function of a `random.Random`, so a seed
reproduces the same people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from pipeline.places.home import listed_townships

HOME_PROVINCE, HOME_CITY, HOME_COUNTY = "浙江省", "温州市", "苍南县"
HOME_CODE = "330327"

# Towns of 苍南县 after 龙港 became a separate city (2019); 灵溪镇 is the county seat. One list
# with the places that read 县内 from them (`places/data/townships.csv`).
COUNTY_TOWNS = list(listed_townships(HOME_CODE))

SCOPES = ("跨省", "省内跨市", "市内跨县", "县内")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_char(first17: str) -> str:
    """GB 11643 / ISO 7064 MOD 11-2 check character for the first 17 digits."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def id_is_valid(value: str) -> bool:
    return (
        len(value) == 18
        and value[:17].isdigit()
        and value[17] in "0123456789X"
        and id_check_char(value[:17]) == value[17]
    )


def make_id_number(birth: date, female: bool, rng: random.Random, region: str = HOME_CODE) -> str:
    """An 18-digit ID whose 17th digit is odd for men and even for women."""
    sequence = f"{rng.randrange(100):02d}{rng.randrange(0 if female else 1, 10, 2)}"
    first17 = f"{region}{birth:%Y%m%d}{sequence}"
    return first17 + id_check_char(first17)


def wrong_check_char(id_number: str) -> str:
    """The same ID with a check character that does not verify."""
    good = id_number[17]
    return id_number[:17] + ("0" if good != "0" else "1")


@dataclass(frozen=True)
class Place:
    province: str
    city: str
    county: str
    town: str = ""
    free: tuple[str, ...] = ()  # how a secretary might jot it down

    @property
    def scope(self) -> str:
        if self.province != HOME_PROVINCE:
            return "跨省"
        if self.city != HOME_CITY:
            return "省内跨市"
        return "县内" if self.county == HOME_COUNTY else "市内跨县"

    @property
    def full(self) -> str:
        city = "" if self.city == self.province else self.city
        return f"{self.province}{city}{self.county}{self.town}"


def _p(province: str, city: str, county: str, *free: str, town: str = "") -> Place:
    return Place(province, city, county, town, free)


# (place, weight) per scope. Free-text forms are ones a resolver can place unambiguously.
OUTSIDE_COUNTY = {
    "市内跨县": [
        (_p("浙江省", "温州市", "龙港市", "龙港市", "温州龙港"), 6),
        (_p("浙江省", "温州市", "鹿城区", "温州鹿城", "温州市鹿城区"), 4),
        (_p("浙江省", "温州市", "瑞安市", "瑞安市", "温州瑞安"), 3),
        (_p("浙江省", "温州市", "平阳县", "平阳县", "温州平阳"), 2),
        (_p("浙江省", "温州市", "龙湾区", "温州龙湾"), 2),
        (_p("浙江省", "温州市", "瓯海区", "温州瓯海"), 2),
        (_p("浙江省", "温州市", "乐清市", "乐清市"), 1),
        (_p("浙江省", "温州市", "永嘉县", "温州永嘉"), 1),
    ],
    "省内跨市": [
        (_p("浙江省", "金华市", "义乌市", "浙江义乌", "义乌市"), 5),
        (_p("浙江省", "杭州市", "西湖区", "杭州", "杭州西湖"), 3),
        (_p("浙江省", "杭州市", "萧山区", "杭州萧山"), 2),
        (_p("浙江省", "杭州市", "余杭区", "杭州余杭"), 2),
        (_p("浙江省", "宁波市", "鄞州区", "宁波鄞州", "宁波"), 3),
        (_p("浙江省", "宁波市", "慈溪市", "浙江慈溪"), 1),
        (_p("浙江省", "台州市", "温岭市", "台州温岭"), 1),
        (_p("浙江省", "绍兴市", "柯桥区", "绍兴柯桥"), 1),
        (_p("浙江省", "嘉兴市", "南湖区", "嘉兴南湖"), 1),
    ],
    "跨省": [
        (_p("上海市", "上海市", "浦东新区", "上海浦东", "上海"), 6),
        (_p("上海市", "上海市", "闵行区", "上海闵行"), 3),
        (_p("上海市", "上海市", "松江区", "上海松江"), 2),
        (_p("广东省", "广州市", "白云区", "广州白云"), 3),
        (_p("广东省", "深圳市", "宝安区", "广东深圳", "深圳宝安"), 3),
        (_p("广东省", "深圳市", "龙岗区", "深圳龙岗"), 1),
        (_p("江苏省", "苏州市", "昆山市", "江苏昆山"), 3),
        (_p("江苏省", "苏州市", "吴江区", "苏州吴江"), 1),
        (_p("江苏省", "南京市", "江宁区", "南京江宁"), 1),
        (_p("北京市", "北京市", "朝阳区", "北京朝阳", "北京"), 2),
        (_p("福建省", "宁德市", "福鼎市", "福建福鼎"), 3),
        (_p("福建省", "福州市", "仓山区", "福州仓山"), 1),
        (_p("天津市", "天津市", "滨海新区", "天津"), 1),
        (_p("四川省", "成都市", "武侯区", "成都武侯"), 1),
        (_p("湖北省", "武汉市", "江汉区", "武汉江汉"), 1),
        (_p("新疆维吾尔自治区", "乌鲁木齐市", "天山区", "新疆乌鲁木齐"), 1),
    ],
}

# Realistic mix when a township does not prescribe one (县内 largest).
SCOPE_WEIGHTS = {"县内": 0.46, "跨省": 0.24, "市内跨县": 0.15, "省内跨市": 0.12, None: 0.03}


def pick_place(rng: random.Random, scope: str, home_town: str) -> Place:
    if scope == "县内":
        others = [t for t in COUNTY_TOWNS if t != home_town]
        # The county seat draws most in-county movers.
        town = "灵溪镇" if home_town != "灵溪镇" and rng.random() < 0.6 else rng.choice(others)
        return _p(HOME_PROVINCE, HOME_CITY, HOME_COUNTY, f"苍南县{town}", town=town)
    places, weights = zip(*OUTSIDE_COUNTY[scope], strict=True)
    return rng.choices(places, weights)[0]


def pick_scope(rng: random.Random) -> str | None:
    scopes, weights = zip(*SCOPE_WEIGHTS.items(), strict=True)
    return rng.choices(scopes, weights)[0]


_SURNAMES = (
    "陈" * 12 + "林" * 10 + "王" * 7 + "黄" * 6 + "李" * 5 + "张" * 5 + "郑" * 5 + "吴" * 4
    + "杨" * 3 + "周" * 3 + "刘" * 3 + "蔡" * 3 + "金" * 3 + "徐" * 2 + "叶" * 2 + "谢" * 2
    + "杜" * 2 + "苏" * 2 + "潘" * 2 + "章" * 2 + "施朱胡董缪华詹温孙夏"
)  # fmt: skip
_SHE_SURNAMES = "雷" * 4 + "蓝" * 3 + "钟" * 3 + "李陈"
_MALE = "伟强建国明军杰斌勇峰海华志文辉俊鹏超磊涛振宏永德成兴云良晓东旭忠"
_FEMALE = "芳丽娟敏静燕玲霞婷秀红英萍琴艳洁慧雪莉凤丹琳春梅素月爱晓"


def make_name(rng: random.Random, female: bool, she: bool = False) -> str:
    surname = rng.choice(_SHE_SURNAMES if she and rng.random() < 0.7 else _SURNAMES)
    chars = _FEMALE if female else _MALE
    given = rng.choice(chars) + (rng.choice(chars) if rng.random() < 0.7 else "")
    return surname + given


_MOBILE = [
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "183",
    "187",
    "188",
    "189",
    "191",
    "198",
    "199",
]


def make_phone(rng: random.Random) -> str:
    if rng.random() < 0.03:
        return f"0577-6{rng.randrange(10**6, 10**7)}"
    return rng.choice(_MOBILE) + f"{rng.randrange(10**8):08d}"


OCCUPATIONS = (
    ["个体经营"] * 8 + ["经商"] * 5 + ["务工"] * 5 + ["制造业"] * 4 + ["批发零售"] * 4
    + ["建筑业"] * 4 + ["印刷包装"] * 3 + ["交通运输"] * 3 + ["餐饮住宿"] * 3 + ["服务业"] * 3
    + ["电子商务"] * 2 + ["信息技术"] * 2 + ["教育"] + ["医疗卫生"] + ["在读学生"]
)  # fmt: skip

INDUSTRIES = [
    "印刷包装",
    "农产品加工",
    "电子商务",
    "民宿旅游",
    "水产养殖",
    "茶叶种植",
    "来料加工",
    "餐饮服务",
]
_BRANDS = [
    "宏达",
    "鑫源",
    "恒丰",
    "华盛",
    "瑞丰",
    "永兴",
    "金利",
    "天和",
    "海润",
    "兴旺",
    "聚福",
    "嘉禾",
    "丰泽",
    "万隆",
    "盛源",
]
_ENTERPRISE_FORMS = {
    "印刷包装": "{b}印刷有限公司", "农产品加工": "{b}农产品有限公司", "电子商务": "{b}电子商务有限公司",
    "民宿旅游": "{b}民宿", "水产养殖": "{b}水产养殖场", "茶叶种植": "{b}茶叶专业合作社",
    "来料加工": "{b}来料加工点", "餐饮服务": "{b}农家乐",
}  # fmt: skip


def make_enterprise(rng: random.Random) -> tuple[str, str]:
    industry = rng.choice(INDUSTRIES)
    return "苍南县" + _ENTERPRISE_FORMS[industry].format(b=rng.choice(_BRANDS)), industry


def inflow_org_for(place: Place, rng: random.Random) -> str:
    if place.scope == "县内":
        return f"{place.town}流动党员党支部"
    city = place.county if place.county.endswith("市") else place.city
    return rng.choice(
        [f"{city}温州商会党委", f"{city}苍南商会党支部", f"{city}{place.county}流动党员党支部"]
        if city != place.county
        else [f"{city}温州商会党委", f"{city}流动党员党总支"]
    )


_VILLAGE_A = "东西南北上下前后新大小江河岭湖山塘溪桥林田龙凤金玉石云"
_VILLAGE_B = "岙垟坑头埠屿洋浦湾墩岭亭岗堡园坪门港"


def branch_names(rng: random.Random, n: int, township: str) -> list[str]:
    """Mostly village branches, plus the usual 社区 / 机关 / 非公 ones."""
    fixed = [f"{township[:2]}社区党支部", "机关第一党支部", "非公企业联合党支部"][: max(0, n - 3)]
    seen: set[str] = set()
    villages: list[str] = []
    want = n - len(fixed)
    # Only so many two-character stems exist; past that, number the branches.
    while len(villages) < min(want, len(_VILLAGE_A) * len(_VILLAGE_B) // 2):
        stem = rng.choice(_VILLAGE_A) + rng.choice(_VILLAGE_B)
        if stem not in seen:
            seen.add(stem)
            villages.append(f"{stem}村党支部")
    villages += [f"第{i}党支部" for i in range(1, want - len(villages) + 1)]
    return villages + fixed


def random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


def month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
