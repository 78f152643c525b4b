"""Helpers that put a score in the database the way later capabilities will."""

from __future__ import annotations

from decimal import Decimal

from judging.accounts.models import Role
from judging.assignment.models import Assignment
from judging.extensions import db
from judging.review.models import Review, Score
from judging.submissions.models import Entry, StoredFile


def add_score(competition, make_user) -> Score:  # noqa: ANN001
    unit_user = make_user(Role.UNIT)
    judge_user = make_user(Role.JUDGE)
    stored = StoredFile(sha256="0" * 64, size=1, kind="pdf")
    db.session.add(stored)
    db.session.flush()
    entry = Entry(
        competition_id=competition.id,
        unit_id=unit_user.unit_id,
        slot=1,
        title="论文",
        category="理论研究",
        file_id=stored.id,
        file_name="a.pdf",
    )
    db.session.add(entry)
    db.session.flush()
    assignment = Assignment(entry_id=entry.id, judge_id=judge_user.judge.id)
    db.session.add(assignment)
    db.session.flush()
    review = Review(assignment_id=assignment.id)
    db.session.add(review)
    db.session.flush()
    score = Score(
        review_id=review.id,
        criterion_id=competition.criteria[0].id,
        points=Decimal("15"),
    )
    db.session.add(score)
    db.session.commit()
    return score
