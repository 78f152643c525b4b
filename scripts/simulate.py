"""Simulate judging with known true quality and judges; compare aggregation methods.

Usage: python scripts/simulate.py [--entries 200] [--judges 20] [--k 3] [--seeds 20]

Each scenario draws true quality v_i ~ N(70, 10²) and scores
x_ij = clip(round(s_j · (v_i − 70) + 70 + b_j + ε), 0, 100), ε ~ N(0, 4²):

- a: judges differ (b_j ~ N(0, 8²), log s_j ~ N(0, 0.25²)), random assignment;
- b: identical judges (b_j = 0, s_j = 1), random assignment;
- c: judges differ as in (a) and see systematically different essays: the
  harsher the judge, the better the essays it is given (two judges matched to
  the essay's quality, one at random, so the graph stays connected).

Metrics (mean over seeds): Spearman ρ with true quality, RMSE of rank, and the
share of the true top 10% found in the estimated top 10%. Prints Markdown.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from judging.results.aggregate import METHODS, aggregate  # noqa: E402

SCENARIOS = {
    "a": "评委宽严/尺度不同，随机分配",
    "b": "评委完全一致，随机分配",
    "c": "严格评委分到更好的作品",
}


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


def score_metrics(
    scores: np.ndarray, quality: np.ndarray
) -> tuple[float, float, float]:
    """Spearman ρ, RMSE of rank, share of the true top 10% in the estimated top 10%."""
    rho = float(spearmanr(scores, quality).statistic)
    est_rank = np.argsort(np.argsort(-scores, kind="stable"))
    true_rank = np.argsort(np.argsort(-quality, kind="stable"))
    rmse = float(np.sqrt(np.mean((est_rank - true_rank) ** 2)))
    top = max(1, round(len(quality) * 0.1))
    hit = len(
        set(np.argsort(-scores, kind="stable")[:top]) & set(true_rank.argsort()[:top])
    )
    return rho, rmse, hit / top


def run(*, n_entries: int, n_judges: int, k: int, seeds: int) -> str:
    """Markdown table of the mean metrics per scenario and method."""
    lines = [
        f"{n_entries} 篇作品、{n_judges} 位评委、每篇 {k} 位评委，"
        f"{seeds} 个随机种子的平均",
        "",
        "| 情形 | 方法 | Spearman ρ | 名次 RMSE | 前 10% 命中率 |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for scenario, title in SCENARIOS.items():
        totals: dict[str, list[tuple[float, float, float]]] = {
            m: [] for m, _ in METHODS
        }
        for seed in range(seeds):
            frame, quality = simulate_reviews(
                scenario=scenario,
                seed=seed,
                n_entries=n_entries,
                n_judges=n_judges,
                k=k,
            )
            for method, _ in METHODS:
                result = aggregate(frame, method=method)
                scores = np.array([e.score for e in result.entries])
                totals[method].append(score_metrics(scores, quality))
        for method, label in METHODS:
            rho, rmse, top = np.mean(totals[method], axis=0)
            lines.append(
                f"| ({scenario}) {title} | {label} `{method}` | {rho:.3f} | "
                f"{rmse:.1f} | {top:.2f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=200)
    parser.add_argument("--judges", type=int, default=20)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    print(run(n_entries=args.entries, n_judges=args.judges, k=args.k, seeds=args.seeds))


if __name__ == "__main__":
    main()
