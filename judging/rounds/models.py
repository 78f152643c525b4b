"""Rounds of a judged competition, who is in each, its judges, and 答辩 scores.

Round 1 needs no row: every submitted entry is in it, every enabled judge may
review it and it takes the competition's reviews per entry. A row for round 1
is written when the organiser starts round 2 (to keep its name and weight).
From round 2 on, an entry is in a round only through a ``RoundEntry`` row (the
shortlist, and the organiser's additions), and the round's judges are its
``RoundJudge`` rows (none: every enabled judge).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db
from judging.i18n import N_

ROUND_NAMES = (N_("初评"), N_("复评"), N_("终评"))


class Round(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id"), index=True
    )
    number: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(40))
    reviews_per_entry: Mapped[int] = mapped_column(default=3)
    # weight in the weighted combination (percent of the rounds' part)
    weight: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # how the shortlist into this round was made, in words (shown and audited)
    shortlist_rule: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # the round's own rubric (none: the competition's); Criterion rows of the
    # competition with this round's id, positions from 100 × number
    criteria = relationship(
        "Criterion",
        primaryjoin="Round.id == Criterion.round_id",
        order_by="Criterion.position",
        viewonly=True,
    )

    __table_args__ = (
        UniqueConstraint("competition_id", "number"),
        CheckConstraint("number >= 1", "number"),
        CheckConstraint("reviews_per_entry >= 1", "reviews"),
        CheckConstraint("weight >= 0", "weight"),
    )


class RoundJudge(db.Model):
    """A judge of a round's panel (a round without rows takes every judge)."""

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("judge.id"), primary_key=True)


class RoundEntry(db.Model):
    """An entry in a round from 2 on: by the shortlist or added by hand."""

    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), primary_key=True)
    source: Mapped[str] = mapped_column(String(16), default="shortlist")  # or added
    reason: Mapped[str] = mapped_column(Text, default="")


class DefenseScore(db.Model):
    """One 答辩/现场评审 panel member's score of one entry."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    member: Mapped[str] = mapped_column(String(80))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("entry_id", "member"),
        CheckConstraint("points >= 0", "points"),
    )
