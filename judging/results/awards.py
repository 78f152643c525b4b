"""Rank aggregated entries and allocate award tiers, with tier probabilities.

Pure: no Flask, no database.

RANKING and its tie-break (implemented in ``rank_entries``): entries are ordered
by score, highest first, after rounding the score to ``tie_decimals`` decimals
(default 2, the precision shown to people), so scores that look equal ARE equal.
Equal rounded scores share a rank (competition ranking 1, 2, 2, 4). There is no
hidden tie-break: within a tie, entries are listed by entry id only so that the
output is stable, and that order never changes a tier.

ROUNDING rule (``plan_counts``): tiers are filled in scheme order from the top of
the ranking. A tier given as a share gets ``round_half_up(share% × N)`` places,
where N is the number of ranked (not excluded) entries; at least 1 if the share
is above 0; a tier given as a count gets that count. No tier ever gets more
places than entries remain, so the awarded total never exceeds N.

TIE rule (``allocate_awards``): when entries with equal rounded score straddle a
tier's last place, all of them go to the better tier, that tier grows, and every
later tier starts correspondingly lower with its own planned count unchanged
(so a tie can only move entries up, never split equal scores). Each time the
rounding or the tie rule changes a count, a Chinese note says so.

OVERRIDES: the organiser may move an entry to another tier (or to 未获奖) or
exclude it, always with a non-empty reason. Exclusions are applied before
ranking (the entry takes no place and N shrinks); moves are applied after the
allocation and change only that entry. Overridden entries are marked.

TIER PROBABILITY (``tier_probabilities``): each entry's value is drawn from
N(score, sd²) independently (the marginal posterior of the calibrated model, or
the sampling distribution for the simple methods), the ranking is redone in each
draw and the actual tier sizes are re-applied; the share of draws in which the
entry lands in its allocated tier is its tier probability. Below
``threshold`` (0.8) the entry is flagged as near a boundary.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from scipy import special

from judging.i18n import N_, said
from judging.numbers import NotANumber, parse_decimal
from judging.results.aggregate import Aggregation, EntryScore

EntryId = Hashable
NOT_AWARDED = "未获奖"
TIER_NAMES = ("一等奖", "二等奖", "三等奖", "四等奖", "五等奖", "六等奖")


class AwardError(ValueError):
    """The award scheme or an override is invalid."""


@dataclass(frozen=True)
class Tier:
    """One award tier: a name and EITHER a share (percent of N) OR a count."""

    name: str
    share: float | None = None
    count: int | None = None


@dataclass(frozen=True)
class Override:
    """An organiser's decision on one entry: move to ``tier`` or ``exclude``."""

    entry_id: EntryId
    reason: str
    tier: str | None = None
    exclude: bool = False


@dataclass(frozen=True)
class RankedEntry:
    """An entry's place in the ranking (shared rank on equal rounded score)."""

    entry_id: EntryId
    score: float
    rank: int


@dataclass(frozen=True)
class TierCount:
    """Planned (after rounding) and actual (after ties) places of a tier."""

    name: str
    planned: int
    actual: int
    category: str = ""  # the category ranked apart ("" when ranked overall)


@dataclass(frozen=True)
class Award:
    """The outcome for one entry. ``tier`` is ``NOT_AWARDED`` if none."""

    entry_id: EntryId
    score: float
    low: float
    high: float
    rank: int | None
    tier: str
    model_tier: str
    tier_probability: float | None
    is_near_boundary: bool
    is_overridden: bool
    is_excluded: bool
    override_reason: str
    category: str = ""  # the category ranked apart ("" when ranked overall)


@dataclass(frozen=True)
class ReviewSuggestion:
    """An entry that would most benefit from one more review, and why."""

    entry_id: EntryId
    reason: str


@dataclass(frozen=True)
class AwardAllocation:
    """Awards in ranking order (excluded entries last), tier counts and notes."""

    awards: tuple[Award, ...]
    tiers: tuple[TierCount, ...]
    notes: tuple[str, ...]
    suggestions: tuple[ReviewSuggestion, ...]

    def award(self, entry_id: EntryId) -> Award:
        """Return the award of one entry (KeyError if unknown)."""
        for item in self.awards:
            if item.entry_id == entry_id:
                return item
        raise KeyError(entry_id)


