"""Results use cases: live aggregation, overrides, finalising, publishing, lists.

Translates the database (submitted reviews of active assignments, the award
scheme, the organiser's overrides) into the inputs of the pure modules
`aggregate`, `awards` and `reliability`, and freezes their output into `Result`
rows when the competition is finalised. After that, every page, list and export
reads the frozen rows; nothing is recomputed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import TYPE_CHECKING, NamedTuple

from sqlalchemy import case, func, insert, select
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
from judging.i18n import N_, Refusal, errors_of, restored, said, stored
from judging.results import computed
from judging.results import jobs as results_jobs
from judging.results.methods import METHOD_LABELS, NOT_AWARDED
from judging.results.models import AwardOverride, Result
from judging.review.models import Review, ReviewStatus, Score
from judging.submissions.models import Entry, EntryStatus

if TYPE_CHECKING:  # the statistics are imported where they are computed
    from judging.results import aggregate as agg
    from judging.results import awards
    from judging.results.reliability import HistogramBin

DEFAULT_METHOD = "calibrated"
EXCLUDED = "取消资格"
# Tier probabilities below this flag an entry as near a tier boundary.
NEAR_BOUNDARY = computed.NEAR_BOUNDARY
REVIEW_PHASES = (
    Phase.REVIEWING,
    Phase.FINALISED,
    Phase.PUBLICITY,
    Phase.PUBLISHED,
)


class ResultsError(Refusal):
    """A refused results action (see `judging.i18n.Refusal`)."""


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
    group: str = ""  # the category ranked apart ("" when ranked overall)
    # rounds (judging.results.rounds): the last round reached, the score in each
    # round (None where the entry did not take part; empty: one round) and the
    # 答辩 score in points of the rubric total
    last_round: int = 1
    round_scores: tuple[float | None, ...] = ()
    defense: float | None = None

    @property
    def is_awarded(self) -> bool:
        return not self.is_excluded and self.tier != NOT_AWARDED

    @property
    def category(self) -> str:
        """The category shown: the ranking group, else the entry's own."""
        return self.group or self.entry.category


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
    round_names: tuple[str, ...] = ()  # when judged in several rounds
    computed_at: datetime | None = None  # when these figures were computed
    total_rows: int = 0  # all rows, when `rows` is one page
    page: int = 1
    pages: int = 1

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
            .where(*computed.counted_reviews(competition.id))
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


def entry_by_key(competition: Competition, key: str) -> Entry | None:
    """The submitted entry of `competition` the organiser typed: its code
    (any case, as `entry_key` shows it) or ``#id`` for one without a code."""
    key = key.strip()
    submitted = (
        Entry.competition_id == competition.id,
        Entry.status == EntryStatus.SUBMITTED,
    )
    if key.startswith("#") and key[1:].isdigit():
        match = (Entry.id == int(key[1:]), Entry.code.is_(None))
    else:
        match = (func.upper(Entry.code) == key.upper(),)
    return db.session.scalars(select(Entry).where(*submitted, *match)).first()


def scheme_of(competition: Competition) -> tuple[awards.Tier, ...]:
    """The competition's award tiers as the pure `Tier` (share OR count)."""
    from judging.results import awards

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
    """The live results with `method`, computed now if what is stored is stale.

    For finalising and the command line only: pages read `stored_table` and
    queue the recomputation instead (judging.results.jobs).
    """
    if method not in METHOD_LABELS:
        raise ResultsError(said(N_("未知的汇总方法：%(method)s"), method=method))
    computed.ensure_current(competition)
    table = stored_table(competition, method=method)
    if table is None:  # pragma: no cover (ensure_current just stored it)
        raise ResultsError(N_("结果尚未计算。"))
    return table


