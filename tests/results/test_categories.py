"""Tests for per-category tier allocation and the per-category scheme text."""

from __future__ import annotations

import pytest

from judging.results.awards import NOT_AWARDED, AwardError, Override, Tier
from judging.results.categories import (
    UNCATEGORISED,
    allocate_by_category,
    format_category_schemes,
    parse_category_schemes,
)
from tests.results.test_awards import make_aggregation

SCHEME = (Tier(name="一等奖", count=1), Tier(name="二等奖", count=2))
CATS = ("理论研究", "调研报告")


def tiers_of(allocation) -> dict[str, tuple[str, str, int | None]]:
    return {a.entry_id: (a.category, a.tier, a.rank) for a in allocation.awards}


@pytest.mark.parametrize(
    ("scores", "category_of", "expected"),
    [
        # two categories, each ranked apart: the best of each is 一等奖
        (
            {"A1": 90, "A2": 80, "A3": 70, "A4": 60, "B1": 50, "B2": 40},
            {
                "A1": "理论研究",
                "A2": "理论研究",
                "A3": "理论研究",
                "A4": "理论研究",
                "B1": "调研报告",
                "B2": "调研报告",
            },
            {
                "A1": ("理论研究", "一等奖", 1),
                "A2": ("理论研究", "二等奖", 2),
                "A3": ("理论研究", "二等奖", 3),
                "A4": ("理论研究", NOT_AWARDED, 4),
                "B1": ("调研报告", "一等奖", 1),
                "B2": ("调研报告", "二等奖", 2),
            },
        ),
        # a category with one entry: it takes the first tier
        (
            {"A1": 90, "A2": 80, "B1": 10},
            {"A1": "理论研究", "A2": "理论研究", "B1": "调研报告"},
            {
                "A1": ("理论研究", "一等奖", 1),
                "A2": ("理论研究", "二等奖", 2),
                "B1": ("调研报告", "一等奖", 1),
            },
        ),
        # a tie at the 一等奖 boundary inside one category: both go up, and the
        # 二等奖 keeps its two places below them
        (
            {"A1": 90, "A2": 90, "A3": 80, "A4": 70, "A5": 60},
            dict.fromkeys(("A1", "A2", "A3", "A4", "A5"), "理论研究"),
            {
                "A1": ("理论研究", "一等奖", 1),
                "A2": ("理论研究", "一等奖", 1),
                "A3": ("理论研究", "二等奖", 3),
                "A4": ("理论研究", "二等奖", 4),
                "A5": ("理论研究", NOT_AWARDED, 5),
            },
        ),
        # an entry in a category the competition no longer has: ranked apart
        (
            {"A1": 90, "X1": 10},
            {"A1": "理论研究", "X1": ""},
            {"A1": ("理论研究", "一等奖", 1), "X1": (UNCATEGORISED, "一等奖", 1)},
        ),
    ],
)
def test_allocate_by_category_ranks_each_category_apart(scores, category_of, expected):
    allocation = allocate_by_category(
        make_aggregation(scores),
        category_of=category_of,
        categories=CATS,
        scheme=SCHEME,
    )
    assert tiers_of(allocation) == expected


def test_allocate_by_category_empty_category_gives_no_awards_and_a_note():
    allocation = allocate_by_category(
        make_aggregation({"A1": 90, "A2": 80}),
        category_of={"A1": "理论研究", "A2": "理论研究"},
        categories=CATS,
        scheme=SCHEME,
    )
    counts = [(t.category, t.name, t.planned, t.actual) for t in allocation.tiers]
    assert counts == [
        ("理论研究", "一等奖", 1, 1),
        ("理论研究", "二等奖", 1, 1),  # never more places than entries remain
        ("调研报告", "一等奖", 0, 0),
        ("调研报告", "二等奖", 0, 0),
    ]
    assert "【调研报告】没有参评作品，本类别不评奖" in allocation.notes


def test_allocate_by_category_shares_round_on_the_category_size():
    scores = {f"A{i}": 100 - i for i in range(1, 24)} | {"B1": 50, "B2": 40}
    category_of = {k: "理论研究" if k.startswith("A") else "调研报告" for k in scores}
    allocation = allocate_by_category(
        make_aggregation(scores),
        category_of=category_of,
        categories=CATS,
        scheme=(Tier(name="一等奖", share=10),),
    )
    counts = {t.category: t.actual for t in allocation.tiers}
    # 10 % × 23 = 2.3 → 2; 10 % × 2 = 0.2 → at least 1 (share above 0)
    assert counts == {"理论研究": 2, "调研报告": 1}


def test_allocate_by_category_tie_across_the_last_place_prefixes_the_note():
    allocation = allocate_by_category(
        make_aggregation({"B1": 80, "B2": 80, "B3": 70}),
        category_of=dict.fromkeys(("B1", "B2", "B3"), "调研报告"),
        categories=CATS,
        scheme=(Tier(name="一等奖", count=1),),
    )
    assert tiers_of(allocation)["B2"] == ("调研报告", "一等奖", 1)
    assert any(n.startswith("【调研报告】排名第 1 的 2 篇") for n in allocation.notes)


