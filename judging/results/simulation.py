"""Simulated essay competitions with known truth, and the yardsticks to score methods.

Pure: no Flask, no database. Used by ``scripts/simulate.py``, the aggregation
benchmark and the statistical tests.

Every design draws true quality v_i ~ N(70, 10²) and judges with a severity
b_j ~ N(0, σ_b²), a scale s_j = exp(N(0, σ_log s²)) and a noise level
σ_j = 4 · exp(N(0, σ_log n²)) (× s_j when ``noise_scales``: a judge who
stretches the scale stretches his noise with it). A review is

    x_ij = clip(round(s_j · (v_i − 70) + 70 + b_j + σ_j · ε), 0, 100),

except that a ``careless`` share of reviews is replaced by a uniform integer in
[30, 100], and a ``full_marks`` judge gives 100 to everything. Assignment is
balanced and random (least-loaded judges first), or

- ``tracks`` > 0: essays and judges belong to topic tracks whose essays differ
  in mean quality (−5, 0, +5 …); k − 1 judges come from the essay's own track
  and one from anywhere, so tracks are linked but judges specialise;
- ``panels``: fixed panels of k judges each take a block of essays; panel p is
  made of judges (k−1)·p … (k−1)·p + k − 1, so consecutive panels share exactly
  one judge (a chain: barely connected).

The "truth" an aggregation can recover is the score of the average judge of the
pool (the informative judges who reviewed at least one essay), t_i = 70 +
mean(b) + mean(s) · (v_i − 70): a method only knows judges relative to each
other. Rankings and award tiers are the same for v and t.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

MAX_TOTAL = 100.0
TIER_SHARES = (0.10, 0.20, 0.30)  # the default award scheme, top first


@dataclass(frozen=True)
class Design:
    """How a simulated competition is drawn (see the module docstring)."""

    name: str
    title: str
    n_entries: int = 300
    n_judges: int = 30
    k: int = 3
    severity_sd: float = 8.0
    log_scale_sd: float = 0.25
    noise_sd: float = 4.0
    log_noise_sd: float = 0.0
    noise_scales: bool = True
    careless: float = 0.0
    tracks: int = 0
    panels: bool = False
    full_marks: bool = False
    identical: bool = False


DESIGNS: tuple[Design, ...] = (
    Design("base", "评审专家宽严、尺度、噪声各不相同"),
    Design("identical", "评审专家完全一致", identical=True),
    Design("severity", "评审专家宽严差异很大", severity_sd=14.0),
    Design("scales", "评审专家尺度差异很大", log_scale_sd=0.45),
    Design("noise", "评审专家各自噪声不同", log_noise_sd=0.5),
    Design("careless", "5% 评分随意", careless=0.05, log_noise_sd=0.3),
    Design("tracks", "分赛道，评审专家专攻一个赛道", tracks=3, log_noise_sd=0.3),
    Design("panels", "固定 3 人评审组，相邻组共用 1 位评审专家", panels=True),
    Design("fullmarks", "有一位评审专家全部给满分", full_marks=True, log_noise_sd=0.3),
    Design(
        "large",
        "10,000 篇作品、500 位评审专家",
        n_entries=10_000,
        n_judges=500,
        log_noise_sd=0.3,
    ),
)


@dataclass(frozen=True)
class Simulated:
    """One simulated competition: reviews, and the truth behind them."""

    reviews: pd.DataFrame  # entry_id, judge_id, total
    quality: np.ndarray  # v_i
    truth: np.ndarray  # t_i, the average judge's score (see module docstring)
    severity: np.ndarray  # b_j
    scale: np.ndarray  # s_j
    noise: np.ndarray  # σ_j in points (already × s_j when noise scales)
    informative: np.ndarray  # False for a judge who gives everything full marks


def simulate(design: Design, seed: int) -> Simulated:
    """Draw one competition of ``design`` with ``seed`` (deterministic)."""
    rng = np.random.default_rng(seed)
    n_e, n_j = design.n_entries, design.n_judges
    quality = rng.normal(70, 10, n_e)
    if design.identical:
        severity, scale = np.zeros(n_j), np.ones(n_j)
        noise = np.full(n_j, design.noise_sd)
    else:
        severity = rng.normal(0, design.severity_sd, n_j)
        scale = np.exp(rng.normal(0, design.log_scale_sd, n_j))
        noise = design.noise_sd * np.exp(rng.normal(0, design.log_noise_sd, n_j))
        if design.noise_scales:
            noise = noise * scale
    informative = np.ones(n_j, dtype=bool)
    if design.full_marks:
        informative[0] = False
    entry_track = np.zeros(n_e, dtype=int)
    if design.tracks:
        entry_track = rng.integers(0, design.tracks, n_e)
        quality = quality + 5.0 * (entry_track - (design.tracks - 1) / 2)
    pairs = _assign(design, rng, entry_track)
    # The pool is the informative judges who reviewed something (a judge
    # left out of every panel is no part of what the data can tell).
    pool = informative & (np.bincount(pairs[:, 1], minlength=n_j) > 0)
    truth = 70 + severity[pool].mean() + scale[pool].mean() * (quality - 70)
    sim = Simulated(
        reviews=pd.DataFrame(columns=["entry_id", "judge_id", "total"]),
        quality=quality,
        truth=truth,
        severity=severity,
        scale=scale,
        noise=noise,
        informative=informative,
    )
    return replace(sim, reviews=_rate(design, sim, pairs[:, 0], pairs[:, 1], rng))


def _rate(
    design: Design,
    sim: Simulated,
    e: np.ndarray,
    j: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Reviews of entries ``e`` by judges ``j`` under the design's judge model."""
    raw = (
        sim.scale[j] * (sim.quality[e] - 70)
        + 70
        + sim.severity[j]
        + sim.noise[j] * rng.normal(0, 1, len(e))
    )
    if design.careless:
        careless = rng.random(len(e)) < design.careless
        raw = np.where(careless, rng.integers(30, 101, len(e)), raw)
    raw = np.where(sim.informative[j], raw, MAX_TOTAL)
    totals = np.clip(np.round(raw), 0, MAX_TOTAL)
    return pd.DataFrame({"entry_id": e, "judge_id": j, "total": totals})


