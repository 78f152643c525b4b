"""Results use cases: live aggregation, overrides, finalising, publishing, lists.

Translates the database (submitted reviews of active assignments, the award
scheme, the organiser's overrides) into the inputs of the pure modules
`aggregate`, `awards` and `reliability`, and freezes their output into `Result`
rows when the competition is finalised. After that, every page, list and export
reads the frozen rows; nothing is recomputed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from judging.accounts.models import Judge, Role, User
from judging.assignment.models import Assignment, AssignmentStatus
from judging.audit.models import AuditEvent
from judging.audit.service import record
from judging.competitions.models import Competition, Phase
from judging.competitions.service import (
    CompetitionError,
    advance_phase,
    guard,
    on_enter,
)
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.results import aggregate as agg
from judging.results import awards
from judging.results.models import AwardOverride, Result
from judging.results.reliability import (
    HistogramBin,
    krippendorff_alpha_interval,
    score_histogram,
)
from judging.review.models import Review, ReviewStatus, Score
from judging.submissions.models import Entry, EntryStatus

DEFAULT_METHOD = "calibrated"
METHOD_LABELS = agg.METHOD_LABELS
NOT_AWARDED = awards.NOT_AWARDED
EXCLUDED = "取消资格"
# Tier probabilities below this flag an entry as near a tier boundary.
NEAR_BOUNDARY = 0.8
REVIEW_PHASES = (
    Phase.REVIEWING,
    Phase.FINALISED,
    Phase.PUBLICITY,
    Phase.PUBLISHED,
)


class ResultsError(ValueError):
    """A refused results action; the message is Chinese, for the user."""


@dataclass(frozen=True)
class EntryResult:
    """One entry's line in the results table (live or frozen)."""

    entry: Entry
    scores: dict[str, float]  # method → score (live: every method; frozen: one)
    score: float
    low: float
    high: float
    rank: int | None
    tier: str
    model_tier: str
    tier_probability: float | None
    is_near_boundary: bool
    n_reviews: int
    is_overridden: bool
    is_excluded: bool
    override_reason: str
    calibrated: tuple[float, float] | None = None  # the calibrated interval (live)

    @property
    def is_awarded(self) -> bool:
        return not self.is_excluded and self.tier != NOT_AWARDED


@dataclass(frozen=True)
class Suggestion:
    entry: Entry
    reason: str


@dataclass(frozen=True)
class ResultsTable:
    """Everything the results page, the lists and the CLI show."""

    competition: Competition
    method: str
    is_frozen: bool
    rows: tuple[EntryResult, ...]  # ranking order, excluded last
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    suggestions: tuple[Suggestion, ...] = ()
    tier_counts: tuple[awards.TierCount, ...] = ()
    unscored: tuple[Entry, ...] = field(default_factory=tuple)

    @property
    def method_label(self) -> str:
        return METHOD_LABELS[self.method]


@dataclass(frozen=True)
class Reliability:
    """Agreement statistics for the charts page."""

    alpha: float
    n_reviews: int
    judges: tuple[tuple[Judge, agg.JudgeEffect], ...]  # harshest first
    histogram: tuple[HistogramBin, ...]
    max_total: float


# --- reading the database -----------------------------------------------------


def entry_key(entry: Entry) -> str:
    """The id the pure modules see: the anonymous code (readable in their notes)."""
    return entry.code or f"#{entry.id}"


def submitted_entries(competition: Competition) -> list[Entry]:
    """Entries still in the competition (not withdrawn), by code."""
    return list(
        db.session.scalars(
            select(Entry)
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
            .options(selectinload(Entry.authors), selectinload(Entry.unit))
            .order_by(Entry.code, Entry.id)
        )
    )


def submitted_reviews(competition: Competition) -> list[Review]:
    """Submitted reviews of active assignments: the only ones that count."""
    return list(
        db.session.scalars(
            select(Review)
            .join(Assignment, Assignment.id == Review.assignment_id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
                Assignment.status == AssignmentStatus.ACTIVE,
                Review.status == ReviewStatus.SUBMITTED,
                Review.total.is_not(None),
            )
            .options(
                selectinload(Review.assignment).selectinload(Assignment.judge),
                selectinload(Review.scores),
            )
            .order_by(Review.id)
        )
    )


