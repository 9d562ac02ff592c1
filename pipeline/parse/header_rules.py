"""Header recognition by rule: a spelling nobody listed still names its field.

`headers.SYNONYMS` holds the usual words; townships' templates add qualifiers, English,
asterisks, bracketed notes and line breaks around them (`*姓名`, `姓名 Name`, `流出\\n时间`,
`流入县(市、区)`, `是否持有《流动党员活动证》(是/否)`). `header_key` strips all of that, and
`HEADER_RULES` matches on the words that carry the meaning: a direction word (流入/外出/现居/
务工 …) with a level word (省/市/县/区) is a destination part, 持证/活动证 is the certificate, …

One table, read top to bottom; the first rule whose pattern is found wins, so the narrower
rules (流入地党组织, 返乡时间, 创业行业) stand above the broader ones (流入地, 外出时间, 行业).
"""

from __future__ import annotations

import re
import unicodedata

from pipeline.places.traditional import T2S

# A spelling only a rule recognised ranks after every listed word (see headers.header_rank).
RULE_RANK = 1000
# Headers are short; a longer cell is a note or a title, whatever words it holds.
MAX_HEADER_CHARS = 16

_TRADITIONAL = {**T2S, ord("於"): "于"}
# Notes in brackets of any kind: (必填) （年月） [选填] 【是/否】 〔〕; 《》 keep their words.
_BRACKETED = re.compile(r"[(\[【〔{][^()\[\]【】〔〕{}]*[)\]】〕}]")
_BOOK_MARKS = re.compile(r"[《》〈〉<>\"'“”‘’「」『』]")
# English words (bilingual templates: 姓名 Name, 身份证号 ID No.), and the marks around them.
_ENGLISH = re.compile(r"[A-Za-z][A-Za-z.'/&-]*")
_DECORATION = re.compile(r"[\s*★☆※△▲●◆■□#＃:：;；,，.。、/\\|_~～!！?？·・-]+")
# Numbered headers of official forms: 1.姓名, (2)性别, ③身份证号, 四、流出时间
_NUMBERED = re.compile(
    r"^\s*(?:[(（]?[0-9一二三四五六七八九十]{1,2}[)）.、．]|[①-⑳])\s*(?=[\u4e00-\u9fff])"
)
# Explanations after the header word: 流出时间(年月) is bracketed, but also 流出时间如2021.03
_TRAILING_NOTE = re.compile(r"(?<=.)(例如|如|格式为?|请填写?|必填|选填).*$")
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_INSIDE_BRACKETS = re.compile(r"[(\[【〔]([^()\[\]【】〔〕]*)[)\]】〕]")

# The words a destination part is named by, after its direction word.
_LEVELS = (
    ("dest_province", re.compile(r"^(省|省份|省区市|省市区|省级|省自治区直辖市)$")),
    ("dest_city", re.compile(r"^(市|城市|地市|市州|地级市|市级|地区市|市县)$")),
    ("dest_county", re.compile(r"^(县|区|县区|区县|县市区|县级|县市|市区县|区市县)$")),
)
# not 流出 (流出地 is home) nor 所在 (户籍所在地): only words for where the member is now
_DIRECTION = r"(?:现|目前|当前)?(?:流入|外出务工|外出|流向|去向|现居住?|居住|务工|现工作|工作|流动)"
_PLACE_NOUN = r"(?:地|地点|地址|地区|所在地|去向|流向)"


def header_key(text: object) -> str:
    """A header as its meaning-bearing words: NFKC (full-width → half-width), simplified,
    without English words, asterisks, bracketed notes, punctuation or any kind of space."""
    if text is None:
        return ""
    word = unicodedata.normalize("NFKC", str(text)).translate(_TRADITIONAL)
    # the English half of a bilingual header, e.g. "身份证号 ID No." or "Name 姓名"
    chinese = _CHINESE.search(word) is not None
    previous = None
    while previous != word:  # nested or repeated notes: 流入地(省)(必填)
        previous, word = word, _BRACKETED.sub("", word)
    word = _BOOK_MARKS.sub("", word)
    word = _NUMBERED.sub("", word)
    if chinese:
        word = _ENGLISH.sub("", word)
    word = _DECORATION.sub("", word)
    word = _TRAILING_NOTE.sub("", word) if chinese else word
    return word.lower()


