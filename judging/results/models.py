"""Frozen results: each entry's score, rank and award tier."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db


class Result(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id"), index=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    low: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    high: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    rank: Mapped[int | None] = mapped_column()
    tier_name: Mapped[str | None] = mapped_column(String(40))
    tier_position: Mapped[int | None] = mapped_column()
    # the category ranked apart ("" when the tiers were allocated overall)
    category: Mapped[str] = mapped_column(String(40), default="", server_default="")
    tier_probability: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    is_excluded: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str] = mapped_column(Text, default="")
    # rounds (judging.results.rounds): the last round the entry reached, its
    # score in each round (JSON list, null where it did not take part) and its
    # 答辩 score in points of the rubric total; None when judged in one round
    last_round: Mapped[int | None] = mapped_column()
    round_scores: Mapped[str | None] = mapped_column(Text)
    defense_score: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry = relationship("Entry")


class AwardOverride(db.Model):
    """The organiser's pending decision on one entry before the results are frozen.

    Kept apart from `Result` (which is written only when finalising) so that
    overrides survive every recomputation; each carries its written reason.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id"), index=True
    )
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), unique=True)
    tier_name: Mapped[str | None] = mapped_column(String(40))
    is_excluded: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry = relationship("Entry")


class ComputedResult(db.Model):
    """One stored computation of a competition's results (live, before finalising).

    Computed once per change of the scores, in the background, and read by every
    page and export: ``kind`` is a ranking method (its tier allocation with the
    tier draws) or ``reliability``; ``fingerprint`` names the exact inputs (counted
    reviews, entries, overrides, award scheme, code) it was computed from, so a
    page can tell at once whether it is still current.
    """

    __tablename__ = "computed_result"
    __table_args__ = (UniqueConstraint("competition_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    fingerprint: Mapped[str] = mapped_column(String(80))
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[str] = mapped_column(Text)  # JSON


class OrganisationAward(db.Model):
    """One unit's line in the 优秀组织奖 computation, from the final results.

    Written when the results are frozen and again when the rule or an override
    changes (judging.results.rules_service); ``is_awarded`` is the outcome after
    the organiser's override, ``model_awarded`` what the rule alone gave.
    """

    __tablename__ = "organisation_award"
    __table_args__ = (UniqueConstraint("competition_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    entries: Mapped[int] = mapped_column()
    awarded: Mapped[int] = mapped_column()
    points: Mapped[int] = mapped_column()
    rank: Mapped[int | None] = mapped_column()
    model_awarded: Mapped[bool] = mapped_column()
    is_awarded: Mapped[bool] = mapped_column()
    override_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    unit = relationship("Unit")


class OrganisationOverride(db.Model):
    """The organiser's decision to give or withhold one unit's 优秀组织奖, with
    its reason; kept apart so that it survives every recomputation."""

    __tablename__ = "organisation_override"
    __table_args__ = (UniqueConstraint("competition_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id"), index=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    is_awarded: Mapped[bool] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
