"""Why an entry has its score: its reviews, each judge's severity and scale, the
adjustment, every method's score and the interval (organiser pages only).

Reads what the results computation stored (never computes): the entry's row of
the results, the judges' estimates of the calibrated model and the reviews that
count, in a constant number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import func, select

from judging.accounts.models import Judge
from judging.assignment.models import Assignment
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from judging.results import computed, explain, service
from judging.results.models import Result
from judging.review.models import Review
from judging.submissions.models import Entry


@dataclass(frozen=True)
class ReviewStory:
    """One counted review of the entry and what calibration made of it."""

    judge_name: str
    total: float
    severity: float | None  # points above (+) or below (−) a typical judge
    severity_low: float | None
    severity_high: float | None
    scale: float | None  # spread of marks against a typical judge (1 = same)
    typical: float | None  # the total a typical judge would have given
    said: explain.Explanation | None


@dataclass(frozen=True)
class Story:
    entry: Entry
    row: service.EntryResult | None  # None: no results stored yet
    scores: dict[str, float]  # method → score, every method computed
    reviews: tuple[ReviewStory, ...]
    mean_all: float | None  # the mean of every counted total of the competition
    is_frozen: bool
    method: str  # the method that ranked the entry

    @property
    def plain(self) -> float | None:
        """The plain mean of the entry's own totals."""
        if not self.reviews:
            return None
        return sum(r.total for r in self.reviews) / len(self.reviews)


def _live_rows(competition: Competition) -> tuple[dict[int, list], list[str]]:
    """Stored live rows by entry id (default method) and the method order."""
    method = service.method_or_default(competition, None)
    found = computed.stored_data(competition.id, method)
    if found is None or found[0].get("error"):
        return {}, []
    data = found[0]
    return {r[0]: r for r in data["rows"]}, data.get("methods", [])


def _frozen_row(competition: Competition, entry: Entry) -> service.EntryResult | None:
    result = db.session.scalar(select(Result).where(Result.entry_id == entry.id))
    if result is None or result.competition_id != competition.id:
        return None
    score = float(result.score)
    return service.EntryResult(
        entry=entry,
        scores={result.method: score},
        score=score,
        low=float(result.low if result.low is not None else result.score),
        high=float(result.high if result.high is not None else result.score),
        rank=result.rank,
        tier=result.tier_name or service.NOT_AWARDED,
        model_tier=result.tier_name or service.NOT_AWARDED,
        tier_probability=(
            None if result.tier_probability is None else float(result.tier_probability)
        ),
        is_near_boundary=explain.is_near_boundary(
            None if result.tier_probability is None else float(result.tier_probability)
        ),
        n_reviews=0,
        is_overridden=bool(result.override_reason),
        is_excluded=result.is_excluded,
        override_reason=result.override_reason,
    )


def _effects(competition: Competition) -> dict[int, SimpleNamespace]:
    found = computed.stored_data(competition.id, computed.RELIABILITY)
    if found is None or found[0].get("empty"):
        return {}
    return {j["judge_id"]: SimpleNamespace(**j) for j in found[0]["judges"]}


def entry_story(competition: Competition, entry: Entry) -> Story:
    """Everything the "why this score" page shows for one entry of `competition`."""
    counted = (
        select(Judge.id, Judge.name, Review.total)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .join(Judge, Judge.id == Assignment.judge_id)
        .where(*computed.counted_reviews(competition.id))
    )
    mine = db.session.execute(
        counted.where(Entry.id == entry.id).order_by(Review.total.desc(), Judge.name)
    ).all()
    mean_all = db.session.scalar(
        select(func.avg(Review.total))
        .join(Assignment, Assignment.id == Review.assignment_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(*computed.counted_reviews(competition.id))
    )
    mean_all = None if mean_all is None else float(mean_all)
    effects = _effects(competition)
    reviews = []
    for judge_id, name, total in mine:
        e = effects.get(judge_id)
        typical = (
            explain.typical_total(float(total), e.severity, e.scale, mean_all)
            if e is not None and mean_all is not None
            else None
        )
        reviews.append(
            ReviewStory(
                judge_name=name,
                total=float(total),
                severity=None if e is None else e.severity,
                severity_low=None if e is None else e.severity_low,
                severity_high=None if e is None else e.severity_high,
                scale=None if e is None else e.scale,
                typical=typical,
                said=(
                    None
                    if e is None
                    else explain.severity(e.severity, e.severity_low, e.severity_high)
                ),
            )
        )
    live, methods = _live_rows(competition)
    frozen = competition.phase != Phase.REVIEWING
    stored = live.get(entry.id)
    row = (
        _frozen_row(competition, entry)
        if frozen
        else (
            service._stored_row(stored, {entry.id: entry}, methods)  # noqa: SLF001
            if stored
            else None
        )
    )
    scores = dict(zip(methods, stored[13], strict=True)) if stored else {}
    method = (
        next(iter(row.scores))
        if frozen and row is not None
        else service.method_or_default(competition, None)
    )
    return Story(entry, row, scores, tuple(reviews), mean_all, frozen, method)