def add_reviews(
    design: Design, sim: Simulated, entries: list[int], seed: int
) -> Simulated:
    """One more review for each of ``entries``, by the least-loaded judge who
    has not reviewed it yet (random among equals)."""
    rng = np.random.default_rng(seed)
    frame = sim.reviews
    load = np.bincount(frame["judge_id"], minlength=len(sim.severity)).astype(float)
    seen = frame.groupby("entry_id")["judge_id"].agg(set).to_dict()
    chosen = []
    for i in entries:
        tie = rng.random(len(load))
        order = np.lexsort((tie, load))
        judge = next(int(k) for k in order if k not in seen.get(i, set()))
        load[judge] += 1
        chosen.append(judge)
    extra = _rate(design, sim, np.array(entries, dtype=np.int64), np.array(chosen), rng)
    return replace(sim, reviews=pd.concat([frame, extra], ignore_index=True))


def _assign(design: Design, rng: np.random.Generator, track: np.ndarray) -> np.ndarray:
    """(entry, judge) pairs: k distinct judges per entry."""
    n_e, n_j, k = design.n_entries, design.n_judges, design.k
    if design.panels:
        step = k - 1
        n_panels = max(1, (n_j - 1) // step)
        block = np.array_split(rng.permutation(n_e), n_panels)
        rows = [
            (int(i), (step * p + m) % n_j)
            for p, members in enumerate(block)
            for i in members
            for m in range(k)
        ]
        return np.array(rows, dtype=np.int64)
    judge_track = np.arange(n_j) % max(design.tracks, 1)
    load = np.zeros(n_j)
    rows = []
    for i in rng.permutation(n_e):
        tie = rng.random(n_j)
        if design.tracks:
            own = np.flatnonzero(judge_track == track[i])
            order = own[np.lexsort((tie[own], load[own]))]
            chosen = list(order[: k - 1])
            rest = np.setdiff1d(np.arange(n_j), chosen)
            chosen.append(rest[np.lexsort((tie[rest], load[rest]))][0])
        else:
            chosen = list(np.lexsort((tie, load))[:k])
        for jj in chosen:
            load[jj] += 1
            rows.append((int(i), int(jj)))
    return np.array(rows, dtype=np.int64)


def simulate_reviews(
    *, scenario: str, seed: int, n_entries: int, n_judges: int, k: int
) -> tuple[pd.DataFrame, np.ndarray]:
    """Reviews and true quality of the design called ``scenario`` at a given size."""
    design = next(d for d in DESIGNS if d.name == scenario)
    sim = simulate(replace(design, n_entries=n_entries, n_judges=n_judges, k=k), seed)
    return sim.reviews, sim.quality


# -- baselines that are not offered to organisers ------------------------------


def scaled_least_squares(reviews: pd.DataFrame, *, iterations: int = 100) -> np.ndarray:
    """x_ij = a_j + s_j · v_i by plain alternating least squares (no priors).

    Returns v per entry in sorted entry order; mean a = 0 and mean s = 1 fix
    the level. A baseline: every judge weighs the same, noise is ignored.
    """
    e, j, x, n_e, n_j = _codes(reviews)
    n_entry = np.bincount(e, minlength=n_e)
    v = np.bincount(e, weights=x, minlength=n_e) / n_entry
    a, s = np.zeros(n_j), np.ones(n_j)
    n_judge = np.bincount(j, minlength=n_j)
    for _ in range(iterations):
        ve = v[e]
        mv = np.bincount(j, weights=ve, minlength=n_j) / n_judge
        mx = np.bincount(j, weights=x, minlength=n_j) / n_judge
        cov = np.bincount(j, weights=(ve - mv[j]) * (x - mx[j]), minlength=n_j)
        var = np.bincount(j, weights=(ve - mv[j]) ** 2, minlength=n_j)
        s = np.where(var > 1e-9, cov / np.maximum(var, 1e-9), 1.0)
        s = np.maximum(s, 0.05)
        a = mx - s * mv
        shift, stretch = a.mean(), s.mean()
        a, s = a - shift, s / stretch
        sj = s[j]
        v_new = np.bincount(e, weights=sj * (x - a[j]), minlength=n_e) / np.bincount(
            e, weights=sj**2, minlength=n_e
        )
        if np.max(np.abs(v_new - v)) < 1e-8:
            v = v_new
            break
        v = v_new
    return v


def oracle(sim: Simulated) -> tuple[np.ndarray, np.ndarray]:
    """Scores and SDs of a method that knows every judge's b_j, s_j and σ_j.

    Precision-weighted mean of (x − 70 − b_j) / s_j per entry, put on the scale
    of ``sim.truth``; the careless share and the full-marks judge are not known
    to it (the full-marks judge is dropped since his ratings carry no signal).
    """
    e, j, x, n_e, _ = _codes(sim.reviews)
    keep = sim.informative[j]
    e, j, x = e[keep], j[keep], x[keep]
    est = (x - 70 - sim.severity[j]) / sim.scale[j]
    weight = (sim.scale[j] / sim.noise[j]) ** 2
    total = np.bincount(e, weights=weight, minlength=n_e)
    v = np.bincount(e, weights=weight * est, minlength=n_e) / np.maximum(total, 1e-12)
    pool = sim.informative & (np.bincount(j, minlength=len(sim.scale)) > 0)
    factor = sim.scale[pool].mean()
    score = 70 + sim.severity[pool].mean() + factor * v
    return score, factor / np.sqrt(np.maximum(total, 1e-12))


Codes = tuple[np.ndarray, np.ndarray, np.ndarray, int, int]


def _codes(reviews: pd.DataFrame) -> Codes:
    e_codes, e_values = pd.factorize(reviews["entry_id"], sort=True)
    j_codes, j_values = pd.factorize(reviews["judge_id"], sort=True)
    x = reviews["total"].to_numpy(dtype=float)
    return e_codes, j_codes, x, len(e_values), len(j_values)


# -- yardsticks -----------------------------------------------------------------


def tier_of_rank(n: int, shares: tuple[float, ...] = TIER_SHARES) -> np.ndarray:
    """Tier index (0 = best, len(shares) = not awarded) of ranks 0 … n−1."""
    bounds = np.cumsum([int(math.floor(share * n + 0.5)) for share in shares])
    return np.searchsorted(bounds, np.arange(n), side="right")


def tiers(values: np.ndarray, shares: tuple[float, ...] = TIER_SHARES) -> np.ndarray:
    """Tier index of every value when ranked highest first (ties by position)."""
    order = np.argsort(-values, kind="stable")
    result = np.empty(len(values), dtype=int)
    result[order] = tier_of_rank(len(values), shares)
    return result


def tier_accuracy(scores: np.ndarray, truth: np.ndarray) -> float:
    """Share of entries placed in their true tier (scheme 10/20/30 %)."""
    return float(np.mean(tiers(scores) == tiers(truth)))


def spearman(scores: np.ndarray, truth: np.ndarray) -> float:
    """Spearman's ρ between scores and the truth."""
    return float(spearmanr(scores, truth).statistic)


def coverage(low: np.ndarray, high: np.ndarray, truth: np.ndarray) -> float:
    """Share of entries whose interval contains the truth."""
    return float(np.mean((low <= truth) & (truth <= high)))


def brier(probability: np.ndarray, hit: np.ndarray) -> float:
    """Mean squared gap between tier probability and whether the tier is right."""
    return float(np.mean((probability - hit.astype(float)) ** 2))


def reliability_table(
    probability: np.ndarray, hit: np.ndarray, bins: int = 10
) -> list[tuple[float, float, float, int]]:
    """Per decile of probability: (low, mean probability, hit rate, count)."""
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.searchsorted(edges, probability, side="right") - 1, 0, bins - 1)
    rows = []
    for b in range(bins):
        members = index == b
        if members.any():
            rows.append(
                (
                    float(edges[b]),
                    float(probability[members].mean()),
                    float(hit[members].mean()),
                    int(members.sum()),
                )
            )
    return rows


