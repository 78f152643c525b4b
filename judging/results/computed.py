"""Live results computed once per change of the scores, stored, read by every page.

Aggregating every method with its tier draws takes seconds at national scale, so
no page does it. `load_inputs` reads what the results depend on as plain tuples
(no ORM objects) and names it with a fingerprint; `compute_and_store` runs the
pure modules and keeps one `ComputedResult` per method (and one for the
reliability statistics) under that fingerprint; `status` tells a page in a few
light queries whether what is stored is still current, and
`judging.results.jobs` queues the recomputation when it is not. Once the
competition is finalised, the frozen `Result` rows and the stored reliability
are final: nothing here runs again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from pathlib import Path

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy import inspect as sqla_inspect
from sqlalchemy.orm import selectinload

from judging.accounts.models import Judge
from judging.assignment.models import Assignment, AssignmentStatus
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import N_, message_of, said, stored
from judging.results.models import AwardOverride, ComputedResult
from judging.review.models import Review, ReviewStatus
from judging.rounds.models import DefenseScore, Round
from judging.submissions.models import Entry, EntryStatus

RELIABILITY = "reliability"


def counted_reviews(competition_id: int | None = None) -> tuple:
    """The rule for which reviews count in the results, as WHERE clauses (to
    join Review → Assignment → Entry): submitted reviews with a total, of
    active assignments, of submitted entries — of one competition if given."""
    rule = (
        Entry.status == EntryStatus.SUBMITTED,
        Assignment.status == AssignmentStatus.ACTIVE,
        Review.status == ReviewStatus.SUBMITTED,
        Review.total.is_not(None),
    )
    if competition_id is None:
        return rule
    return (Entry.competition_id == competition_id, *rule)


NEAR_BOUNDARY = 0.8  # tier probabilities below this flag an entry
# The modules whose code decides the numbers: a new version recomputes.
_CODE = (
    "judging.results.aggregate",
    "judging.results.awards",
    "judging.results.categories",
    "judging.results.reliability",
    "judging.results.computed",
    "judging.results.rounds",
)


@dataclass(frozen=True)
class Inputs:
    """Everything the live results depend on, as plain values."""

    competition_id: int
    keys: dict[int, str]  # entry id → key the pure modules see (code order)
    reviews: tuple[tuple[int, int, int, Decimal], ...]  # id, entry, judge, total
    overrides: tuple[tuple[int, str | None, bool, str], ...]  # entry, tier, excl.
    scheme: tuple[tuple[str, float | None, int | None], ...]
    max_total: float
    seed: int
    fingerprint: str
    # tiers per category (judging.results.categories) or overall
    by_category: bool = False
    categories: tuple[str, ...] = ()  # the competition's, in its order
    category_of: dict[int, str] | None = None  # entry id → its category
    category_tiers: str = ""  # each category's own shares or counts
    # rounds (judging.results.rounds): each review's round, aligned with
    # `reviews`; the number of rounds, the combination and the 答辩 scores
    review_rounds: tuple[int, ...] = ()
    n_rounds: int = 1
    round_mode: str = "last"
    round_weights: tuple[float, ...] = (100.0,)
    defense: tuple[tuple[int, float], ...] = ()  # entry, points
    defense_weight: float = 0.0
    defense_max: float = 100.0


@dataclass(frozen=True)
class Status:
    """Whether a competition's stored results are current, and the recompute."""

    computed_at: datetime | None  # of what is stored; None: nothing yet
    is_current: bool
    fingerprint: str


@cache
def code_version() -> str:
    """A digest of the modules that compute the results (read, not imported)."""
    digest = hashlib.sha256()
    for name in _CODE:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin:
            digest.update(Path(spec.origin).read_bytes())
    return digest.hexdigest()[:15]


def entry_key(entry_id: int, code: str | None) -> str:
    """The id the pure modules see: the anonymous code (readable in their notes)."""
    return code or f"#{entry_id}"


