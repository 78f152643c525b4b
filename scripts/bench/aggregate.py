#!/usr/bin/env python3
"""Time the calibrated aggregation (and the mean, for scale) at several sizes.

Usage: python scripts/bench/aggregate.py [--sizes 100,1000,10000] [--k 3]
[--per-judge 30] [--repeat 3] [--large] [--smoke]

``--large`` runs the target size once: 100,000 entries × 5,000 judges (k = 3,
60 reviews per judge). The last column is the process's peak resident memory
after that size (it only grows, so run sizes in increasing order); the column
before the awards' is the peak after the calibrated fit, before the 1,000
tier-probability draws.

Data: design "base" of judging/results/simulation.py; one judge per
``per-judge`` reviews.
Prints a Markdown table of the best of ``repeat`` wall-clock times.
"""

from __future__ import annotations

import argparse
import resource
import time

from judging.results.aggregate import aggregate
from judging.results.awards import allocate_awards, parse_shares
from judging.results.simulation import simulate_reviews


def best_time(function: object, repeat: int) -> float:
    """Best wall-clock seconds of ``repeat`` calls."""
    return best_times(function, repeat)[0]


def best_times(function: object, repeat: int) -> tuple[float, float]:
    """Best wall-clock and best CPU seconds of ``repeat`` calls (CPU time is
    what the machine's load cannot inflate; BLAS threads can push it above
    the wall time)."""
    walls, cpus = [], []
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        function()  # type: ignore[operator]
        walls.append(time.perf_counter() - start)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--per-judge", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--smoke", action="store_true", help="smallest size once: --sizes 100"
    )
    parser.add_argument(
        "--large", action="store_true", help="100,000 entries × 5,000 judges, once"
    )
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.repeat = "100", 1
    if args.large:
        args.sizes, args.per_judge, args.repeat = "100000", 60, 1
    print(
        "| 作品数 | 评审专家数 | 评分数 | 均值 (s) | 校准 (s) | 校准 CPU (s) "
        "| 校准后峰值内存 (MB) | 奖项+归属概率 1000 次 (s) | 峰值内存 (MB) |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    scheme = parse_shares("10,20,30")
    for size in (int(s) for s in args.sizes.split(",")):
        judges = max(args.k + 1, size * args.k // args.per_judge)
        frame, _ = simulate_reviews(
            scenario="base", seed=0, n_entries=size, n_judges=judges, k=args.k
        )
        mean_s = best_time(lambda f=frame: aggregate(f, method="mean"), args.repeat)
        kept = []
        calibrated_s, calibrated_cpu = best_times(
            lambda f=frame, k=kept: k.append(aggregate(f, method="calibrated")),
            args.repeat,
        )
        result = kept[-1]
        # Peak so far: the data and the calibrated fit (the tier-probability
        # draws below are the allocation's, not the fit's).
        fit_mb = peak_mb()
        awards_s = best_time(
            lambda r=result: allocate_awards(r, scheme=scheme, draws=1000, seed=0),
            1,
        )
        print(
            f"| {size:,} | {judges:,} | {len(frame):,} | {mean_s:.3f} | "
            f"{calibrated_s:.3f} | {calibrated_cpu:.3f} | {fit_mb:.0f} | "
            f"{awards_s:.3f} | {peak_mb():.0f} |"
        )


if __name__ == "__main__":
    main()
