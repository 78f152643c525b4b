"""Who may take part in a call, decided from plain facts (pure)."""

from __future__ import annotations

import pytest

from judging.competitions.eligibility import (
    Rule,
    UnitFacts,
    UnknownKind,
    eligible_ids,
    normalise_kind,
    problems,
    universities_only,
)

UNITS = [
    UnitFacts(1, "本科院校", False),
    UnitFacts(2, "高职院校", True),
    UnitFacts(3, "医疗卫生机构", True, ("卫生系统",)),
    UnitFacts(4, "文化单位", False, ("试点单位",)),
    UnitFacts(5, "", False),
]


@pytest.mark.parametrize(
    ("rule", "ids"),
    [
        (Rule(), [1, 2, 3, 4, 5]),
        (Rule("kinds", kinds=frozenset({"本科院校", "高职院校"})), [1, 2]),
        (Rule("kinds", kinds=frozenset({"医疗卫生机构"})), [3]),
        (Rule("group", group="试点单位"), [2, 3, 4]),  # the flag or the group
        (Rule("group", group="卫生系统"), [3]),
        (Rule("group", group="无人分组"), []),
        (Rule("list", unit_ids=frozenset({5, 1})), [1, 5]),
        (Rule("nonsense"), []),
    ],
)
def test_eligible_units_follow_the_rule(rule, ids):
    assert eligible_ids(rule, UNITS) == ids


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (Rule("kinds"), "请至少选择一种单位类型。"),
        (Rule("kinds", kinds=frozenset({"外星单位"})), "未知的单位类型：外星单位。"),
        (Rule("group", group=" "), "请选择或填写一个分组。"),
        (
            Rule("list"),
            "“指定名单”还没有单位：请在下面的单位列表中勾选单位，再点“加入指定名单”。",
        ),
        (Rule("bogus"), "请选择参与单位的范围。"),
    ],
)
def test_an_incomplete_rule_is_explained(rule, message):
    assert problems(rule) == [message]


def test_a_complete_rule_has_no_problems():
    assert problems(Rule("group", group="试点单位")) == []
    assert problems(Rule()) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [("本科", "本科院校"), (" 高职 ", "高职院校"), ("医院", "医疗卫生机构"),
     ("企业", "企业"), ("", ""), ("科研院所", "科研院所")],
)  # fmt: skip
def test_kinds_are_written_one_way(text, kind):
    assert normalise_kind(text) == kind


def test_an_unknown_kind_is_named():
    with pytest.raises(UnknownKind) as refused:
        normalise_kind("宇宙中心")

    assert str(refused.value) == "宇宙中心"


def test_university_wording_only_when_every_admitted_unit_is_a_university():
    assert universities_only(Rule("kinds", kinds=frozenset({"本科院校"})), UNITS)
    assert not universities_only(Rule(), UNITS)
    assert universities_only(Rule("list", unit_ids=frozenset({1, 2})), UNITS)
    assert not universities_only(Rule("group", group="试点单位"), UNITS)
    assert universities_only(Rule(), UNITS[:2])  # an old database: only schools
