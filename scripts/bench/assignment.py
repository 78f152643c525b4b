#!/usr/bin/env python3
"""Benchmark the reviewer assignment solver on a synthetic competition.

Units submit 1-5 entries each; most judges belong to a unit (automatic
conflict with its entries), the rest to a few outside bodies.  The plan is
solved, then verified independently, and a last line of key=value pairs is
printed for scripts to parse:

    python scripts/bench/assignment.py --entries 10000 --judges 1000 --k 3
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from judging.assignment.solver import (
    EntryInput,
    JudgeInput,
    build_plan,
    verify_plan,
)

TOPICS = [f"topic{i:02d}" for i in range(24)]


def make_instance(
    *, n_entries: int, n_judges: int, seed: int
) -> tuple[list[EntryInput], list[JudgeInput], set[tuple[int, int]]]:
    """Synthetic entries, judges and a few explicit conflicts."""
    rng = np.random.default_rng(seed)
    entries: list[EntryInput] = []
    unit = 0
    while len(entries) < n_entries:
        unit += 1
        for _ in range(int(rng.integers(1, 6))):
            if len(entries) == n_entries:
                break
            words = rng.choice(len(TOPICS), size=int(rng.integers(1, 3)), replace=False)
            entries.append(
                EntryInput(
                    id=len(entries) + 1,
                    unit_id=unit,
                    keywords=frozenset(TOPICS[w] for w in words),
                )
            )
    n_bodies = max(1, n_judges // 20)
    judges: list[JudgeInput] = []
    for judge_id in range(1, n_judges + 1):
        words = rng.choice(len(TOPICS), size=int(rng.integers(2, 4)), replace=False)
        expertise = frozenset(TOPICS[w] for w in words)
        if rng.random() < 0.8:
            unit_id = int(rng.integers(1, unit + 1))
            judges.append(
                JudgeInput(
                    id=judge_id,
                    affiliation=unit_id,
                    unit_id=unit_id,
                    expertise=expertise,
                )
            )
        else:
            body = f"学会{int(rng.integers(1, n_bodies + 1))}"
            judges.append(
                JudgeInput(id=judge_id, affiliation=body, expertise=expertise)
            )
    # A few declared conflicts (advisor relations, etc.).
    conflicts = {
        (int(rng.integers(1, n_judges + 1)), int(rng.integers(1, n_entries + 1)))
        for _ in range(max(1, n_entries // 100))
    }
    return entries, judges, conflicts


def main(argv: list[str] | None = None) -> int:
    """Generate, solve, verify, print a table and the key=value line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--judges", type=int, default=1_000)
    parser.add_argument("--k", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--smoke", action="store_true", help="smallest size: 100 entries, 20 judges"
    )
    args = parser.parse_args(argv)
    if args.smoke:
        args.entries, args.judges = 100, 20

    print(f"generating {args.entries} entries, {args.judges} judges …", flush=True)
    entries, judges, conflicts = make_instance(
        n_entries=args.entries, n_judges=args.judges, seed=args.seed
    )
    print("solving …", flush=True)
    start = time.perf_counter()
    plan = build_plan(
        entries=entries, judges=judges, k=args.k, conflicts=conflicts, seed=args.seed
    )
    seconds = time.perf_counter() - start
    print("verifying independently …", flush=True)
    problems = verify_plan(
        pairs=plan.pairs, entries=entries, judges=judges, k=args.k, conflicts=conflicts
    )
    for problem in problems[:10]:
        print("  problem:", problem)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    loads = list(plan.loads.values())
    stats = plan.stats
    rows = [
        ("solve seconds", f"{seconds:.2f}"),
        ("pairs", str(len(plan.pairs))),
        ("load min / max", f"{min(loads)} / {max(loads)}"),
        ("verification problems", str(len(problems))),
        ("components", str(stats.components)),
        ("mean shared (all pairs)", f"{stats.mean_shared_all:.4f}"),
        ("mean shared (linked pairs)", f"{stats.mean_shared_linked:.3f}"),
        ("conflicts avoided", str(stats.conflicts_avoided)),
        ("same-affiliation entries", str(stats.same_affiliation_entries)),
        ("expertise matches", str(stats.expertise_matches)),
        ("candidate arcs / rounds", f"{stats.candidate_arcs} / {stats.rounds}"),
        ("peak MB", f"{peak_mb:.0f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print(
        f"entries={args.entries} judges={args.judges} k={args.k} "
        f"seconds={seconds:.2f} peak_mb={peak_mb:.0f} load_min={min(loads)} "
        f"load_max={max(loads)} conflicts={len(problems)} "
        f"components={stats.components}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
