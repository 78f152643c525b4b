"""Tests for the 优秀组织奖: the threshold and points rules, ties, overrides."""

from __future__ import annotations

import pytest

from judging.results.organisation import (
    OrganisationError,
    Rule,
    UnitTally,
    organisation_awards,
    parse_points,
)

TIERS = ("一等奖", "二等奖", "三等奖")
POINTS = {"一等奖": 5, "二等奖": 3, "三等奖": 1}


def tally(name: str, entries: int, *tiers: str) -> UnitTally:
    return UnitTally(unit_id=name, name=name, entries=entries, tiers=tiers)


def given(result) -> dict[str, tuple[bool, int, int]]:
    return {u.name: (u.is_awarded, u.points, u.rank) for u in result.units}


@pytest.mark.parametrize(
    ("tallies", "min_entries", "expected"),
    [
        ([], 3, {}),
        # three entries and an award: yes; three entries, no award: no;
        # two entries with awards: no (below N)
        (
            [
                tally("甲", 3, "三等奖"),
                tally("乙", 3),
                tally("丙", 2, "一等奖", "一等奖"),
            ],
            3,
            {"甲": (True, 1, 2), "乙": (False, 0, 3), "丙": (False, 10, 1)},
        ),
        ([tally("甲", 1, "二等奖")], 1, {"甲": (True, 3, 1)}),
    ],
)
def test_threshold_rule_needs_n_entries_and_one_award(tallies, min_entries, expected):
    rule = Rule(kind="threshold", min_entries=min_entries, points=POINTS)
    assert given(organisation_awards(tallies, rule=rule)) == expected


@pytest.mark.parametrize(
    ("tallies", "top", "expected", "note"),
    [
        # a clear top 2
        (
            [
                tally("甲", 5, "一等奖"),
                tally("乙", 5, "二等奖"),
                tally("丙", 5, "三等奖"),
            ],
            2,
            {"甲": (True, 5, 1), "乙": (True, 3, 2), "丙": (False, 1, 3)},
            None,
        ),
        # a tie across the 2nd place: both tied units receive it (3 in all)
        (
            [
                tally("甲", 5, "一等奖"),
                tally("乙", 5, "二等奖"),
                tally("丙", 5, "三等奖", "三等奖", "三等奖"),
                tally("丁", 5, "三等奖"),
            ],
            2,
            {
                "甲": (True, 5, 1),
                "乙": (True, 3, 2),
                "丙": (True, 3, 2),
                "丁": (False, 1, 4),
            },
            "积分 3 分的 2 个单位并列第 2 名，跨越第 2 名，均获优秀组织奖；"
            "获奖单位由 2 个增至 3 个",
        ),
        # fewer units with points than places: units without points get none
        (
            [tally("甲", 5, "三等奖"), tally("乙", 5)],
            3,
            {"甲": (True, 1, 1), "乙": (False, 0, 2)},
            None,
        ),
        # no units at all
        ([], 3, {}, None),
    ],
)
def test_points_rule_takes_top_m_and_never_splits_a_tie(tallies, top, expected, note):
    rule = Rule(kind="points", top=top, points=POINTS)
    result = organisation_awards(tallies, rule=rule)
    assert given(result) == expected
    assert result.notes == ((note,) if note else ())


def test_awarded_units_come_first_then_rank_then_name():
    rule = Rule(kind="points", top=1, points=POINTS)
    tallies = [tally("乙", 5, "三等奖"), tally("甲", 5, "一等奖"), tally("丙", 1)]
    result = organisation_awards(tallies, rule=rule)
    assert [u.name for u in result.units] == ["甲", "乙", "丙"]
    assert [u.name for u in result.awarded] == ["甲"]


def test_override_gives_or_withholds_with_its_reason():
    rule = Rule(kind="threshold", min_entries=2, points=POINTS)
    tallies = [tally("甲", 3, "一等奖"), tally("乙", 1, "三等奖")]
    result = organisation_awards(
        tallies,
        rule=rule,
        overrides={"甲": (False, "报送材料不完整"), "乙": (True, "偏远地区组织得力")},
    )
    by_name = {u.name: u for u in result.units}
    assert (by_name["甲"].model_awarded, by_name["甲"].is_awarded) == (True, False)
    assert (by_name["乙"].model_awarded, by_name["乙"].is_awarded) == (False, True)
    assert by_name["乙"].reason == "偏远地区组织得力"
    assert result.notes == (
        "甲经调整不授予优秀组织奖：报送材料不完整",
        "乙经调整授予优秀组织奖：偏远地区组织得力",
    )


@pytest.mark.parametrize(
    ("rule", "overrides", "message"),
    [
        (Rule(kind="lottery"), {}, "未知的优秀组织奖规则"),
        (Rule(kind="threshold", min_entries=0), {}, "最少参评作品数"),
        (Rule(kind="points", top=0, points=POINTS), {}, "获奖单位数"),
        (Rule(kind="points", top=3, points={"一等奖": 0}), {}, "至少有一个奖项"),
        (Rule(kind="threshold"), {"甲": (True, " ")}, "必须填写理由"),
        (Rule(kind="threshold"), {"无名": (True, "x")}, "没有参评作品"),
    ],
)
def test_bad_rule_or_override_is_refused(rule, overrides, message):
    with pytest.raises(OrganisationError, match=message):
        organisation_awards([tally("甲", 3)], rule=rule, overrides=overrides)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5,3,1", {"一等奖": 5, "二等奖": 3, "三等奖": 1}),
        ("5，3", {"一等奖": 5, "二等奖": 3}),
    ],
)
def test_parse_points(text, expected):
    assert parse_points(text, tiers=TIERS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请填写"),
        ("5,3,1,1", "只有 3 个奖项"),
        ("5,-1", "不小于 0"),
        ("五", "整数"),
    ],
)
def test_parse_points_refuses(text, message):
    with pytest.raises(OrganisationError, match=message):
        parse_points(text, tiers=TIERS)
