"""Statistical properties of the calibrated model on simulated competitions.

Table tests on fixed seeds of judging/results/simulation.py: each asserts a
number the model must reach, and fails with the older one-noise model or
without the fix named in the test.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import numpy as np
import pytest

from judging.results.aggregate import (
    CalibrationPrior,
    Review,
    _noise_prior_log,
    aggregate,
)
from judging.results.simulation import DESIGNS, coverage, simulate, tier_accuracy

BY_NAME = {d.name: d for d in DESIGNS}


def scores(result: object) -> np.ndarray:
    return np.array([e.score for e in result.entries])  # type: ignore[attr-defined]


def accuracy(name: str, seed: int, method: str, **prior: object) -> float:
    sim = simulate(BY_NAME[name], seed)
    result = aggregate(
        sim.reviews,
        method=method,
        prior=CalibrationPrior(**prior),  # type: ignore[arg-type]
    )
    return tier_accuracy(scores(result), sim.truth)


def test_infinite_shrinkage_is_one_noise_level() -> None:
    sim = simulate(BY_NAME["noise"], 0)
    older = {"noise_centre": "pooled", "noise_relative": False}

    none = aggregate(
        sim.reviews,
        method="calibrated",
        prior=CalibrationPrior(noise_pseudo_ratings=None),
    )
    huge = aggregate(
        sim.reviews,
        method="calibrated",
        prior=CalibrationPrior(noise_pseudo_ratings=1e9, **older),
    )

    assert scores(none) == pytest.approx(scores(huge), abs=1e-3)
    assert [e.sd for e in none.entries] == pytest.approx(
        [e.sd for e in huge.entries], rel=1e-3
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_per_judge_noise_beats_one_noise_level(seed: int) -> None:
    own = accuracy("noise", seed, "calibrated")
    shared = accuracy("noise", seed, "calibrated", noise_pseudo_ratings=None)

    assert own >= shared + 0.02


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_calibrated_at_least_zscore_when_judges_differ_in_noise(seed: int) -> None:
    assert accuracy("noise", seed, "calibrated") >= accuracy("noise", seed, "zscore")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_interval_coverage_near_nominal(seed: int) -> None:
    sim = simulate(BY_NAME["base"], seed)

    result = aggregate(sim.reviews, method="calibrated")

    low = np.array([e.low for e in result.entries])
    high = np.array([e.high for e in result.entries])
    assert 0.92 <= coverage(low, high, sim.truth) <= 0.975


def test_full_marks_judge_is_uninformative_in_zscore() -> None:
    sim = simulate(BY_NAME["fullmarks"], 0)
    frame = sim.reviews
    without = frame[frame.judge_id != 0]

    # A wide max_total keeps clipping out of the comparison.
    with_him = aggregate(
        frame, method="zscore", max_total=1000, judge_names={0: "王评委"}
    )
    alone = aggregate(without, method="zscore", max_total=1000)

    # Without him the scores are the same up to the map back to points.
    assert np.corrcoef(scores(with_him), scores(alone))[0, 1] == pytest.approx(
        1.0, abs=1e-12
    )
    assert any(
        w.startswith("评审专家 王评委 的") and "几乎相同" in w
        for w in with_him.warnings
    )


def review(entry: str, judge: str, total: float) -> Review:
    return Review(entry_id=entry, judge_id=judge, total=Decimal(str(total)))


def test_score_clipped_into_scale_and_its_interval() -> None:
    # J1 is about 10 points harsher than J2 on ten shared entries; TOP has only
    # J1's 96, so the model's value for TOP is about 106 on a 100-point scale.
    jitter = [3, -2, 1, -3, 2, 0, -1, 3, -2, 1]
    rows = [review(f"E{i}", "J1", 40 + 4 * i) for i in range(10)]
    rows += [review(f"E{i}", "J2", 50 + 4 * i + jitter[i]) for i in range(10)]
    rows.append(review("TOP", "J1", 96))

    result = aggregate(rows, method="calibrated")

    top = result.entry("TOP")
    assert top.score == 100.0
    assert top.high == 100.0
    assert top.low < top.score
    assert all(e.low <= e.score <= e.high <= 100 for e in result.entries)


def test_weak_links_named_in_chained_panels_only() -> None:
    panels = simulate(BY_NAME["panels"], 0)
    base = simulate(BY_NAME["base"], 0)
    names = {k: f"评委{k:02d}" for k in range(30)}

    chained = aggregate(panels.reviews, method="calibrated", judge_names=names)
    random = aggregate(base.reviews, method="calibrated", judge_names=names)

    # Panel p is judges 2p, 2p+1, 2p+2: the even judges 2 … 26 link two panels.
    expected = "、".join(f"评委{k:02d}" for k in range(2, 27, 2))
    assert [w for w in chained.warnings if "只靠个别评审专家相连" in w] == [
        f"部分作品之间只靠个别评审专家相连（{expected}）：去掉其中任何一位，"
        "作品就分成互不相连的几组，组与组之间的宽严比较只依赖这几位专家，"
        "把握较小。建议安排几位评审专家交叉评阅不同组的作品。"
    ]
    assert not any("只靠个别评审专家相连" in w for w in random.warnings)


def test_far_harsher_judge_named_once() -> None:
    sim = simulate(BY_NAME["base"], 1)
    frame = sim.reviews.copy()
    mine = frame.judge_id == 5
    frame.loc[mine, "total"] = (frame.loc[mine, "total"] - 35).clip(lower=0)

    plain = aggregate(sim.reviews, method="calibrated")
    harsh = aggregate(frame, method="calibrated", judge_names={5: "李评委"})

    assert not any("明显偏" in w for w in plain.warnings)
    flagged = [w for w in harsh.warnings if "明显偏" in w]
    assert len(flagged) == 1
    assert flagged[0].startswith("评审专家 李评委 明显偏严：平均比一般评审专家低 ")


@pytest.mark.parametrize("name", ["base", "identical", "noise"])
def test_no_careless_flags_in_clean_competitions(name: str) -> None:
    for seed in range(3):
        sim = simulate(BY_NAME[name], seed)

        result = aggregate(sim.reviews, method="calibrated")

        assert [w for w in result.warnings if "降低权重" in w] == []


@pytest.mark.parametrize("c", [1.5, 2.0, 2.5, 3.0])
def test_huber_bias_matches_numerical_integration(
    c: float, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scipy.integrate import quad
    from scipy.stats import norm

    from judging.results import aggregate as module

    def weight(z: float) -> float:
        return min(1.0, c / max(abs(z), 1e-12))

    wz2 = quad(lambda z: weight(z) * z * z * norm.pdf(z), -12, 12, points=[-c, c])[0]
    w = quad(lambda z: weight(z) * norm.pdf(z), -12, 12, points=[-c, c])[0]
    monkeypatch.setattr(module, "HUBER_C", c)

    assert module._huber_bias() == pytest.approx(wz2 / w, abs=1e-7)


@pytest.mark.parametrize(
    ("at_top", "fitted", "imputed_above", "info_below"),
    [
        (True, 0.0, 0.0, 1.0),  # fit at the bound: half the mass is beyond it
        (True, -30.0, -0.0, 1.0),  # fit far below: the total is surely an outlier
        (False, 30.0, None, 1.0),  # at the bottom, mirrored
    ],
)
def test_censored_e_step_table(
    at_top: bool, fitted: float, imputed_above: float | None, info_below: float
) -> None:
    from judging.results.aggregate import _censored

    y, info, moment = _censored(
        np.array([0.0]),
        np.array([fitted]),
        np.array([16.0]),
        np.array([at_top]),
        np.array([not at_top]),
        (0.0, 0.0),
    )

    if at_top:
        assert y[0] > imputed_above  # E[x | x ≥ c] lies beyond the bound
    else:
        assert y[0] < 0.0
    assert 0 < info[0] < info_below
    assert moment[0] > 0


def test_censoring_off_takes_full_marks_at_face_value() -> None:
    sim = simulate(BY_NAME["severity"], 0)
    assert (sim.reviews.total == 100).any()

    plain = aggregate(
        sim.reviews, method="calibrated", prior=CalibrationPrior(censored=False)
    )
    censored = aggregate(sim.reviews, method="calibrated")
    # No total at either bound: both rules give the same fit.
    inside = sim.reviews[(sim.reviews.total > 0) & (sim.reviews.total < 100)]
    a = aggregate(inside, method="calibrated")
    b = aggregate(inside, method="calibrated", prior=CalibrationPrior(censored=False))

    assert scores(a) == pytest.approx(scores(b), abs=1e-9)
    assert not np.allclose(scores(plain), scores(censored))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_censoring_restores_coverage_with_strong_severity(seed: int) -> None:
    sim = simulate(BY_NAME["severity"], seed)

    def cover(prior: CalibrationPrior) -> float:
        result = aggregate(sim.reviews, method="calibrated", prior=prior)
        low = np.array([e.low for e in result.entries])
        high = np.array([e.high for e in result.entries])
        return coverage(low, high, sim.truth)

    assert cover(CalibrationPrior()) >= 0.93
    # Without the bootstrap (which measures, and so repairs, what taking the
    # totals at 100 at face value costs), censoring is what restores coverage.
    analytic = CalibrationPrior(bootstrap_entries=0)
    assert cover(analytic) > cover(replace(analytic, censored=False))


def test_calibrated_is_deterministic() -> None:
    sim = simulate(BY_NAME["careless"], 3)

    first = aggregate(sim.reviews, method="calibrated")
    again = aggregate(sim.reviews.sample(frac=1.0, random_state=1), method="calibrated")

    assert first == again


def test_noise_prior_centre_is_the_geometric_mean() -> None:
    rng = np.random.default_rng(0)
    true_var = 16 * np.exp(rng.normal(0, 1.0, 4000))
    dof = np.full(4000, 30.0)
    ss = true_var * rng.chisquare(30, 4000)

    kappa, centre = _noise_prior_log(
        ss,
        dof,
        float(np.mean(ss / dof)),
        CalibrationPrior(noise_pseudo_ratings=0.1),
        1e-6,
    )

    # Geometric mean 16, not the arithmetic mean 16·e^0.5 ≈ 26; Var log σ² = 1.
    assert centre == pytest.approx(16, rel=0.05)
    assert kappa == pytest.approx(2.0, rel=0.15)


def test_noise_prior_with_equal_judges_is_one_level() -> None:
    rng = np.random.default_rng(1)
    ss = 16 * rng.chisquare(30, 200)

    kappa, centre = _noise_prior_log(
        ss, np.full(200, 30.0), 16.0, CalibrationPrior(), 1e-6
    )

    assert kappa > 100
    assert centre == pytest.approx(16, rel=0.05)


def centred_error(name: str, seed: int, **prior: object) -> float:
    sim = simulate(BY_NAME[name], seed)
    result = aggregate(
        sim.reviews,
        method="calibrated",
        prior=CalibrationPrior(**prior),  # type: ignore[arg-type]
    )
    gap = scores(result) - sim.truth
    return float(np.mean((gap - gap.mean()) ** 2))


def test_noise_shrunk_relative_to_scale_when_scales_differ() -> None:
    # A judge who stretches the scale stretches his noise: shrinking σ_j / s_j
    # (not σ_j) keeps such a judge's weight; seeds 0–4: 7.8 against 8.5.
    relative = [centred_error("scales", seed) for seed in range(5)]
    absolute = [
        centred_error("scales", seed, noise_relative=False) for seed in range(5)
    ]

    assert np.mean(relative) < 0.95 * np.mean(absolute)