def missing_reviews(competition: Competition) -> int:
    """Active assignments of the competition whose review is not yet submitted."""
    return int(
        db.session.scalar(
            select(func.count(Assignment.id))
            .join(Entry, Entry.id == Assignment.entry_id)
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
                Assignment.status == AssignmentStatus.ACTIVE,
                (Review.id.is_(None)) | (Review.status != ReviewStatus.SUBMITTED),
            )
        )
        or 0
    )


def _inputs(
    competition: Competition,
) -> tuple[list[agg.Review], dict[str, Entry], list[Review]]:
    reviews = submitted_reviews(competition)
    entries = {entry_key(e): e for e in submitted_entries(competition)}
    by_id = {e.id: key for key, e in entries.items()}
    items = [
        agg.Review(
            entry_id=by_id[r.assignment.entry_id],
            judge_id=r.assignment.judge_id,
            total=r.total,
        )
        for r in reviews
        if r.assignment.entry_id in by_id
    ]
    return items, entries, reviews


def _judge_names(reviews: list[Review]) -> dict[int, str]:
    """Judge id → name for the organiser's warnings (a shared name gets its id)."""
    judges = {r.assignment.judge_id: r.assignment.judge.name for r in reviews}
    counts: dict[str, int] = {}
    for name in judges.values():
        counts[name] = counts.get(name, 0) + 1
    return {
        k: name if counts[name] == 1 else f"{name}（#{k}）"
        for k, name in judges.items()
    }


def scheme_of(competition: Competition) -> tuple[awards.Tier, ...]:
    """The competition's award tiers as the pure `Tier` (share OR count)."""
    return tuple(
        awards.Tier(
            name=t.name,
            share=None if t.share_percent is None else float(t.share_percent),
            count=t.count,
        )
        for t in competition.tiers
    )


def overrides_of(competition: Competition) -> list[AwardOverride]:
    return list(
        db.session.scalars(
            select(AwardOverride)
            .where(AwardOverride.competition_id == competition.id)
            .order_by(AwardOverride.id)
        )
    )


def _seed(competition: Competition) -> int:
    # Tier probabilities are Monte Carlo draws: a fixed seed per competition keeps
    # the page from changing on every reload.
    return competition.assignment_seed or competition.id


# --- the results table -----------------------------------------------------------


def method_or_default(competition: Competition, method: str | None) -> str:
    """The frozen method once finalised, else `method` if known, else calibrated."""
    if competition.ranking_method and competition.finalised_at is not None:
        return competition.ranking_method
    return method if method in METHOD_LABELS else DEFAULT_METHOD


def results_table(
    competition: Competition, *, method: str | None = None
) -> ResultsTable:
    """The frozen results once finalised, else a live computation with `method`."""
    if competition.phase in (Phase.FINALISED, Phase.PUBLICITY, Phase.PUBLISHED):
        return frozen_table(competition)
    return live_table(competition, method=method_or_default(competition, method))


def live_table(competition: Competition, *, method: str) -> ResultsTable:
    """Aggregate every method, allocate tiers with `method` and the overrides.

    Rules (ROUNDING, TIE, OVERRIDES, TIER PROBABILITY) are those of
    `judging.results.awards`; the notes say where they changed a count.
    """
    if method not in METHOD_LABELS:
        raise ResultsError(f"未知的汇总方法：{method}")
    items, entries, reviews = _inputs(competition)
    scored = {i.entry_id for i in items}
    unscored = tuple(e for k, e in entries.items() if k not in scored)
    if not items:
        return ResultsTable(competition, method, False, (), unscored=unscored)
    max_total = float(competition.max_total)
    names = _judge_names(reviews)
    results = {
        m: agg.aggregate(items, method=m, max_total=max_total, judge_names=names)
        for m in METHOD_LABELS
    }
    chosen = results[method]
    by_code = {e.id: entry_key(e) for e in entries.values()}
    overrides = [
        awards.Override(
            entry_id=by_code[o.entry_id],
            reason=o.reason,
            tier=None if o.is_excluded else o.tier_name,
            exclude=o.is_excluded,
        )
        for o in overrides_of(competition)
        if by_code.get(o.entry_id) in scored
    ]
    try:
        allocation = awards.allocate_awards(
            chosen,
            scheme=scheme_of(competition),
            overrides=overrides,
            seed=_seed(competition),
            threshold=NEAR_BOUNDARY,
        )
    except awards.AwardError as exc:
        raise ResultsError(str(exc)) from exc
    rows = tuple(
        EntryResult(
            entry=entries[a.entry_id],
            scores={m: r.entry(a.entry_id).score for m, r in results.items()},
            score=a.score,
            low=a.low,
            high=a.high,
            rank=a.rank,
            tier=a.tier,
            model_tier=a.model_tier,
            tier_probability=a.tier_probability,
            is_near_boundary=a.is_near_boundary,
            n_reviews=chosen.entry(a.entry_id).n_reviews,
            is_overridden=a.is_overridden,
            is_excluded=a.is_excluded,
            override_reason=a.override_reason,
            calibrated=(
                results["calibrated"].entry(a.entry_id).low,
                results["calibrated"].entry(a.entry_id).high,
            ),
        )
        for a in allocation.awards
    )
    warnings = tuple(dict.fromkeys(w for r in results.values() for w in r.warnings))
    return ResultsTable(
        competition=competition,
        method=method,
        is_frozen=False,
        rows=rows,
        notes=allocation.notes,
        warnings=warnings,
        suggestions=tuple(
            Suggestion(entries[s.entry_id], s.reason) for s in allocation.suggestions
        ),
        tier_counts=allocation.tiers,
        unscored=unscored,
    )


