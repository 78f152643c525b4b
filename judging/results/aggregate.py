"""Turn judges' review totals into one score per entry, with an uncertainty interval.

Pure: no Flask, no database.

Five methods sit side by side (see ``METHODS``):

- ``mean`` (均值): the plain mean of an entry's review totals.
- ``median`` (中位数): the median of an entry's review totals.
- ``trimmed`` (截尾均值): drop the single highest and lowest total, then take the
  mean, but ONLY when the entry has at least 5 reviews; with fewer it equals the
  mean, because with 3 judges trimming keeps one total and throws two thirds of
  the information away.
- ``zscore`` (标准分): standardise each judge's totals by that judge's own mean and
  standard deviation, average the z-scores per entry, and map the result back to
  the scale of all totals (overall mean + overall SD × z).
- ``calibrated`` (校准): MacKay et al. 2017, "Calibration with confidence: a
  principled method for panel assessment" (R. Soc. open sci. 4:160760), with a
  noise level per judge. Each total is modelled as
  ``x_ij = m + s_j · u_i + b_j + noise_ij``, ``noise_ij ~ N(0, σ_j²)``, where
  ``m`` is the mean of all totals, ``v_i = m + u_i`` is the entry's value (what
  a typical judge with severity 0 and scale 1 would give), ``b_j`` the judge's
  severity (offset, negative = harsh) and ``s_j`` the judge's scale (their mean
  is held at 1). Priors: ``b_j ~ N(0, σ_b²)``, ``s_j ~ N(1, σ_s²)``,
  ``u_i ~ N(0, σ_v²)``, all three widths refined from the data (empirical Bayes,
  see ``CalibrationPrior``), so when judges agree the model shrinks back towards
  the plain mean, and weakly linked groups of entries (fixed panels chained by
  one judge) are levelled by the spread of the values as well as by the judges'
  severities. Each judge's noise level relative to his scale, σ_j / s_j, is
  shrunk towards the judges' geometric mean (Paul 1981; Ge, Welling &
  Ghahramani 2013): a judge who is noisier for his scale weighs less, and one
  who merely stretches his noise along with his scale is not penalised. With infinite
  shrinkage (``noise_pseudo_ratings=None``) all judges share one noise level.
  Given the scales and noise levels the model is a Bayesian linear model,
  solved exactly with a Schur complement on the judges; the scales, noise
  levels and prior widths are updated in turn. CARELESS RATINGS: each rating
  is careful, N(fit, σ_j²), or careless, uniform on [0, max_total], with a
  share π learnt from the data (contaminated normal, EM; a Beta prior at 1 %
  worth 50 ratings); a rating's weight is its probability of being careful, so
  a careless rating neither drags its entry nor inflates anyone's noise level
  (``careless_share=None``: the older Huber weights, with the Huber-weighted
  variance divided by its normal-theory bias E[w z²] / E[w]). A total at
  either end of the scale is CENSORED (a lenient judge's 100 means "at least
  100"): Fisher scoring on the Tobit likelihood (working value fitted +
  E-step residual / information, weight = its information share λ(λ − a) of
  a full rating), in the intervals too. A judge whose totals are (nearly)
  constant is uninformative: his ratings get weight 0. Each connected
  component of the judge–entry graph is levelled by conditioning the
  Gaussian posterior on "the mean severity of this component's judges is
  exactly 0" (a warning says so). INTERVALS are the Gaussian posterior with
  two analytic corrections for the judge parameters being estimates (each
  rating's variance gains u_i²·Var(s_j), the scale's uncertainty by the delta
  method, and σ_j² is inflated by ν/(ν − 2), the variance of a Student-t with
  the ν = κ + dof_j degrees of freedom behind it), then a PARAMETRIC
  BOOTSTRAP: worlds drawn from the fitted model (values and severities
  jointly from the posterior, scales and noise levels from theirs), every
  review re-rated and the whole model refitted; the mean squared error of the
  refits over the reported variance scales every SD (``_bootstrap_factor``).
  Up to ``dense_judges`` judges the posterior variances come from the dense
  inverse of the judges' Schur complement; beyond, sparse only (CG solves and
  Rao–Blackwellised posterior draws, ``_posterior``). See the README, "How
  well the methods recover the truth".

Intervals of the simple methods use the pooled within-entry standard deviation
divided by √n (× √(π/2) for the median); every interval is a normal-quantile
interval at ``confidence`` and is clipped to ``[0, max_total]``. Everything is
deterministic: entries and judges are processed in sorted id order.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.linalg import blas, lapack
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import LinearOperator, cg
from scipy.special import expit
from scipy.stats import norm

from judging.i18n import N_, said

EntryId = Hashable
JudgeId = Hashable

METHODS: tuple[tuple[str, str], ...] = (
    ("mean", N_("均值")),
    ("median", N_("中位数")),
    ("trimmed", N_("截尾均值")),
    ("zscore", N_("标准分")),
    ("calibrated", N_("校准")),
)
METHOD_LABELS: dict[str, str] = dict(METHODS)

# Trimming only starts at this many reviews (see module docstring).
TRIM_MIN_REVIEWS = 5
# Huber tuning constant on leverage-corrected standardised residuals.
HUBER_C = 2.0
# A review whose robust weight falls below this is reported in the warnings.
DOWNWEIGHT_REPORT = 0.5
# Judges with fewer reviews than this are reported as prior-dominated.
FEW_REVIEWS = 3
# A judge whose totals' SD is below this share of the median judge's SD is
# near-constant (uninformative about which entry is better).
NEAR_CONSTANT = 0.15
# A judge this far (share of max_total, and 3 SDs) from the others is
# reported as far harsher or more lenient.
FAR_SEVERITY = 0.08
# A judge who alone links groups of at least this many entries is a weak link.
WEAK_LINK_ENTRIES = 5
# The per-judge noise prior never counts for more than this many ratings.
MAX_PSEUDO_RATINGS = 1e6
# Beyond ``CalibrationPrior.dense_judges`` judges the variances come from this
# many posterior draws of the severities (see ``_posterior``), seeded thus.
MC_DRAWS = 48
MC_CHUNK = 16
MC_SEED = 1981
# The prior share of careless ratings counts as this many ratings; their
# probabilities are damped after this many iterations.
CARELESS_PSEUDO_RATINGS = 50.0
DAMP_AFTER = 10
# Censored totals: Fisher-scoring steps are at most 1 / this times an EM step
# (a smaller floor oscillates; see ``_iterate``).
SCORING_FLOOR = 0.25
# Parametric bootstrap of the interval widths (see ``_bootstrap_factor``):
# refits at most this many times, only with at least this many entries, with
# this seed and at most this many iterations per refit (warm-started); the
# width factor it finds is kept within these bounds.
MAX_BOOTSTRAP_DRAWS = 10
MIN_BOOTSTRAP_ENTRIES = 20
BOOTSTRAP_SEED = 20170313
BOOTSTRAP_ITERATIONS = 60
# Above this many reviews the refits would cost more than the fit itself; the
# analytic corrections alone remain (see the README, speed).
BOOTSTRAP_MAX_REVIEWS = 100_000
BOOTSTRAP_MIN, BOOTSTRAP_MAX = 0.8, 2.0


class AggregationError(ValueError):
    """The reviews cannot be aggregated (empty, out of range, duplicated)."""


@dataclass(frozen=True)
class Review:
    """One judge's total for one entry (points are exact upstream)."""

    entry_id: EntryId
    judge_id: JudgeId
    total: Decimal | float | int


