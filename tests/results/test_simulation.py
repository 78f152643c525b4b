"""The simulator and its yardsticks (judging/results/simulation.py)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import numpy as np
import pytest

from judging.results.simulation import (
    DESIGNS,
    add_reviews,
    bayes_reference,
    coverage,
    oracle,
    reliability_table,
    scaled_least_squares,
    simulate,
    spearman,
    tier_accuracy,
    tier_of_rank,
)

BY_NAME = {d.name: d for d in DESIGNS}


def test_same_seed_same_competition() -> None:
    first = simulate(BY_NAME["careless"], 4)
    second = simulate(BY_NAME["careless"], 4)

    assert first.reviews.equals(second.reviews)
    assert np.array_equal(first.truth, second.truth)


def test_tier_of_rank_uses_default_scheme() -> None:
    assert list(np.bincount(tier_of_rank(300))) == [30, 60, 90, 120]


def test_panels_are_a_chain_sharing_one_judge() -> None:
    sim = simulate(BY_NAME["panels"], 0)

    panels = sim.reviews.groupby("entry_id")["judge_id"].agg(
        lambda judges: tuple(sorted(judges))
    )
    distinct = sorted(set(panels))
    assert distinct[:3] == [(0, 1, 2), (2, 3, 4), (4, 5, 6)]
    assert all(len(set(a) & set(b)) == 1 for a, b in pairwise(distinct))


def test_full_marks_judge_gives_only_full_marks() -> None:
    sim = simulate(BY_NAME["fullmarks"], 0)

    mine = sim.reviews[sim.reviews.judge_id == 0]["total"]
    assert set(mine) == {100.0}
    assert not sim.informative[0]


def test_oracle_and_scaled_ls_beat_mean_when_judges_differ() -> None:
    sim = simulate(BY_NAME["severity"], 0)

    mean = sim.reviews.groupby("entry_id")["total"].mean().to_numpy()
    assert tier_accuracy(oracle(sim)[0], sim.truth) > tier_accuracy(mean, sim.truth)
    ls = scaled_least_squares(sim.reviews)
    assert tier_accuracy(ls, sim.truth) > tier_accuracy(mean, sim.truth) + 0.1


def test_add_reviews_one_new_judge_per_entry() -> None:
    design = BY_NAME["base"]
    sim = simulate(design, 0)

    more = add_reviews(design, sim, [0, 1, 2], seed=0)

    counts = more.reviews.groupby("entry_id").size()
    assert list(counts.loc[[0, 1, 2]]) == [4, 4, 4]
    assert len(more.reviews) == len(sim.reviews) + 3
    assert not more.reviews.duplicated(["entry_id", "judge_id"]).any()


def test_reliability_table_counts_and_rates() -> None:
    p = np.array([0.05, 0.15, 0.12, 0.95])
    hit = np.array([False, True, False, True])

    rows = reliability_table(p, hit)

    assert [(low, count) for low, _, _, count in rows] == [(0.0, 1), (0.1, 2), (0.9, 1)]
    assert rows[1][1:3] == pytest.approx((0.135, 0.5))


SMALL = {"n_entries": 120, "n_judges": 12}


def test_bayes_reference_is_deterministic_and_honest() -> None:
    design = replace(BY_NAME["base"], **SMALL)
    sim = simulate(design, 3)

    first = bayes_reference(design, sim, sweeps=1200, burn=400, seed=5)
    again = bayes_reference(design, sim, sweeps=1200, burn=400, seed=5)

    assert np.array_equal(first.score, again.score)
    assert first.samples.shape[1] == 120
    inside = coverage(
        first.score - 1.96 * first.sd, first.score + 1.96 * first.sd, sim.truth
    )
    assert 0.88 <= inside <= 0.99
    mean = sim.reviews.groupby("entry_id")["total"].mean().to_numpy()
    error = np.mean((first.score - sim.truth) ** 2)
    assert error < np.mean((mean - sim.truth) ** 2) / 2


def test_bayes_reference_knows_judges_less_than_the_oracle() -> None:
    design = replace(BY_NAME["noise"], **SMALL)
    sims = [simulate(design, seed) for seed in range(3)]

    ref = [
        np.mean(
            (bayes_reference(design, s, sweeps=1200, burn=400).score - s.truth) ** 2
        )
        for s in sims
    ]
    known = [np.mean((oracle(s)[0] - s.truth) ** 2) for s in sims]

    # Not knowing the judges costs something, but far less than ignoring them.
    assert np.mean(known) < np.mean(ref) < 2 * np.mean(known)


def test_bayes_reference_ignores_the_full_marks_judge() -> None:
    design = replace(BY_NAME["fullmarks"], **SMALL)
    sim = simulate(design, 0)

    ref = bayes_reference(design, sim, sweeps=1200, burn=400)

    assert spearman(ref.score, sim.truth) > 0.95
