"""Tests for the pure aggregation methods, including the calibrated model."""

from __future__ import annotations

import random
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from judging.results.aggregate import (
    METHODS,
    AggregationError,
    Review,
    aggregate,
)


def make_reviews(rows: list[tuple[object, object, float]]) -> list[Review]:
    return [Review(entry_id=e, judge_id=j, total=Decimal(str(t))) for e, j, t in rows]


def make_simulation(
    *, scenario: str, seed: int, n_entries: int = 60, n_judges: int = 12, k: int = 3
) -> tuple[pd.DataFrame, np.ndarray]:
    """Small copy of scripts/simulate.py: known quality, severity and scale."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(70, 10, n_entries)
    if scenario == "b":
        severity, scale = np.zeros(n_judges), np.ones(n_judges)
    else:
        severity = rng.normal(0, 8, n_judges)
        scale = np.exp(rng.normal(0, 0.25, n_judges))
    by_harshness = np.argsort(-severity, kind="stable")
    percentile = np.argsort(np.argsort(quality)) / (n_entries - 1)
    load = np.zeros(n_judges)
    rows = []
    for i in range(n_entries):
        if scenario == "c":
            distance = np.abs(np.arange(n_judges) - percentile[i] * (n_judges - 1))
            matched = list(by_harshness[np.argsort(distance, kind="stable")[: k - 1]])
            others = [jj for jj in range(n_judges) if jj not in matched]
            chosen = matched + [int(rng.choice(others))]
        else:
            chosen = list(np.lexsort((rng.random(n_judges), load))[:k])
        for jj in chosen:
            load[jj] += 1
            raw = scale[jj] * (quality[i] - 70) + 70 + severity[jj] + rng.normal(0, 4)
            rows.append((i, int(jj), float(np.clip(np.round(raw), 0, 100))))
    return pd.DataFrame(rows, columns=["entry_id", "judge_id", "total"]), quality


def spearman_with_truth(frame: pd.DataFrame, quality: np.ndarray, method: str) -> float:
    result = aggregate(frame, method=method)
    scores = np.array([e.score for e in result.entries])
    return float(spearmanr(scores, quality).statistic)


def test_methods_labels_in_chinese() -> None:
    assert METHODS == (
        ("mean", "均值"),
        ("median", "中位数"),
        ("trimmed", "截尾均值"),
        ("zscore", "标准分"),
        ("calibrated", "校准"),
    )


FIVE = [("A", f"J{n}", t) for n, t in enumerate([10, 50, 60, 70, 100])]
THREE = [("B", f"J{n}", t) for n, t in enumerate([70, 80, 99])]


@pytest.mark.parametrize(
    ("method", "entry", "expected"),
    [
        ("mean", "A", 58.0),
        ("median", "A", 60.0),
        ("trimmed", "A", 60.0),
        ("mean", "B", 83.0),
        ("median", "B", 80.0),
        ("trimmed", "B", 83.0),
    ],
)
def test_simple_methods_score_hand_computed(
    method: str, entry: str, expected: float
) -> None:
    result = aggregate(make_reviews(FIVE + THREE), method=method)

    assert result.entry(entry).score == pytest.approx(expected)
    assert result.entry(entry).n_reviews == {"A": 5, "B": 3}[entry]


def test_trimmed_with_three_reviews_equals_mean() -> None:
    reviews = make_reviews(THREE)

    trimmed = aggregate(reviews, method="trimmed").entry("B").score
    mean = aggregate(reviews, method="mean").entry("B").score

    assert trimmed == mean == pytest.approx(83.0)


def test_zscore_removes_constant_judge_offset() -> None:
    rows = [(e, "lenient", t + 10) for e, t in [("X", 60), ("Y", 70), ("Z", 80)]]
    rows += [(e, "harsh", t) for e, t in [("X", 60), ("Y", 70), ("Z", 80)]]

    result = aggregate(make_reviews(rows), method="zscore")

    scores = [result.entry(e).score for e in ("X", "Y", "Z")]
    assert scores == sorted(scores)
    assert np.mean(scores) == pytest.approx(np.mean([t for _, _, t in rows]))


def test_calibrated_recovers_constant_offset() -> None:
    truth = {f"E{i}": 50 + 4 * i for i in range(10)}
    rows = [(e, "J1", v + 5) for e, v in truth.items()]
    rows += [(e, "J2", v - 5) for e, v in truth.items()]

    result = aggregate(make_reviews(rows), method="calibrated")

    severity = {j.judge_id: j.severity for j in result.judges}
    assert severity["J1"] - severity["J2"] == pytest.approx(10, abs=0.5)
    assert severity["J1"] + severity["J2"] == pytest.approx(0, abs=1e-6)
    assert [result.entry(e).score for e in truth] == pytest.approx(
        list(truth.values()), abs=0.5
    )


def test_calibrated_interval_contains_score() -> None:
    frame, _ = make_simulation(scenario="a", seed=0)

    result = aggregate(frame, method="calibrated")

    assert all(e.low <= e.score <= e.high for e in result.entries)
    assert all(j.severity_low <= j.severity <= j.severity_high for j in result.judges)
    assert result.components == 1


def test_calibrated_disconnected_graph_reports_components() -> None:
    rows = [(f"A{i}", j, 60 + i) for i in range(4) for j in ("J1", "J2")]
    rows += [(f"B{i}", j, 80 + i) for i in range(4) for j in ("J3", "J4")]

    result = aggregate(make_reviews(rows), method="calibrated")

    assert result.components == 2
    assert "组评审专家之间没有共同评阅的作品" in result.warnings[0]
    by_component: dict[int, list[float]] = {}
    for judge in result.judges:
        by_component.setdefault(judge.component, []).append(judge.severity)
    assert [np.mean(v) for v in by_component.values()] == pytest.approx([0, 0])


def test_calibrated_judge_with_few_reviews_shrinks_to_zero() -> None:
    frame, _ = make_simulation(scenario="b", seed=1)
    extra = pd.DataFrame([(0, "newcomer", 40.0)], columns=frame.columns)
    frame = pd.concat([frame.astype({"judge_id": object}), extra])
    raw_gap = 40.0 - frame[frame.entry_id == 0].total.iloc[:3].mean()

    result = aggregate(frame, method="calibrated")

    newcomer = next(j for j in result.judges if j.judge_id == "newcomer")
    assert newcomer.n == 1
    assert raw_gap < newcomer.severity < 0
    assert any("newcomer" in w and "还看不准其宽严" in w for w in result.warnings)


def test_calibrated_careless_rating_is_downweighted() -> None:
    frame, quality = make_simulation(scenario="b", seed=2, k=4)
    target = frame.index[frame.entry_id == 5][0]
    frame.loc[target, "total"] = 5.0

    calibrated = aggregate(frame, method="calibrated").entry(5).score
    mean = aggregate(frame, method="mean").entry(5).score

    assert abs(calibrated - quality[5]) < abs(mean - quality[5]) - 10
    assert any("降低权重" in w for w in aggregate(frame, method="calibrated").warnings)


@pytest.mark.parametrize("method", [m for m, _ in METHODS])
def test_aggregate_input_order_is_irrelevant(method: str) -> None:
    frame, _ = make_simulation(scenario="a", seed=3)
    rows = list(frame.itertuples(index=False, name=None))
    shuffled = rows[:]
    random.Random(0).shuffle(shuffled)

    first = aggregate(make_reviews(rows), method=method)
    second = aggregate(make_reviews(shuffled), method=method)

    assert [e.score for e in first.entries] == pytest.approx(
        [e.score for e in second.entries], abs=1e-9
    )
    assert first.warnings == second.warnings


@pytest.mark.parametrize(
    ("rows", "method", "message"),
    [
        ([], "mean", "没有任何评分"),
        ([("A", "J1", 101)], "mean", "0 到 100"),
        ([("A", "J1", 50), ("A", "J1", 60)], "mean", "多条评分"),
        ([("A", "J1", 50)], "best", "未知的汇总方法"),
    ],
)
def test_aggregate_invalid_input_raises(
    rows: list[tuple[object, object, float]], method: str, message: str
) -> None:
    with pytest.raises(AggregationError, match=message):
        aggregate(make_reviews(rows), method=method)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calibrated_beats_mean_when_judges_differ(seed: int) -> None:
    frame, quality = make_simulation(scenario="a", seed=seed)

    calibrated = spearman_with_truth(frame, quality, "calibrated")
    mean = spearman_with_truth(frame, quality, "mean")

    assert calibrated > mean + 0.02


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calibrated_no_worse_than_mean_when_judges_identical(seed: int) -> None:
    frame, quality = make_simulation(scenario="b", seed=seed)

    calibrated = spearman_with_truth(frame, quality, "calibrated")
    mean = spearman_with_truth(frame, quality, "mean")

    assert calibrated >= mean - 0.01


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calibrated_at_least_zscore_when_harsh_judges_get_better_essays(
    seed: int,
) -> None:
    frame, quality = make_simulation(scenario="c", seed=seed)

    calibrated = spearman_with_truth(frame, quality, "calibrated")
    zscore = spearman_with_truth(frame, quality, "zscore")

    assert calibrated >= zscore - 0.005
