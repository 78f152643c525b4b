"""Conflicts of interest and judge-entry assignments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db


class AssignmentKind(StrEnum):
    REGULAR = "regular"
    ARBITRATION = "arbitration"


class AssignmentStatus(StrEnum):
    ACTIVE = "active"
    RECUSED = "recused"


class Conflict(db.Model):
    """A declared conflict between a judge and a unit or an entry."""

    id: Mapped[int] = mapped_column(primary_key=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("judge.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_by_judge: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (entry_id IS NULL)", "one_target"),
    )


class Assignment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    judge_id: Mapped[int] = mapped_column(ForeignKey("judge.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default=AssignmentKind.REGULAR)
    status: Mapped[str] = mapped_column(String(16), default=AssignmentStatus.ACTIVE)
    # the round of judging (judging.rounds): 1 for 初评
    # not indexed: a handful of values; an index misled SQLite (see s5a7c9e1b3d5)
    round_no: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry = relationship("Entry")
    judge = relationship("Judge")
    review = relationship("Review", back_populates="assignment", uselist=False)

    __table_args__ = (UniqueConstraint("entry_id", "judge_id"),)
