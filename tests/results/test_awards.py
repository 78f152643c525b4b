"""Tests for tier allocation: rounding, ties, overrides, tier probabilities."""

from __future__ import annotations

import pytest

from judging.results.aggregate import Aggregation, EntryScore
from judging.results.awards import (
    NOT_AWARDED,
    AwardError,
    Override,
    Tier,
    allocate_awards,
    parse_shares,
    plan_counts,
    plan_extra_reviews,
    rank_entries,
    round_half_up,
)

SCHEME = (
    Tier(name="一等奖", share=10),
    Tier(name="二等奖", share=20),
    Tier(name="三等奖", share=30),
)


def make_aggregation(scores: dict[str, float], *, sd: float = 0.0) -> Aggregation:
    entries = tuple(
        EntryScore(
            entry_id=entry_id,
            score=score,
            low=score - 1.96 * sd,
            high=score + 1.96 * sd,
            sd=sd,
            n_reviews=3,
            component=0,
        )
        for entry_id, score in scores.items()
    )
    return Aggregation(
        method="mean",
        method_label="均值",
        max_total=100.0,
        confidence=0.95,
        entries=entries,
        judges=(),
        components=1,
        noise_sd=0.0,
        warnings=(),
    )


def spread(n: int) -> dict[str, float]:
    """n entries E01..En with distinct scores, best first, 1 point apart."""
    return {f"E{i:02d}": 100.0 - i for i in range(1, n + 1)}


@pytest.mark.parametrize(
    ("value", "expected"),
    [(2.5, 3), (0.5, 1), (1.4999, 1), (7.5, 8), (12.0, 12), (0.0, 0)],
)
def test_round_half_up_rounds_halves_up(value: float, expected: int) -> None:
    assert round_half_up(value) == expected


@pytest.mark.parametrize(
    ("scheme", "n_ranked", "expected"),
    [
        (SCHEME, 25, (3, 5, 8)),
        (SCHEME, 100, (10, 20, 30)),
        (SCHEME, 3, (1, 1, 1)),
        ((Tier(name="金奖", share=0.1),), 50, (1,)),
        ((Tier(name="金奖", count=2), Tier(name="银奖", count=2)), 3, (2, 1)),
        (SCHEME, 0, (0, 0, 0)),
    ],
)
def test_plan_counts_follows_rounding_rule(
    scheme: tuple[Tier, ...], n_ranked: int, expected: tuple[int, ...]
) -> None:
    counts, _ = plan_counts(scheme=scheme, n_ranked=n_ranked)

    assert counts == expected


def test_plan_counts_rounding_note_in_chinese() -> None:
    _, notes = plan_counts(scheme=SCHEME, n_ranked=25)

    assert notes[0] == "一等奖按 10% × 25 = 2.5，取整为 3 名"


def test_rank_entries_equal_rounded_scores_share_rank() -> None:
    scores = make_aggregation({"A": 90.0, "B": 85.001, "C": 84.999, "D": 80.0})

    ranked = rank_entries(scores.entries)

    assert [(r.entry_id, r.rank) for r in ranked] == [
        ("A", 1),
        ("B", 2),
        ("C", 2),
        ("D", 4),
    ]


def test_allocate_tie_at_boundary_goes_to_better_tier() -> None:
    scores = spread(20)
    scores["E03"] = scores["E02"]  # places 2 and 3 tie at the 一等奖 line (2)

    result = allocate_awards(make_aggregation(scores), scheme=SCHEME)

    tiers = {a.entry_id: a.tier for a in result.awards}
    assert [tiers[f"E{i:02d}"] for i in (1, 2, 3, 4, 7, 8)] == [
        "一等奖",
        "一等奖",
        "一等奖",
        "二等奖",
        "二等奖",
        "三等奖",
    ]
    assert [(t.name, t.planned, t.actual) for t in result.tiers] == [
        ("一等奖", 2, 3),
        ("二等奖", 4, 4),
        ("三等奖", 6, 6),
    ]
    assert result.notes == (
        "排名第 2 的 2 篇作品分数相同（98.00），跨越一等奖名额线，均列入一等奖；"
        "一等奖名额由 2 增至 3，其后各奖项顺延",
    )
    assert sum(a.tier == NOT_AWARDED for a in result.awards) == 7


@pytest.mark.parametrize("reason", ["", "   "])
def test_override_without_reason_raises(reason: str) -> None:
    with pytest.raises(AwardError, match="理由"):
        allocate_awards(
            make_aggregation(spread(10)),
            scheme=SCHEME,
            overrides=(Override(entry_id="E05", reason=reason, tier="一等奖"),),
        )


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (Override(entry_id="E99", reason="复核", tier="一等奖"), "没有汇总分数"),
        (Override(entry_id="E01", reason="复核", tier="特等奖"), "不在本次奖项"),
        (Override(entry_id="E01", reason="复核"), "之一"),
        (Override(entry_id="E01", reason="复核", tier="一等奖", exclude=True), "之一"),
    ],
)
def test_override_invalid_raises(override: Override, message: str) -> None:
    with pytest.raises(AwardError, match=message):
        allocate_awards(
            make_aggregation(spread(10)), scheme=SCHEME, overrides=(override,)
        )