@dataclass(frozen=True)
class CalibrationPrior:
    """Prior widths of the calibrated model, as fractions of ``max_total``.

    ``severity_sd`` is σ_b / max_total (0.1 = a judge is typically within ±10
    points on a 100-point scale), ``scale_sd`` is σ_s (around 1), ``value_sd`` is
    σ_v / max_total (wide: it only keeps the system well-posed).
    ``pseudo_judges`` ν lets the data refine σ_b and σ_s (empirical Bayes, the
    defaults counting as ν judges' worth of evidence); ``None`` keeps them fixed.
    ``noise_pseudo_ratings`` gives every judge his own noise variance, shrunk
    towards the pooled one as if the pooled value were κ extra ratings of his:
    σ_j² = (κ·σ² + Σ_j w·r²) / (κ + dof_j), where κ is learnt from how much the
    judges' residual variances differ beyond sampling (empirical Bayes) but is
    never below ``noise_pseudo_ratings`` (a few ratings' worth). ``None``
    (infinite shrinkage) is one noise level for all judges, the older model.
    ``noise_relative``: what is shrunk is the noise RELATIVE to the judge's
    scale, σ_j / s_j (a judge who stretches the scale stretches his noise
    with it; with infinite shrinkage σ_j ∝ s_j); ``False`` shrinks σ_j
    itself. ``noise_centre`` is where it is shrunk to: ``"geometric"``, the
    geometric mean of the judges' variances (``_noise_prior_log``), or
    ``"pooled"``, the pooled (arithmetic) one, the older rule.
    ``censored`` treats totals at 0 or ``max_total`` as censored (see the
    module docstring); ``False`` takes them at face value.
    ``bootstrap_entries``: the parametric bootstrap refits until this many
    entry-draws are measured (300 entries: 10 refits; 0 = analytic
    corrections only; skipped above ``BOOTSTRAP_MAX_REVIEWS`` reviews).
    ``careless_share`` is the prior share of careless ratings (contaminated
    normal); ``None`` uses Huber weights instead. ``dense_judges``: up to this
    many judges the variances use the dense inverse, beyond it sparse solves
    and posterior draws.
    """

    severity_sd: float = 0.10
    scale_sd: float = 0.20
    value_sd: float = 1.0
    min_scale: float = 0.2
    pseudo_judges: float | None = 0.5
    noise_pseudo_ratings: float | None = 4.0
    censored: bool = True
    bootstrap_entries: int = 3000
    careless_share: float | None = 0.01
    dense_judges: int = 1000
    noise_centre: str = "geometric"
    noise_relative: bool = True


@dataclass(frozen=True)
class EntryScore:
    """An entry's aggregated score with its interval and posterior SD."""

    entry_id: EntryId
    score: float
    low: float
    high: float
    sd: float
    n_reviews: int
    component: int


@dataclass(frozen=True)
class JudgeEffect:
    """A judge's estimated severity (offset in points) and scale."""

    judge_id: JudgeId
    severity: float
    severity_low: float
    severity_high: float
    scale: float
    n: int
    component: int


@dataclass(frozen=True)
class Aggregation:
    """The result of ``aggregate``: entries and judges in sorted id order."""

    method: str
    method_label: str
    max_total: float
    confidence: float
    entries: tuple[EntryScore, ...]
    judges: tuple[JudgeEffect, ...]
    components: int
    noise_sd: float
    warnings: tuple[str, ...]

    def entry(self, entry_id: EntryId) -> EntryScore:
        """Return the score of one entry (KeyError if it has no reviews)."""
        for item in self.entries:
            if item.entry_id == entry_id:
                return item
        raise KeyError(entry_id)


@dataclass(frozen=True)
class _Data:
    entry_ids: list[EntryId]
    judge_ids: list[JudgeId]
    e: np.ndarray  # entry index per review
    j: np.ndarray  # judge index per review
    x: np.ndarray  # total per review
    component_of_entry: np.ndarray
    component_of_judge: np.ndarray
    components: int
    judge_labels: list[str]  # what warnings call each judge (name or id)


def aggregate(
    reviews: pd.DataFrame | Iterable[Review],
    *,
    method: str,
    max_total: float = 100,
    confidence: float = 0.95,
    prior: CalibrationPrior | None = None,
    judge_names: Mapping[JudgeId, str] | None = None,
) -> Aggregation:
    """Aggregate review totals into entry scores with ``confidence`` intervals.

    ``reviews`` is a DataFrame with columns ``entry_id, judge_id, total`` or an
    iterable of ``Review``. Rule: every total lies in ``[0, max_total]`` and a
    judge reviews an entry at most once, else ``AggregationError``. ``method`` is
    one of the keys of ``METHODS``; see the module docstring for each method.
    Warnings call a judge by ``judge_names[judge_id]`` when given (organiser
    pages), else by the id.

    SCORES STAY IN THE SCALE: a score (and each end of its interval) is clipped
    to ``[0, max_total]``; since the interval is clipped the same way, a score
    always lies inside its own interval. Clipping is monotone, so it never
    reverses two entries (it can only tie entries beyond the scale's ends).
    """
    if method not in METHOD_LABELS:
        raise AggregationError(said(N_("未知的汇总方法：%(method)s"), method=method))
    if not 0 < confidence < 1:
        raise AggregationError(N_("置信水平必须在 0 与 1 之间"))
    data = _prepare(reviews, max_total=float(max_total), judge_names=judge_names)
    z = float(norm.ppf(0.5 + confidence / 2))
    warnings: list[str] = []
    if data.components > 1:
        warnings.append(
            said(
                N_(
                    "有 %(n)s 组评审专家之间没有共同评阅的作品，"
                    "组与组之间无法比较谁宽谁严，校准时各组的平均宽严都按 0 处理。"
                    "建议增派评审，让各组评审专家评阅一些相同的作品。"
                ),
                n=data.components,
            )
        )
    constant = _near_constant(data)
    for k in np.flatnonzero(constant):
        mine = data.x[data.j == k]
        warnings.append(
            said(
                N_(
                    "评审专家 %(judge)s 的 %(n)s 个总分几乎相同"
                    "（%(low)s–%(high)s 分），无法区分作品优劣；"
                    "标准分与校准已不计其评分。请与这位评审专家核实，"
                    "必要时请其他专家补评。"
                ),
                judge=data.judge_labels[k],
                n=len(mine),
                low=f"{mine.min():g}",
                high=f"{mine.max():g}",
            )
        )
    if method == "calibrated":
        result = _calibrated(
            data,
            max_total=float(max_total),
            prior=prior or CalibrationPrior(),
            warnings=warnings,
        )
    else:
        result = _simple(data, method=method, warnings=warnings)
    score, sd, severity, severity_sd, scale, noise = result
    n_entry = np.bincount(data.e, minlength=len(data.entry_ids))
    n_judge = np.bincount(data.j, minlength=len(data.judge_ids))
    single = [str(data.entry_ids[i]) for i in np.flatnonzero(n_entry == 1)]
    if single:
        warnings.append(
            said(
                N_("以下作品只有 1 份评分，区间依赖整体噪声估计：%(codes)s"),
                codes="、".join(single),
            )
        )
    top = float(max_total)
    entries = tuple(
        EntryScore(
            entry_id=eid,
            score=float(min(max(score[i], 0.0), top)),
            low=float(min(max(score[i] - z * sd[i], 0.0), top)),
            high=float(min(max(score[i] + z * sd[i], 0.0), top)),
            sd=float(sd[i]),
            n_reviews=int(n_entry[i]),
            component=int(data.component_of_entry[i]),
        )
        for i, eid in enumerate(data.entry_ids)
    )
    judges = tuple(
        JudgeEffect(
            judge_id=jid,
            severity=float(severity[k]),
            severity_low=float(severity[k] - z * severity_sd[k]),
            severity_high=float(severity[k] + z * severity_sd[k]),
            scale=float(scale[k]),
            n=int(n_judge[k]),
            component=int(data.component_of_judge[k]),
        )
        for k, jid in enumerate(data.judge_ids)
    )
    return Aggregation(
        method=method,
        method_label=METHOD_LABELS[method],
        max_total=top,
        confidence=confidence,
        entries=entries,
        judges=judges,
        components=data.components,
        noise_sd=float(noise),
        warnings=tuple(warnings),
    )


def _sorted_unique(values: Sequence[Hashable]) -> list[Hashable]:
    unique = set(values)
    try:
        return sorted(unique)  # type: ignore[type-var]
    except TypeError:
        return sorted(unique, key=lambda v: (type(v).__name__, str(v)))


