"""The parametric bootstrap of the judge parameters' uncertainty (aggregate.py)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

import judging.results.aggregate as agg
from judging.results.aggregate import CalibrationPrior, aggregate, bootstrap_draws
from judging.results.simulation import DESIGNS, coverage, simulate

BY_NAME = {d.name: d for d in DESIGNS}


@pytest.mark.parametrize(
    ("entries", "target", "draws"),
    [
        (300, 3000, 10),  # ceil(3000 / 300)
        (1000, 3000, 3),
        (10_000, 3000, 1),  # at least one refit
        (100, 3000, agg.MAX_BOOTSTRAP_DRAWS),  # capped
        (300, 0, 0),  # switched off
        (agg.MIN_BOOTSTRAP_ENTRIES - 1, 3000, 0),  # too few entries
    ],
)
def test_bootstrap_draws(entries: int, target: int, draws: int) -> None:
    assert bootstrap_draws(entries, target) == draws


def _small(seed: int = 0):
    return simulate(replace(BY_NAME["base"], n_entries=120, n_judges=12), seed)


def test_bootstrap_changes_only_the_widths_by_one_factor() -> None:
    sim = _small()
    plain = aggregate(
        sim.reviews, method="calibrated", prior=CalibrationPrior(bootstrap_entries=0)
    )
    boot = aggregate(sim.reviews, method="calibrated")
    scores = [e.score for e in plain.entries]
    assert [e.score for e in boot.entries] == pytest.approx(scores, abs=1e-9)
    pairs = zip(plain.entries, boot.entries, strict=True)
    ratio = np.array([b.sd / a.sd for a, b in pairs])
    assert np.ptp(ratio) < 1e-9
    assert agg.BOOTSTRAP_MIN <= ratio[0] <= agg.BOOTSTRAP_MAX


def test_bootstrap_is_deterministic() -> None:
    sim = _small(1)
    first = aggregate(sim.reviews, method="calibrated")
    again = aggregate(sim.reviews.sample(frac=1.0, random_state=3), method="calibrated")
    assert [e.sd for e in first.entries] == [e.sd for e in again.entries]


def test_bootstrap_repairs_a_model_that_ignores_censoring() -> None:
    # Strong severity: lenient judges hit 100. Taken at face value, the
    # analytic intervals are too short; the bootstrap world clips its totals
    # too, so the refits show the cost and the widths grow.
    sim = simulate(BY_NAME["severity"], 0)

    def cover(prior: CalibrationPrior) -> float:
        result = aggregate(sim.reviews, method="calibrated", prior=prior)
        low = np.array([e.low for e in result.entries])
        high = np.array([e.high for e in result.entries])
        return coverage(low, high, sim.truth)

    face_value = CalibrationPrior(censored=False)
    assert cover(face_value) > cover(replace(face_value, bootstrap_entries=0))
    assert cover(face_value) >= 0.93


def test_perturb_and_map_draws_have_the_posterior_variance() -> None:
    # The bootstrap's worlds are joint posterior draws of (u, b): their
    # variance must match the exact conditional variances.
    sim = simulate(replace(BY_NAME["panels"], n_entries=60, n_judges=9), 0)
    data = agg._prepare(sim.reviews, max_total=100.0)
    n_e, n_j = len(data.entry_ids), len(data.judge_ids)
    prior = CalibrationPrior()
    informative = np.ones(len(data.x))
    fit = agg._iterate(
        data.e,
        data.j,
        data.x,
        n_e=n_e,
        n_j=n_j,
        max_total=100.0,
        prior=prior,
        informative=informative,
        sigma2=16.0,
    )
    var_r = fit.judge_var[data.j]
    u, b, solve = agg._solve_linear(
        data.e, data.j, fit.y, fit.w, fit.s, var_r, fit.prec_u, fit.prec_b, n_e, n_j
    )
    var_u, _, levels = agg._condition_on_components(data, u, b, fit.s, solve)
    rng = np.random.default_rng(0)
    draws = []
    for _ in range(600):
        y = fit.y + np.sqrt(var_r / fit.w) * rng.standard_normal(len(fit.y))
        u_t, b_t, _, _ = agg._solve_means(
            data.e,
            data.j,
            y,
            fit.w,
            fit.s,
            var_r,
            fit.prec_u,
            fit.prec_b,
            n_e,
            n_j,
            b_start=b,
            prior_means=(
                rng.standard_normal(n_e) / np.sqrt(fit.prec_u),
                rng.standard_normal(n_j) / np.sqrt(fit.prec_b),
            ),
        )
        for level in levels:
            level.apply(u_t, b_t)
        draws.append(u_t)
    draws = np.array(draws)
    assert np.mean(draws, axis=0) == pytest.approx(u, abs=0.4 * np.sqrt(var_u).max())
    assert np.mean(np.var(draws, axis=0)) / np.mean(var_u) == pytest.approx(1, abs=0.08)


@pytest.mark.parametrize(
    ("design", "entries", "judges"), [("base", 400, 40), ("panels", 300, 30)]
)
def test_sparse_variances_match_the_dense_inverse(
    design: str, entries: int, judges: int
) -> None:
    # Beyond ``dense_judges`` the variances come from posterior draws and CG
    # solves only; the means are the same and the SDs within a few percent.
    sim = simulate(replace(BY_NAME[design], n_entries=entries, n_judges=judges), 3)
    dense = aggregate(
        sim.reviews, method="calibrated", prior=CalibrationPrior(bootstrap_entries=0)
    )
    sparse = aggregate(
        sim.reviews,
        method="calibrated",
        prior=CalibrationPrior(bootstrap_entries=0, dense_judges=0),
    )
    for a, b in zip(dense.entries, sparse.entries, strict=True):
        assert b.score == pytest.approx(a.score, abs=1e-6)
    ratio = np.array(
        [b.sd / a.sd for a, b in zip(dense.entries, sparse.entries, strict=True)]
    )
    assert abs(np.mean(ratio) - 1) < 0.02
    assert np.max(np.abs(ratio - 1)) < 0.1
    for a, b in zip(dense.judges, sparse.judges, strict=True):
        assert b.severity == pytest.approx(a.severity, abs=1e-6)