def destination_level(key: str) -> str | None:
    """dest_province / dest_city / dest_county for a bare level word (省, 市(州), 县(区))."""
    for field, pattern in _LEVELS:
        if pattern.match(key):
            return field
    return None


def bracket_level(text: object) -> str | None:
    """流入地(省) / 外出地点【市】: the level word in the brackets is the part's meaning."""
    word = unicodedata.normalize("NFKC", str(text)).translate(_TRADITIONAL)
    for inside in _INSIDE_BRACKETS.findall(word):
        level = destination_level(_DECORATION.sub("", inside))
        if level:
            return level
    return None


# (field, pattern) — searched in the header key, first match wins. Read it as a table.
HEADER_RULES: tuple[tuple[str, re.Pattern], ...] = tuple(
    (field, re.compile(pattern))
    for field, pattern in (
        # identity ---------------------------------------------------------------------------
        ("seq", r"^(序号|编号|序|顺序号|排序|no)$"),
        ("name", r"^(流动|流出|外出)?(党员)?(姓名|名字)$"),
        ("id_number", r"身份证|身份号码|证件号|身份号"),
        ("gender", r"^性别"),
        ("birth_date", r"^出生(年月日?|日期|时间|年份)?$|^生日$"),
        # where the member belongs ------------------------------------------------------------
        ("township", r"^(所属|所在|户籍|原)?(乡镇|街道|乡镇街道|镇街|乡镇场)(名称)?$"),
        # the organisation where the member lives now (dual management), before 党支部
        (
            "inflow_org",
            r"^(流入地?|接收|接转|现居住地|现居地|居住地|务工地|外出地|所在地|驻外|异地|流动)"
            r"(的)?(所在|接收)?(党组织|党支部|党委|党总支|流动党员党组织|党组织名称)"
            # the yes/no form of the same fact: 是否纳入流入地党组织管理, 双重管理
            r"|^是否.*(流入地|现居住地|务工地).*(党组织|管理)|双重管理|双管",
        ),
        (
            "branch",
            r"^(所在|所属|原|原所在|流出地|户籍地|组织关系所在)?(党)?(支部|总支|党组织)(名称)?$",
        ),
        ("census_wave", r"^普查(时间|批次|年月|日期|期次)$"),
        # dates (narrow words before the broad 时间) -------------------------------------------
        ("return_date", r"(返乡|回乡|回流|返回|返籍|回来)(的)?(时间|日期|年月)"),
        (
            "last_contact_date",
            r"(最近|最后|上次|末次|近期)(一次)?(联系|联络)(时间|日期)|^联系(时间|日期)$",
        ),
        ("dues_paid_through", r"党费.*(至|到|截至|截止)|党费(缴纳|交纳|缴交)?(年月|月份|时间)$"),
        (
            "outflow_date",
            r"(流出|外出|离乡|离开|流动|务工|外出务工|离家|出去)(务工|经商|务工经商|就业|学习)?"
            r"(的)?(起始|开始)?(时间|日期|年月|年份)",
        ),
        # the destination and its parts ----------------------------------------------------------
        ("stated_flow_scope", r"流动(范围|类型|区域)|(流出|外出)范围"),
        ("enterprise_industry", r"创业(行业|领域|类型|类别|方向)|企业(行业|类型|类别)"),
        # 是否创业 (是/否) is the yes/no form: field_wording reads 否 as no enterprise
        (
            "enterprise",
            r"创办|创业项目|创业企业|领办|所创|创业实体|^创业$|返乡创业|^是否(已)?(自主)?创业",
        ),
        ("jobs_created", r"(带动|吸纳|解决|安置|帮助).*(就业|务工)"),
        (
            "destination",
            r"^" + _DIRECTION + _PLACE_NOUN + r"(省市县区?|省市县|详细地址|具体地址|名称)?$"
            r"|^(外出|流入|流向|现居住?|务工|外出务工|工作)(务工|经商|务工经商|就业|学习|生活)?"
            r"(的)?(地|地点|地址|地区|去向|单位地址)"
            r"|^(现居住地|现住址|现居住地址|居住地址|外出去向|去向|流向地|流入地)",
        ),
        (
            "occupation",
            r"(从事|现从事|所从事|从业)(的)?|^(职业|行业|工种|工作|工作内容)(类别|类型|情况)?$|职业|行业",
        ),
        # contacts -----------------------------------------------------------------------------
        ("lost_flag", r"^是否(已)?(失联|失去联系)|失联与否"),
        # the question the other way round: 能否联系 answered 是/否 (是 → 正常, 否 → 失联)
        (
            "reachable",
            r"^(能否|可否|是否能|是否可以|是否)(正常|保持)?(联系|联络)(上|到|得上)?(的)?$",
        ),
        ("contact_status", r"(联系|联络)(状态|情况)|能否联系|是否(能|可以)?联系|失联情况"),
        ("phone", r"电话|手机|联系方式|联系号码|手机号"),
        # the certificate, return, remarks ---------------------------------------------------------
        ("has_certificate", r"持证|活动证|流动党员证|党员证|发证|领证"),
        ("returned", r"^(是否)?(已)?(返乡|回乡|回流|返回原籍)(情况)?$"),
        ("remarks", r"^(备注|说明|其他|其它)"),
        # 支部情况 sheet
        # 在册党员(数): the members on the branch's roll, which is what 党员总数 counts
        (
            "members_total",
            r"^(支部)?(在册)?党员(总数|总人数|人数|数|数量)$|^(支部)?在册党员$|^(党员)?总人数$",
        ),
    )
)

