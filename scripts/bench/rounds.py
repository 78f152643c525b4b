#!/usr/bin/env python3
"""Time the shortlist and the round combination (judging.results.rounds).

Usage: python scripts/bench/rounds.py [--sizes 1000,10000,100000] [--repeat 3]
[--smoke]

Data: random round-1 scores with many ties (half points), 30 % shortlisted per
category (two categories), round-2 scores for them and two 答辩 marks each,
combined 30/70 with 答辩 20 %. Prints a Markdown table of the best of
``repeat`` wall-clock times.
"""

from __future__ import annotations

import argparse
import random
import time

from judging.results.rounds import Ranked, RoundScore, combine, shortlist


def best_time(function: object, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--smoke", action="store_true", help="smallest size once: --sizes 1000"
    )
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.repeat = "1000", 1
    print("| 作品数 | 入围数 | 入围名单 (s) | 合成 (s) |")
    print("| ---: | ---: | ---: | ---: |")
    for size in (int(s) for s in args.sizes.split(",")):
        rng = random.Random(size)
        first = {
            i: round(rng.gauss(72, 8) * 2) / 2 for i in range(size)
        }  # half points: many ties
        rows = [
            Ranked(i, s, "理论研究" if i % 2 else "调研报告") for i, s in first.items()
        ]
        cut = shortlist(rows, top_share=30, per_category=True)
        cut_s = best_time(
            lambda r=rows: shortlist(r, top_share=30, per_category=True), args.repeat
        )
        rounds = [
            {i: RoundScore(s, s - 3, s + 3, 1.5) for i, s in first.items()},
            {
                i: RoundScore(s, s - 3, s + 3, 1.5)
                for i in cut.entry_ids
                for s in (round(rng.gauss(75, 8), 2),)
            },
        ]
        marks = {i: (rng.uniform(60, 95), rng.uniform(60, 95)) for i in cut.entry_ids}
        combine_s = best_time(
            lambda rounds=rounds, marks=marks: combine(
                rounds,
                mode="weighted",
                weights=(30, 70),
                defense=marks,
                defense_weight=20,
            ),
            args.repeat,
        )
        print(f"| {size:,} | {len(cut.entry_ids):,} | {cut_s:.3f} | {combine_s:.3f} |")


if __name__ == "__main__":
    main()