def test_override_move_marks_entry_only() -> None:
    overrides = (Override(entry_id="E05", reason="专家复议", tier="一等奖"),)

    result = allocate_awards(
        make_aggregation(spread(10)), scheme=SCHEME, overrides=overrides
    )

    moved = result.award("E05")
    assert (moved.tier, moved.model_tier, moved.is_overridden) == (
        "一等奖",
        "三等奖",
        True,
    )
    assert moved.override_reason == "专家复议"
    assert result.award("E01").tier == "一等奖"
    assert result.award("E01").is_overridden is False


def test_override_exclude_removes_entry_before_ranking() -> None:
    overrides = (Override(entry_id="E01", reason="抄袭", exclude=True),)

    result = allocate_awards(
        make_aggregation(spread(11)), scheme=SCHEME, overrides=overrides
    )

    excluded = result.award("E01")
    assert (excluded.rank, excluded.tier, excluded.is_excluded) == (
        None,
        NOT_AWARDED,
        True,
    )
    assert result.award("E02").rank == 1
    assert result.award("E02").tier == "一等奖"
    assert [t.actual for t in result.tiers] == [1, 2, 3]
    assert "作品 E01 不参与排名：抄袭" in result.notes


def test_tier_probability_certain_when_far_from_boundary() -> None:
    result = allocate_awards(make_aggregation(spread(10), sd=0.01), scheme=SCHEME)

    assert [a.tier_probability for a in result.awards] == [1.0] * 10
    assert result.suggestions == ()


def test_tier_probability_near_boundary_flags_and_suggests() -> None:
    scores = {"A": 90.0, "B": 80.05, "C": 80.0, "D": 60.0, "E": 50.0}
    scheme = (Tier(name="一等奖", count=2),)

    result = allocate_awards(
        make_aggregation(scores, sd=1.0), scheme=scheme, draws=2000, seed=7
    )

    probability = {a.entry_id: a.tier_probability for a in result.awards}
    assert probability["A"] == pytest.approx(1.0)
    assert probability["B"] == pytest.approx(0.5, abs=0.05)
    assert probability["C"] == pytest.approx(0.5, abs=0.05)
    assert [a.entry_id for a in result.awards if a.is_near_boundary] == ["B", "C"]
    assert {s.entry_id for s in result.suggestions} == {"B", "C"}
    assert "一等奖边界" in result.suggestions[0].reason


def test_tier_probability_same_seed_same_result() -> None:
    aggregation = make_aggregation(spread(30), sd=3.0)

    first = allocate_awards(aggregation, scheme=SCHEME, seed=3)
    second = allocate_awards(aggregation, scheme=SCHEME, seed=3)

    assert first == second


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10,20,30", (10.0, 20.0, 30.0)),
        ("5%，15%", (5.0, 15.0)),
    ],
)
def test_parse_shares_builds_named_tiers(
    text: str, expected: tuple[float, ...]
) -> None:
    tiers = parse_shares(text)

    assert tuple(t.share for t in tiers) == expected
    assert tiers[0].name == "一等奖"


@pytest.mark.parametrize("text", ["", "abc", "60,50"])
def test_parse_shares_invalid_raises(text: str) -> None:
    with pytest.raises(AwardError):
        parse_shares(text)


@pytest.mark.parametrize("text", ["1_0,20", "1e1", "nan,20", "inf", "%"])
def test_parse_shares_refuses_lenient_numbers(text):
    with pytest.raises(AwardError, match="奖项比例无法识别"):
        parse_shares(text)


def test_plan_extra_reviews_nearest_cut_first_with_gain() -> None:
    def entry(eid: str, score: float, n: int = 3) -> EntryScore:
        return EntryScore(eid, score, score - 2, score + 2, 1.0, n, 0)

    entries = [entry("A", 90), entry("B", 80.5), entry("C", 79.5), entry("D", 60)]

    plan = plan_extra_reviews(entries, sizes=[2], budget=3)

    # The one cut sits at 80, midway between B and C.
    assert [(p.entry_id, p.distance) for p in plan] == [
        ("B", 0.5),
        ("C", 0.5),
        ("A", 10.0),
    ]
    assert plan[0].gain == pytest.approx(plan[1].gain)
    assert 0.01 < plan[0].gain < 0.2
    assert plan[2].gain == pytest.approx(0.0, abs=1e-9)
    assert plan_extra_reviews(entries, sizes=[4], budget=3) == ()