# Any rule at all, in one search: a cell no rule names (a member's name, a date) is told so
# without trying the rules one by one. The loop still decides which rule wins.
_ANY_RULE = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in HEADER_RULES))
_BARE_PLACE = re.compile(_DIRECTION + _PLACE_NOUN + "?")
_BARE_PLACE_AT = re.compile(_DIRECTION + _PLACE_NOUN + "?(所在)?")
_PLACE_LEVEL = re.compile(_DIRECTION + _PLACE_NOUN + r"?(?:所在|所属)?(.+)")
_NOT_LETTER = re.compile(r"[^a-z]")

# A header that names a number, not a yes/no or a place, is not the field its other words say:
# 活动证编号 is no certificate flag, 流入地党组织联系电话 is not the member's phone, and
# neither is a relative's (家属联系电话 beside 本人电话): a 失联 member's family answers it.
_NOT_FIELD = {
    "has_certificate": re.compile(r"(编号|号码|证号|号)$"),
    "phone": re.compile(r"党组织|联系人|家属|亲属|家人|紧急|配偶|爱人|父母|父亲|母亲|子女|监护人"),
    "occupation": re.compile(r"单位|地点|地址"),
    "branch": re.compile(r"书记|联系人"),
}


# "姓名：张三", "联系电话：138…": a label with its value (a filling row, a member's card), no header
_LABELLED_VALUE = re.compile(r"[:：]\s*[^\s)）]")


def field_by_rule(text: object) -> str | None:
    """The canonical field a header names by its meaning-bearing words, or None."""
    key = header_key(text)
    if not key or len(key) > MAX_HEADER_CHARS or _LABELLED_VALUE.search(str(text)):
        return None
    if _BARE_PLACE.fullmatch(key) or _BARE_PLACE_AT.fullmatch(key):
        level = bracket_level(text)  # 流入地(省) is a part, 流入地(必填) the whole place
        if level:
            return level
    # a direction word with a level word: 流入县(市、区), 外出地市, 现居住省份, 务工地所在县区
    found = _PLACE_LEVEL.fullmatch(key)
    if found:
        level = destination_level(found.group(1))
        if level:
            return level
    if _ANY_RULE.search(key) is None:  # most cells read while looking for the header
        return _english(key)
    for field, pattern in HEADER_RULES:
        if pattern.search(key):
            blocked = _NOT_FIELD.get(field)
            return None if blocked is not None and blocked.search(key) else field
    return _english(key)


# Headers in English only (exports of other systems): the words, not guesses.
_ENGLISH_FIELDS = {
    "name": "name",
    "fullname": "name",
    "sex": "gender",
    "gender": "gender",
    "idno": "id_number",
    "idnumber": "id_number",
    "idcard": "id_number",
    "id": "id_number",
    "phone": "phone",
    "mobile": "phone",
    "tel": "phone",
    "telephone": "phone",
    "branch": "branch",
    "township": "township",
    "remarks": "remarks",
    "remark": "remarks",
}


def _english(key: str) -> str | None:
    return _ENGLISH_FIELDS.get(_NOT_LETTER.sub("", key))
