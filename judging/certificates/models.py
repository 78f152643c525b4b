"""Issued certificates with their unguessable serials."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db


class Certificate(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # several when a correction revoked one and issued its replacement
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entry.id"), index=True)
    # "entry" (one per awarded entry), "author" (one per author of it, the
    # author's position in ``author_position``) or "organisation" (优秀组织奖,
    # to ``unit_id`` in ``competition_id``)
    kind: Mapped[str] = mapped_column(
        String(16), default="entry", server_default="entry"
    )
    author_position: Mapped[int | None] = mapped_column()
    competition_id: Mapped[int | None] = mapped_column(
        ForeignKey("competition.id"), index=True
    )
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(Text, default="")

    entry = relationship("Entry")
    unit = relationship("Unit")


class VerifyHit(db.Model):
    """One public verification lookup, counted per address by every worker.

    The rate limit of the public /verify page lives in the database (like failed
    logins), so it holds across gunicorn workers; rows older than the window are
    pruned on each lookup.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
