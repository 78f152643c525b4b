"""Tests for Krippendorff's alpha, judge severities and the score histogram."""

from __future__ import annotations

import math

import pytest

from judging.results.aggregate import Review
from judging.results.reliability import (
    HistogramBin,
    judge_severities,
    krippendorff_alpha_interval,
    score_histogram,
)

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the
# 4 coders × 12 units example with missing values; interval alpha = 0.849.
KRIPPENDORFF_2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def make_reviews(matrix: dict[str, list[int | None]]) -> list[Review]:
    return [
        Review(entry_id=unit, judge_id=judge, total=value)
        for judge, values in matrix.items()
        for unit, value in enumerate(values)
        if value is not None
    ]


def test_alpha_interval_matches_krippendorff_example() -> None:
    alpha = krippendorff_alpha_interval(make_reviews(KRIPPENDORFF_2011))

    assert alpha == pytest.approx(0.849, abs=0.0005)


@pytest.mark.parametrize(
    ("matrix", "expected"),
    [
        ({"A": [1, 2, 3], "B": [1, 2, 3]}, 1.0),
        ({"A": [1, 2, 3], "B": [None, None, None]}, math.nan),
        ({"A": [5, 5, 5], "B": [5, 5, 5]}, math.nan),
    ],
)
def test_alpha_interval_edge_cases(
    matrix: dict[str, list[int | None]], expected: float
) -> None:
    alpha = krippendorff_alpha_interval(make_reviews(matrix))

    assert alpha == pytest.approx(expected, nan_ok=True)


def test_judge_severities_sorted_harshest_first_with_interval() -> None:
    truth = [50 + 5 * i for i in range(8)]
    matrix = {
        "easy": [v + 6 for v in truth],
        "fair": list(truth),
        "hard": [v - 6 for v in truth],
    }

    judges = judge_severities(make_reviews(matrix))

    assert [j.judge_id for j in judges] == ["hard", "fair", "easy"]
    assert [j.severity for j in judges] == pytest.approx([-6, 0, 6], abs=0.5)
    assert all(j.severity_low < j.severity < j.severity_high for j in judges)


def test_score_histogram_counts_full_mark_in_last_bin() -> None:
    bins = score_histogram([0, 9.99, 10, 55, 100], max_total=100, bins=10)

    assert bins[0] == HistogramBin(low=0.0, high=10.0, count=2)
    assert bins[1].count == 1
    assert bins[5].count == 1
    assert bins[9] == HistogramBin(low=90.0, high=100.0, count=1)
    assert sum(b.count for b in bins) == 5
