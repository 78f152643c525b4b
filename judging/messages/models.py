"""Every message the system sends, and the organiser's wording per competition."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db
from judging.i18n import restored_text, stored_text


class MessageStatus(StrEnum):
    QUEUED = "queued"  # waiting for the sending job
    SENT = "sent"  # accepted by the mail server
    FAILED = "failed"  # the server refused or could not be reached (see error)
    INBOX = "inbox"  # no e-mail (none configured or no address): in the app only


class Message(db.Model):
    """One message to one person; always readable in the app, e-mailed if it can."""

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    competition_id: Mapped[int | None] = mapped_column(
        ForeignKey("competition.id"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # someone without an account (an objector from the public): e-mail only
    name: Mapped[str] = mapped_column(String(80), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED)
    # why sending failed, as i18n.stored_text: read and set it through `error`
    error_text: Mapped[str] = mapped_column("error", String(500), default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    __table_args__ = (Index("ix_message_user_read", "user_id", "read_at"),)

    @property
    def error(self) -> str:
        """Why sending failed: a ``Said`` (Chinese text, said on the pages in
        the reader's language), or the plain text of an older row or of a mail
        server; empty when it did not fail."""
        return restored_text(self.error_text)  # type: ignore[return-value]

    @error.setter
    def error(self, value: str) -> None:
        self.error_text = stored_text(value)


class MessageTemplate(db.Model):
    """The organiser's subject and body for one kind and language."""

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"))
    kind: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("competition_id", "kind", "language"),)