# -- Bayes-optimal reference -----------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """Posterior of the truth under the exact generating model (``bayes_reference``)."""

    score: np.ndarray  # posterior mean of t_i
    sd: np.ndarray  # posterior SD of t_i
    samples: np.ndarray  # kept draws of t (draws × entries), for tier probabilities


def bayes_reference(
    design: Design,
    sim: Simulated,
    *,
    sweeps: int = 6000,
    burn: int = 1500,
    seed: int = 0,
    keep: int = 400,
) -> Reference:
    """Gibbs sampler (with Metropolis steps) of the model the simulator draws from.

    Unlike ``oracle`` it does not know the drawn b_j, s_j, σ_j: only the
    distributions they come from (``design``): v_i ~ N(70 + track shift, 10²),
    b_j ~ N(0, σ_b²), log s_j ~ N(0, σ_log s²), σ_j = 4·exp(N(0, σ_log n²))
    (× s_j when noise scales), ratings rounded and clipped to 0–100 (exact,
    by latent continuous totals in [x − ½, x + ½], open-ended at 0 and 100),
    careless ratings uniform on the integers 30–100 with the design's share,
    and the design's assignment (an entry's track is its judges' majority
    track; the full-marks judge is the one whose totals are all 100). Its
    posterior mean of t_i is what no method can beat on average by more than
    sampling luck: the best any aggregation can do with these data, so the
    gap to the oracle is the price of not knowing the judges, not a flaw.
    Slow (pure NumPy, O(sweeps × reviews)); deterministic given ``seed``.
    """
    from scipy.special import ndtr, ndtri

    rng = np.random.default_rng(seed)
    e, j, x, n_e, n_j = _codes(sim.reviews)
    judge_ids = np.sort(sim.reviews["judge_id"].unique())
    n_total = len(sim.severity)
    informative = np.ones(n_j, dtype=bool)
    if design.full_marks:
        all_top = np.bincount(j, weights=(x < MAX_TOTAL), minlength=n_j) == 0
        informative = ~all_top
    keep_r = informative[j]
    e, j, x = e[keep_r], j[keep_r], x[keep_r]
    prior_mean = np.full(n_e, 70.0)
    if design.tracks:
        judge_track = judge_ids % design.tracks
        votes = np.zeros((n_e, design.tracks))
        np.add.at(votes, (e, judge_track[j]), 1.0)
        track = np.argmax(votes, axis=1)
        prior_mean = prior_mean + 5.0 * (track - (design.tracks - 1) / 2)
    lo = np.where(x <= 0, -np.inf, x - 0.5)
    hi = np.where(x >= MAX_TOTAL, np.inf, x + 0.5)
    in_careless = (x >= 30) & (x <= MAX_TOTAL)
    fixed = design.identical
    var_v = 10.0**2
    # Start from the plain data, not the truth.
    n_entry = np.bincount(e, minlength=n_e)
    u = np.bincount(e, weights=x, minlength=n_e) / np.maximum(n_entry, 1) - 70.0
    b = np.zeros(n_j)
    log_s = np.zeros(n_j)
    log_n = np.zeros(n_j)
    z = x.astype(float).copy()
    step_s, step_n = 0.1, 0.2
    acc_s, acc_n = 0.0, 0.0
    reviewed = informative & (np.bincount(j, minlength=n_j) > 0)
    del n_total
    kept: list[np.ndarray] = []
    total = np.zeros(n_e)
    square = np.zeros(n_e)
    count = 0
    thin = max(1, (sweeps - burn) // keep)

    def sigma(ls: np.ndarray, ln: np.ndarray) -> np.ndarray:
        out = design.noise_sd * np.exp(ln)
        return out * np.exp(ls) if design.noise_scales else out

    careful = np.ones(len(x), dtype=bool)

    def judge_loglik(ls: np.ndarray, ln: np.ndarray) -> np.ndarray:
        """Per-judge log-likelihood of his careful latent totals."""
        sd = sigma(ls, ln)[j]
        r = (z - 70.0 - b[j] - np.exp(ls)[j] * u[e]) / sd
        return np.bincount(
            j, weights=careful * (-0.5 * r * r - np.log(sd)), minlength=n_j
        )

    for sweep in range(sweeps):
        s = np.exp(log_s)
        sd_j = sigma(log_s, log_n)
        mu = 70.0 + b[j] + s[j] * u[e]
        sd = sd_j[j]
        # Latent continuous totals (and careless indicators).
        a, c = (lo - mu) / sd, (hi - mu) / sd
        flip = a > 0
        a2, c2 = np.where(flip, -c, a), np.where(flip, -a, c)
        pa, pc = ndtr(a2), ndtr(c2)
        mass = pc - pa
        careful = np.ones(len(x), dtype=bool)
        if design.careless:
            odds = (design.careless / 71.0) * in_careless
            p_careful = (1 - design.careless) * mass
            careful = rng.random(len(x)) * (p_careful + odds) < p_careful
        draw = ndtri(pa + rng.random(len(x)) * mass)
        draw = np.where(mass > 0, draw, np.where(np.abs(a2) < np.abs(c2), a2, c2))
        draw = np.where(flip, -draw, draw)
        z = np.where(careful, mu + sd * draw, mu)
        w = careful / sd**2  # precision of each careful rating
        # Entry values.
        prec = 1.0 / var_v + np.bincount(e, weights=w * s[j] ** 2, minlength=n_e)
        rhs = (prior_mean - 70.0) / var_v + np.bincount(
            e, weights=w * s[j] * (z - 70.0 - b[j]), minlength=n_e
        )
        u = rhs / prec + rng.standard_normal(n_e) / np.sqrt(prec)
        if not fixed:
            # Severities (conjugate).
            prec_b = 1.0 / design.severity_sd**2 + np.bincount(
                j, weights=w, minlength=n_j
            )
            rhs_b = np.bincount(j, weights=w * (z - 70.0 - s[j] * u[e]), minlength=n_j)
            b = rhs_b / prec_b + rng.standard_normal(n_j) / np.sqrt(prec_b)
            # Scales and noise levels: random-walk Metropolis per judge (a
            # careless rating does not count in his likelihood).
            for which in ("s", "n"):
                if which == "n" and design.log_noise_sd == 0:
                    continue
                prop_s, prop_n = log_s, log_n
                if which == "s":
                    prop_s = log_s + step_s * rng.standard_normal(n_j)
                    prior_sd, old_p, new_p = design.log_scale_sd, log_s, prop_s
                else:
                    prop_n = log_n + step_n * rng.standard_normal(n_j)
                    prior_sd, old_p, new_p = design.log_noise_sd, log_n, prop_n
                ratio = (
                    judge_loglik(prop_s, prop_n)
                    - judge_loglik(log_s, log_n)
                    - 0.5 * ((new_p / prior_sd) ** 2 - (old_p / prior_sd) ** 2)
                )
                accept = np.log(rng.random(n_j)) < ratio
                if which == "s":
                    log_s = np.where(accept, prop_s, log_s)
                    acc_s += float(np.mean(accept))
                else:
                    log_n = np.where(accept, prop_n, log_n)
                    acc_n += float(np.mean(accept))
        if sweep < burn and sweep % 50 == 49:
            # Tune the steps towards about 35 % acceptance during burn-in.
            step_s *= math.exp(acc_s / 50 - 0.35)
            step_n *= math.exp(acc_n / 50 - 0.35)
            acc_s = acc_n = 0.0
        if sweep >= burn:
            s = np.exp(log_s)
            t = 70.0 + b[reviewed].mean() + s[reviewed].mean() * u
            if fixed:
                t = 70.0 + u
            total += t
            square += t * t
            count += 1
            if (sweep - burn) % thin == 0:
                kept.append(t)
    mean = total / count
    sd_t = np.sqrt(np.maximum(square / count - mean**2, 0.0))
    return Reference(score=mean, sd=sd_t, samples=np.array(kept))