def test_allocate_by_category_own_scheme_and_overrides_within_category():
    allocation = allocate_by_category(
        make_aggregation({"A1": 90, "A2": 80, "B1": 70, "B2": 60}),
        category_of={
            "A1": "理论研究",
            "A2": "理论研究",
            "B1": "调研报告",
            "B2": "调研报告",
        },
        categories=CATS,
        scheme=SCHEME,
        schemes={"调研报告": (Tier(name="一等奖", count=0), Tier("二等奖", count=1))},
        overrides=[Override(entry_id="A2", reason="评委会复议", tier=NOT_AWARDED)],
    )
    assert tiers_of(allocation) == {
        "A1": ("理论研究", "一等奖", 1),
        "A2": ("理论研究", NOT_AWARDED, 2),
        "B1": ("调研报告", "二等奖", 1),
        "B2": ("调研报告", NOT_AWARDED, 2),
    }


def test_allocate_by_category_unknown_override_is_refused():
    with pytest.raises(AwardError, match="没有汇总分数"):
        allocate_by_category(
            make_aggregation({"A1": 90}),
            category_of={"A1": "理论研究"},
            categories=CATS,
            scheme=SCHEME,
            overrides=[Override(entry_id="Z9", reason="x", exclude=True)],
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", {}),
        (
            "理论研究：10%，20%\n调研报告: 2, 4",
            {
                "理论研究": (Tier("一等奖", share=10.0), Tier("二等奖", share=20.0)),
                "调研报告": (Tier("一等奖", count=2), Tier("二等奖", count=4)),
            },
        ),
        (
            "调研报告=1、3",
            {"调研报告": (Tier("一等奖", count=1), Tier("二等奖", count=3))},
        ),
    ],
)
def test_parse_category_schemes_reads_shares_and_counts(text, expected):
    assert parse_category_schemes(text, scheme=SCHEME, categories=CATS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("文学创作：1，2", "不是本竞赛的类别"),
        ("理论研究：1", "须为 2 个奖项"),
        ("理论研究：1，2\n理论研究：1，2", "写了两次"),
        ("理论研究 1 2", "无法识别"),
        ("理论研究：60%，50%", "不能超过 100%"),
        ("理论研究：1.5，2", "须为整数"),
        ("理论研究：abc，2", "不是比例或名额"),
        ("理论研究：-1，2", "不是比例或名额"),
    ],
)
def test_parse_category_schemes_refuses_bad_lines(text, message):
    with pytest.raises(AwardError, match=message):
        parse_category_schemes(text, scheme=SCHEME, categories=CATS)


def test_format_category_schemes_reads_back():
    text = "理论研究：10%，20%\n调研报告：2，4"
    schemes = parse_category_schemes(text, scheme=SCHEME, categories=CATS)
    assert format_category_schemes(schemes) == text


def test_readme_worked_example():
    """The example of README "分类评奖与优秀组织奖", end to end."""
    from collections import defaultdict

    from judging.results.organisation import Rule, UnitTally, organisation_awards

    scheme = (
        Tier("一等奖", share=10),
        Tier("二等奖", share=20),
        Tier("三等奖", share=30),
    )
    scores = {
        "L1": 91.2, "L2": 88.0, "L3": 88.0, "L4": 85.5, "L5": 80.1,
        "D1": 93.0, "D2": 90.4, "D3": 87.2, "D4": 86.0,
        "D5": 84.3, "D6": 82.0, "D7": 79.5, "D8": 75.0,
    }  # fmt: skip
    unit = dict(
        zip(
            scores,
            "甲大学 乙医院 丙研究院 甲大学 丁中学 乙医院 甲大学 丙研究院 乙医院"
            " 丙研究院 丁中学 丙研究院 丁中学".split(),
            strict=True,
        )
    )
    allocation = allocate_by_category(
        make_aggregation(scores),
        category_of={k: "理论研究" if k[0] == "L" else "调研报告" for k in scores},
        categories=CATS,
        scheme=scheme,
        schemes=parse_category_schemes(
            "调研报告：1，2，3", scheme=scheme, categories=CATS
        ),
    )
    tiers = {a.entry_id: a.tier for a in allocation.awards}
    entries, won = defaultdict(int), defaultdict(list)
    for a in allocation.awards:
        entries[unit[a.entry_id]] += 1
        if a.tier != NOT_AWARDED:
            won[unit[a.entry_id]].append(a.tier)
    tallies = [UnitTally(u, u, entries[u], tuple(won[u])) for u in entries]
    points = {"一等奖": 5, "二等奖": 3, "三等奖": 1}

    top2 = organisation_awards(tallies, rule=Rule("points", top=2, points=points))
    top1 = organisation_awards(tallies, rule=Rule("points", top=1, points=points))
    four = organisation_awards(tallies, rule=Rule("threshold", min_entries=4))

    assert [tiers[k] for k in ("L1", "L2", "L3", "L4", "L5")] == [
        "一等奖", "二等奖", "二等奖", "三等奖", "三等奖",
    ]  # fmt: skip
    assert [tiers[k] for k in ("D1", "D2", "D3", "D4", "D5", "D6", "D7")] == [
        "一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖", NOT_AWARDED,
    ]  # fmt: skip
    assert [(u.name, u.points, u.rank, u.is_awarded) for u in top2.units] == [
        ("乙医院", 9, 1, True),
        ("甲大学", 9, 1, True),
        ("丙研究院", 7, 3, False),
        ("丁中学", 2, 4, False),
    ]
    assert [u.name for u in top1.awarded] == ["乙医院", "甲大学"]
    assert [u.name for u in four.awarded] == ["丙研究院"]