def _prepare(
    reviews: pd.DataFrame | Iterable[Review],
    *,
    max_total: float,
    judge_names: Mapping[JudgeId, str] | None = None,
) -> _Data:
    if isinstance(reviews, pd.DataFrame):
        missing = {"entry_id", "judge_id", "total"} - set(reviews.columns)
        if missing:
            raise AggregationError(
                said(
                    N_("评分表缺少列：%(columns)s"), columns="、".join(sorted(missing))
                )
            )
        raw_e = list(reviews["entry_id"])
        raw_j = list(reviews["judge_id"])
        raw_x = list(reviews["total"])
    else:
        items = list(reviews)
        raw_e = [r.entry_id for r in items]
        raw_j = [r.judge_id for r in items]
        raw_x = [r.total for r in items]
    if not raw_e:
        raise AggregationError(N_("没有任何评分，无法汇总"))
    x = np.array([float(v) for v in raw_x], dtype=float)
    if not np.all(np.isfinite(x)) or x.min() < 0 or x.max() > max_total:
        raise AggregationError(
            said(N_("评分总分必须在 0 到 %(top)s 之间"), top=f"{max_total:g}")
        )
    entry_ids = _sorted_unique(raw_e)
    judge_ids = _sorted_unique(raw_j)
    e_index = {v: i for i, v in enumerate(entry_ids)}
    j_index = {v: i for i, v in enumerate(judge_ids)}
    e = np.array([e_index[v] for v in raw_e], dtype=np.int64)
    j = np.array([j_index[v] for v in raw_j], dtype=np.int64)
    pair = e * len(judge_ids) + j
    if len(np.unique(pair)) != len(pair):
        values, counts = np.unique(pair, return_counts=True)
        first = int(values[counts > 1][0])
        twice = judge_ids[first % len(judge_ids)]
        raise AggregationError(
            said(
                N_("评审专家 %(judge)s 对作品 %(entry)s 有多条评分"),
                judge=(judge_names or {}).get(twice, twice),
                entry=entry_ids[first // len(judge_ids)],
            )
        )
    order = np.lexsort((j, e))
    e, j, x = e[order], j[order], x[order]
    n_e, n_j = len(entry_ids), len(judge_ids)
    graph = sparse.coo_matrix(
        (np.ones(len(e)), (e, n_e + j)), shape=(n_e + n_j, n_e + n_j)
    )
    count, labels = connected_components(graph, directed=False)
    # Renumber components by their smallest entry index, for stable output.
    first_seen: dict[int, int] = {}
    for label in labels[:n_e]:
        first_seen.setdefault(int(label), len(first_seen))
    relabel = np.array([first_seen.get(int(label), -1) for label in range(count)])
    return _Data(
        entry_ids=entry_ids,
        judge_ids=judge_ids,
        e=e,
        j=j,
        x=x,
        component_of_entry=relabel[labels[:n_e]],
        component_of_judge=relabel[labels[n_e:]],
        components=len(first_seen),
        judge_labels=[str((judge_names or {}).get(jid, jid)) for jid in judge_ids],
    )


Result = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]


def _pooled_sd(values: np.ndarray, e: np.ndarray, n_entries: int) -> float:
    """Pooled within-entry SD: √(Σ (x − x̄_i)² / Σ (n_i − 1)), NaN if no pairs."""
    n = np.bincount(e, minlength=n_entries)
    means = np.bincount(e, weights=values, minlength=n_entries) / np.maximum(n, 1)
    ss = float(np.sum((values - means[e]) ** 2))
    dof = int(np.sum(np.maximum(n - 1, 0)))
    return math.sqrt(ss / dof) if dof > 0 else math.nan


def _simple(data: _Data, *, method: str, warnings: list[str]) -> Result:
    n_e, n_j = len(data.entry_ids), len(data.judge_ids)
    values = data.x
    scale = np.ones(n_j)
    weight = np.ones_like(values)
    if method == "zscore":
        values, scale, weight = _standardise(data, warnings=warnings)
    frame = pd.DataFrame({"e": data.e, "x": values})
    groups = frame.groupby("e", sort=True)["x"]
    n = groups.size().to_numpy()
    if method == "zscore":
        n = np.maximum(np.bincount(data.e, weights=weight, minlength=n_e), 0)
        score = np.bincount(data.e, weights=weight * values, minlength=n_e) / (
            np.maximum(n, 1e-12)
        )
        n = np.maximum(n, 1.0)
    elif method == "median":
        score = groups.median().to_numpy()
    elif method == "trimmed":
        total = groups.sum().to_numpy()
        trimmed = (total - groups.max().to_numpy() - groups.min().to_numpy()) / (
            np.maximum(n - 2, 1)
        )
        score = np.where(n >= TRIM_MIN_REVIEWS, trimmed, total / n)
    else:
        score = groups.mean().to_numpy()
    used = weight > 0
    pooled = _pooled_sd(values[used], data.e[used], n_e)
    if math.isnan(pooled):
        warnings.append(
            N_("没有任何作品有 2 份以上评分，无法估计区间，区间宽度记为 0。")
        )
        pooled = 0.0
    effective_n = n.astype(float)
    if method == "trimmed":
        effective_n = np.where(n >= TRIM_MIN_REVIEWS, n - 2, n).astype(float)
    sd = pooled / np.sqrt(effective_n)
    if method == "median":
        sd = sd * math.sqrt(math.pi / 2)
    if method == "zscore":
        # Back to points: overall mean + overall SD × z, intervals likewise.
        spread = float(np.std(data.x, ddof=1)) if len(data.x) > 1 else 0.0
        score = _back_to_points(score, data)
        sd = sd * spread
        pooled = pooled * spread
    # Severity of a simple method: the judge's mean deviation from the scores.
    residual = data.x - score[data.e]
    n_judge = np.bincount(data.j, minlength=n_j)
    severity = np.bincount(data.j, weights=residual, minlength=n_j) / n_judge
    sq = np.bincount(data.j, weights=(residual - severity[data.j]) ** 2, minlength=n_j)
    judge_sd = np.sqrt(sq / np.maximum(n_judge - 1, 1))
    severity_sd = np.where(n_judge > 1, judge_sd / np.sqrt(n_judge), 0.0)
    return score, sd, severity, severity_sd, scale, pooled


def _back_to_points(z: np.ndarray, data: _Data) -> np.ndarray:
    spread = float(np.std(data.x, ddof=1)) if len(data.x) > 1 else 0.0
    return float(np.mean(data.x)) + spread * z