def frozen_table(competition: Competition) -> ResultsTable:
    """The `Result` rows written when finalising, in ranking order, excluded last."""
    results = list(
        db.session.scalars(
            select(Result)
            .where(Result.competition_id == competition.id)
            .options(selectinload(Result.entry).selectinload(Entry.authors))
        )
    )
    counts = _review_counts(competition)
    results.sort(
        key=lambda r: (r.is_excluded, r.rank or 0, -r.score, entry_key(r.entry))
    )
    rows = tuple(
        EntryResult(
            entry=r.entry,
            scores={r.method: float(r.score)},
            score=float(r.score),
            low=float(r.low if r.low is not None else r.score),
            high=float(r.high if r.high is not None else r.score),
            rank=r.rank,
            tier=r.tier_name or NOT_AWARDED,
            model_tier=r.tier_name or NOT_AWARDED,
            tier_probability=(
                None if r.tier_probability is None else float(r.tier_probability)
            ),
            is_near_boundary=(
                r.tier_probability is not None
                and float(r.tier_probability) < NEAR_BOUNDARY
            ),
            n_reviews=counts.get(r.entry_id, 0),
            is_overridden=bool(r.override_reason),
            is_excluded=r.is_excluded,
            override_reason=r.override_reason,
        )
        for r in results
    )
    detail = _finalise_detail(competition)
    return ResultsTable(
        competition=competition,
        method=competition.ranking_method or DEFAULT_METHOD,
        is_frozen=True,
        rows=rows,
        notes=tuple(detail.get("notes", ())),
        warnings=tuple(detail.get("warnings", ())),
    )


def _review_counts(competition: Competition) -> dict[int, int]:
    counts: dict[int, int] = {}
    for review in submitted_reviews(competition):
        entry_id = review.assignment.entry_id
        counts[entry_id] = counts.get(entry_id, 0) + 1
    return counts


def _finalise_detail(competition: Competition) -> dict:
    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.competition_id == competition.id,
            AuditEvent.action == "results.freeze",
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    return json.loads(event.detail) if event else {}


def reliability(competition: Competition) -> Reliability | None:
    """Krippendorff's alpha, judge severities (calibrated model), the histogram."""
    items, _entries, _reviews = _inputs(competition)
    if not items:
        return None
    max_total = float(competition.max_total)
    result = agg.aggregate(items, method="calibrated", max_total=max_total)
    judges = {
        j.id: j
        for j in db.session.scalars(
            select(Judge).where(Judge.id.in_([e.judge_id for e in result.judges]))
        )
    }
    effects = sorted(result.judges, key=lambda j: (j.severity, str(j.judge_id)))
    return Reliability(
        alpha=krippendorff_alpha_interval(items),
        n_reviews=len(items),
        judges=tuple((judges[e.judge_id], e) for e in effects),
        histogram=score_histogram(
            [float(i.total) for i in items], max_total=max_total, bins=10
        ),
        max_total=max_total,
    )