def load_inputs(competition: Competition) -> Inputs:
    """The counted reviews, entries, overrides and scheme: four light queries
    (one more when rounds are stored, for their own rubrics)."""
    from judging.results.rounds import rescale
    from judging.rounds.service import round_maxima

    entries = db.session.execute(
        select(Entry.id, Entry.code, Entry.category)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        .order_by(Entry.code, Entry.id)
    ).all()
    keys = {entry_id: entry_key(entry_id, code) for entry_id, code, _c in entries}
    by_category = bool(competition.award_by_category)
    category_of = {i: c for i, _code, c in entries} if by_category else {}
    categories = tuple(competition.category_list) if by_category else ()
    category_tiers = competition.category_tiers if by_category else ""
    counted = db.session.execute(
        select(
            Review.id,
            Assignment.entry_id,
            Assignment.judge_id,
            Review.total,
            Assignment.round_no,
        )
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(*counted_reviews(competition.id))
        .order_by(Review.id)
    ).all()
    stored_rounds = db.session.execute(
        select(Round.number, Round.weight)
        .where(Round.competition_id == competition.id)
        .order_by(Round.number)
    ).all()
    # a round with its own rubric: its totals in points of the competition's
    maxima = round_maxima(competition) if stored_rounds else {}
    top = competition.max_total
    if any(maxima.get(n) not in (None, top) for n, _w in stored_rounds):
        reviews = tuple(
            (i, e, j, rescale(t, own=maxima.get(n), top=top))
            for i, e, j, t, n in counted
        )
    else:  # no round with a rubric of its own: plain unpacking is fast
        reviews = tuple((i, e, j, t) for i, e, j, t, _n in counted)
    review_rounds = tuple(int(n) for *_r, n in counted)
    n_rounds = max([1, *(n for n, _w in stored_rounds)])
    weight_of = {n: float(w) for n, w in stored_rounds}
    round_weights = tuple(
        weight_of.get(n, 100.0 if n_rounds == 1 else 0.0)
        for n in range(1, n_rounds + 1)
    )
    defense = tuple(
        (e, float(p))
        for e, p in db.session.execute(
            select(DefenseScore.entry_id, DefenseScore.points)
            .join(Entry, Entry.id == DefenseScore.entry_id)
            .where(Entry.competition_id == competition.id)
            .order_by(DefenseScore.entry_id, DefenseScore.id)
        )
    )
    round_mode = competition.round_mode or "last"
    defense_weight = float(competition.defense_weight or 0)
    defense_max = float(competition.defense_max or 100)
    overrides = tuple(
        (o.entry_id, o.tier_name, bool(o.is_excluded), o.reason)
        for o in db.session.execute(
            select(
                AwardOverride.entry_id,
                AwardOverride.tier_name,
                AwardOverride.is_excluded,
                AwardOverride.reason,
            )
            .where(AwardOverride.competition_id == competition.id)
            .order_by(AwardOverride.id)
        )
    )
    scheme = tuple(
        (
            t.name,
            None if t.share_percent is None else float(t.share_percent),
            t.count,
        )
        for t in competition.tiers
    )
    max_total = float(competition.max_total)
    # Tier probabilities are Monte Carlo draws: a fixed seed per competition
    # keeps the ranking from changing between computations of the same scores.
    seed = competition.assignment_seed or competition.id
    payload = json.dumps(
        [
            list(keys.items()),
            [(i, e, j, str(t)) for i, e, j, t in reviews],
            overrides,
            scheme,
            max_total,
            seed,
            [by_category, categories, sorted(category_of.items()), category_tiers],
            review_rounds,
            n_rounds,
            round_mode,
            round_weights,
            defense,
            defense_weight,
            defense_max,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    data = hashlib.sha256(payload.encode()).hexdigest()
    return Inputs(
        competition_id=competition.id,
        keys=keys,
        reviews=reviews,
        overrides=overrides,
        scheme=scheme,
        max_total=max_total,
        seed=seed,
        fingerprint=f"{code_version()}:{data}",
        by_category=by_category,
        categories=categories,
        category_of=category_of,
        category_tiers=category_tiers,
        review_rounds=review_rounds,
        n_rounds=n_rounds,
        round_mode=round_mode,
        round_weights=round_weights,
        defense=defense,
        defense_weight=defense_weight,
        defense_max=defense_max,
    )


def _stored(competition_id: int, kind: str) -> ComputedResult | None:
    return db.session.scalar(
        select(ComputedResult).where(
            ComputedResult.competition_id == competition_id,
            ComputedResult.kind == kind,
        )
    )


def _stored_stamp(competition_id: int) -> tuple[str, datetime] | None:
    row = db.session.execute(
        select(ComputedResult.fingerprint, ComputedResult.computed_at).where(
            ComputedResult.competition_id == competition_id,
            ComputedResult.kind == RELIABILITY,
        )
    ).first()
    return None if row is None else (row[0], row[1])


def stored_fingerprint(competition_id: int) -> str | None:
    stamp = _stored_stamp(competition_id)
    return None if stamp is None else stamp[0]


def stored_computed_at(competition_id: int) -> datetime | None:
    """When the stored results were computed (one query; None: never)."""
    stamp = _stored_stamp(competition_id)
    return None if stamp is None else stamp[1]


def has_stored(competition_id: int) -> bool:
    return _stored_stamp(competition_id) is not None


# How long a process trusts a fingerprint whose change stamp is unchanged: a
# change the stamp would miss is noticed within this time at the latest.
FINGERPRINT_TRUST = 60.0  # seconds


def _change_stamp(competition: Competition) -> tuple:
    """Cheap aggregates over what `load_inputs` reads (counts, sums of ids and
    values, last update times), and the competition's own columns, tiers and
    rubric: they change whenever one of its inputs does, in four statements
    instead of reading 15,000 reviews. Whatever load_inputs reads must be here."""
    cid = competition.id
    mine = Entry.competition_id == cid
    reviews = db.session.execute(
        select(
            func.count(Review.id),
            func.sum(Review.id),
            func.sum(Review.total),
            func.max(Review.updated_at),
            func.sum(Assignment.judge_id * Review.id),
            func.sum(Assignment.entry_id * Review.id),
            func.sum(Assignment.round_no * Review.id),
        )
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(*counted_reviews(cid))
    ).one()
    small = db.session.execute(
        select(
            *(
                select(agg)
                .where(mine, Entry.status == EntryStatus.SUBMITTED)
                .scalar_subquery()
                for agg in (
                    func.count(Entry.id),
                    func.sum(Entry.id),
                    func.max(Entry.updated_at),
                )
            ),
            *(
                select(agg)
                .join(Entry, Entry.id == DefenseScore.entry_id)
                .where(mine)
                .scalar_subquery()
                for agg in (
                    func.count(DefenseScore.id),
                    func.sum(DefenseScore.id),
                    func.sum(DefenseScore.points),
                )
            ),
        )
    ).one()
    overrides = db.session.execute(
        select(
            AwardOverride.entry_id,
            AwardOverride.tier_name,
            AwardOverride.is_excluded,
            AwardOverride.reason,
        )
        .where(AwardOverride.competition_id == cid)
        .order_by(AwardOverride.id)
    ).all()
    rounds = db.session.execute(
        select(Round.number, Round.weight)
        .where(Round.competition_id == cid)
        .order_by(Round.number)
    ).all()
    columns = sqla_inspect(Competition).column_attrs
    return (
        code_version(),
        tuple(reviews),
        tuple(small),
        tuple(tuple(r) for r in overrides),
        tuple(tuple(r) for r in rounds),
        tuple(getattr(competition, a.key) for a in columns),
        tuple((t.name, t.share_percent, t.count) for t in competition.tiers),
        competition.max_total,
    )


def current_fingerprint(competition: Competition) -> str:
    """The fingerprint of today's inputs (`load_inputs(...).fingerprint`),
    computed again only when their change stamp moved or it is older than
    FINGERPRINT_TRUST: pages ask on every view."""
    known = current_app.extensions.setdefault("judging.fingerprints", {})
    stamp = _change_stamp(competition)
    now = time.monotonic()
    seen = known.get(competition.id)
    if seen is not None and seen[0] == stamp and now - seen[1] < FINGERPRINT_TRUST:
        return seen[2]
    fingerprint = load_inputs(competition).fingerprint
    known[competition.id] = (stamp, now, fingerprint)
    return fingerprint


def status(competition: Competition) -> Status:
    """Is what is stored computed from today's scores? (No computation.)"""
    current = current_fingerprint(competition)
    stamp = _stored_stamp(competition.id)
    if stamp is None:
        return Status(None, False, current)
    fingerprint, computed_at = stamp
    return Status(computed_at, fingerprint == current, current)


def frozen_status(competition: Competition) -> Status:
    """After finalising, what is stored is final, however the scores moved."""
    stamp = _stored_stamp(competition.id)
    if stamp is None:
        return Status(None, False, "")
    return Status(stamp[1], True, stamp[0])


# --- computing -------------------------------------------------------------------


def compute(
    inputs: Inputs,
    *,
    judge_names: dict[int, str],
    progress: Callable[[int, int, str], None] | None = None,
) -> dict[str, dict]:
    """Every method's ranking and tier allocation, and the reliability statistics.

    Rules (ROUNDING, TIE, OVERRIDES, TIER PROBABILITY) are those of
    `judging.results.awards`; each method gets its own tier draws.
    """
    from judging.results import aggregate as agg
    from judging.results import awards, categories
    from judging.results.reliability import (
        krippendorff_alpha_interval,
        score_histogram,
    )

    methods = list(agg.METHOD_LABELS)
    steps = len(methods) * 2 + 1
    say = progress or (lambda done, total, message: None)
    ids = {key: entry_id for entry_id, key in inputs.keys.items()}
    items = [
        agg.Review(entry_id=inputs.keys[e], judge_id=j, total=t)
        for _i, e, j, t in inputs.reviews
        if e in inputs.keys
    ]
    scored = {i.entry_id for i in items}
    unscored = [i for i, key in inputs.keys.items() if key not in scored]
    out: dict[str, dict] = {}
    if not items:
        for m in methods:
            out[m] = {"rows": [], "unscored": unscored}
        out[RELIABILITY] = {"empty": True}
        return out
    results = {}
    multi = inputs.n_rounds > 1 or inputs.defense_weight > 0
    combined: dict[str, dict] = {}
    for n, m in enumerate(methods):
        say(n, steps, N_("汇总评分"))
        if multi:
            results[m], combined[m] = _combine_rounds(
                inputs, items, method=m, judge_names=judge_names
            )
        else:
            results[m] = agg.aggregate(
                items, method=m, max_total=inputs.max_total, judge_names=judge_names
            )
    # One dict per method: looking entries up by a scan was quadratic.
    scores = {m: {e.entry_id: e for e in r.entries} for m, r in results.items()}
    if multi:  # the eliminated entries' scores too (for the score columns)
        for m in methods:
            scores[m].update(combined[m]["scores"])
    warnings = list(dict.fromkeys(w for r in results.values() for w in r.warnings))
    scheme = tuple(awards.Tier(name=n, share=s, count=c) for n, s, c in inputs.scheme)
    overrides = [
        awards.Override(
            entry_id=inputs.keys[e],
            reason=reason,
            tier=None if excluded else tier,
            exclude=excluded,
        )
        for e, tier, excluded, reason in inputs.overrides
        if inputs.keys.get(e) in scored
    ]
    calibrated = scores["calibrated"]
    category_of = {inputs.keys[e]: c for e, c in (inputs.category_of or {}).items()}
    for n, m in enumerate(methods):
        say(len(methods) + n, steps, N_("分配奖项"))
        finalists = {e.entry_id for e in results[m].entries}
        try:
            counted = [o for o in overrides if o.entry_id in finalists]
            if inputs.by_category:
                allocation = categories.allocate_by_category(
                    results[m],
                    category_of=category_of,
                    categories=inputs.categories,
                    scheme=scheme,
                    schemes=categories.parse_category_schemes(
                        inputs.category_tiers,
                        scheme=scheme,
                        categories=inputs.categories,
                    ),
                    overrides=counted,
                    seed=inputs.seed,
                    threshold=NEAR_BOUNDARY,
                )
            else:
                allocation = awards.allocate_awards(
                    results[m],
                    scheme=scheme,
                    overrides=counted,
                    seed=inputs.seed,
                    threshold=NEAR_BOUNDARY,
                )
        except awards.AwardError as exc:
            out[m] = {
                "error": stored(message_of(exc)),
                "rows": [],
                "unscored": unscored,
            }
            continue
        stage = combined[m]["stage"] if multi else {}
        below = combined[m]["below"] if multi else []
        # each entry's score in every round and its 答辩 score (multi only)
        parts = combined[m]["parts"] if multi else {}
        out[m] = {
            "rows": [
                [
                    ids[a.entry_id],
                    a.score,
                    a.low,
                    a.high,
                    a.rank,
                    a.tier,
                    a.model_tier,
                    a.tier_probability,
                    a.is_near_boundary,
                    scores[m][a.entry_id].n_reviews,
                    a.is_overridden,
                    a.is_excluded,
                    a.override_reason,
                    [scores[k][a.entry_id].score for k in methods],
                    [calibrated[a.entry_id].low, calibrated[a.entry_id].high],
                    a.category,
                    stage.get(a.entry_id, 1),
                    *parts.get(a.entry_id, ([], None)),
                ]
                for a in allocation.awards
            ]
            + [
                [
                    ids[c.entry_id],
                    c.score,
                    c.low,
                    c.high,
                    rank,
                    awards.NOT_AWARDED,
                    awards.NOT_AWARDED,
                    None,
                    False,
                    scores[m][c.entry_id].n_reviews,
                    False,
                    False,
                    "",
                    [scores[k][c.entry_id].score for k in methods],
                    [calibrated[c.entry_id].low, calibrated[c.entry_id].high],
                    category_of.get(c.entry_id, ""),
                    c.last_round,
                    *parts.get(c.entry_id, ([], None)),
                ]
                for c, rank in _ranks_below(below, start=len(allocation.awards))
            ],
            "methods": methods,
            "notes": [
                stored(n)
                for n in (*allocation.notes, *(combined[m]["notes"] if multi else ()))
            ],
            "warnings": [stored(w) for w in warnings],
            "suggestions": [
                [ids[s.entry_id], stored(s.reason)] for s in allocation.suggestions
            ],
            "tier_counts": [asdict(t) for t in allocation.tiers],
            "unscored": unscored,
            # each round's own score per entry id (the shortlist reads them)
            "round_scores": (
                [
                    {ids[key]: score for key, score in part.items()}
                    for part in combined[m]["per_round"]
                ]
                if multi
                else [{ids[key]: e.score for key, e in scores[m].items()}]
            ),
        }
    say(steps - 1, steps, N_("评审一致性"))
    out[RELIABILITY] = {
        "alpha": krippendorff_alpha_interval(items),
        "n_reviews": len(items),
        "judges": [
            asdict(j)
            for j in (
                agg.aggregate(
                    items,
                    method="calibrated",
                    max_total=inputs.max_total,
                    judge_names=judge_names,
                )
                if multi
                else results["calibrated"]
            ).judges
        ],
        "histogram": [
            asdict(b)
            for b in score_histogram(
                [float(i.total) for i in items], max_total=inputs.max_total, bins=10
            )
        ],
        "max_total": inputs.max_total,
    }
    return out


def _combine_rounds(
    inputs: Inputs, items: list, *, method: str, judge_names: dict[int, str]
) -> tuple[object, dict]:
    """Aggregate each round on its own (calibration within the round), then
    combine them by `judging.results.rounds.combine`.

    Returns the finalists as an `Aggregation` (the award tiers go to them
    only) and, for the rows below them, the eliminated entries, each entry's
    last round, its combined score per entry key and the notes.
    """
    from judging.results import aggregate as agg
    from judging.results import rounds as pure

    by_round: dict[int, list] = {}
    for item, number in zip(items, item_rounds(inputs), strict=True):
        by_round.setdefault(number, []).append(item)
    per_round: list[dict] = []
    warnings: list[str] = []
    n_reviews: list[dict] = []
    for number in range(1, inputs.n_rounds + 1):
        chunk = by_round.get(number, [])
        if not chunk:
            per_round.append({})
            n_reviews.append({})
            continue
        result = agg.aggregate(
            chunk, method=method, max_total=inputs.max_total, judge_names=judge_names
        )
        warnings.extend(
            said(N_("第 %(n)s 轮：%(text)s"), n=number, text=w) for w in result.warnings
        )
        per_round.append(
            {
                e.entry_id: pure.RoundScore(e.score, e.low, e.high, e.sd, e.n_reviews)
                for e in result.entries
            }
        )
        n_reviews.append({e.entry_id: e.n_reviews for e in result.entries})
    marks: dict[str, list[float]] = {}
    for entry_id, points in inputs.defense:
        if entry_id in inputs.keys:
            marks.setdefault(inputs.keys[entry_id], []).append(points)
    rows = pure.combine(
        per_round,
        mode=inputs.round_mode,
        weights=inputs.round_weights,
        defense=marks,
        defense_weight=inputs.defense_weight,
        defense_max=inputs.defense_max,
        max_total=inputs.max_total,
    )
    notes = []
    last = inputs.n_rounds
    finalists = [c for c in rows if c.is_finalist]
    if last > 1 and not finalists:
        notes.append(f"第 {last} 轮还没有已提交的评分，暂不分配奖项。")
    missing = [str(c.entry_id) for c in finalists if c.missing_defense]
    if missing:
        notes.append(f"作品 {'、'.join(missing[:10])} 还没有答辩成绩，暂按评审得分计。")

    def entry_score(c: pure.Combined) -> agg.EntryScore:
        return agg.EntryScore(
            entry_id=c.entry_id,
            score=c.score,
            low=c.low,
            high=c.high,
            sd=c.sd,
            n_reviews=n_reviews[c.last_round - 1].get(c.entry_id, 0),
            component=0,
        )

    aggregation = agg.Aggregation(
        method=method,
        method_label=agg.METHOD_LABELS[method],
        max_total=inputs.max_total,
        confidence=0.95,
        entries=tuple(entry_score(c) for c in finalists),
        judges=(),
        components=1,
        noise_sd=0.0,
        warnings=tuple(dict.fromkeys(warnings)),
    )
    return aggregation, {
        "below": [c for c in rows if not c.is_finalist],
        "stage": {c.entry_id: c.last_round for c in rows},
        "parts": {c.entry_id: (list(c.parts), c.defense) for c in rows},
        "scores": {c.entry_id: entry_score(c) for c in rows},
        "per_round": [{k: v.score for k, v in part.items()} for part in per_round],
        "notes": notes,
    }


def item_rounds(inputs: Inputs) -> list[int]:
    """The round of each review the pure modules see (same filter as items)."""
    rounds = inputs.review_rounds or (1,) * len(inputs.reviews)
    return [
        number
        for (_i, e, _j, _t), number in zip(inputs.reviews, rounds, strict=True)
        if e in inputs.keys
    ]


def _ranks_below(rows: list, *, start: int) -> list[tuple[object, int]]:
    """Ranks for the entries below the finalists, after `start` places; equal
    rounded scores share a rank (the TIE rule of the ranking)."""
    out = []
    rank = start
    previous: tuple[int, float] | None = None
    for position, c in enumerate(rows, start=start + 1):
        key = (c.last_round, round(c.score, 2))
        if key != previous:
            rank = position
            previous = key
        out.append((c, rank))
    return out


def judge_names(inputs: Inputs) -> dict[int, str]:
    """Judge id → name for the organiser's warnings (a shared name gets its id)."""
    wanted = sorted({j for _i, _e, j, _t in inputs.reviews})
    judges = dict(
        db.session.execute(
            select(Judge.id, Judge.name).where(Judge.id.in_(wanted))
        ).all()
    )
    counts: dict[str, int] = {}
    for name in judges.values():
        counts[name] = counts.get(name, 0) + 1
    return {
        k: name if counts[name] == 1 else f"{name}（#{k}）"
        for k, name in judges.items()
    }


def compute_and_store(
    competition: Competition,
    *,
    inputs: Inputs | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> Inputs:
    """Compute from `inputs` (read now when None) and replace what is stored."""
    inputs = inputs or load_inputs(competition)
    data = compute(inputs, judge_names=judge_names(inputs), progress=progress)
    store(inputs, data)
    return inputs


def store(inputs: Inputs, data: dict[str, dict]) -> None:
    """Replace the stored results of the competition by `data`.

    The fingerprint stored is that of the inputs actually used, so two
    computations racing each other can only leave a result that says truthfully
    what it came from; a stale one is recomputed on the next look.
    """
    now = utcnow()
    db.session.execute(
        delete(ComputedResult).where(
            ComputedResult.competition_id == inputs.competition_id
        )
    )
    for kind, value in data.items():
        db.session.add(
            ComputedResult(
                competition_id=inputs.competition_id,
                kind=kind,
                fingerprint=inputs.fingerprint,
                computed_at=now,
                data=json.dumps(value, ensure_ascii=False, separators=(",", ":")),
            )
        )
    db.session.flush()


def ensure_current(competition: Competition) -> Inputs:
    """Make what is stored current now (finalising, the command line)."""
    inputs = load_inputs(competition)
    stamp = _stored_stamp(competition.id)
    if stamp is None or stamp[0] != inputs.fingerprint:
        compute_and_store(competition, inputs=inputs)
    return inputs


# --- reading what is stored ------------------------------------------------------


def stored_data(competition_id: int, kind: str) -> tuple[dict, datetime] | None:
    """The stored JSON of one method (or the reliability), None when absent or
    written by another version of the code (its shape may differ)."""
    row = _stored(competition_id, kind)
    if row is None or not row.fingerprint.startswith(code_version() + ":"):
        return None
    return json.loads(row.data), row.computed_at


def entries_by_id(ids: list[int]) -> dict[int, Entry]:
    """The entries a page shows, with their unit and authors, in three queries."""
    if not ids:
        return {}
    found = db.session.scalars(
        select(Entry)
        .where(Entry.id.in_(ids))
        .options(selectinload(Entry.authors), selectinload(Entry.unit))
    )
    return {e.id: e for e in found}


def judges_by_id(ids: list[int]) -> dict[int, Judge]:
    if not ids:
        return {}
    return {j.id: j for j in db.session.scalars(select(Judge).where(Judge.id.in_(ids)))}