def stored_table(
    competition: Competition,
    *,
    method: str,
    page: int = 1,
    per_page: int | None = None,
) -> ResultsTable | None:
    """The stored live results with `method` (one page of rows when `per_page`),
    None when nothing is stored yet. Never computes.

    Rules (ROUNDING, TIE, OVERRIDES, TIER PROBABILITY) are those of
    `judging.results.awards`; the notes say where they changed a count.
    """
    if method not in METHOD_LABELS:
        raise ResultsError(said(N_("未知的汇总方法：%(method)s"), method=method))
    found = computed.stored_data(competition.id, method)
    if found is None:
        return None
    data, computed_at = found
    if data.get("error"):
        raise ResultsError(restored(data["error"]))
    rows = data["rows"]
    total = len(rows)
    pages = max(1, -(-total // per_page)) if per_page else 1
    page = min(max(page, 1), pages)
    if per_page:
        rows = rows[(page - 1) * per_page : page * per_page]
    suggestions = data.get("suggestions", [])
    unscored = data.get("unscored", [])
    entries = computed.entries_by_id(
        [r[0] for r in rows] + [s[0] for s in suggestions] + unscored
    )
    methods = data.get("methods", [])
    return ResultsTable(
        competition=competition,
        method=method,
        is_frozen=False,
        rows=tuple(_stored_row(r, entries, methods) for r in rows),
        notes=tuple(restored(n) for n in data.get("notes", ())),
        warnings=tuple(restored(w) for w in data.get("warnings", ())),
        suggestions=tuple(
            Suggestion(entries[i], restored(why)) for i, why in suggestions
        ),
        tier_counts=tuple(  # the fields of awards.TierCount, without numpy
            SimpleNamespace(**t) for t in data.get("tier_counts", ())
        ),
        unscored=tuple(entries[i] for i in unscored),
        round_names=_round_names(
            competition, rows, lambda r: _row_tail(r).round_scores
        ),
        computed_at=computed_at,
        total_rows=total,
        page=page,
        pages=pages,
    )


def _stored_row(
    row: list, entries: dict[int, Entry], methods: list[str]
) -> EntryResult:
    (entry_id, score, low, high, rank, tier, model_tier, probability, near) = row[:9]
    n_reviews, overridden, excluded, reason, scores, interval = row[9:15]
    return EntryResult(
        entry=entries[entry_id],
        scores=dict(zip(methods, scores, strict=True)),
        score=score,
        low=low,
        high=high,
        rank=rank,
        tier=tier,
        model_tier=model_tier,
        tier_probability=probability,
        is_near_boundary=near,
        n_reviews=n_reviews,
        is_overridden=overridden,
        is_excluded=excluded,
        override_reason=reason,
        calibrated=(interval[0], interval[1]),
        **_row_tail(row)._asdict(),
    )


class _RowTail(NamedTuple):
    """The columns a stored row may end with: they were added over time, so an
    older stored row is shorter and these are their defaults."""

    group: str = ""  # index 15: the category
    last_round: int = 1  # 16: the round the entry reached
    round_scores: tuple = ()  # 17: its score in each round
    defense: float | None = None  # 18: its 答辩 score


def _row_tail(row: list) -> _RowTail:
    tail = list(row[15:19])
    if len(tail) > 2:
        tail[2] = tuple(tail[2])
    return _RowTail(*tail)


def frozen_table(
    competition: Competition,
    *,
    page: int = 1,
    per_page: int | None = None,
    awarded_only: bool = False,
    unit_id: int | None = None,
    with_counts: bool = True,
) -> ResultsTable:
    """The `Result` rows written when finalising, in ranking order, excluded last
    (awarded only: by tier, then rank). A constant number of queries."""
    where = [Result.competition_id == competition.id]
    if awarded_only:
        where += [Result.tier_name.is_not(None), Result.is_excluded.is_(False)]
    if unit_id is not None:
        where.append(Entry.unit_id == unit_id)
    total = int(
        db.session.scalar(
            select(func.count(Result.id))
            .join(Entry, Entry.id == Result.entry_id)
            .where(*where)
        )
        or 0
    )
    pages = max(1, -(-total // per_page)) if per_page else 1
    page = min(max(page, 1), pages)
    group = category_order(competition)
    order = (
        (
            *group,
            Result.tier_position,
            func.coalesce(Result.rank, 0),
            Entry.code,
            Entry.id,
        )
        if awarded_only
        else (
            *group,
            Result.is_excluded,
            func.coalesce(Result.rank, 0),
            Result.score.desc(),
            Entry.code,
            Entry.id,
        )
    )
    query = (
        select(Result)
        .join(Entry, Entry.id == Result.entry_id)
        .where(*where)
        .options(
            selectinload(Result.entry).selectinload(Entry.authors),
            selectinload(Result.entry).selectinload(Entry.unit),
        )
        .order_by(*order)
    )
    if per_page:
        query = query.offset((page - 1) * per_page).limit(per_page)
    results = list(db.session.scalars(query))
    counts = (
        _review_counts(competition, [r.entry_id for r in results])
        if with_counts
        else {}
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
            group=r.category,
            last_round=r.last_round or 1,
            round_scores=tuple(json.loads(r.round_scores or "[]")),
            defense=None if r.defense_score is None else float(r.defense_score),
        )
        for r in results
    )
    detail = _finalise_detail(competition) if with_counts else {}
    return ResultsTable(
        competition=competition,
        method=competition.ranking_method or DEFAULT_METHOD,
        is_frozen=True,
        rows=rows,
        notes=tuple(restored(n) for n in detail.get("notes", ())),
        warnings=tuple(restored(w) for w in detail.get("warnings", ())),
        round_names=_round_names(competition, rows, lambda r: r.round_scores),
        computed_at=competition.finalised_at,
        total_rows=total,
        page=page,
        pages=pages,
    )


def _round_names(competition: Competition, rows: Sequence, has_rounds) -> tuple:
    """The names of the rounds, when some row has per-round scores (one light
    query); () for a competition judged in one round."""
    if not any(has_rounds(r) for r in rows):
        return ()
    from judging.rounds.service import rounds

    return tuple(r.name for r in rounds(competition))


def category_order(competition: Competition) -> tuple:
    """ORDER BY terms putting frozen results in their category's order (as the
    competition lists its categories; others after, by name); none when there
    are no categories. Results ranked overall all carry "" and stay as ranked."""
    names = competition.category_list
    if not names:
        return ()
    position = case(
        {name: i for i, name in enumerate(names)},
        value=Result.category,
        else_=len(names),
    )
    return (position, Result.category)


def _counted_reviews():  # noqa: ANN202 (a Select)
    """Submitted reviews of active assignments of submitted entries (a query)."""
    return (
        select(Assignment.entry_id, func.count(Review.id))
        .join(Review, Review.assignment_id == Assignment.id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(*computed.counted_reviews())
        .group_by(Assignment.entry_id)
    )


def _review_counts(competition: Competition, entry_ids: list[int]) -> dict[int, int]:
    """Counted reviews per entry, in one grouped query."""
    if not entry_ids:
        return {}
    query = _counted_reviews().where(
        Entry.competition_id == competition.id, Assignment.entry_id.in_(entry_ids)
    )
    return dict(db.session.execute(query).all())


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
    """The stored Krippendorff's alpha, judge severities (calibrated model) and
    histogram; None when nothing is stored or nothing was scored. Never computes
    (after finalising, the statistics of the frozen results stay as they were)."""
    found = computed.stored_data(competition.id, computed.RELIABILITY)
    if found is None or found[0].get("empty"):
        return None
    data, _at = found
    # Read back as plain attribute bags with the fields of `aggregate.JudgeEffect`
    # and `reliability.HistogramBin`: the page must not import the statistics.
    effects = [SimpleNamespace(**j) for j in data["judges"]]
    judges = computed.judges_by_id([e.judge_id for e in effects])
    effects.sort(key=lambda j: (j.severity, str(j.judge_id)))
    return Reliability(
        alpha=data["alpha"],
        n_reviews=data["n_reviews"],
        judges=tuple((judges[e.judge_id], e) for e in effects if e.judge_id in judges),
        histogram=tuple(SimpleNamespace(**b) for b in data["histogram"]),
        max_total=data["max_total"],
    )


# --- organiser actions ---------------------------------------------------------


def _require_organiser(actor: User) -> None:
    if actor.role != Role.ORGANISER:
        raise ResultsError(N_("只有主办方可以处理评审结果。"))


def _require_reviewing(competition: Competition) -> None:
    if competition.phase != Phase.REVIEWING:
        raise ResultsError(N_("只有评审阶段可以调整结果；结果定稿后不能再修改。"))


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
        raise ResultsError(N_("该作品不属于本竞赛。"))
    reason = (reason or "").strip()
    if not reason:
        raise ResultsError(N_("调整奖项或取消资格必须填写理由。"))
    names = [t.name for t in competition.tiers] + [NOT_AWARDED]
    if not exclude and tier not in names:
        raise ResultsError(
            said(N_("奖项“%(tier)s”不在本次奖项设置中。"), tier=tier or "")
        )
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
    results_jobs.scores_changed(competition)
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
        raise ResultsError(N_("该作品没有调整记录。"))
    db.session.delete(override)
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.override_clear",
        obj=entry,
        competition_id=competition.id,
    )
    results_jobs.scores_changed(competition)


def request_extra_review(
    *, actor: User, competition: Competition, entry: Entry, now: datetime
) -> list[Assignment]:
    """Ask one more judge to review an entry whose tier is in doubt (via A)."""
    from judging.assignment.service import AssignmentError, add_extra_judges

    _require_organiser(actor)
    _require_reviewing(competition)
    if entry.competition_id != competition.id:
        raise ResultsError(N_("该作品不属于本竞赛。"))
    try:
        added = add_extra_judges(
            actor=actor, entry=entry, count=1, kind="regular", now=now
        )
    except AssignmentError as exc:
        raise ResultsError(errors_of(exc)) from exc
    if not added:
        raise ResultsError(N_("没有可增派的评审专家（均已评审或存在回避关系）。"))
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
        raise ResultsError(said(N_("未知的汇总方法：%(method)s"), method=method))
    competition.ranking_method = method
    try:
        advance_phase(actor=actor, competition=competition, target=Phase.FINALISED)
    except CompetitionError as exc:
        raise ResultsError(exc.errors) from exc
    competition.finalised_at = now


def publish(*, actor: User, competition: Competition, now: datetime) -> None:
    """Publish the frozen results (public award page, units see theirs)."""
    _require_organiser(actor)
    try:
        advance_phase(actor=actor, competition=competition, target=Phase.PUBLISHED)
    except CompetitionError as exc:
        raise ResultsError(exc.errors) from exc
    competition.published_at = now


@guard(Phase.FINALISED)
def _all_reviews_in(competition: Competition) -> list[str]:
    problems = []
    missing = missing_reviews(competition)
    if missing:
        problems.append(
            said(
                N_("还有 %(missing)s 份评审未提交，全部提交后才能定稿。"),
                missing=missing,
            )
        )
    entries = int(
        db.session.scalar(
            select(func.count(Entry.id)).where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
        )
        or 0
    )
    scored = _counted_reviews().where(Entry.competition_id == competition.id)
    unscored = select(Entry.id, Entry.code).where(
        Entry.competition_id == competition.id,
        Entry.status == EntryStatus.SUBMITTED,
        Entry.id.not_in(select(scored.subquery().c.entry_id)),
    )
    n_unscored = int(
        db.session.scalar(select(func.count()).select_from(unscored.subquery())) or 0
    )
    if not entries:
        problems.append(N_("没有参评作品，无法定稿。"))
    elif n_unscored:
        first = db.session.execute(unscored.order_by(Entry.code, Entry.id).limit(10))
        codes = "、".join(computed.entry_key(i, code) for i, code in first)
        more = said(N_(" 等 %(n)s 篇"), n=n_unscored) if n_unscored > 10 else ""
        problems.append(
            said(
                N_("作品 %(codes)s%(more)s 还没有任何已提交的评分。"),
                codes=codes,
                more=more,
            )
        )
    if competition.ranking_method and competition.ranking_method not in METHOD_LABELS:
        problems.append(
            said(
                N_("未知的汇总方法：%(ranking_method)s"),
                ranking_method=competition.ranking_method,
            )
        )
    return problems


@on_enter(Phase.FINALISED)
def freeze_results(competition: Competition, actor: User) -> None:
    """Write one `Result` per entry with the chosen method; never recomputed after.

    The method is `competition.ranking_method` (calibrated when unset).
    """
    method = competition.ranking_method or DEFAULT_METHOD
    try:
        data = _stored_live_data(competition, method)
    except ResultsError as exc:
        raise CompetitionError(exc.errors) from exc
    scheme = [t.name for t in competition.tiers]
    db.session.execute(
        Result.__table__.delete().where(Result.competition_id == competition.id)
    )
    # The stored rows as they are, in one multi-row INSERT: at 5,000 entries
    # loading every entry and writing one ORM object each took seconds.
    values = []
    for row in data["rows"]:
        entry_id, score, low, high, rank, tier, _model, probability = row[:8]
        excluded, reason = row[11], row[12]
        awarded = not excluded and tier != NOT_AWARDED
        values.append(
            {
                "competition_id": competition.id,
                "entry_id": entry_id,
                "method": method,
                "score": _points(score),
                "low": _points(low),
                "high": _points(high),
                "rank": rank,
                "tier_name": tier if awarded else None,
                "tier_position": scheme.index(tier) + 1 if awarded else None,
                "category": _row_tail(row).group,
                "tier_probability": (
                    None if probability is None else Decimal(f"{probability:.4f}")
                ),
                "is_excluded": excluded,
                "override_reason": reason,
                **_frozen_rounds(row),
            }
        )
    if values:  # Core, not the ORM's bulk path: nothing here is an object
        db.session.connection().execute(insert(Result.__table__), values)
    competition.ranking_method = method
    competition.finalised_at = utcnow()
    db.session.flush()
    record(
        actor_id=actor.id,
        action="results.freeze",
        obj=competition,
        competition_id=competition.id,
        method=method,
        entries=len(values),
        notes=[stored(restored(n)) for n in data.get("notes", ())],
        warnings=[stored(restored(w)) for w in data.get("warnings", ())],
    )


def _stored_live_data(competition: Competition, method: str) -> dict:
    """The live results of `method` as stored (plain rows, no entry loaded),
    computed now if stale: what finalising freezes (as `live_table` reads it)."""
    if method not in METHOD_LABELS:
        raise ResultsError(said(N_("未知的汇总方法：%(method)s"), method=method))
    computed.ensure_current(competition)
    found = computed.stored_data(competition.id, method)
    if found is None:  # pragma: no cover (ensure_current just stored it)
        raise ResultsError(N_("结果尚未计算。"))
    data = found[0]
    if data.get("error"):
        raise ResultsError(restored(data["error"]))
    return data


def _frozen_rounds(row: list) -> dict:
    """The round columns of a frozen `Result` from a stored row; nothing when
    the entry was judged in one round."""
    tail = _row_tail(row)
    if not tail.round_scores:
        return {}
    return {
        "last_round": tail.last_round,
        "round_scores": json.dumps(
            [None if s is None else round(s, 2) for s in tail.round_scores]
        ),
        "defense_score": None if tail.defense is None else _points(tail.defense),
    }


@guard(Phase.PUBLISHED)
def _results_frozen(competition: Competition) -> list[str]:
    count = db.session.scalar(
        select(func.count(Result.id)).where(Result.competition_id == competition.id)
    )
    return [] if count else [N_("尚无定稿结果，无法公布。")]


@on_enter(Phase.PUBLISHED)
def mark_published(competition: Competition, actor: User) -> None:
    """Record when the results became public."""
    competition.published_at = utcnow()


def _points(value: float) -> Decimal:
    return Decimal(f"{value:.2f}")


# --- lists for the public, the units and the exports ------------------------


def awarded_rows(table: ResultsTable) -> list[EntryResult]:
    """Awarded entries by category ranked apart (the competition's order; none
    when ranked overall), then tier (scheme order), then rank, then code."""
    order = {t.name: i for i, t in enumerate(table.competition.tiers)}
    groups = {name: i for i, name in enumerate(table.competition.category_list)}
    rows = [r for r in table.rows if r.is_awarded]
    return sorted(
        rows,
        key=lambda r: (
            groups.get(r.group, len(groups)) if r.group else -1,
            r.group,
            order.get(r.tier, len(order)),
            r.rank or 0,
            entry_key(r.entry),
        ),
    )


def heading(row: EntryResult) -> str:
    """A section of the award lists: "理论研究 · 一等奖", or the tier alone."""
    return f"{row.group} · {row.tier}" if row.group else row.tier


def public_rows(competition: Competition) -> list[EntryResult]:
    """The published award list (公示名单); empty unless published."""
    if competition.phase != Phase.PUBLISHED:
        return []
    table = frozen_table(competition, awarded_only=True, with_counts=False)
    return list(table.rows)


# Audited actions after which the public list may read differently.
PUBLIC_LIST_ACTIONS = (
    "competition.phase",
    "results.freeze",
    "entry.correct",
    "results.correct",  # 更正 after publication
    "results.change",  # during 公示
    "unit.update",
)


def public_list_version(competition: Competition) -> tuple:
    """What the published award list's text depends on, in one indexed query:
    publication, the frozen results, corrections of titles or authors, units
    renamed. A cached list is valid while this stays the same."""
    last = db.session.scalar(
        select(func.max(AuditEvent.id)).where(
            AuditEvent.action.in_(PUBLIC_LIST_ACTIONS)
        )
    )
    return (competition.id, competition.published_at, last)


def group_by_tier(rows: list[EntryResult]) -> list[tuple[str, list[EntryResult]]]:
    """Consecutive rows of the same heading (category ranked apart and tier), in
    the order given (category, tier, then rank)."""
    groups: list[tuple[str, list[EntryResult]]] = []
    for row in rows:
        if not groups or groups[-1][0] != heading(row):
            groups.append((heading(row), []))
        groups[-1][1].append(row)
    return groups


def unit_rows(competition: Competition, *, unit_id: int) -> list[EntryResult]:
    """One unit's own entries with their outcome, once published."""
    if competition.phase != Phase.PUBLISHED:
        return []
    return list(frozen_table(competition, unit_id=unit_id, with_counts=False).rows)


@dataclass(frozen=True)
class ReviewLine:
    """One counted review for the full score sheet (plain values, no ORM)."""

    entry_id: int
    judge_name: str
    total: Decimal
    comment: str
    source: str
    points: dict[int, Decimal]  # criterion id → points
    round_no: int = 1


def review_details(competition: Competition) -> list[ReviewLine]:
    """Every counted review with its scores, in two queries of plain rows."""
    counted = (
        select(Review.id)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(*computed.counted_reviews(competition.id))
    )
    points: dict[int, dict[int, Decimal]] = {}
    for review_id, criterion_id, value in db.session.execute(
        select(Score.review_id, Score.criterion_id, Score.points).where(
            Score.review_id.in_(counted)
        )
    ):
        points.setdefault(review_id, {})[criterion_id] = value
    rows = db.session.execute(
        select(
            Review.id,
            Assignment.entry_id,
            Judge.name,
            Review.total,
            Review.comment,
            Review.source,
            Assignment.round_no,
        )
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Judge, Judge.id == Assignment.judge_id)
        .where(Review.id.in_(counted))
        .order_by(Review.id)
    )
    return [
        ReviewLine(
            entry_id, name, total, comment or "", source, points.get(i, {}), number
        )
        for i, entry_id, name, total, comment, source, number in rows
    ]
