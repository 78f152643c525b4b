"""Tables of cases for the shortlist between rounds and the round combination."""

from __future__ import annotations

import pytest

from judging.results.rounds import (
    Ranked,
    RoundScore,
    RoundsError,
    combine,
    shortlist,
)


def rows(*items: tuple) -> list[Ranked]:
    """("A", 90) or ("A", 90, "理论研究") or ("A", 90, "理论研究", True)."""
    return [Ranked(*item) for item in items]


TEN = rows(*((f"E{i:02d}", 100 - i) for i in range(10)))


@pytest.mark.parametrize(
    ("entries", "kwargs", "expected", "notes"),
    [
        # top N, no tie
        (TEN, {"top_n": 3}, ["E00", "E01", "E02"], 0),
        # top share: 30% of 10 = 3
        (TEN, {"top_share": 30}, ["E00", "E01", "E02"], 0),
        # share rounds half up: 25% of 10 = 2.5 → 3
        (TEN, {"top_share": 25}, ["E00", "E01", "E02"], 0),
        # a tiny share still gives one place
        (TEN, {"top_share": 1}, ["E00"], 0),
        # more places than entries: everyone
        (rows(("A", 1), ("B", 2)), {"top_n": 5}, ["B", "A"], 0),
        # a tie at the cut: all tied go in, and a note says so
        (
            rows(("A", 90), ("B", 80), ("C", 80), ("D", 80), ("E", 70)),
            {"top_n": 2},
            ["A", "B", "C", "D"],
            1,
        ),
        # a tie inside the cut does not grow it
        (rows(("A", 90), ("B", 90), ("C", 80)), {"top_n": 2}, ["A", "B"], 0),
        # equal after rounding to 2 decimals is a tie (80.004 and 80.001)
        (
            rows(("A", 90), ("B", 80.004), ("C", 80.001)),
            {"top_n": 2},
            ["A", "B", "C"],
            1,
        ),
        # a withdrawn entry takes no place, even with the best score
        (
            rows(("A", 99, "", True), ("B", 90), ("C", 80), ("D", 70)),
            {"top_n": 2},
            ["B", "C"],
            0,
        ),
        # withdrawn entries do not count in N for a share: 50% of 2 = 1
        (
            rows(("A", 99, "", True), ("B", 90), ("C", 80), ("D", 70, "", True)),
            {"top_share": 50},
            ["B"],
            0,
        ),
        # nothing to rank
        ([], {"top_n": 3}, [], 0),
    ],
)
def test_shortlist_overall(entries, kwargs, expected, notes):
    result = shortlist(entries, **kwargs)
    assert list(result.entry_ids) == expected
    assert len(result.notes) == notes


MIXED = rows(
    ("T1", 95, "理论研究"),
    ("T2", 90, "理论研究"),
    ("T3", 85, "理论研究"),
    ("T4", 85, "理论研究"),
    ("R1", 70, "调研报告"),
    ("R2", 60, "调研报告"),
)


@pytest.mark.parametrize(
    ("kwargs", "expected", "n_notes"),
    [
        # the top 1 of each category: the best 调研报告 goes in despite 70 < 85
        ({"top_n": 1}, ["T1", "R1"], 0),
        # 50% of each: 2 of 4 理论研究, 1 of 2 调研报告
        ({"top_share": 50}, ["T1", "T2", "R1"], 0),
        # a tie at the cut within a category: T3 and T4 both go in
        ({"top_n": 3}, ["T1", "T2", "T3", "T4", "R1", "R2"], 1),
        # an empty category is named in a note and takes nothing
        (
            {"top_n": 1, "categories": ("理论研究", "调研报告", "案例分析")},
            ["T1", "R1"],
            1,
        ),
    ],
)
def test_shortlist_per_category(kwargs, expected, n_notes):
    result = shortlist(MIXED, per_category=True, **kwargs)
    assert list(result.entry_ids) == expected
    assert len(result.notes) == n_notes


def test_shortlist_tie_note_is_in_chinese():
    result = shortlist(rows(("A", 90), ("B", 80), ("C", 80)), top_n=2)
    assert result.notes == (
        "第 2 名有 2 篇作品同分（80.00），按并列规则全部入围，入围 3 篇。",
    )
    assert result.planned == 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "二选一"),
        ({"top_n": 3, "top_share": 10}, "二选一"),
        ({"top_n": 0}, "至少为 1"),
        ({"top_share": 0}, "大于 0"),
        ({"top_share": 120}, "不超过 100%"),
    ],
)
def test_shortlist_refuses_bad_cuts(kwargs, message):
    with pytest.raises(RoundsError, match=message):
        shortlist(TEN, **kwargs)


def test_shortlist_refuses_duplicates():
    with pytest.raises(RoundsError, match="重复"):
        shortlist(rows(("A", 1), ("A", 2)), top_n=1)


def rs(score: float, sd: float = 0.0) -> RoundScore:
    return RoundScore(score=score, low=score - 2, high=score + 2, sd=sd)


