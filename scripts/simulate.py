#!/usr/bin/env python3
"""Simulate essay competitions with known truth; compare aggregation methods.

Usage: python scripts/simulate.py [--seeds 10] [--first-seed 0]
[--designs base,panels,...] [--reliability] [--extra 0.1,0.2] [--smoke]

The designs and the truth are described in judging/results/simulation.py
(300 essays, 30 judges, k = 3 unless the design says otherwise). Methods: the
plain mean, the median, the per-judge z-score, a scaled least-squares baseline
(no priors, every judge weighs the same), ``calibrated`` (the default), and an
oracle that knows each judge's true severity, scale and noise.

Metrics (mean over seeds): award-tier accuracy (share of entries placed in
their true tier, scheme 10/20/30 %), Spearman ρ, coverage of the 95 % interval,
and the calibration of tier probabilities: Brier score and the largest gap
between mean probability and hit rate over the deciles holding ≥ 5 % of
entries (pooled over seeds; a smaller decile's hit rate is mostly sampling
noise). ``--reliability`` also prints the decile tables. ``--extra`` prints
instead what extra reviews buy: tier accuracy after a budget of extra reviews
(a share of the entries, two rounds) chosen by
``judging.results.awards.plan_extra_reviews``, or sent to random entries,
next to the calibrated model and the oracle with k reviews only.
Prints Markdown.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from judging.results.aggregate import EntryScore, aggregate
from judging.results.awards import plan_extra_reviews, tier_probabilities
from judging.results.simulation import (
    DESIGNS,
    Design,
    Reference,
    Simulated,
    add_reviews,
    bayes_reference,
    brier,
    coverage,
    oracle,
    reliability_table,
    scaled_least_squares,
    simulate,
    spearman,
    tier_accuracy,
    tier_of_rank,
    tiers,
)

METHODS = (
    ("mean", "均值"),
    ("median", "中位数"),
    ("zscore", "标准分"),
    ("scaled_ls", "尺度最小二乘"),
    ("calibrated", "校准（默认）"),
    ("oracle", "神谕（已知评审专家参数）"),
)
# Opt-in (``--bayes-reference``): the exact generating model's posterior.
BAYES = ("bayes", "贝叶斯参照（只知生成分布）")
DRAWS = 400


def _estimates(
    method: str, sim: object, design: Design, seed: int
) -> tuple[np.ndarray, np.ndarray | None, Reference | None]:
    """Scores, SDs (None when the method has no interval) in entry order, and
    the Bayes reference's posterior draws when the method is that reference."""
    if method == "bayes":
        # Fewer sweeps on the 10,000-entry design (each sweep is 30× dearer;
        # its Monte Carlo error is still far below the seeds' spread).
        big = design.n_entries > 2000
        ref = bayes_reference(
            design,
            sim,  # type: ignore[arg-type]
            seed=seed,
            sweeps=2500 if big else 6000,
            burn=700 if big else 1500,
        )
        return ref.score, ref.sd, ref
    if method == "scaled_ls":
        return scaled_least_squares(sim.reviews), None, None  # type: ignore[attr-defined]
    if method == "oracle":
        return (*oracle(sim), None)  # type: ignore[arg-type]
    result = aggregate(sim.reviews, method=method)  # type: ignore[attr-defined]
    return (
        np.array([e.score for e in result.entries]),
        np.array([e.sd for e in result.entries]),
        None,
    )


