"""Identity-leak findings on entries and how the organiser settled them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db


class FindingStatus(StrEnum):
    OPEN = "open"
    HARMLESS = "harmless"
    RESOLVED = "resolved"


class Finding(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    location: Mapped[str] = mapped_column(String(20))
    term: Mapped[str] = mapped_column(String(200), default="")  # what matched
    evidence: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(10), default=FindingStatus.OPEN)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