# --- organiser actions ---------------------------------------------------------


def _require_organiser(actor: User) -> None:
    if actor.role != Role.ORGANISER:
        raise ResultsError("只有主办方可以处理评审结果。")


def _require_reviewing(competition: Competition) -> None:
    if competition.phase != Phase.REVIEWING:
        raise ResultsError("只有评审阶段可以调整结果；结果定稿后不能再修改。")


def set_override(
    *,
    actor: User,
    competition: Competition,
    entry: Entry,
    tier: str | None,
    exclude: bool,
    reason: str,
    now: datetime,
) -> AwardOverride:
    """Move an entry to another tier (or 未获奖) or exclude it, with a reason.

    Rule: every override carries a non-empty written reason; it replaces any
    earlier override of the same entry and is applied at every recomputation
    until the results are finalised.
    """
    _require_organiser(actor)
    _require_reviewing(competition)
    if entry.competition_id != competition.id:
        raise ResultsError("该作品不属于本竞赛。")
    reason = (reason or "").strip()
    if not reason:
        raise ResultsError("调整奖项或取消资格必须填写理由。")
    names = [t.name for t in competition.tiers] + [NOT_AWARDED]
    if not exclude and tier not in names:
        raise ResultsError(f"奖项“{tier or ''}”不在本次奖项设置中。")
    override = db.session.scalar(
        select(AwardOverride).where(AwardOverride.entry_id == entry.id)
    )
    if override is None:
        override = AwardOverride(competition_id=competition.id, entry_id=entry.id)
        db.session.add(override)
    override.tier_name = None if exclude else tier
    override.is_excluded = exclude
    override.reason = reason
    override.actor_id = actor.id
    override.created_at = now
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.override",
        obj=entry,
        competition_id=competition.id,
        tier=override.tier_name,
        exclude=exclude,
        reason=reason,
    )
    return override


def clear_override(*, actor: User, competition: Competition, entry: Entry) -> None:
    """Withdraw the override of one entry: the model's tier applies again."""
    _require_organiser(actor)
    _require_reviewing(competition)
    override = db.session.scalar(
        select(AwardOverride).where(
            AwardOverride.entry_id == entry.id,
            AwardOverride.competition_id == competition.id,
        )
    )
    if override is None:
        raise ResultsError("该作品没有调整记录。")
    db.session.delete(override)
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.override_clear",
        obj=entry,
        competition_id=competition.id,
    )


def request_extra_review(
    *, actor: User, competition: Competition, entry: Entry, now: datetime
) -> list[Assignment]:
    """Ask one more judge to review an entry whose tier is in doubt (via A)."""
    from judging.assignment.service import AssignmentError, add_extra_judges

    _require_organiser(actor)
    _require_reviewing(competition)
    if entry.competition_id != competition.id:
        raise ResultsError("该作品不属于本竞赛。")
    try:
        added = add_extra_judges(
            actor=actor, entry=entry, count=1, kind="regular", now=now
        )
    except AssignmentError as exc:
        raise ResultsError(str(exc)) from exc
    if not added:
        raise ResultsError("没有可增派的评审专家（均已评审或存在回避关系）。")
    return added


def finalise(
    *, actor: User, competition: Competition, method: str, now: datetime
) -> None:
    """Freeze the results with `method` (stored as the competition's method).

    Goes through the phase machine so its guard (every active assignment has a
    submitted review) and its actions are the same as from the competition page.
    """
    _require_organiser(actor)
    if method not in METHOD_LABELS:
        raise ResultsError(f"未知的汇总方法：{method}")
    competition.ranking_method = method
    try:
        advance_phase(actor=actor, competition=competition, target=Phase.FINALISED)
    except CompetitionError as exc:
        raise ResultsError("；".join(exc.errors)) from exc
    competition.finalised_at = now


def publish(*, actor: User, competition: Competition, now: datetime) -> None:
    """Publish the frozen results (public award page, units see theirs)."""
    _require_organiser(actor)
    try:
        advance_phase(actor=actor, competition=competition, target=Phase.PUBLISHED)
    except CompetitionError as exc:
        raise ResultsError("；".join(exc.errors)) from exc
    competition.published_at = now