def evaluate(
    design: Design,
    seeds: int,
    first_seed: int = 0,
    methods: tuple[tuple[str, str], ...] = METHODS,
) -> dict[str, dict]:
    """Per method: lists of metrics over seeds and pooled (probability, hit)."""
    out: dict[str, dict] = {
        m: {"acc": [], "rho": [], "cover": [], "brier": [], "p": [], "hit": []}
        for m, _ in methods
    }
    for seed in range(first_seed, first_seed + seeds):
        sim = simulate(design, seed)
        true_tier = tiers(sim.truth)
        n = len(sim.truth)
        sizes = list(np.bincount(tier_of_rank(n)))
        for method, _ in methods:
            score, sd, ref = _estimates(method, sim, design, seed)
            stats = out[method]
            stats["acc"].append(tier_accuracy(score, sim.truth))
            stats["rho"].append(spearman(score, sim.truth))
            if sd is None:
                continue
            stats["cover"].append(
                coverage(score - 1.96 * sd, score + 1.96 * sd, sim.truth)
            )
            allocated = tiers(score)
            entries = [
                EntryScore(i, float(score[i]), 0.0, 0.0, float(sd[i]), 0, 0)
                for i in range(n)
            ]
            if ref is not None:
                # The reference's own posterior draws, not a normal approximation.
                p = np.mean([tiers(t) == allocated for t in ref.samples], axis=0)
            else:
                prob = tier_probabilities(
                    entries,
                    sizes=sizes,
                    allocated=list(allocated),
                    draws=DRAWS,
                    seed=seed,
                )
                p = np.array([prob[i] for i in range(n)])
            hit = allocated == true_tier
            stats["brier"].append(brier(p, hit))
            stats["p"].append(p)
            stats["hit"].append(hit)
    return out


def _max_gap(p: np.ndarray, hit: np.ndarray) -> float:
    rows = reliability_table(p, hit)
    big = [abs(mean - rate) for _, mean, rate, count in rows if count >= 0.05 * len(p)]
    return max(big) if big else float("nan")