def round_half_up(value: float) -> int:
    """Round to the nearest integer, halves upwards (2.5 → 3), as people expect."""
    return int(Decimal(repr(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def parse_shares(text: str) -> tuple[Tier, ...]:
    """Build tiers from "10,20,30" (percent): 一等奖 10%, 二等奖 20%, 三等奖 30%."""
    parts = [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    if not parts or len(parts) > len(TIER_NAMES):
        raise AwardError(
            said(N_("奖项比例须为 1 到 %(n)s 个百分数，如 10,20,30"), n=len(TIER_NAMES))
        )
    try:  # "1_0", "1e1", "nan" and a lone "%" are no percentages
        values = [parse_decimal(p.rstrip("%％")) for p in parts]
    except NotANumber as exc:
        raise AwardError(said(N_("奖项比例无法识别：%(text)s"), text=text)) from exc
    if None in values:
        raise AwardError(said(N_("奖项比例无法识别：%(text)s"), text=text))
    shares = [float(v) for v in values if v is not None]
    named = zip(TIER_NAMES, shares, strict=False)
    tiers = tuple(Tier(name=n, share=s) for n, s in named)
    _check_scheme(tiers)
    return tiers


def _check_scheme(scheme: Sequence[Tier]) -> None:
    names = [t.name for t in scheme]
    if len(set(names)) != len(names) or NOT_AWARDED in names or "" in names:
        raise AwardError(N_("奖项名称不能为空、不能重复，也不能是“未获奖”"))
    for tier in scheme:
        if (tier.share is None) == (tier.count is None):
            raise AwardError(
                said(N_("奖项“%(tier)s”须给出比例或名额之一"), tier=tier.name)
            )
        if tier.share is not None and not 0 <= tier.share <= 100:
            raise AwardError(
                said(N_("奖项“%(tier)s”的比例须在 0 到 100 之间"), tier=tier.name)
            )
        if tier.count is not None and tier.count < 0:
            raise AwardError(said(N_("奖项“%(tier)s”的名额不能为负数"), tier=tier.name))
    total_share = sum(t.share for t in scheme if t.share is not None)
    if total_share > 100:
        raise AwardError(N_("各奖项比例之和不能超过 100%"))


def rank_entries(
    scores: Iterable[EntryScore], *, tie_decimals: int = 2
) -> tuple[RankedEntry, ...]:
    """Rank by score (highest first) after rounding to ``tie_decimals``.

    Tie-break rule: none. Equal rounded scores share a rank (1, 2, 2, 4); the
    entry id only fixes the listing order within a tie.
    """
    items = [(round(s.score, tie_decimals), s) for s in scores]
    items.sort(key=lambda pair: (-pair[0], _id_key(pair[1].entry_id)))
    ranked: list[RankedEntry] = []
    for position, (rounded, item) in enumerate(items):
        if ranked and round(ranked[-1].score, tie_decimals) == rounded:
            rank = ranked[-1].rank
        else:
            rank = position + 1
        ranked.append(RankedEntry(entry_id=item.entry_id, score=item.score, rank=rank))
    return tuple(ranked)


def _id_key(value: Hashable) -> tuple[str, str, float]:
    if isinstance(value, (int, float)):
        return ("", "", float(value))
    return (type(value).__name__, str(value), 0.0)


def plan_counts(
    *, scheme: Sequence[Tier], n_ranked: int
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """Places per tier by the ROUNDING rule, and notes where the rule bites.

    Rule: round_half_up(share% × N), at least 1 if share > 0, never more than the
    entries that remain after the better tiers.
    """
    _check_scheme(scheme)
    counts: list[int] = []
    notes: list[str] = []
    remaining = n_ranked
    for tier in scheme:
        if tier.share is not None:
            exact = tier.share * n_ranked / 100
            wanted = round_half_up(exact)
            if tier.share > 0 and wanted == 0:
                wanted = 1
            if not math.isclose(exact, wanted):
                notes.append(
                    said(
                        N_(
                            "%(tier)s按 %(share)s%% × %(n)s = %(exact)s，"
                            "取整为 %(wanted)s 名"
                        ),
                        tier=tier.name,
                        share=f"{tier.share:g}",
                        n=n_ranked,
                        exact=f"{exact:g}",
                        wanted=wanted,
                    )
                )
        else:
            wanted = int(tier.count or 0)
        got = min(wanted, remaining)
        if got < wanted:
            notes.append(
                said(
                    N_("%(tier)s应有 %(wanted)s 名，但只剩 %(left)s 篇作品"),
                    tier=tier.name,
                    wanted=wanted,
                    left=remaining,
                )
            )
        counts.append(got)
        remaining -= got
    return tuple(counts), tuple(notes)


def allocate_awards(
    aggregation: Aggregation,
    *,
    scheme: Sequence[Tier],
    overrides: Sequence[Override] = (),
    tie_decimals: int = 2,
    draws: int = 1000,
    seed: int = 0,
    threshold: float = 0.8,
    max_suggestions: int = 10,
) -> AwardAllocation:
    """Allocate tiers by the ROUNDING and TIE rules, apply overrides, add doubt.

    Rule (see module docstring): tiers fill in scheme order; equal scores at a
    boundary all go to the better tier; exclusions come before ranking, moves
    after; every override needs a reason. Tier probabilities use ``draws``
    draws seeded with ``seed``; entries below ``threshold`` are flagged.
    """
    by_id = {e.entry_id: e for e in aggregation.entries}
    moves, excluded = _check_overrides(overrides, scheme=scheme, known=by_id)
    kept = [e for e in aggregation.entries if e.entry_id not in excluded]
    ranked = rank_entries(kept, tie_decimals=tie_decimals)
    planned, notes = plan_counts(scheme=scheme, n_ranked=len(ranked))
    tier_of, actual, tie_notes = _fill_tiers(
        ranked, scheme=scheme, planned=planned, tie_decimals=tie_decimals
    )
    notes = [*notes, *tie_notes]
    sizes = [actual[t.name] for t in scheme]
    probability = tier_probabilities(
        [by_id[r.entry_id] for r in ranked],
        sizes=sizes,
        draws=draws,
        seed=seed,
        allocated=[_tier_index(tier_of[r.entry_id], scheme) for r in ranked],
    )
    awards: list[Award] = []
    for r in ranked:
        entry = by_id[r.entry_id]
        model_tier = tier_of[r.entry_id]
        move = moves.get(r.entry_id)
        p = probability[r.entry_id]
        awards.append(
            Award(
                entry_id=r.entry_id,
                score=entry.score,
                low=entry.low,
                high=entry.high,
                rank=r.rank,
                tier=move.tier if move and move.tier else model_tier,
                model_tier=model_tier,
                tier_probability=p,
                is_near_boundary=p < threshold,
                is_overridden=move is not None,
                is_excluded=False,
                override_reason=move.reason.strip() if move else "",
            )
        )
        if move:
            notes.append(
                said(
                    N_("作品 %(code)s 由%(before)s调整为%(after)s：%(reason)s"),
                    code=str(r.entry_id),
                    before=model_tier,
                    after=move.tier,
                    reason=move.reason.strip(),
                )
            )
    for entry in aggregation.entries:
        if entry.entry_id in excluded:
            reason = excluded[entry.entry_id].reason.strip()
            awards.append(
                Award(
                    entry_id=entry.entry_id,
                    score=entry.score,
                    low=entry.low,
                    high=entry.high,
                    rank=None,
                    tier=NOT_AWARDED,
                    model_tier=NOT_AWARDED,
                    tier_probability=None,
                    is_near_boundary=False,
                    is_overridden=True,
                    is_excluded=True,
                    override_reason=reason,
                )
            )
            notes.append(
                said(
                    N_("作品 %(code)s 不参与排名：%(reason)s"),
                    code=str(entry.entry_id),
                    reason=reason,
                )
            )
    tiers = tuple(
        TierCount(name=t.name, planned=p, actual=actual[t.name])
        for t, p in zip(scheme, planned, strict=True)
    )
    suggestions = suggest_reviews(
        awards, by_id=by_id, threshold=threshold, limit=max_suggestions
    )
    return AwardAllocation(
        awards=tuple(awards), tiers=tiers, notes=tuple(notes), suggestions=suggestions
    )


def _check_overrides(
    overrides: Sequence[Override],
    *,
    scheme: Sequence[Tier],
    known: Mapping[EntryId, EntryScore],
) -> tuple[dict[EntryId, Override], dict[EntryId, Override]]:
    names = {t.name for t in scheme} | {NOT_AWARDED}
    moves: dict[EntryId, Override] = {}
    excluded: dict[EntryId, Override] = {}
    for item in overrides:
        if not item.reason or not item.reason.strip():
            raise AwardError(
                said(N_("调整作品 %(entry)s 的奖项必须填写理由"), entry=item.entry_id)
            )
        if item.entry_id not in known:
            raise AwardError(
                said(N_("作品 %(entry)s 没有汇总分数，无法调整"), entry=item.entry_id)
            )
        if item.entry_id in moves or item.entry_id in excluded:
            raise AwardError(said(N_("作品 %(entry)s 有多条调整"), entry=item.entry_id))
        if item.exclude == (item.tier is not None):
            raise AwardError(
                said(
                    N_("作品 %(entry)s 的调整须且只能是改奖项或取消资格之一"),
                    entry=item.entry_id,
                )
            )
        if item.exclude:
            excluded[item.entry_id] = item
        elif item.tier not in names:
            raise AwardError(
                said(N_("奖项“%(tier)s”不在本次奖项设置中"), tier=item.tier)
            )
        else:
            moves[item.entry_id] = item
    return moves, excluded


def _fill_tiers(
    ranked: Sequence[RankedEntry],
    *,
    scheme: Sequence[Tier],
    planned: Sequence[int],
    tie_decimals: int,
) -> tuple[dict[EntryId, str], dict[str, int], list[str]]:
    """Walk the ranking and apply the TIE rule at each tier's last place."""
    tier_of: dict[EntryId, str] = {}
    actual: dict[str, int] = {}
    notes: list[str] = []
    start = 0
    for tier, count in zip(scheme, planned, strict=True):
        end = min(start + count, len(ranked))
        if count > 0 and end < len(ranked):
            last = round(ranked[end - 1].score, tie_decimals)
            extended = end
            while (
                extended < len(ranked)
                and round(ranked[extended].score, tie_decimals) == last
            ):
                extended += 1
            if extended > end:
                group = sum(1 for r in ranked if round(r.score, tie_decimals) == last)
                notes.append(
                    said(
                        N_(
                            "排名第 %(rank)s 的 %(n)s 篇作品分数相同（%(score)s），"
                            "跨越%(tier)s名额线，均列入%(tier)s；%(tier)s名额由 "
                            "%(before)s 增至 %(after)s，其后各奖项顺延"
                        ),
                        rank=ranked[end - 1].rank,
                        n=group,
                        score=f"{last:.{tie_decimals}f}",
                        tier=tier.name,
                        before=end - start,
                        after=extended - start,
                    )
                )
                end = extended
        for r in ranked[start:end]:
            tier_of[r.entry_id] = tier.name
        actual[tier.name] = end - start
        start = end
    for r in ranked[start:]:
        tier_of[r.entry_id] = NOT_AWARDED
    return tier_of, actual, notes


def _tier_index(name: str, scheme: Sequence[Tier]) -> int:
    for index, tier in enumerate(scheme):
        if tier.name == name:
            return index
    return len(scheme)


def tier_probabilities(
    entries: Sequence[EntryScore],
    *,
    sizes: Sequence[int],
    allocated: Sequence[int],
    draws: int = 1000,
    seed: int = 0,
    chunk: int = 200,
) -> dict[EntryId, float]:
    """Share of posterior draws in which each entry lands in its allocated tier.

    ``entries`` and ``allocated`` (tier index, ``len(sizes)`` = not awarded) are
    parallel; ``sizes`` are the actual tier sizes in order. Each draw samples
    every value from N(score, sd²), re-ranks, and cuts at the same sizes.
    """
    n = len(entries)
    if n == 0:
        return {}
    mean = np.array([e.score for e in entries])
    sd = np.array([e.sd for e in entries])
    bounds = np.cumsum(list(sizes))
    target = np.asarray(allocated)
    rng = np.random.default_rng(seed)
    hits = np.zeros(n)
    done = 0
    while done < draws:
        size = min(chunk, draws - done)
        sample = mean + sd * rng.standard_normal((size, n))
        # Stable sort on −value with entry order as the (irrelevant) tie-break.
        order = np.argsort(-sample, axis=1, kind="stable")
        positions = np.empty_like(order)
        np.put_along_axis(positions, order, np.arange(n)[None, :], axis=1)
        tier = np.searchsorted(bounds, positions, side="right")
        hits += np.sum(tier == target[None, :], axis=0)
        done += size
    return {e.entry_id: float(h / draws) for e, h in zip(entries, hits, strict=True)}


def suggest_reviews(
    awards: Sequence[Award],
    *,
    by_id: Mapping[EntryId, EntryScore],
    threshold: float = 0.8,
    limit: int = 10,
) -> tuple[ReviewSuggestion, ...]:
    """Entries whose tier is most in doubt, where one more review helps most.

    Priority = (1 − tier probability) × sd² / (n + 1): the doubt, times the
    variance one more review would remove if it were as informative as an
    average existing one. Only entries below ``threshold`` are suggested.
    """
    scored: list[tuple[float, Award]] = []
    for award in awards:
        p = award.tier_probability
        if award.is_excluded or p is None or p >= threshold:
            continue
        entry = by_id[award.entry_id]
        priority = (1 - p) * entry.sd**2 / (entry.n_reviews + 1)
        scored.append((priority, award))
    scored.sort(key=lambda pair: (-pair[0], _id_key(pair[1].entry_id)))
    return tuple(
        ReviewSuggestion(
            entry_id=a.entry_id,
            reason=said(
                N_(
                    "位于%(tier)s边界附近，归属概率 %(p)s，区间 [%(low)s, %(high)s]，"
                    "现有 %(n)s 份评分；建议增派一位评审专家"
                ),
                tier=a.model_tier,
                p=f"{a.tier_probability:.2f}",
                low=f"{a.low:.1f}",
                high=f"{a.high:.1f}",
                n=by_id[a.entry_id].n_reviews,
            ),
        )
        for _, a in scored[:limit]
    )


@dataclass(frozen=True)
class ExtraReview:
    """An entry chosen for one more review, with why and what it should buy.

    ``distance`` is the gap to the nearest tier cut in posterior SDs; ``gain``
    the expected drop in the chance that the entry is in the wrong tier.
    """

    entry_id: EntryId
    distance: float
    gain: float


def plan_extra_reviews(
    entries: Sequence[EntryScore], *, sizes: Sequence[int], budget: int
) -> tuple[ExtraReview, ...]:
    """The ``budget`` entries whose tier one more review is most likely to fix.

    Cuts sit midway between the last entry of a tier and the first of the next
    (by score; ``sizes`` are the tier sizes from the top). An entry's distance
    is d = |score − nearest cut| / sd. The posterior says its side of the cut is
    right with probability Φ(d). One more review (as informative as its others)
    shrinks sd to sd' = sd·√(n / (n + 1)); before it arrives the new score is
    N(score, sd² − sd'²) (preposterior), so the expected chance of ending on the
    right side is E[Φ(|d'|)] with d' the new distance in sd' units. The gain is
    that minus Φ(d): the expected number of entries moved into their right tier.
    Entries are chosen nearest first (ties by entry id). Send them in rounds:
    re-aggregate after each round and plan again, since the cuts move.
    """
    n = len(entries)
    if n == 0 or budget <= 0:
        return ()
    score = np.array([e.score for e in entries])
    sd = np.maximum(np.array([e.sd for e in entries]), 1e-12)
    reviews = np.maximum(np.array([e.n_reviews for e in entries]), 1)
    ordered = np.sort(score)[::-1]
    bounds = [int(b) for b in np.cumsum(list(sizes)) if 0 < b < n]
    if not bounds:
        return ()
    cuts = np.array([(ordered[b - 1] + ordered[b]) / 2 for b in bounds])
    distance = np.min(np.abs(score[:, None] - cuts[None, :]), axis=1) / sd
    after = sd * np.sqrt(reviews / (reviews + 1))
    spread = np.sqrt(np.maximum(sd**2 - after**2, 0))
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    new = np.abs(distance[:, None] * sd[:, None] + spread[:, None] * nodes[None, :])
    later = _normal_cdf(new / after[:, None]) @ weights
    gain = np.maximum(later - _normal_cdf(distance), 0.0)
    order = sorted(range(n), key=lambda i: (distance[i], _id_key(entries[i].entry_id)))
    return tuple(
        ExtraReview(
            entry_id=entries[i].entry_id,
            distance=float(distance[i]),
            gain=float(gain[i]),
        )
        for i in order[:budget]
    )


def _normal_cdf(x: np.ndarray) -> np.ndarray:
    return special.ndtr(x)
