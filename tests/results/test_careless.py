"""The contaminated-normal weights of the calibrated model (aggregate._careless)."""

from __future__ import annotations

import numpy as np
import pytest

import judging.results.aggregate as agg
from judging.results.aggregate import CalibrationPrior, aggregate
from judging.results.simulation import DESIGNS, simulate

BY_NAME = {d.name: d for d in DESIGNS}


def _p(z: float, share: float = 0.01, sd: float = 4.0) -> float:
    careless, _ = agg._careless(
        np.array([z]),
        np.array([sd**2]),
        np.array([1.0]),
        share=share,
        prior=CalibrationPrior(),
        max_total=100.0,
    )
    return float(careless[0])


@pytest.mark.parametrize(
    ("z", "low", "high"),
    [
        (0.0, 0.0, 0.0),  # on the fit (or censored): careful
        (1.0, 0.0, 0.01),
        (2.0, 0.0, 0.02),
        (3.0, 0.01, 0.2),
        (4.0, 0.3, 0.8),
        (6.0, 0.99, 1.0),
    ],
)
def test_careless_probability_grows_with_the_residual(
    z: float, low: float, high: float
) -> None:
    assert low <= _p(z) <= high


def test_careless_probability_follows_the_share_and_the_noise() -> None:
    assert _p(3.5, share=0.05) > _p(3.5, share=0.01) > _p(3.5, share=0.001)
    # The same standardised residual is likelier careless for a precise judge
    # (his careful density is higher, but the uniform one does not change).
    assert _p(3.5, sd=8.0) > _p(3.5, sd=2.0)


def test_share_update_is_a_beta_posterior_mean() -> None:
    careless, share = agg._careless(
        np.array([0.0, 0.0, 10.0, 10.0]),
        np.full(4, 16.0),
        np.array([1.0, 1.0, 1.0, 0.0]),  # the last judge is uninformative
        share=0.01,
        prior=CalibrationPrior(),
        max_total=100.0,
    )
    assert careless.tolist() == pytest.approx([0.0, 0.0, 1.0, 0.0], abs=1e-9)
    m = agg.CARELESS_PSEUDO_RATINGS
    assert share == pytest.approx((1.0 + 0.01 * m) / (3 + m))


def test_careless_ratings_stop_inflating_the_noise() -> None:
    sim = simulate(BY_NAME["careless"], 0)
    huber = aggregate(
        sim.reviews, method="calibrated", prior=CalibrationPrior(careless_share=None)
    )
    mixture = aggregate(sim.reviews, method="calibrated")
    assert mixture.noise_sd < huber.noise_sd
    true_sd = float(np.sqrt(np.mean(sim.noise**2)))
    assert abs(mixture.noise_sd - true_sd) < abs(huber.noise_sd - true_sd)


@pytest.mark.parametrize("name", ["severity", "careless", "fullmarks"])
def test_fit_converges_with_censored_and_careless_totals(name: str) -> None:
    # An entry rated 100, 91, 100 once cycled for ever (censoring's weights
    # and the careless probability of the 91 chasing each other).
    sim = simulate(BY_NAME[name], 0)
    data = agg._prepare(sim.reviews, max_total=100.0)
    fit = agg._iterate(
        data.e,
        data.j,
        data.x,
        n_e=len(data.entry_ids),
        n_j=len(data.judge_ids),
        max_total=100.0,
        prior=CalibrationPrior(),
        informative=np.where(agg._near_constant(data)[data.j], 0.0, 1.0),
        sigma2=16.0,
    )
    assert fit.iterations < 150
