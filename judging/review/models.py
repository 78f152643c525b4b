"""Judges' score sheets: one review per assignment, one score per criterion."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

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


class ReviewStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Review(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id"), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.DRAFT)
    comment: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    source: Mapped[str] = mapped_column(String(16), default="online")
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    assignment = relationship("Assignment", back_populates="review")
    scores: Mapped[list[Score]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )


class Score(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("review.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id"))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2))

    review: Mapped[Review] = relationship(back_populates="scores")

    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("points >= 0", "points"),
    )
