"""The text each entry was compared on, and the similar pairs the check found."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db


class EntryText(db.Model):
    """An entry's review-copy text as read for the similarity check, with its
    fingerprint (sorted sampled shingle hashes, 8 bytes each)."""

    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))
    length: Mapped[int] = mapped_column()
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PairStatus(StrEnum):
    OPEN = "open"
    CLEARED = "cleared"  # not a problem (e.g. the unit's own earlier report)
    ASKED = "asked"  # the unit was asked to explain or replace its entry
    EXCLUDED = "excluded"  # one entry is excluded: it cannot win


class SimilarPair(db.Model):
    """Two entries sharing text above the competition's threshold.

    ``entry_b`` belongs to ``competition_id`` (the competition being checked);
    ``entry_a`` is another entry of it or an entry of an earlier competition.
    Shares are of each entry's normalised text found in the other.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id"), index=True
    )
    entry_a_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    entry_b_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    share_a: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    share_b: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    passages: Mapped[str] = mapped_column(Text, default="[]")  # JSON [[a0,a1,b0,b1]]
    status: Mapped[str] = mapped_column(String(10), default=PairStatus.OPEN)
    reason: Mapped[str] = mapped_column(Text, default="")
    excluded_entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"))
    settled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry_a = relationship("Entry", foreign_keys=[entry_a_id])
    entry_b = relationship("Entry", foreign_keys=[entry_b_id])
    settled_by = relationship("User")

    __table_args__ = (UniqueConstraint("entry_a_id", "entry_b_id"),)

    @property
    def overlap(self) -> Decimal:
        return max(self.share_a, self.share_b)