@guard(Phase.FINALISED)
def _all_reviews_in(competition: Competition) -> list[str]:
    problems = []
    missing = missing_reviews(competition)
    if missing:
        problems.append(f"还有 {missing} 份评审未提交，全部提交后才能定稿。")
    items, entries, _reviews = _inputs(competition)
    scored = {i.entry_id for i in items}
    unscored = [k for k in entries if k not in scored]
    if not entries:
        problems.append("没有参评作品，无法定稿。")
    elif unscored:
        codes = "、".join(unscored[:10])
        more = f" 等 {len(unscored)} 篇" if len(unscored) > 10 else ""
        problems.append(f"作品 {codes}{more} 还没有任何已提交的评分。")
    if competition.ranking_method and competition.ranking_method not in METHOD_LABELS:
        problems.append(f"未知的汇总方法：{competition.ranking_method}")
    return problems


@on_enter(Phase.FINALISED)
def freeze_results(competition: Competition, actor: User) -> None:
    """Write one `Result` per entry with the chosen method; never recomputed after.

    The method is `competition.ranking_method` (calibrated when unset).
    """
    method = competition.ranking_method or DEFAULT_METHOD
    try:
        table = live_table(competition, method=method)
    except ResultsError as exc:
        raise CompetitionError(str(exc)) from exc
    scheme = [t.name for t in competition.tiers]
    db.session.execute(
        Result.__table__.delete().where(Result.competition_id == competition.id)
    )
    for row in table.rows:
        awarded = row.is_awarded
        db.session.add(
            Result(
                competition_id=competition.id,
                entry_id=row.entry.id,
                method=method,
                score=_points(row.score),
                low=_points(row.low),
                high=_points(row.high),
                rank=row.rank,
                tier_name=row.tier if awarded else None,
                tier_position=scheme.index(row.tier) + 1 if awarded else None,
                tier_probability=(
                    None
                    if row.tier_probability is None
                    else Decimal(f"{row.tier_probability:.4f}")
                ),
                is_excluded=row.is_excluded,
                override_reason=row.override_reason,
            )
        )
    competition.ranking_method = method
    competition.finalised_at = utcnow()
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.freeze",
        obj=competition,
        competition_id=competition.id,
        method=method,
        entries=len(table.rows),
        notes=list(table.notes),
        warnings=list(table.warnings),
    )


@guard(Phase.PUBLISHED)
def _results_frozen(competition: Competition) -> list[str]:
    count = db.session.scalar(
        select(func.count(Result.id)).where(Result.competition_id == competition.id)
    )
    return [] if count else ["尚无定稿结果，无法公布。"]


@on_enter(Phase.PUBLISHED)
def mark_published(competition: Competition, actor: User) -> None:
    """Record when the results became public."""
    competition.published_at = utcnow()


def _points(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


# --- lists for the public, the units and the exports ------------------------


def awarded_rows(table: ResultsTable) -> list[EntryResult]:
    """Awarded entries by tier (scheme order), then rank, then code."""
    order = {t.name: i for i, t in enumerate(table.competition.tiers)}
    rows = [r for r in table.rows if r.is_awarded]
    return sorted(
        rows,
        key=lambda r: (order.get(r.tier, len(order)), r.rank or 0, entry_key(r.entry)),
    )


def public_rows(competition: Competition) -> list[EntryResult]:
    """The published award list (公示名单); empty unless published."""
    if competition.phase != Phase.PUBLISHED:
        return []
    return awarded_rows(frozen_table(competition))


def group_by_tier(rows: list[EntryResult]) -> list[tuple[str, list[EntryResult]]]:
    """Consecutive rows of the same tier, in the order given (tier, then rank)."""
    groups: list[tuple[str, list[EntryResult]]] = []
    for row in rows:
        if not groups or groups[-1][0] != row.tier:
            groups.append((row.tier, []))
        groups[-1][1].append(row)
    return groups


def unit_rows(competition: Competition, *, unit_id: int) -> list[EntryResult]:
    """One unit's own entries with their outcome, once published."""
    if competition.phase != Phase.PUBLISHED:
        return []
    return [r for r in frozen_table(competition).rows if r.entry.unit_id == unit_id]


def review_details(competition: Competition) -> list[tuple[Review, list[Score]]]:
    """Every counted review with its scores (for the full score sheet)."""
    return [(r, list(r.scores)) for r in submitted_reviews(competition)]
