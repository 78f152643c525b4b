"""Extra reviews that pay: a budget of extra reviews, planned and sent in rounds.

Service layer (reads the database, flushes, never commits). The organiser
chooses a budget as a share of the entries (``SHARES``) and a number of rounds;
each round sends one more review to the entries whose award tier one more
review is most likely to fix: nearest a tier cut in posterior SDs of the
calibrated model (``awards.plan_extra_reviews``). Entries still waiting for a
review are left out; after a round's reviews are in, the page plans again,
since the cuts and the uncertainties have moved.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from judging.accounts.models import User
from judging.assignment.models import Assignment, AssignmentStatus
from judging.competitions.models import Competition
from judging.extensions import db
from judging.i18n import N_, errors_of, message_of, said
from judging.results import computed, service
from judging.review.models import Review, ReviewStatus
from judging.submissions.models import Entry, EntryStatus

SHARES = (10, 20)  # budget choices, percent of the scored entries
ROUNDS = (1, 2, 3)
DEFAULT_SHARE, DEFAULT_ROUNDS = 20, 2


@dataclass(frozen=True)
class PlannedReview:
    """One entry of this round, with why (distance) and what it should buy."""

    entry: Entry
    score: float
    low: float
    high: float
    n_reviews: int
    distance: float  # to the nearest tier cut, in posterior SDs
    gain: float  # expected drop in the chance of the wrong tier


@dataclass(frozen=True)
class ExtraPlan:
    share: int
    rounds: int
    n_entries: int  # scored, not excluded
    budget: int  # extra reviews in all rounds
    per_round: int
    items: tuple[PlannedReview, ...]  # this round, nearest a cut first
    waiting: int  # entries left out: a review of theirs is not in yet

    @property
    def expected_gain(self) -> float:
        """Entries this round should move into their right tier (expected)."""
        return sum(item.gain for item in self.items)

    @property
    def expected_share(self) -> float:
        """``expected_gain`` as a share of the entries (tier accuracy points)."""
        return self.expected_gain / self.n_entries if self.n_entries else 0.0


def budget_of(n_entries: int, share: int, rounds: int) -> tuple[int, int]:
    """(extra reviews in all, per round): round_half_up(share% × N), split evenly
    with the remainder in the first rounds."""
    from judging.results import awards  # numpy/scipy: only when planning

    budget = awards.round_half_up(share * n_entries / 100)
    return budget, math.ceil(budget / rounds) if budget else 0


def _waiting_entries(competition: Competition, number: int) -> set[int]:
    """Entries with an active assignment of round `number` whose review is not
    submitted yet."""
    return set(
        db.session.scalars(
            select(Assignment.entry_id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
                Assignment.status == AssignmentStatus.ACTIVE,
                Assignment.round_no == number,
                (Review.id.is_(None)) | (Review.status != ReviewStatus.SUBMITTED),
            )
        )
    )


def plan(competition: Competition, *, share: int, rounds: int) -> ExtraPlan:
    """This round of a budget of ``share`` % of the entries in ``rounds`` rounds."""
    if share not in SHARES or rounds not in ROUNDS:
        raise service.ResultsError(N_("请选择额外评审的预算与轮数。"))
    from judging.results import aggregate as agg  # numpy/scipy: only when planning

    inputs = computed.load_inputs(competition)
    by_id = computed.entries_by_id(list(inputs.keys))
    entries = {key: by_id[entry_id] for entry_id, key in inputs.keys.items()}
    # Rounds: only the current round's reviews (its own calibration, its own
    # entries), so that an earlier round's scores neither place the cuts nor get
    # an extra review; added judges are of the current round (assignment).
    current = inputs.n_rounds
    counted = [r for r in inputs.reviews if r[1] in inputs.keys]
    items = [
        agg.Review(entry_id=inputs.keys[entry_id], judge_id=judge_id, total=total)
        for (_id, entry_id, judge_id, total), number in zip(
            counted, computed.item_rounds(inputs), strict=True
        )
        if number == current
    ]
    excluded = {
        service.entry_key(o.entry)
        for o in service.overrides_of(competition)
        if o.is_excluded
    }
    items = [i for i in items if i.entry_id not in excluded]
    if not items:
        return ExtraPlan(share, rounds, 0, 0, 0, (), 0)
    result = agg.aggregate(
        items,
        method="calibrated",
        max_total=float(competition.max_total),
        judge_names=computed.judge_names(inputs),
    )
    n = len(result.entries)
    budget, per_round = budget_of(n, share, rounds)
    waiting = _waiting_entries(competition, current)
    ranked = _nearest_cuts(competition, inputs, result.entries)
    chosen = [p for p in ranked if entries[p.entry_id].id not in waiting]
    left_out = sum(1 for e in result.entries if entries[e.entry_id].id in waiting)
    return ExtraPlan(
        share=share,
        rounds=rounds,
        n_entries=n,
        budget=budget,
        per_round=per_round,
        items=tuple(
            PlannedReview(
                entry=entries[p.entry_id],
                score=result.entry(p.entry_id).score,
                low=result.entry(p.entry_id).low,
                high=result.entry(p.entry_id).high,
                n_reviews=result.entry(p.entry_id).n_reviews,
                distance=p.distance,
                gain=p.gain,
            )
            for p in chosen[:per_round]
        ),
        waiting=left_out,
    )


def _nearest_cuts(
    competition: Competition, inputs: computed.Inputs, scored: tuple
) -> list:
    """Every entry by its distance to the nearest tier cut (`plan_extra_reviews`),
    the cuts taken within each category when the categories are ranked apart."""
    from judging.results import awards, categories

    scheme = service.scheme_of(competition)
    if not inputs.by_category:
        sizes, _ = awards.plan_counts(scheme=scheme, n_ranked=len(scored))
        return list(awards.plan_extra_reviews(scored, sizes=sizes, budget=len(scored)))
    try:
        schemes = categories.parse_category_schemes(
            inputs.category_tiers, scheme=scheme, categories=inputs.categories
        )
    except awards.AwardError as exc:
        raise service.ResultsError(errors_of(exc)) from exc
    category_of = {
        inputs.keys[e]: c or categories.UNCATEGORISED
        for e, c in (inputs.category_of or {}).items()
    }
    ranked = []
    for name in categories.category_groups(category_of, inputs.categories):
        group = tuple(e for e in scored if category_of.get(e.entry_id) == name)
        sizes, _ = awards.plan_counts(
            scheme=schemes.get(name, scheme), n_ranked=len(group)
        )
        ranked += awards.plan_extra_reviews(group, sizes=sizes, budget=len(group))
    ranked.sort(key=lambda p: (p.distance, str(p.entry_id)))
    return ranked


def send_round(
    *, actor: User, competition: Competition, share: int, rounds: int, now: datetime
) -> tuple[list[Entry], list[str]]:
    """One more judge for every entry of this round's plan.

    Returns the entries that got a judge and, for the others, why not (no
    conflict-free judge left); those are skipped, the rest still go out.
    """
    service._require_organiser(actor)
    service._require_reviewing(competition)
    current = plan(competition, share=share, rounds=rounds)
    if not current.items:
        raise service.ResultsError(N_("本轮没有需要增派评审的作品。"))
    sent: list[Entry] = []
    refused: list[str] = []
    for item in current.items:
        try:
            service.request_extra_review(
                actor=actor, competition=competition, entry=item.entry, now=now
            )
        except service.ResultsError as exc:
            refused.append(
                said(
                    N_("%(code)s：%(reason)s"),
                    code=item.entry.code,
                    reason=message_of(exc),
                )
            )
        else:
            sent.append(item.entry)
    return sent, refused
