"""Simulated essay competitions with known true quality, for comparing methods.

Pure: no Flask, no database. Used by ``scripts/simulate.py`` and the
aggregation benchmark. Each scenario draws true quality v_i ~ N(70, 10²) and
scores x_ij = clip(round(s_j · (v_i − 70) + 70 + b_j + ε), 0, 100),
ε ~ N(0, 4²):

- a: judges differ (b_j ~ N(0, 8²), log s_j ~ N(0, 0.25²)), random assignment;
- b: identical judges (b_j = 0, s_j = 1), random assignment;
- c: judges differ as in (a) and see systematically different essays: the
  harsher the judge, the better the essays it is given (two judges matched to
  the essay's quality, one at random, so the graph stays connected).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_reviews(
    *, scenario: str, seed: int, n_entries: int, n_judges: int, k: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Generated reviews (entry_id, judge_id, total) and the true quality."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(70, 10, n_entries)
    if scenario == "b":
        severity, scale = np.zeros(n_judges), np.ones(n_judges)
    else:
        severity = rng.normal(0, 8, n_judges)
        scale = np.exp(rng.normal(0, 0.25, n_judges))
    load = np.zeros(n_judges)
    rows = []
    # Judges ordered from most lenient to harshest, for scenario c.
    by_harshness = np.argsort(-severity, kind="stable")
    percentile = np.argsort(np.argsort(quality)) / max(n_entries - 1, 1)
    for i in rng.permutation(n_entries):
        if scenario == "c":
            centre = percentile[i] * (n_judges - 1)
            distance = np.abs(np.arange(n_judges) - centre)
            matched = list(by_harshness[np.argsort(distance, kind="stable")[: k - 1]])
            others = [jj for jj in range(n_judges) if jj not in matched]
            chosen = matched + [int(rng.choice(others))]
        else:
            # Least-loaded judges first, random among equals: balanced loads.
            order = np.lexsort((rng.random(n_judges), load))
            chosen = [int(jj) for jj in order[:k]]
        for jj in chosen:
            load[jj] += 1
            raw = scale[jj] * (quality[i] - 70) + 70 + severity[jj] + rng.normal(0, 4)
            rows.append((int(i), int(jj), float(np.clip(np.round(raw), 0, 100))))
    frame = pd.DataFrame(rows, columns=["entry_id", "judge_id", "total"])
    return frame, quality
