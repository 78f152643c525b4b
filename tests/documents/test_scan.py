"""Tests for judging.documents.scan: real leaks flagged, ordinary words left alone."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from judging.documents.inspection import inspect_document
from judging.documents.scan import (
    Finding,
    UnitIdentity,
    is_distinctive_alias,
    scan_document,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def load_units() -> dict[str, UnitIdentity]:
    """The real Chongqing list shipped with the app (judging/data)."""
    with open(
        Path(__file__).resolve().parents[2]
        / "judging"
        / "data"
        / "universities-chongqing.csv",
        encoding="utf-8",
    ) as fh:
        rows = list(csv.DictReader(fh))
    return {
        row["name"]: UnitIdentity(
            name=row["name"],
            short_name=row["short_name"],
            aliases=tuple(a for a in re.split(r"[|;;、,,]", row["aliases"]) if a),
        )
        for row in rows
    }


UNITS = load_units()
ALL = list(UNITS.values())


def scan_text(
    text: str, *, own: str, location: str = "body", people: tuple[str, ...] = ()
) -> list[tuple[str, str]]:
    findings = scan_document(
        [(location, text)], unit=UNITS[own], people=people, other_units=ALL
    )
    return [(f.kind, f.term) for f in findings]


# ------------------------------------------------------------------ true positives

TRUE_POSITIVES = [
    ("重庆大学", "作者来自重庆大学经济与管理学院。", [("unit", "重庆大学")]),
    ("重庆大学", "本文作者单位:重庆\n大学", [("unit", "重庆大学")]),
    ("重庆大学", "重 庆 大 学 本科生毕业论文", [("unit", "重庆大学")]),
    ("重庆大学", "重庆⼤学(康熙部首大)", [("unit", "重庆大学")]),
    ("重庆大学", "重大学子积极参与社区服务", [("unit", "重大")]),
    ("重庆大学", "作者系重大经济与管理学院学生", [("unit", "重大")]),
    ("重庆大学", "笔者毕业于重大,后赴基层工作", [("unit", "重大")]),
    ("重庆师范大学", "作为重师学子,作者参与调研", [("unit", "重师")]),
    ("重庆师范大学", "在重师大校园里", [("unit", "重师大")]),
    ("四川外国语大学", "川外学子走进社区", [("unit", "川外")]),
    ("四川美术学院", "川美校友创作的壁画", [("unit", "川美")]),
    ("西南大学", "西大校园的银杏", [("unit", "西大")]),
    ("重庆邮电大学", "数据来自重邮官网公开信息", [("unit", "重邮")]),
    ("重庆警察学院", "作者在重警院学习三年", [("unit", "重警院")]),
    ("重庆工商大学", "作者就读于重工商,", [("unit", "重工商")]),
    ("长江师范学院", "长师学子下乡支教", [("unit", "长师")]),
    ("重庆科技大学", "原重庆科技学院的老师", [("unit", "重庆科技学院")]),
    ("重庆三峡学院", "重庆三峡学院地处万州", [("unit", "重庆三峡学院")]),
    ("重庆开放大学", "重庆广播电视大学的前身", [("unit", "重庆广播电视大学")]),
    ("重庆大学", "与西南大学合作开展研究", [("other_unit", "西南大学")]),
    (
        "重庆三峡学院",
        "对比重庆三峡职业学院的做法",
        [("other_unit", "重庆三峡职业学院")],
    ),
    ("重庆大学", "西政学子也参与了调研", [("other_unit", "西政")]),
]


@pytest.mark.parametrize(("own", "text", "expected"), TRUE_POSITIVES)
def test_scan_document_unit_mention_found(
    own: str, text: str, expected: list[tuple[str, str]]
) -> None:
    assert scan_text(text, own=own) == expected


# ------------------------------------------------------ false-positive traps

TRAPS = [
    ("重庆大学", "党中央作出重大部署,具有重大意义。"),
    ("重庆大学", "防范重大学生安全事故。"),
    ("重庆大学", "调查对象是重庆大学城周边社区。"),
    ("重庆大学", "困难重重大家齐心协力。"),
    ("重庆师范大学", "高校注重师资队伍建设,注重师生互动。"),
    ("重庆医科大学", "基层注重医疗质量与医学人文。"),
    ("重庆交通大学", "尊重交通规则,注重交流合作。"),
    ("西南大学", "山西大学与广西大学的研究,东西大道。"),
    ("西南政法大学", "中西政治制度比较。"),
    ("四川外国语大学", "四川外出务工人员增多。"),
    ("四川美术学院", "四川美食文化源远流长。"),
    ("重庆工商大学", "课程注重工商管理实务。"),
    ("重庆理工大学", "注重理工科融合发展。"),
    ("重庆文理学院", "通识教育注重文理融合。"),
    ("重庆人文科技学院", "注重人文素养的培育。"),
    ("重庆开放大学", "决定重开大会议程。"),
    ("重庆工程学院", "注重工程实践能力。"),
    ("重庆电子科技职业大学", "注重电子政务建设。"),
    ("长江师范学院", "校长师德表率作用明显。"),
    ("重庆对外经贸学院", "注重对外经贸合作。"),
    ("重庆城市管理职业学院", "注重城管执法规范化。"),
    ("重庆外语外事学院", "注重外事礼仪培训。"),
    ("重庆邮电大学", "沉重邮包压弯了腰。"),
    ("重庆大学", "重大、紧迫的任务摆在面前。"),
    ("重庆大学", "数据来自重大项目调研。"),
    ("重庆大学", "重大疾病医疗保险研究院"),
]


@pytest.mark.parametrize(("own", "text"), TRAPS)
def test_scan_document_ordinary_words_not_flagged(own: str, text: str) -> None:
    assert scan_text(text, own=own) == []


@pytest.mark.parametrize(
    ("location", "text", "expected"),
    [
        ("header_footer", "重大 本科生论文", [("unit", "重大")]),
        ("metadata", "重师", [("unit", "重师")]),
        ("comment", "(重大)", [("unit", "重大")]),
        ("body", "重大", []),
        ("header_footer", "重大部署", []),
    ],
)
def test_scan_document_standalone_short_alias_by_location(
    location: str, text: str, expected: list[tuple[str, str]]
) -> None:
    own = "重庆师范大学" if "重师" in text else "重庆大学"
    assert scan_text(text, own=own, location=location) == expected


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("重庆大学", True),
        ("重警院", True),
        ("三峡医专", True),
        ("重医药高专", True),
        ("重大", False),
        ("重医大", False),
        ("重庆二师", False),
        ("CQU", True),
    ],
)
def test_is_distinctive_alias_rule(term: str, expected: bool) -> None:
    assert is_distinctive_alias(term) == expected


def test_scan_document_every_listed_full_name_found_in_own_profile() -> None:
    found = {name: scan_text(f"作者就读于{name}。", own=name) for name in UNITS}
    assert found == {name: [("unit", name)] for name in UNITS}


# ------------------------------------------------------------------ people, contacts


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("指导教师:李 华", [("person", "李华")]),
        ("作者:张晓明", [("person", "张晓明")]),
        ("by ZHANG  Xiaoming, 2024", [("person", "Zhang Xiaoming")]),
        ("Zhang Xiaomingo", []),
    ],
)
def test_scan_document_people_found(text: str, expected: list[tuple[str, str]]) -> None:
    people = ("张晓明", "李华", "Zhang Xiaoming")
    assert scan_text(text, own="重庆大学", people=people) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("邮箱:zhangsan@cqu.edu.cn。", [("email", "zhangsan@cqu.edu.cn")]),
        ("邮箱：ｚｈａｎｇｓａｎ＠ｑｑ．ｃｏｍ", [("email", "zhangsan@qq.com")]),
        ("电话 13812345678。", [("phone", "13812345678")]),
        ("电话 138-1234-5678", [("phone", "138-1234-5678")]),
        ("电话 +86 138 1234 5678", [("phone", "+86 138 1234 5678")]),
        ("办公室 023-65102345", [("phone", "023-65102345")]),
        ("办公室 (023)65102345", [("phone", "(023)65102345")]),
        (
            "代码见 https://github.com/zhangsan/essay",
            [("url", "https://github.com/zhangsan/essay")],
        ),
        ("学院主页 www.cqu.edu.cn/econ", [("url", "www.cqu.edu.cn/econ")]),
        ("政策原文见 http://www.gov.cn/zhengce/2024.htm", []),
        ("2024年GDP增长5.2%,总量为20231234567元", []),
        ("ISBN 978-7-111-12345-6", []),
        ("比例为0.13812345678", []),
    ],
)
def test_scan_document_contacts_found(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert scan_text(text, own="重庆大学") == expected


def test_scan_document_evidence_has_context() -> None:
    text = (
        "党的二十大以来,作者所在的重庆大学经济与管理学院开展了大量研究工作,成果丰硕。"
    )
    findings = scan_document(
        [("body", text)], unit=UNITS["重庆大学"], other_units=ALL
    )
    assert findings == [
        Finding(
            kind="unit",
            location="body",
            evidence="党的二十大以来,作者所在的重庆大学经济与管理学院开展了大量研究工",
            severity="high",
            term="重庆大学",
        )
    ]


# ------------------------------------------------------------------ real files


def scan_fixture(name: str, own: str, people: tuple[str, ...]) -> set[tuple[str, ...]]:
    doc = inspect_document((FIXTURES / name).read_bytes(), max_bytes=10**7)
    findings = scan_document(doc, unit=UNITS[own], people=people, other_units=ALL)
    return {(f.kind, f.location, f.term, f.severity) for f in findings}


def test_scan_document_leaky_docx_every_location() -> None:
    found = scan_fixture("leaky.docx", "重庆大学", ("张晓明", "李华"))
    assert found == {
        ("unit", "body", "重大", "high"),
        ("email", "body", "zhangxm@example.edu.cn", "high"),
        ("phone", "body", "13812345678", "high"),
        ("unit", "header_footer", "重庆大学", "high"),
        ("person", "header_footer", "张晓明", "high"),
        ("person", "footnote", "李华", "high"),
        ("unit", "comment", "重庆大学", "high"),
        ("phone", "tracked_change", "13812345678", "high"),
        ("person", "tracked_change", "李华", "high"),
        ("person", "metadata", "李华", "high"),
        ("person", "metadata", "张晓明", "high"),
        ("unit", "metadata", "重庆大学", "high"),
    }


def test_scan_document_leaky_pdf_every_location() -> None:
    found = scan_fixture("leaky.pdf", "重庆大学", ("张晓明", "李华"))
    assert found == {
        ("unit", "body", "重大", "high"),
        ("email", "body", "zhangxm@example.edu.cn", "high"),
        ("phone", "body", "13812345678", "high"),
        ("person", "body", "李华", "high"),
        ("unit", "header_footer", "重庆大学", "high"),
        ("person", "header_footer", "张晓明", "high"),
        ("unit", "comment", "重庆大学", "high"),
        ("person", "metadata", "李华", "high"),
        ("person", "metadata", "张晓明", "high"),
    }


def test_scan_document_split_lines_in_real_pdf() -> None:
    found = scan_fixture("reportlab-split.pdf", "重庆大学", ("张晓明",))
    assert found == {
        ("other_unit", "body", "西南政法大学", "low"),
        ("unit", "body", "重庆大学", "high"),
        ("person", "metadata", "张晓明", "high"),
    }


def test_scan_document_python_docx_short_alias() -> None:
    found = scan_fixture("python-docx.docx", "重庆师范大学", ("李华",))
    assert found == {
        ("unit", "body", "重师", "high"),
        ("unit", "header_footer", "重师", "high"),
        ("person", "metadata", "李华", "high"),
        ("unit", "metadata", "重庆师范大学", "high"),
    }


@pytest.mark.parametrize("name", ["clean.docx", "clean.pdf"])
def test_scan_document_clean_file_no_findings(name: str) -> None:
    assert scan_fixture(name, "重庆大学", ("张晓明", "李华")) == set()


def test_scan_document_scanned_pdf_needs_manual_check() -> None:
    found = scan_fixture("scanned.pdf", "重庆大学", ("张晓明",))
    assert found == {("no_text", "body", "", "manual")}


# ------------------------------------------------- what a reader sees (issue 10)

CQU = UnitIdentity(
    name="重庆大学",
    short_name="重大",
    english_names=("Chongqing University",),
    abbreviations=("CQU",),
    domains=("cqu.edu.cn",),
    institutes=("重庆大学经济与管理学院",),
)
CQUPT = UnitIdentity(
    name="重庆邮电大学",
    short_name="重邮",
    english_names=("Chongqing University of Posts and Telecommunications",),
    abbreviations=("CQUPT",),
    domains=("cqupt.edu.cn",),
)


def scan_rich(text: str, location: str = "body", people: tuple[str, ...] = ()):
    findings = scan_document(
        [(location, text)], unit=CQU, people=people, other_units=[CQU, CQUPT]
    )
    return [(f.kind, f.term, f.severity) for f in findings]


NEW_TRUE_POSITIVES = [
    ("重庆大学", "我校（重大）近年来推进改革", [("unit", "重大")]),
    ("重庆大学", "本校——重大的做法", [("unit", "重大")]),
    ("重庆大学", "重大本科生的调查问卷", [("unit", "重大")]),
    ("重庆大学", "受访的重大教师认为", [("unit", "重大")]),
    ("重庆大学", "笔者在重大求学期间", [("unit", "重大")]),
    ("重庆大学", "在重大的四年里", [("unit", "重大")]),
    ("重庆师范大学", "重师同学普遍认为", [("unit", "重师")]),
    ("重庆大学", "重慶大學", [("unit", "重庆大学")]),
    ("重庆大学", "重·庆·大·学", [("unit", "重庆大学")]),
    ("长江师范学院", "⻓江师范学院", [("unit", "长江师范学院")]),
    ("西南大学", "⻄南大学", [("unit", "西南大学")]),
]


@pytest.mark.parametrize(("own", "text", "expected"), NEW_TRUE_POSITIVES)
def test_scan_document_self_reference_and_normalisation_found(
    own: str, text: str, expected: list[tuple[str, str]]
) -> None:
    assert scan_text(text, own=own) == expected


NEW_TRAPS = [
    ("重庆大学", "在重庆，大学生就业压力较大。"),
    ("重庆大学", "这是一项重大教学改革。"),
    ("重庆大学", "在重大的历史关头"),
    ("重庆大学", "重大同时也意味着责任"),
]


@pytest.mark.parametrize(("own", "text"), NEW_TRAPS)
def test_scan_document_new_contexts_keep_traps_silent(own: str, text: str) -> None:
    assert scan_text(text, own=own) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Chongqing\nUniversity, China", [("unit", "Chongqing University", "high")]),
        ("CHONGQING UNIVERSITY", [("unit", "Chongqing University", "high")]),
        ("a CQU project", [("unit", "CQU", "high")]),
        ("the cqu sample", []),  # abbreviations are matched case-sensitively
        (
            "Chongqing University of Posts and Telecommunications",
            [
                (
                    "other_unit",
                    "Chongqing University of Posts and Telecommunications",
                    "low",
                )
            ],
        ),
        ("CQUPT", [("other_unit", "CQUPT", "low")]),
        (
            "见 http://www.cqu.edu.cn/news",
            [
                ("unit", "http://www.cqu.edu.cn/news", "high"),
                ("url", "http://www.cqu.edu.cn/news", "high"),
            ],
        ),
        ("见 me.cqu.edu.cn 主页", [("unit", "me.cqu.edu.cn", "high")]),
        ("见 cqu.edu.cn", [("unit", "cqu.edu.cn", "high")]),
        ("见 notcqu.edu.cn", []),
        (
            "见 www.cqupt.edu.cn",
            [
                ("other_unit", "www.cqupt.edu.cn", "low"),
                ("url", "www.cqupt.edu.cn", "high"),
            ],
        ),
        (
            "联系 li@cqu.edu.cn",
            [("unit", "li@cqu.edu.cn", "high"), ("email", "li@cqu.edu.cn", "high")],
        ),
        ("重庆大学经济与管理学院", [("unit", "重庆大学经济与管理学院", "high")]),
    ],
)
def test_scan_document_english_names_abbreviations_domains(
    text: str, expected: list[tuple[str, str, str]]
) -> None:
    assert scan_rich(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Zhang Xiaoming",
        "Xiaoming Zhang",
        "ZHANG Xiaoming",
        "ZHANG XIAOMING",
        "Zhang Xiao-ming",
        "Zhang, Xiaoming",
        "Xiao Ming Zhang",
        "X. Zhang",
        "X.M. Zhang",
        "X.-M. Zhang",
        "Zhang X.M.",
        "Zhang, X.",
    ],
)
def test_scan_document_author_in_pinyin_found(text: str) -> None:
    assert scan_rich(f"by {text} (2024)", people=("张晓明",)) == [
        ("person", "张晓明", "high")
    ]


@pytest.mark.parametrize(
    "text",
    ["Zhang Xiaomingo", "Zhang Wei", "W. Zhang", "x. zhang", "Zhangxiao Ming Li"],
)
def test_scan_document_other_latin_names_not_author(text: str) -> None:
    assert scan_rich(f"see {text} (2024)", people=("张晓明",)) == []


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("欧阳修远", "Ouyang Xiuyuan"),  # compound surname
        ("曾国强", "Zeng Guoqiang"),  # polyphonic surname, the surname reading
        ("吕兰", "Lyu Lan"),
        ("吕兰", "Lv Lan"),
    ],
)
def test_scan_document_pinyin_surnames(name: str, text: str) -> None:
    assert scan_rich(text, people=(name,)) == [("person", name, "high")]


def test_scan_document_evidence_quotes_original_text() -> None:
    findings = scan_document(
        [("body", "作者单位：重 慶\n大·學，二〇二四年")], unit=CQU, other_units=[]
    )
    assert [f.evidence for f in findings] == ["作者单位：重 慶 大·學，二〇二四年"]