# Round 1: A, B, C, D; B and A shortlisted to round 2.
ROUND1 = {"A": rs(80), "B": rs(90), "C": rs(85), "D": rs(60)}
ROUND2 = {"A": rs(88), "B": rs(70)}


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        # the last round decides: A 88 over B 70; C and D below both
        ({"mode": "last"}, [("A", 88.0), ("B", 70.0), ("C", 85.0), ("D", 60.0)]),
        # 30/70: A = 0.3×80 + 0.7×88 = 85.6, B = 0.3×90 + 0.7×70 = 76
        (
            {"mode": "weighted", "weights": (30, 70)},
            [("A", 85.6), ("B", 76.0), ("C", 85.0), ("D", 60.0)],
        ),
        # 70/30 turns it round: A = 82.4, B = 84
        (
            {"mode": "weighted", "weights": (70, 30)},
            [("B", 84.0), ("A", 82.4), ("C", 85.0), ("D", 60.0)],
        ),
        # a 答辩 score at 40%: A = 0.6×88 + 0.4×(mean 75) = 82.8; B = 0.6×70 + 0.4×95
        (
            {
                "mode": "last",
                "defense": {"A": (70, 80), "B": (95,)},
                "defense_weight": 40,
            },
            [("B", 80.0), ("A", 82.8), ("C", 85.0), ("D", 60.0)],
        ),
        # 答辩 out of 10, rubric of 100: 9.5/10 counts as 95
        (
            {
                "mode": "last",
                "defense": {"A": (7.5,), "B": (9.5,)},
                "defense_weight": 40,
                "defense_max": 10,
            },
            [("A", 82.8), ("B", 80.0), ("C", 85.0), ("D", 60.0)],
        ),
    ],
)
def test_combine_modes(kwargs, expected):
    result = combine([ROUND1, ROUND2], **kwargs)
    got = [(c.entry_id, round(c.score, 2)) for c in result]
    # The ORDER rule: finalists first by score; the others below by score.
    finalists = sorted(expected[:2], key=lambda p: -p[1])
    assert got == [*finalists, *expected[2:]]


def test_combine_finalists_rank_above_every_eliminated_entry():
    result = combine([ROUND1, ROUND2], mode="last")
    assert [c.is_finalist for c in result] == [True, True, False, False]
    assert [c.last_round for c in result] == [2, 2, 1, 1]
    assert result[0].parts == (80, 88)
    assert result[2].parts == (85, None)


def test_combine_flags_a_finalist_without_defense():
    result = combine([ROUND1, ROUND2], defense={"B": (90,)}, defense_weight=50)
    by_id = {c.entry_id: c for c in result}
    assert by_id["A"].missing_defense is True
    assert by_id["A"].score == 88
    assert by_id["B"].missing_defense is False
    assert by_id["B"].score == 80
    # a non-finalist's 答辩 score is ignored
    assert by_id["C"].defense is None


def test_combine_one_round_is_the_round_itself():
    result = combine([ROUND1])
    assert [(c.entry_id, c.score) for c in result] == [
        ("B", 90),
        ("C", 85),
        ("A", 80),
        ("D", 60),
    ]


def test_combine_an_entry_withdrawn_between_rounds_keeps_its_earlier_round():
    # C was shortlisted for round 2 but withdrawn: round 2 has no score for it.
    result = combine([ROUND1, {"A": rs(88)}], mode="weighted", weights=(30, 70))
    assert [(c.entry_id, c.last_round) for c in result][:2] == [("A", 2), ("B", 1)]


def test_combine_weighted_interval_is_the_weighted_interval():
    result = combine(
        [{"A": rs(80, sd=3)}, {"A": rs(90, sd=4)}], mode="weighted", weights=(50, 50)
    )
    (a,) = result
    assert (round(a.low, 6), round(a.high, 6)) == (83.0, 87.0)
    assert round(a.sd, 6) == 2.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "best"}, "未知"),
        ({"mode": "weighted", "weights": (1,)}, "2 个权重"),
        ({"mode": "weighted", "weights": (-1, 2)}, "负数"),
        ({"mode": "weighted", "weights": (1, 0)}, "最后一轮"),
        ({"defense_weight": 100}, "答辩权重"),
        ({"defense_max": 0}, "答辩满分"),
    ],
)
def test_combine_refuses_bad_settings(kwargs, message):
    with pytest.raises(RoundsError, match=message):
        combine([ROUND1, ROUND2], **kwargs)


def test_readme_worked_example():
    """The table of README "多轮评审与答辩（Rounds）"."""
    first = {"001": rs(80), "002": rs(70), "003": rs(70), "004": rs(60), "005": rs(50)}
    cut = shortlist([Ranked(k, v.score) for k, v in first.items()], top_n=2)
    assert cut.entry_ids == ("001", "002", "003")
    assert cut.notes == (
        "第 2 名有 2 篇作品同分（70.00），按并列规则全部入围，入围 3 篇。",
    )
    second = {"001": rs(60), "002": rs(90), "003": rs(75)}

    def table(**kwargs) -> list[tuple[str, float]]:  # noqa: ANN003
        return [
            (c.entry_id, round(c.score, 2)) for c in combine([first, second], **kwargs)
        ]

    assert table(mode="last") == [
        ("002", 90),
        ("003", 75),
        ("001", 60),
        ("004", 60),
        ("005", 50),
    ]
    assert table(mode="weighted", weights=(30, 70)) == [
        ("002", 84),
        ("003", 73.5),
        ("001", 66),
        ("004", 60),
        ("005", 50),
    ]
    assert table(
        mode="weighted",
        weights=(30, 70),
        defense={"001": (100,), "002": (50,), "003": (85,)},
        defense_weight=40,
    ) == [("001", 79.6), ("003", 78.1), ("002", 70.4), ("004", 60), ("005", 50)]