def run(
    *,
    designs: list[Design],
    seeds: int,
    reliability: bool,
    first_seed: int = 0,
    bayes: bool = False,
) -> str:
    """Markdown tables: the summary of tier accuracy, then every metric."""
    methods = (*METHODS, BAYES) if bayes else METHODS
    results = {d.name: evaluate(d, seeds, first_seed, methods) for d in designs}
    head = " | ".join(label for _, label in methods)
    lines = [
        f"奖项等级准确率（10/20/30 %），种子 {first_seed}–{first_seed + seeds - 1}"
        f"（{seeds} 个）的平均：",
        "",
        f"| 情形 | {head} |",
        "| --- |" + " ---: |" * len(methods),
    ]
    for design in designs:
        cells = " | ".join(
            f"{np.mean(results[design.name][m]['acc']):.3f}" for m, _ in methods
        )
        lines.append(f"| {design.title} | {cells} |")
    lines += [
        "",
        "| 情形 | 方法 | 等级准确率 | Spearman ρ | 95% 区间覆盖率 | Brier "
        "| 最大分位偏差 |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    tables = []
    for design in designs:
        for method, label in methods:
            stats = results[design.name][method]
            if stats["cover"]:
                p, hit = np.concatenate(stats["p"]), np.concatenate(stats["hit"])
                extra = (
                    f"{np.mean(stats['cover']):.3f} | {np.mean(stats['brier']):.3f} | "
                    f"{_max_gap(p, hit):.3f}"
                )
                if reliability and method in ("calibrated", "oracle", "bayes"):
                    tables.append((design, label, reliability_table(p, hit)))
            else:
                extra = "— | — | —"
            lines.append(
                f"| {design.title} | {label} | {np.mean(stats['acc']):.3f} | "
                f"{np.mean(stats['rho']):.3f} | {extra} |"
            )
    for design, label, rows in tables:
        lines += [
            "",
            f"{design.title} — {label}：",
            "",
            "| 概率区间 | 平均概率 | 实际命中率 | 作品数 |",
            "| --- | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {low:.1f}–{low + 0.1:.1f} | {mean:.3f} | {rate:.3f} | {count} |"
            for low, mean, rate, count in rows
        ]
    return "\n".join(lines)


def _calibrated(sim: Simulated) -> tuple[list[EntryScore], np.ndarray]:
    entries = list(aggregate(sim.reviews, method="calibrated").entries)
    return entries, np.array([e.score for e in entries])


def extra_reviews(
    design: Design,
    sim: Simulated,
    share: float,
    *,
    rounds: int,
    chosen: bool,
    seed: int,
) -> tuple[float, float]:
    """Tier accuracy after ``share`` × N extra reviews in ``rounds``, and the
    gain ``plan_extra_reviews`` expected (entries moved to the right tier, as a
    share of N). ``chosen=False`` sends the same number to random entries."""
    n = len(sim.truth)
    sizes = list(np.bincount(tier_of_rank(n)))
    rng = np.random.default_rng(seed + 7919)
    expected = 0.0
    for r in range(rounds):
        budget = round(share * n / rounds)
        entries, _ = _calibrated(sim)
        if chosen:
            plan = plan_extra_reviews(entries, sizes=sizes, budget=budget)
            targets = [int(p.entry_id) for p in plan]  # type: ignore[call-overload]
            expected += sum(p.gain for p in plan) / n
        else:
            targets = [int(i) for i in rng.choice(n, budget, replace=False)]
        sim = add_reviews(design, sim, sorted(targets), seed=seed * 100 + r)
    _, score = _calibrated(sim)
    return tier_accuracy(score, sim.truth), expected


def run_extra(
    *, designs: list[Design], seeds: int, shares: list[float], first_seed: int = 0
) -> str:
    """Markdown: tier accuracy with k reviews, with extra reviews chosen by
    ``plan_extra_reviews`` (2 rounds) or sent at random, and the oracle at k."""
    head = ["情形", "校准 k=3", "神谕 k=3"]
    for share in shares:
        pct = f"{share:.0%}"
        head += [f"+{pct} 按建议", f"+{pct} 随机", f"+{pct} 预计增益"]
    lines = ["| " + " | ".join(head) + " |", "| --- |" + " ---: |" * (len(head) - 1)]
    for design in designs:
        cells: list[list[float]] = [[] for _ in head[1:]]
        for seed in range(first_seed, first_seed + seeds):
            sim = simulate(design, seed)
            cells[0].append(tier_accuracy(_calibrated(sim)[1], sim.truth))
            cells[1].append(tier_accuracy(oracle(sim)[0], sim.truth))
            for index, share in enumerate(shares):
                acc, expected = extra_reviews(
                    design, sim, share, rounds=2, chosen=True, seed=seed
                )
                rand, _ = extra_reviews(
                    design, sim, share, rounds=2, chosen=False, seed=seed
                )
                cells[2 + 3 * index].append(acc)
                cells[3 + 3 * index].append(rand)
                cells[4 + 3 * index].append(expected)
        lines.append(
            f"| {design.title} | "
            + " | ".join(f"{np.mean(c):.3f}" for c in cells)
            + " |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--designs", default=",".join(d.name for d in DESIGNS), help="names, comma"
    )
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="seeds first-seed … first-seed + seeds − 1 (fresh seeds for honesty)",
    )
    parser.add_argument("--reliability", action="store_true")
    parser.add_argument(
        "--bayes-reference",
        action="store_true",
        help="also the exact model's posterior (Gibbs sampler; slow): the best "
        "any method can do without knowing the judges",
    )
    parser.add_argument(
        "--extra",
        default="",
        help="extra-review budgets as shares, e.g. 0.1,0.2: the gain table instead",
    )
    parser.add_argument(
        "--smoke", action="store_true", help="smallest run: two small designs, 1 seed"
    )
    args = parser.parse_args()
    by_name = {d.name: d for d in DESIGNS}
    designs = [by_name[name] for name in args.designs.split(",")]
    if args.smoke:
        designs = [
            replace(by_name["base"], n_entries=60, n_judges=10),
            replace(by_name["panels"], n_entries=60, n_judges=10),
        ]
        args.seeds = 1
    if args.extra or args.smoke:
        shares = [float(v) for v in (args.extra or "0.2").split(",")]
        print(
            run_extra(
                designs=designs,
                seeds=args.seeds,
                shares=shares,
                first_seed=args.first_seed,
            )
        )
        if not args.smoke:
            return
    print(
        run(
            designs=designs,
            seeds=args.seeds,
            reliability=args.reliability,
            first_seed=args.first_seed,
            bayes=args.bayes_reference or args.smoke,
        )
    )


if __name__ == "__main__":
    main()
