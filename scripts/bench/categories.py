#!/usr/bin/env python3
"""Time tiers per category and the 优秀组织奖 at several sizes.

Usage: python scripts/bench/categories.py [--sizes 1000,10000,100000]
[--repeat 3] [--smoke]

Data: random scores (N(72, 8), SD 3) split over 理论研究 / 调研报告 (40 / 60 %),
one unit per four entries. Columns: overall allocation and per-category
allocation (both with 1,000 tier-probability draws), then the organisation
award by points (5/3/1, top 10 %) from those awards. Prints a Markdown table of
the best of ``repeat`` wall-clock times.
"""

from __future__ import annotations

import argparse
import random
import time
from collections import defaultdict

from judging.results.aggregate import Aggregation, EntryScore
from judging.results.awards import NOT_AWARDED, allocate_awards, parse_shares
from judging.results.categories import allocate_by_category
from judging.results.organisation import Rule, UnitTally, organisation_awards

CATEGORIES = ("理论研究", "调研报告")


def best_time(function: object, repeat: int) -> float:
    """Best wall-clock seconds of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def make_data(size: int, *, seed: int = 0) -> tuple[Aggregation, dict, dict]:
    """An aggregation of ``size`` entries, their categories and their units."""
    rng = random.Random(seed)
    entries = []
    for i in range(size):
        score = rng.gauss(72, 8)
        entries.append(EntryScore(i, score, score - 6, score + 6, 3.0, 3, 0))
    aggregation = Aggregation(
        "mean", "均值", 100.0, 0.95, tuple(entries), (), 1, 0.0, ()
    )
    category_of = {i: CATEGORIES[rng.random() < 0.6] for i in range(size)}
    unit_of = {i: i // 4 for i in range(size)}
    return aggregation, category_of, unit_of


def tallies(allocation, unit_of: dict) -> list[UnitTally]:  # noqa: ANN001
    entries: dict[int, int] = defaultdict(int)
    won: dict[int, list[str]] = defaultdict(list)
    for award in allocation.awards:
        entries[unit_of[award.entry_id]] += 1
        if award.tier != NOT_AWARDED:
            won[unit_of[award.entry_id]].append(award.tier)
    return [UnitTally(u, f"单位{u}", n, tuple(won[u])) for u, n in entries.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--smoke", action="store_true", help="smallest size once: --sizes 100"
    )
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.repeat = "100", 1
    scheme = parse_shares("10,20,30")
    points = {"一等奖": 5, "二等奖": 3, "三等奖": 1}
    print("| 作品数 | 单位数 | 统一评奖 (s) | 分类评奖 (s) | 优秀组织奖 (s) |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        aggregation, category_of, unit_of = make_data(size)
        overall = best_time(
            lambda a=aggregation: allocate_awards(a, scheme=scheme), args.repeat
        )
        split = best_time(
            lambda a=aggregation, c=category_of: allocate_by_category(
                a, category_of=c, categories=CATEGORIES, scheme=scheme
            ),
            args.repeat,
        )
        allocation = allocate_by_category(
            aggregation, category_of=category_of, categories=CATEGORIES, scheme=scheme
        )
        units = tallies(allocation, unit_of)
        rule = Rule("points", top=max(1, len(units) // 10), points=points)
        organisations = best_time(
            lambda u=units, r=rule: organisation_awards(u, rule=r), args.repeat
        )
        print(
            f"| {size:,} | {len(units):,} | {overall:.3f} | {split:.3f} "
            f"| {organisations:.4f} |"
        )


if __name__ == "__main__":
    main()
