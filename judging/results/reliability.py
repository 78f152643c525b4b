"""How far judges agree: Krippendorff's alpha, judge severity, score histogram.

Pure: no Flask, no database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from judging.results.aggregate import (
    CalibrationPrior,
    JudgeEffect,
    Review,
    aggregate,
)


@dataclass(frozen=True)
class HistogramBin:
    """Totals in ``[low, high)`` (the last bin also includes ``high``)."""

    low: float
    high: float
    count: int


def _frame(reviews: pd.DataFrame | Iterable[Review]) -> pd.DataFrame:
    if isinstance(reviews, pd.DataFrame):
        return reviews[["entry_id", "judge_id", "total"]].astype({"total": float})
    rows = [(r.entry_id, r.judge_id, float(r.total)) for r in reviews]
    return pd.DataFrame(rows, columns=["entry_id", "judge_id", "total"])


def krippendorff_alpha_interval(reviews: pd.DataFrame | Iterable[Review]) -> float:
    """Krippendorff's alpha for interval data over entry × judge totals.

    Missing cells are simply absent; entries with a single total are not
    pairable and are dropped (Krippendorff 2011). α = 1 − D_o / D_e with the
    squared-difference metric: 1 is perfect agreement, 0 is chance. NaN when
    fewer than two pairable values or no variation at all.
    """
    frame = _frame(reviews)
    counts = frame.groupby("entry_id")["total"].transform("size")
    values = frame.loc[counts >= 2]
    n = len(values)
    if n < 2:
        return math.nan
    grouped = values.groupby("entry_id")["total"]
    m = grouped.size().to_numpy(dtype=float)
    within = grouped.var(ddof=0).to_numpy() * m  # Σ (x − x̄_u)² per entry
    # Σ over ordered pairs in a unit of (c − k)² = 2 m SS_u.
    observed = float(np.sum(2 * m * within / (m - 1))) / n
    total_ss = float(np.sum((values["total"] - values["total"].mean()) ** 2))
    expected = 2 * total_ss / (n - 1)
    if expected == 0:
        return math.nan
    return 1 - observed / expected


def judge_severities(
    reviews: pd.DataFrame | Iterable[Review],
    *,
    max_total: float = 100,
    confidence: float = 0.95,
    prior: CalibrationPrior | None = None,
) -> tuple[JudgeEffect, ...]:
    """Each judge's severity (points, negative = harsh) with its interval.

    From the calibrated model (MacKay et al. 2017), so a judge who simply drew
    weaker essays is not called harsh; sorted from harshest to most lenient.
    """
    result = aggregate(
        reviews,
        method="calibrated",
        max_total=max_total,
        confidence=confidence,
        prior=prior,
    )
    return tuple(sorted(result.judges, key=lambda j: (j.severity, str(j.judge_id))))


def score_histogram(
    totals: Iterable[float], *, max_total: float = 100, bins: int = 10
) -> tuple[HistogramBin, ...]:
    """Counts of totals in ``bins`` equal-width bins over ``[0, max_total]``.

    For the results charts; the last bin is closed so a full mark is counted.
    """
    if bins < 1 or max_total <= 0:
        raise ValueError("bins and max_total must be positive")
    values = np.array([float(t) for t in totals], dtype=float)
    edges = np.linspace(0.0, float(max_total), bins + 1)
    counts, _ = np.histogram(values, bins=edges)
    return tuple(
        HistogramBin(low=float(edges[i]), high=float(edges[i + 1]), count=int(c))
        for i, c in enumerate(counts)
    )
