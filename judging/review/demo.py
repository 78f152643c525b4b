"""Demo score sheets: most reviews submitted, some drafts, a harsh and a lenient
judge, and at least one entry whose judges disagree beyond the threshold."""

from __future__ import annotations

import random
from decimal import Decimal

from sqlalchemy import select

from judging.assignment.models import Assignment, AssignmentStatus
from judging.competitions.models import Competition
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.review.models import Review
from judging.review.service import save_review
from judging.submissions.models import Entry, EntryStatus

SUBMITTED_SHARE = 0.60
DRAFT_SHARE = 0.15
HARSH, LENIENT = -0.18, 0.12


def _points(
    criteria: list, quality: float, rng: random.Random
) -> dict[int, Decimal | None]:
    """Scores near `quality` × maximum, in half points, within 0..maximum."""
    points: dict[int, Decimal | None] = {}
    for c in criteria:
        share = min(1.0, max(0.0, quality + rng.gauss(0, 0.05)))
        points[c.id] = Decimal(round(share * c.max_points * 2)) / 2
    return points


def add_reviews(*, competition: Competition, seed: int) -> None:
    """Fill in the competition's score sheets through the real review service.

    About 60 % of the active assignments are submitted and 15 % left as drafts;
    the first judge (by id) scores harshly, the second leniently; the first entry
    with two judges gets totals far apart (beyond the disagreement threshold).
    Idempotent: assignments that already have a review are left alone.
    """
    rng = random.Random(seed)
    assignments = db.session.scalars(
        select(Assignment)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .order_by(Entry.code, Assignment.id)
    ).all()
    if not assignments:
        return
    criteria = list(competition.criteria)
    judge_ids = sorted({a.judge_id for a in assignments})
    bias = {judge_ids[0]: HARSH}
    if len(judge_ids) > 1:
        bias[judge_ids[1]] = LENIENT
    panels: dict[int, list[Assignment]] = {}
    for a in assignments:
        panels.setdefault(a.entry_id, []).append(a)
    split = next((p for p in panels.values() if len(p) >= 2), [])
    forced = {split[0].id: 0.92, split[1].id: 0.40} if split else {}
    quality = {entry_id: rng.uniform(0.55, 0.85) for entry_id in panels}
    done = set(
        db.session.scalars(
            select(Review.assignment_id).where(
                Review.assignment_id.in_([a.id for a in assignments])
            )
        )
    )
    order = [a for a in assignments if a.id not in forced]
    rng.shuffle(order)
    submitted = max(0, round(SUBMITTED_SHARE * len(assignments)) - len(forced))
    drafts = round(DRAFT_SHARE * len(assignments))
    states = {a.id: "submitted" for a in order[:submitted]}
    states |= {a.id: "draft" for a in order[submitted : submitted + drafts]}
    states |= {assignment_id: "submitted" for assignment_id in forced}
    now = utcnow()
    for a in assignments:
        state = states.get(a.id, "")
        if a.id in done or not state:
            continue
        level = forced.get(a.id, quality[a.entry_id] + bias.get(a.judge_id, 0.0))
        points = _points(criteria, level, rng)
        if state == "draft":
            for c in criteria[len(criteria) // 2 :]:
                points[c.id] = None
        save_review(
            actor=a.judge.user,
            assignment=a,
            points=points,
            comment="论点明确，论证较为充分。" if state == "submitted" else "",
            submit=state == "submitted",
            now=now,
        )
    db.session.flush()