def _standardise(
    data: _Data, *, warnings: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-judge z-scores and a weight per review.

    A judge with < 2 reviews uses the overall mean and SD. A near-constant
    judge (see ``_near_constant``) is uninformative: his reviews get weight 0
    and z = 0, so they neither help nor pull any entry.
    """
    n_j = len(data.judge_ids)
    overall_mean = float(np.mean(data.x))
    overall_sd = float(np.std(data.x, ddof=1)) if len(data.x) > 1 else 0.0
    n = np.bincount(data.j, minlength=n_j)
    means = np.bincount(data.j, weights=data.x, minlength=n_j) / n
    sq = np.bincount(data.j, weights=(data.x - means[data.j]) ** 2, minlength=n_j)
    sds = np.sqrt(sq / np.maximum(n - 1, 1))
    constant = _near_constant(data)
    fallback = (n < 2) & ~constant
    if overall_sd <= 1e-12:
        return np.zeros_like(data.x), np.ones(n_j), np.ones_like(data.x)
    if fallback.any():
        names = "、".join(data.judge_labels[k] for k in np.flatnonzero(fallback))
        warnings.append(
            said(
                N_(
                    "以下评审专家评分过少，标准化时改用全体评分的均值与标准差：%(names)s"
                ),
                names=names,
            )
        )
    means = np.where(fallback, overall_mean, means)
    sds = np.where(fallback | constant, overall_sd, sds)
    z = np.where(constant[data.j], 0.0, (data.x - means[data.j]) / sds[data.j])
    weight = np.where(constant[data.j], 0.0, 1.0)
    return z, sds / overall_sd, weight


def _near_constant(data: _Data) -> np.ndarray:
    """Judges (≥ 2 reviews) whose totals barely vary: SD below 15 % of the
    median judge's SD, or no spread at all. Their totals cannot tell entries
    apart, so they carry no information about which entry is better."""
    n_j = len(data.judge_ids)
    n = np.bincount(data.j, minlength=n_j)
    means = np.bincount(data.j, weights=data.x, minlength=n_j) / np.maximum(n, 1)
    sq = np.bincount(data.j, weights=(data.x - means[data.j]) ** 2, minlength=n_j)
    sds = np.sqrt(sq / np.maximum(n - 1, 1))
    several = n >= 2
    if not several.any():
        return np.zeros(n_j, dtype=bool)
    typical = float(np.median(sds[several]))
    return several & (sds <= max(NEAR_CONSTANT * typical, 1e-9))


@dataclass(frozen=True)
class _Fit:
    """State of the alternating fit (see ``_iterate``), all on centred totals."""

    centre: float  # mean of all totals; y = x − centre
    y: np.ndarray  # centred totals, censored ones replaced by their E-step
    w: np.ndarray  # robust (Huber) weight per review, 0 for uninformative
    info: np.ndarray  # Fisher information share per review (censoring)
    u: np.ndarray
    b: np.ndarray
    s: np.ndarray
    judge_var: np.ndarray  # σ_j²
    sigma2: float  # pooled σ²
    kappa: float | None
    dof: float
    dof_j: np.ndarray
    prec_u: float
    prec_b: float
    prec_s: float
    prec_scale: np.ndarray  # posterior precision of each s_j
    iterations: int


def _iterate(
    e: np.ndarray,
    j: np.ndarray,
    x: np.ndarray,
    *,
    n_e: int,
    n_j: int,
    max_total: float,
    prior: CalibrationPrior,
    informative: np.ndarray,
    sigma2: float,
    start: _Fit | None = None,
    max_iter: int = 300,
    tol: float = 1e-5,
) -> _Fit:
    """Reweighted alternating least squares until values and scales settle.

    The (u, b) step uses conjugate gradients on the sparse judge Schur
    complement and the hat values use their diagonal approximation (entry part
    + judge part), so each iteration costs O(reviews). ``start`` warm-starts
    from an earlier fit (the bootstrap refits).
    """
    centre = float(np.mean(x))
    y = x - centre
    floor = (0.005 * max_total) ** 2
    if start is None:
        prec_b = 1.0 / (prior.severity_sd * max_total) ** 2
        prec_s = 1.0 / prior.scale_sd**2
        prec_u = 1.0 / (prior.value_sd * max_total) ** 2
        judge_var = np.full(n_j, sigma2)
        s, u, b = np.ones(n_j), np.zeros(n_e), np.zeros(n_j)
    else:
        prec_b, prec_s, prec_u = start.prec_b, start.prec_s, start.prec_u
        judge_var = start.judge_var.copy()
        s, b = start.s.copy(), start.b.copy()
        u = start.u + (start.centre - centre)
    kappa = prior.noise_pseudo_ratings
    w = informative.copy()
    share = prior.careless_share or 0.0
    # Totals at either end of the scale are censored: the judge meant at
    # least (at most) that much. EM for a censored normal: such a total is
    # replaced by its conditional mean given the current fit.
    bounds = (0.0 - centre, max_total - centre)
    at_top = (x >= max_total) & prior.censored
    at_bottom = (x <= 0.0) & prior.censored
    observed = y
    info = np.ones_like(y)
    step = info
    y_final = y
    moment = np.zeros_like(y)
    dof, dof_j = float(len(y)), np.bincount(j, minlength=n_j).astype(float)
    prec_scale = np.full(n_j, prec_s)
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 (reported below)
        u_old, s_old = u, s
        var_r = judge_var[j]
        u, b, d_u, d_b = _solve_means(
            e, j, y, w * step, s, var_r, prec_u, prec_b, n_e, n_j, b_start=b
        )
        s, prec_scale = _solve_scales(
            e, j, y, w * step, u, b, var_r, prec_s, n_j, prior.min_scale
        )
        # Mean scale 1 fixes the s·u trade-off (else a proper prior on u
        # lets u shrink while the scales grow).
        stretch = float(np.mean(s))
        s, u = s / stretch, u * stretch
        prec_scale = prec_scale * stretch**2
        if prior.pseudo_judges is not None:
            prec_b, prec_s = _update_prior(
                b=b,
                d_b=d_b,
                s=s,
                prec_scale=prec_scale,
                prior=prior,
                max_total=max_total,
            )
        # Empirical Bayes spread of the entries' values: it levels groups
        # of entries that are only weakly linked (fixed panels).
        prec_u = 1.0 / max(float(np.mean(u**2 + 1 / d_u)), floor)
        fitted = s[j] * u[e] + b[j]
        residual = y - fitted
        if at_top.any() or at_bottom.any():
            imputed, info, moment = _censored(
                observed, fitted, var_r, at_top, at_bottom, bounds
            )
            # Fisher scoring, not plain EM: a censored total enters the next
            # solve as the working value fitted + (E-step − fitted) / info
            # with weight info. Same fixed point (the Tobit score equations),
            # but an entry whose totals are all at 100 no longer creeps up by
            # a share info of the way per iteration (hundreds of iterations).
            # The loop's weight is max(info, floor) (steadier steps), the
            # final solve's the information itself; each with its working
            # value, so both share the fixed point w·(E-step − fitted).
            residual = imputed - fitted
            step = np.maximum(info, SCORING_FLOOR)
            y = np.where(at_top | at_bottom, fitted + residual / step, observed)
            y_final = np.where(at_top | at_bottom, fitted + residual / info, observed)
        squares = np.where(at_top | at_bottom, moment, residual**2)
        if prior.careless_share is None:
            # Huber-weighted squares understate a normal variance (by 4 % at
            # c = 2): divide by E[w z²] / E[w] to keep σ² consistent.
            squares = squares / _huber_bias()
        wt = w / var_r
        leverage = np.clip(
            wt * (s[j] ** 2 / d_u[e] + 1 / d_b[j] + u[e] ** 2 / prec_scale[j]),
            0.0,
            0.95,
        )
        dof = float(np.sum(w)) - float(np.sum(leverage))
        sigma2 = max(float(np.sum(w * squares)) / max(dof, 1.0), floor)
        if kappa is None:
            judge_var = np.full(n_j, sigma2)
        else:
            ss_j = np.bincount(j, weights=w * squares, minlength=n_j)
            dof_j = np.bincount(j, weights=np.maximum(w - leverage, 0), minlength=n_j)
            # Noise relative to the judge's scale (σ_j / s_j) is what is
            # shrunk: a judge who stretches the scale stretches his noise.
            rel = s**2 if prior.noise_relative else np.ones(n_j)
            ss_rel = ss_j / rel
            pooled_rel = max(
                float(np.sum(ss_rel)) / max(float(np.sum(dof_j)), 1.0), floor
            )
            if prior.noise_centre == "geometric":
                kappa, centre_var = _noise_prior_log(
                    ss_rel, dof_j, pooled_rel, prior, floor
                )
            else:
                kappa = _noise_pseudo_ratings(ss_rel, dof_j, pooled_rel, prior)
                centre_var = pooled_rel
            judge_var = np.maximum(
                rel * (kappa * centre_var + ss_rel) / (kappa + dof_j), floor
            )
        std_resid = np.abs(residual) / np.sqrt(judge_var[j] * (1 - leverage))
        # A total at the end of the scale is not an outlier by its E-step
        # residual (the scoring weight info already tempers it); Huber on it
        # too makes an entry with every total at 100 cycle for ever.
        std_resid = np.where(at_top | at_bottom, 0.0, std_resid)
        if prior.careless_share is None:
            w = informative * np.minimum(1.0, HUBER_C / np.maximum(std_resid, 1e-12))
        else:
            careless, share = _careless(
                std_resid,
                judge_var[j] * (1 - leverage),
                informative,
                share=share,
                prior=prior,
                max_total=max_total,
            )
            if iteration > DAMP_AFTER:
                # Averaged with the last step: same fixed point, but a
                # rating on the fence between careful and careless can no
                # longer flip back and forth with its entry's value.
                careless = (careless + 1 - w / np.maximum(informative, 1e-12)) / 2
            w = informative * (1 - careless)
        change = max(float(np.max(np.abs(u - u_old))), float(np.max(np.abs(s - s_old))))
        if change < tol * max_total:
            break
    return _Fit(
        centre=centre,
        y=y_final,
        w=w,
        info=info,
        u=u,
        b=b,
        s=s,
        judge_var=judge_var,
        sigma2=sigma2,
        kappa=kappa,
        dof=dof,
        dof_j=dof_j,
        prec_u=prec_u,
        prec_b=prec_b,
        prec_s=prec_s,
        prec_scale=prec_scale,
        iterations=iteration,
    )


def _degrees_of_freedom(fit: _Fit, n_j: int) -> np.ndarray:
    """ν per judge behind his noise variance: min(κ, dof) + dof_j (the pooled
    part is worth at most all the data's dof)."""
    if fit.kappa is None:
        return np.full(n_j, max(fit.dof, 1.0))
    return min(fit.kappa, max(fit.dof, 1.0)) + fit.dof_j


def _calibrated(
    data: _Data,
    *,
    max_total: float,
    prior: CalibrationPrior,
    warnings: list[str],
) -> Result:
    """Fit by ``_iterate``; exact posterior covariance at the end; widths
    calibrated by a parametric bootstrap (``_bootstrap_factor``).

    Only the final step inverts the judges × judges matrix for the intervals.
    """
    e, j = data.e, data.j
    n_e, n_j = len(data.entry_ids), len(data.judge_ids)
    floor = (0.005 * max_total) ** 2
    pooled = _pooled_sd(data.x, e, n_e)
    if math.isnan(pooled):
        warnings.append(
            N_("没有任何作品有 2 份以上评分，评分噪声无法从数据估计，区间只是下限。")
        )
    start = pooled**2 if not math.isnan(pooled) else (0.05 * max_total) ** 2
    # A near-constant judge says nothing about which entry is better.
    informative = np.where(_near_constant(data)[j], 0.0, 1.0)
    fit = _iterate(
        e,
        j,
        data.x,
        n_e=n_e,
        n_j=n_j,
        max_total=max_total,
        prior=prior,
        informative=informative,
        sigma2=max(start, floor),
    )
    s = fit.s
    # The scales are estimates too: a rating's effective noise grows by
    # u_i² · Var(s_j) (delta method), so the intervals carry that uncertainty.
    # The noise variances are estimates with ν degrees of freedom: a
    # Student-t has variance ν / (ν − 2) times the plug-in one.
    nu = _degrees_of_freedom(fit, n_j)
    inflate = np.where(nu > 4, nu / np.maximum(nu - 2, 1e-9), 2.0)
    var_r = (fit.judge_var * inflate)[j] + fit.u[e] ** 2 / fit.prec_scale[j]
    # A censored total says less than an observed one: its Fisher information
    # is the share ``info`` of a full rating's.
    u, b, var_u, var_b, levels = _posterior(
        data,
        fit.y,
        fit.w * fit.info,
        s,
        var_r,
        fit.prec_u,
        fit.prec_b,
        b_start=fit.b,
        dense_judges=prior.dense_judges,
    )
    factor = _bootstrap_factor(
        data,
        fit,
        var_u=var_u,
        var_r=var_r,
        levels=levels,
        nu=nu,
        informative=informative,
        max_total=max_total,
        prior=prior,
    )
    var_u = var_u * factor**2
    _calibration_warnings(
        data,
        fit.w,
        informative=informative > 0,
        severity=b,
        severity_sd=np.sqrt(var_b),
        max_total=max_total,
        warnings=warnings,
    )
    return (fit.centre + u, np.sqrt(var_u), b, np.sqrt(var_b), s, math.sqrt(fit.sigma2))


def _posterior(
    data: _Data,
    y: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    var_r: np.ndarray,
    prec_u: float,
    prec_b: float,
    *,
    b_start: np.ndarray,
    dense_judges: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[_Level]]:
    """Posterior means and variances of (u, b) given the scales, levelled per
    component: (u, b, var_u, var_b, levels).

    Up to ``dense_judges`` judges: exact, through the dense inverse of the
    judges' Schur complement. Beyond: sparse only — means by conjugate
    gradients, the levelling directions by CG solves, and the variances that
    are needed (each entry's and judge's) by ``MC_DRAWS`` exact posterior
    draws of b (perturb and MAP, one block CG), Rao–Blackwellised:
    Var u_i = 1/d_u,i + E[(B b)_i / d_u,i]², so the Monte Carlo touches only
    the judge part (relative error √(2 / ``MC_DRAWS``) on that part).
    """
    e, j = data.e, data.j
    n_e, n_j = len(data.entry_ids), len(data.judge_ids)
    if n_j <= dense_judges:
        u, b, solve = _solve_linear(e, j, y, w, s, var_r, prec_u, prec_b, n_e, n_j)
        var_u, var_b, levels = _condition_on_components(data, u, b, s, solve)
        return u, b, np.maximum(var_u, 0.0), np.maximum(var_b, 0.0), levels
    u, b, d_u, d_b = _solve_means(
        e, j, y, w, s, var_r, prec_u, prec_b, n_e, n_j, b_start=b_start
    )
    _, _, coupling, _, _ = _normal_equations(
        e, j, y, w, s, var_r, prec_u, prec_b, n_e, n_j
    )
    transposed = coupling.T.tocsr()

    def schur(block: np.ndarray) -> np.ndarray:
        return d_b[:, None] * block - transposed @ ((coupling @ block) / d_u[:, None])

    wt = w / var_r
    diagonal = d_b - np.bincount(j, weights=(wt * s[j]) ** 2 / d_u[e], minlength=n_j)
    diagonal = np.maximum(diagonal, 1e-12 * d_b)
    rng = np.random.default_rng(MC_SEED)
    # Right-hand sides: one per component (levelling) and one per draw
    # (η ~ N(0, S): data noise and prior noise pushed through the Schur).
    comps = [data.component_of_judge == c for c in range(data.components)]
    gs = np.stack([m / m.sum() for m in comps], axis=1)
    # η ~ N(0, S) in chunks (a reviews × draws array is the biggest thing
    # here): each review's noise enters its entry and its judge.
    root = np.sqrt(wt)
    to_entry = sparse.csr_matrix((s[j] * root, (e, np.arange(len(e)))), (n_e, len(e)))
    to_judge = sparse.csr_matrix((root, (j, np.arange(len(e)))), (n_j, len(e)))
    parts = []
    for start in range(0, MC_DRAWS, MC_CHUNK):
        size = min(MC_CHUNK, MC_DRAWS - start)
        noise = rng.standard_normal((len(e), size))
        eta_u = to_entry @ noise + math.sqrt(prec_u) * rng.standard_normal((n_e, size))
        eta_b = to_judge @ noise + math.sqrt(prec_b) * rng.standard_normal((n_j, size))
        parts.append(eta_b - transposed @ (eta_u / d_u[:, None]))
    del noise
    rhs = np.concatenate([gs, *parts], axis=1)
    solved = _block_cg(schur, rhs, 1.0 / diagonal, rtol=1e-8, maxiter=10 * n_j)
    ts, draws = solved[:, : len(comps)], solved[:, len(comps) :]
    levels = []
    for c, members in enumerate(comps):
        t = ts[:, c]
        var_m = float(gs[:, c] @ t)
        if var_m <= 0:
            continue
        level = _Level(
            in_comp=data.component_of_entry == c,
            members=members,
            g=gs[:, c],
            t=t,
            cov_um=-(coupling @ t) / d_u,
            var_m=var_m,
        )
        level.apply(u, b)
        # Condition the draws too: b* − t (g·b*) / var_m.
        draws[members] -= np.outer(t[members], gs[:, c] @ draws) / var_m
        levels.append(level)
    judge_part = (coupling @ draws) / d_u[:, None]
    var_u = 1.0 / d_u + np.mean(judge_part**2, axis=1)
    var_b = np.mean(draws**2, axis=1)
    return u, b, var_u, var_b, levels


def _block_cg(
    operator: object,
    rhs: np.ndarray,
    inverse_diagonal: np.ndarray,
    *,
    rtol: float,
    maxiter: int,
) -> np.ndarray:
    """Jacobi-preconditioned conjugate gradients on every column of ``rhs``
    at once (``operator`` maps an n × m block to S @ block)."""
    x = np.zeros_like(rhs)
    r = rhs.copy()
    z = inverse_diagonal[:, None] * r
    p = z.copy()
    rz = np.sum(r * z, axis=0)
    target = rtol * np.linalg.norm(rhs, axis=0)
    for _ in range(maxiter):
        if np.all(np.linalg.norm(r, axis=0) <= target):
            break
        q = operator(p)  # type: ignore[operator]
        alpha = rz / np.maximum(np.sum(p * q, axis=0), 1e-300)
        x += alpha * p
        r -= alpha * q
        z = inverse_diagonal[:, None] * r
        rz_new = np.sum(r * z, axis=0)
        p = z + (rz_new / np.maximum(rz, 1e-300)) * p
        rz = rz_new
    return x


def bootstrap_draws(n_entries: int, target: int) -> int:
    """How many bootstrap refits: enough for ``target`` entry-draws in all,
    at least 1 and at most ``MAX_BOOTSTRAP_DRAWS``; 0 when ``target`` is 0 or
    there are too few entries for a stable ratio."""
    if target <= 0 or n_entries < MIN_BOOTSTRAP_ENTRIES:
        return 0
    return int(min(max(math.ceil(target / n_entries), 1), MAX_BOOTSTRAP_DRAWS))


def _component_shift(
    u: np.ndarray, b: np.ndarray, s: np.ndarray, data: _Data
) -> np.ndarray:
    """u moved along the unidentified direction (u + c, b − s·c) so that each
    component's judges have mean severity 0 (c = mean b / mean s)."""
    out = u.copy()
    for comp in range(data.components):
        members = data.component_of_judge == comp
        c = float(np.mean(b[members])) / max(float(np.mean(s[members])), 1e-9)
        out[data.component_of_entry == comp] += c
    return out


def _bootstrap_factor(
    data: _Data,
    fit: _Fit,
    *,
    var_u: np.ndarray,
    var_r: np.ndarray,
    levels: list[_Level],
    nu: np.ndarray,
    informative: np.ndarray,
    max_total: float,
    prior: CalibrationPrior,
) -> float:
    """Parametric bootstrap of the judge parameters' uncertainty.

    Each draw takes a world from the fitted model: values u* ~ N(û, Var u),
    severities b* ~ N(b̂, Var b) (mean 0 per component), scales s* ~ N(ŝ,
    Var s) (mean 1), noise variances σ*² ~ σ̂²·ν/χ²_ν; rates every review in
    it (clipped to the scale, rounded when the real totals are whole), REFITS
    the whole model and measures (estimate − truth)² / reported variance. The
    returned factor √(mean of that ratio) scales every entry's SD, so the
    intervals carry what estimating severities, scales and noise levels
    really costs in this design (chained panels: more; many ratings per
    judge: less), instead of only the analytic corrections. Deterministic
    (fixed seed); clipped to [``BOOTSTRAP_MIN``, ``BOOTSTRAP_MAX``].
    """
    e, j = data.e, data.j
    n_e, n_j = len(data.entry_ids), len(data.judge_ids)
    draws = bootstrap_draws(n_e, prior.bootstrap_entries)
    if len(e) > BOOTSTRAP_MAX_REVIEWS:
        return 1.0
    used = np.bincount(e, weights=informative, minlength=n_e) > 0
    if draws == 0 or used.sum() < MIN_BOOTSTRAP_ENTRIES or np.all(var_u <= 0):
        return 1.0
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    whole = bool(np.all(data.x == np.round(data.x)))
    sd_s = 1.0 / np.sqrt(fit.prec_scale)
    nu = np.minimum(nu, 1e4)
    ratios = []
    weight = fit.w * fit.info
    for _ in range(draws):
        # (u*, b*) jointly from the posterior given the scales (perturb and
        # MAP), so the world keeps the posterior's correlations: groups of
        # entries whose level is uncertain (chained panels) move together.
        perturbed = fit.y + np.sqrt(var_r / np.maximum(weight, 1e-12)) * (
            rng.standard_normal(len(e))
        )
        u_t, b_t, _, _ = _solve_means(
            e,
            j,
            perturbed,
            weight,
            fit.s,
            var_r,
            fit.prec_u,
            fit.prec_b,
            n_e,
            n_j,
            b_start=fit.b,
            prior_means=(
                rng.standard_normal(n_e) / math.sqrt(fit.prec_u),
                rng.standard_normal(n_j) / math.sqrt(fit.prec_b),
            ),
        )
        for level in levels:
            level.apply(u_t, b_t)
        s_t = np.maximum(fit.s + sd_s * rng.standard_normal(n_j), prior.min_scale)
        stretch = float(np.mean(s_t))
        s_t, u_t = s_t / stretch, u_t * stretch
        noise = np.sqrt(fit.judge_var * nu / rng.chisquare(nu))
        x_t = (
            fit.centre
            + s_t[j] * u_t[e]
            + b_t[j]
            + noise[j] * rng.standard_normal(len(e))
        )
        if whole:
            x_t = np.round(x_t)
        x_t = np.where(informative > 0, np.clip(x_t, 0.0, max_total), data.x)
        again = _iterate(
            e,
            j,
            x_t,
            n_e=n_e,
            n_j=n_j,
            max_total=max_total,
            prior=prior,
            informative=informative,
            sigma2=fit.sigma2,
            start=fit,
            max_iter=BOOTSTRAP_ITERATIONS,
            tol=1e-4,
        )
        estimate = again.centre + _component_shift(again.u, again.b, again.s, data)
        truth = fit.centre + u_t
        ratios.append(((estimate - truth) ** 2 / np.maximum(var_u, 1e-12))[used])
    factor = math.sqrt(float(np.mean(np.concatenate(ratios))))
    return float(min(max(factor, BOOTSTRAP_MIN), BOOTSTRAP_MAX))


def _careless(
    std_resid: np.ndarray,
    variance: np.ndarray,
    informative: np.ndarray,
    *,
    share: float,
    prior: CalibrationPrior,
    max_total: float,
) -> tuple[np.ndarray, float]:
    """E-step of the contaminated normal: each rating is careful, N(fit, σ²),
    or careless, uniform on [0, max_total], with prior probability π.

    Returns each rating's posterior probability of being careless and the
    updated π = (Σ p + π₀·m) / (ratings + m), a Beta prior worth m =
    ``CARELESS_PSEUDO_RATINGS`` ratings at π₀ = ``prior.careless_share``.
    Unlike Huber weights, a careless rating stops counting (p → 1) and, above
    all, stops inflating σ², so the careful ratings' intervals are not
    widened by a few careless ones; on clean data p ≈ 0 and the model is the
    plain normal one.
    """
    log_careful = -(std_resid**2) / 2 - 0.5 * np.log(2 * math.pi * variance)
    log_careless = -math.log(max_total)
    odds = math.log(max(share, 1e-9) / max(1 - share, 1e-9))
    careless = expit(odds + log_careless - log_careful) * (informative > 0)
    careless = np.where(std_resid == 0, 0.0, careless)
    m = CARELESS_PSEUDO_RATINGS
    updated = (float(np.sum(careless)) + float(prior.careless_share or 0) * m) / (
        float(np.sum(informative > 0)) + m
    )
    return careless, updated


def _huber_bias() -> float:
    """E[w z²] / E[w] for z ~ N(0, 1) and Huber weights w = min(1, c/|z|),
    c = ``HUBER_C``.

    E[w z²] = erf(c/√2) and E[w] = erf(c/√2) + c·E₁(c²/2)/√(2π).
    """
    from scipy.special import erf, exp1

    c = HUBER_C
    inside = float(erf(c / math.sqrt(2)))
    return inside / (inside + c * float(exp1(c * c / 2)) / math.sqrt(2 * math.pi))


def _censored(
    observed: np.ndarray,
    fitted: np.ndarray,
    variance: np.ndarray,
    at_top: np.ndarray,
    at_bottom: np.ndarray,
    bounds: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """E-step for totals censored at the ends of the scale.

    For a total at the top bound c with fit μ and noise σ, a = (c − μ)/σ and
    λ = φ(a)/(1 − Φ(a)): E[x | x ≥ c] = μ + σλ, E[(x − μ)² | x ≥ c] =
    σ²(1 + aλ), and the censored rating's information about μ is λ(λ − a)
    times an observed one's (mirrored at the bottom). Returns the imputed
    values, the information shares and the second moments.
    """
    from scipy.special import log_ndtr

    censored = np.flatnonzero(at_top | at_bottom)  # only these need Φ
    top = at_top[censored]
    var = variance[censored]
    sd = np.sqrt(var)
    mu = fitted[censored]
    a = np.where(top, (bounds[1] - mu) / sd, (mu - bounds[0]) / sd)
    lam = np.exp(-(a**2) / 2 - 0.5 * math.log(2 * math.pi) - log_ndtr(-a))
    y = observed.copy()
    y[censored] = mu + np.where(top, 1.0, -1.0) * sd * lam
    info = np.ones_like(observed)
    info[censored] = np.clip(lam * (lam - a), 1e-3, 1.0)
    moment = np.zeros_like(observed)
    moment[censored] = var * np.maximum(1 + a * lam, 0.0)
    return y, info, moment


def _noise_prior_log(
    ss_j: np.ndarray,
    dof_j: np.ndarray,
    sigma2: float,
    prior: CalibrationPrior,
    floor: float,
) -> tuple[float, float]:
    """(κ, σ₀²) of the judges' noise prior, by moments of their LOG variances.

    The prior centre σ₀² is the GEOMETRIC mean of the judges' variances
    (bias-corrected: E log(χ²_d / d) ≈ −1/d), not their arithmetic mean: when
    judges differ much in noise, the arithmetic mean is pulled up by the
    noisiest few, and shrinking towards it made the careful judges look
    noisier than they are (intervals too wide, too little weight on them).
    κ from the spread: Var log σ_j² ≈ 2/κ under a scaled inverse-χ² prior,
    and sampling alone gives ≈ 2/d_j, so κ = 2 / (observed − sampling). Only
    judges with at least 6 degrees of freedom enter the moments; κ is never
    below ``prior.noise_pseudo_ratings``; with fewer than 5 such judges it is
    the older rule (``_noise_pseudo_ratings``, pooled centre).
    """
    low = float(prior.noise_pseudo_ratings or 0.0)
    enough = dof_j >= 6
    if enough.sum() < 5:
        return _noise_pseudo_ratings(ss_j, dof_j, sigma2, prior), sigma2
    dof = dof_j[enough]
    logs = np.log(np.maximum(ss_j[enough], floor * dof) / dof) + 1 / dof
    excess = float(np.var(logs)) - float(np.mean(2 / dof))
    ceiling = max(MAX_PSEUDO_RATINGS, low)
    kappa = ceiling if excess <= 0 else float(min(max(2 / excess, low), ceiling))
    return kappa, float(np.exp(np.mean(logs)))


def _noise_pseudo_ratings(
    ss_j: np.ndarray, dof_j: np.ndarray, sigma2: float, prior: CalibrationPrior
) -> float:
    """κ from the data: how much the judges' noise variances really differ.

    By moments: the spread of the judges' raw variances ss_j / dof_j around the
    pooled σ², minus what sampling alone gives (2σ⁴ / dof_j for normal noise),
    is the prior variance τ² of σ_j²; a scaled inverse-χ² prior with κ
    pseudo-ratings has variance ≈ 2σ⁴ / κ, so κ = 2σ⁴ / τ². Never below
    ``prior.noise_pseudo_ratings`` (a few ratings' worth), and when the spread is
    no more than sampling explains, κ is huge: one noise level for all.
    """
    floor = float(prior.noise_pseudo_ratings or 0.0)
    enough = dof_j >= 3
    if enough.sum() < 3:
        return floor
    ratio = ss_j[enough] / dof_j[enough] / sigma2
    sampling = float(np.mean(2 / dof_j[enough]))
    excess = float(np.mean((ratio - 1) ** 2)) - sampling
    ceiling = max(MAX_PSEUDO_RATINGS, floor)
    if excess <= 0:
        return ceiling
    return float(min(max(2 / excess, floor), ceiling))


def _normal_equations(
    e: np.ndarray,
    j: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    sigma2: np.ndarray,
    prec_u: float,
    prec_b: float,
    n_e: int,
    n_j: int,
) -> tuple[np.ndarray, np.ndarray, sparse.csr_matrix, np.ndarray, np.ndarray]:
    wt = w / sigma2
    d_u = np.bincount(e, weights=wt * s[j] ** 2, minlength=n_e) + prec_u
    d_b = np.bincount(j, weights=wt, minlength=n_j) + prec_b
    if len(e) > 1 and np.all(e[1:] >= e[:-1]):
        # Reviews come sorted by entry (``_prepare``): build the CSR directly.
        indptr = np.concatenate([[0], np.cumsum(np.bincount(e, minlength=n_e))])
        coupling = sparse.csr_matrix((wt * s[j], j, indptr), shape=(n_e, n_j))
    else:
        coupling = sparse.csr_matrix((wt * s[j], (e, j)), shape=(n_e, n_j))
    rhs_u = np.bincount(e, weights=wt * s[j] * y, minlength=n_e)
    rhs_b = np.bincount(j, weights=wt * y, minlength=n_j)
    return d_u, d_b, coupling, rhs_u, rhs_b


def _solve_means(
    e: np.ndarray,
    j: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    sigma2: np.ndarray,
    prec_u: float,
    prec_b: float,
    n_e: int,
    n_j: int,
    *,
    b_start: np.ndarray,
    prior_means: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Posterior mean of (u, b) given the scales, by CG on the sparse Schur.

    ``prior_means`` (u₀, b₀) replace the prior means 0 (perturb-and-MAP: with
    perturbed totals and prior means drawn from the prior, the solution is an
    exact draw from the posterior)."""
    d_u, d_b, coupling, rhs_u, rhs_b = _normal_equations(
        e, j, y, w, s, sigma2, prec_u, prec_b, n_e, n_j
    )
    if prior_means is not None:
        rhs_u = rhs_u + prec_u * prior_means[0]
        rhs_b = rhs_b + prec_b * prior_means[1]
    # Matrix-free Schur complement S = D_b − Bᵀ D_u⁻¹ B: two sparse products
    # per CG step, never the judges × judges product itself.
    transposed = coupling.T.tocsr()
    schur = LinearOperator(
        (n_j, n_j),
        matvec=lambda v: d_b * v - transposed @ ((coupling @ v) / d_u),
        dtype=float,
    )
    # diag S: each review is one (entry, judge) element of B.
    wt = w / sigma2
    diagonal = d_b - np.bincount(j, weights=(wt * s[j]) ** 2 / d_u[e], minlength=n_j)
    jacobi = sparse.diags(1.0 / np.maximum(diagonal, 1e-12 * d_b))
    rhs = rhs_b - transposed @ (rhs_u / d_u)
    b, _ = cg(schur, rhs, x0=b_start, rtol=1e-12, atol=0.0, maxiter=10 * n_j, M=jacobi)
    u = (rhs_u - coupling @ b) / d_u
    return u, b, d_u, d_b


@dataclass(frozen=True)
class _Solve:
    d_u: np.ndarray  # diagonal precision of u
    coupling: sparse.csr_matrix  # B: entries × judges
    s_inv: np.ndarray  # inverse Schur complement = Cov(b); UPPER triangle only
    s: np.ndarray

    def cov_b_times(self, vector: np.ndarray) -> np.ndarray:
        """Cov(b) @ vector from the upper triangle (BLAS symv)."""
        return blas.dsymv(1.0, self.s_inv, vector, lower=0)

    def cov_b(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Cov(b)[a, b] elementwise, reading the upper triangle."""
        return self.s_inv[np.minimum(a, b), np.maximum(a, b)]


def _solve_linear(
    e: np.ndarray,
    j: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    s: np.ndarray,
    sigma2: np.ndarray,
    prec_u: float,
    prec_b: float,
    n_e: int,
    n_j: int,
) -> tuple[np.ndarray, np.ndarray, _Solve]:
    """Posterior of (u, b) given the scales, with the dense inverse Schur."""
    d_u, d_b, coupling, rhs_u, rhs_b = _normal_equations(
        e, j, y, w, s, sigma2, prec_u, prec_b, n_e, n_j
    )
    scaled = sparse.diags(1.0 / d_u) @ coupling
    # One dense judges × judges array, factorised and inverted in place.
    schur = (coupling.T @ scaled).toarray()
    np.negative(schur, out=schur)
    schur[np.diag_indices(n_j)] += d_b
    solve = _Solve(d_u=d_u, coupling=coupling, s_inv=_spd_inverse(schur), s=s)
    b = solve.cov_b_times(rhs_b - scaled.T @ rhs_u)
    u = (rhs_u - coupling @ b) / d_u
    return u, b, solve


def _solve_scales(
    e: np.ndarray,
    j: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    u: np.ndarray,
    b: np.ndarray,
    sigma2: np.ndarray,
    prec_s: float,
    n_j: int,
    min_scale: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Each judge's scale given entry values and severity, shrunk towards 1."""
    wt = w / sigma2
    ue = u[e]
    num = np.bincount(j, weights=wt * ue * (y - b[j]), minlength=n_j) + prec_s
    den = np.bincount(j, weights=wt * ue**2, minlength=n_j) + prec_s
    return np.maximum(num / den, min_scale), den


def _update_prior(
    *,
    b: np.ndarray,
    d_b: np.ndarray,
    s: np.ndarray,
    prec_scale: np.ndarray,
    prior: CalibrationPrior,
    max_total: float,
) -> tuple[float, float]:
    """Empirical-Bayes prior widths, pulled towards the defaults.

    σ² = (ν·σ₀² + Σ (estimate² + posterior variance)) / (ν + judges), ν =
    ``pseudo_judges``: when judges really agree the severities and scales are
    shrunk harder, so calibration costs nothing against the plain mean.
    """
    nu = float(prior.pseudo_judges or 0.0)
    n = len(b)
    var_b = (nu * (prior.severity_sd * max_total) ** 2 + np.sum(b**2 + 1 / d_b)) / (
        nu + n
    )
    var_s = (nu * prior.scale_sd**2 + np.sum((s - 1) ** 2 + 1 / prec_scale)) / (nu + n)
    var_b = max(float(var_b), (0.002 * max_total) ** 2)
    var_s = max(float(var_s), 0.002**2)
    return 1.0 / var_b, 1.0 / var_s


def _spd_inverse(matrix: np.ndarray) -> np.ndarray:
    """Inverse of a symmetric positive definite matrix through its Cholesky.

    Overwrites ``matrix``; only the upper triangle of the result is valid.
    The transpose of a C-ordered symmetric array is the same matrix in Fortran
    order, so LAPACK works on it in place (no copy of n² doubles).
    """
    fortran = matrix.T
    factor, info = lapack.dpotrf(fortran, lower=False, overwrite_a=True)
    if info != 0:
        inverse = np.linalg.inv(matrix)
        return (inverse + inverse.T) / 2
    upper, _ = lapack.dpotri(factor, lower=False, overwrite_c=True)
    return upper


def _diag_cov_u(solve: _Solve) -> np.ndarray:
    """diag Cov(u) = 1/d_u + diag(U S⁻¹ Uᵀ) with U = D_u⁻¹ B (k² terms per row)."""
    coo = solve.coupling.tocoo()
    rows, cols, vals = coo.row, coo.col, coo.data / solve.d_u[coo.row]
    order = np.argsort(rows, kind="stable")
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.searchsorted(rows, np.arange(len(solve.d_u)))
    ends = np.searchsorted(rows, np.arange(len(solve.d_u)), side="right")
    lengths = ends - starts
    # All ordered pairs of nonzeros within each row.
    idx_a = np.repeat(np.arange(len(rows)), lengths[rows])
    offsets = np.arange(len(idx_a)) - np.repeat(
        np.cumsum(lengths[rows]) - lengths[rows], lengths[rows]
    )
    idx_b = starts[rows[idx_a]] + offsets
    extra = np.bincount(
        rows[idx_a],
        weights=vals[idx_a] * vals[idx_b] * solve.cov_b(cols[idx_a], cols[idx_b]),
        minlength=len(solve.d_u),
    )
    return 1.0 / solve.d_u + extra


@dataclass(frozen=True)
class _Level:
    """Conditioning one component on "its judges' mean severity m = 0"."""

    in_comp: np.ndarray  # entries of the component
    members: np.ndarray  # judges of the component
    g: np.ndarray  # m = g · b
    t: np.ndarray  # Cov(b, m)
    cov_um: np.ndarray  # Cov(u, m)
    var_m: float

    def apply(self, u: np.ndarray, b: np.ndarray) -> None:
        """Condition (u, b) — a posterior mean or a posterior draw — in place."""
        m = float(self.g @ b)
        u[self.in_comp] -= (self.cov_um * m / self.var_m)[self.in_comp]
        b[self.members] -= (self.t * m / self.var_m)[self.members]


def _condition_on_components(
    data: _Data, u: np.ndarray, b: np.ndarray, s: np.ndarray, solve: _Solve
) -> tuple[np.ndarray, np.ndarray, list[_Level]]:
    """Condition the posterior on "mean severity = 0" in each component.

    Shifts u and b in place along the unidentified direction (u + c, b − s·c)
    and returns the conditional variances of u and b, and the conditionings
    (to apply to posterior draws).
    """
    var_u = _diag_cov_u(solve)
    var_b = np.diag(solve.s_inv).copy()
    scaled = sparse.diags(1.0 / solve.d_u) @ solve.coupling
    levels = []
    for comp in range(data.components):
        members = data.component_of_judge == comp
        g = members / members.sum()
        t = solve.cov_b_times(g)  # Cov(b, m)
        var_m = float(g @ t)
        if var_m <= 0:
            continue
        cov_um = -(scaled @ t)  # Cov(u, m)
        in_comp = data.component_of_entry == comp
        level = _Level(in_comp, members, g, t, cov_um, var_m)
        level.apply(u, b)
        levels.append(level)
        var_u[in_comp] -= (cov_um**2 / var_m)[in_comp]
        var_b[members] -= (t**2 / var_m)[members]
    return var_u, var_b, levels


def _calibration_warnings(
    data: _Data,
    w: np.ndarray,
    *,
    informative: np.ndarray,
    severity: np.ndarray,
    severity_sd: np.ndarray,
    max_total: float,
    warnings: list[str],
) -> None:
    n_judge = np.bincount(data.j, minlength=len(data.judge_ids))
    few = [data.judge_labels[k] for k in np.flatnonzero(n_judge < FEW_REVIEWS)]
    if few:
        warnings.append(
            said(
                N_(
                    "以下评审专家评阅不足 %(n)s 篇，还看不准其宽严，"
                    "校准时大体按一般评审专家对待：%(names)s"
                ),
                n=FEW_REVIEWS,
                names="、".join(few),
            )
        )
    _severity_warnings(data, severity, severity_sd, max_total, warnings)
    _weak_link_warnings(data, warnings)
    for r in np.flatnonzero((w < DOWNWEIGHT_REPORT) & informative):
        warnings.append(
            said(
                N_(
                    "评审专家 %(judge)s 对作品 %(code)s 的评分 %(total)s "
                    "与其他评分明显不符，已降低权重（%(weight)s）。"
                    "请核实是否误填或漏看。"
                ),
                judge=data.judge_labels[data.j[r]],
                code=str(data.entry_ids[data.e[r]]),
                total=f"{data.x[r]:g}",
                weight=f"{w[r]:.2f}",
            )
        )


def _severity_warnings(
    data: _Data,
    severity: np.ndarray,
    severity_sd: np.ndarray,
    max_total: float,
    warnings: list[str],
) -> None:
    """A judge far harsher or more lenient than the rest, and surely so.

    Far: b_j more than 3 SDs from the mean of the other judges' severities
    (leave-one-out, so the outlier does not hide itself) and at least
    ``FAR_SEVERITY`` of the scale; surely: the 95 % interval of b_j excludes 0.
    """
    n = len(severity)
    if n < 4:
        return
    total, squares = float(np.sum(severity)), float(np.sum(severity**2))
    mean_others = (total - severity) / (n - 1)
    var_others = (squares - severity**2 - (n - 1) * mean_others**2) / (n - 2)
    gap = np.abs(severity - mean_others)
    far = (gap > 3 * np.sqrt(np.maximum(var_others, 0))) & (
        gap > FAR_SEVERITY * max_total
    )
    for k in np.flatnonzero(far & (np.abs(severity) > 1.96 * severity_sd)):
        harsh = severity[k] < 0
        message = (
            N_(
                "评审专家 %(judge)s 明显偏严：平均比一般评审专家低 %(points)s 分。"
                "校准已扣除这一差异；若不合常理，请与这位专家核实对评分标准的理解。"
            )
            if harsh
            else N_(
                "评审专家 %(judge)s 明显偏宽：平均比一般评审专家高 %(points)s 分。"
                "校准已扣除这一差异；若不合常理，请与这位专家核实对评分标准的理解。"
            )
        )
        warnings.append(
            said(
                message,
                judge=data.judge_labels[k],
                points=f"{abs(severity[k]):.1f}",
            )
        )


def _weak_link_warnings(data: _Data, warnings: list[str]) -> None:
    """Judges who alone hold groups of entries together (cut vertices).

    Removing such a judge splits the entries into parts of at least
    ``WEAK_LINK_ENTRIES`` each, so those parts are compared only through him.
    """
    cut = _bridging_judges(data, WEAK_LINK_ENTRIES)
    if cut:
        names = "、".join(data.judge_labels[k] for k in cut)
        warnings.append(
            said(
                N_(
                    "部分作品之间只靠个别评审专家相连（%(names)s）：去掉其中任何一位，"
                    "作品就分成互不相连的几组，组与组之间的宽严比较只依赖这几位专家，"
                    "把握较小。建议安排几位评审专家交叉评阅不同组的作品。"
                ),
                names=names,
            )
        )


def _bridging_judges(data: _Data, min_side: int) -> list[int]:
    """Judge indices that are cut vertices of the entry–judge graph, with at
    least ``min_side`` entries on each side (iterative Tarjan, O(reviews))."""
    n_e, n_j = len(data.entry_ids), len(data.judge_ids)
    n = n_e + n_j
    a = np.concatenate([data.e, n_e + data.j])
    bb = np.concatenate([n_e + data.j, data.e])
    order = np.argsort(a, kind="stable")
    nbr = bb[order].tolist()
    start = np.searchsorted(a[order], np.arange(n + 1)).tolist()
    disc = [-1] * n
    low = [0] * n
    entries_below = [0] * n
    found: set[int] = set()
    clock = 0
    for root in range(n):
        if disc[root] >= 0:
            continue
        component_entries = int(
            np.sum(
                data.component_of_entry
                == (
                    data.component_of_entry[root]
                    if root < n_e
                    else data.component_of_judge[root - n_e]
                )
            )
        )
        disc[root] = low[root] = clock
        clock += 1
        entries_below[root] = 1 if root < n_e else 0
        stack = [(root, -1, start[root])]
        while stack:
            v, parent, pos = stack[-1]
            if pos < start[v + 1]:
                stack[-1] = (v, parent, pos + 1)
                c = nbr[pos]
                if disc[c] < 0:
                    disc[c] = low[c] = clock
                    clock += 1
                    entries_below[c] = 1 if c < n_e else 0
                    stack.append((c, v, start[c]))
                elif c != parent:
                    low[v] = min(low[v], disc[c])
                continue
            stack.pop()
            if parent < 0:
                continue
            low[parent] = min(low[parent], low[v])
            entries_below[parent] += entries_below[v]
            if (
                parent >= n_e
                and low[v] >= disc[parent]
                and entries_below[v] >= min_side
                and component_entries - entries_below[v] >= min_side
            ):
                found.add(parent - n_e)
    return sorted(found)
