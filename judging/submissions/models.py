"""Entries (submitted essays), their authors and stored files."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db


class EntryStatus(StrEnum):
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"


CATEGORIES = ("理论研究", "调研报告")


class CheckState(StrEnum):
    """Where the anonymity check of an entry's file stands: the text is
    scanned at upload; pictures are read by OCR afterwards, in the background
    (检查中 until then)."""

    DONE = "done"
    PENDING = "pending"


def split_keywords(text: str) -> list[str]:
    """Keywords as typed, separated by ; or ；, without empty ones."""
    return [k for k in text.replace("；", ";").split(";") if k.strip()]


class StoredFile(db.Model):
    """A file kept under instance/uploads by its SHA-256, never by a user's name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Entry(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    # 1..max_entries while submitted, NULL once withdrawn: the unique constraint
    # makes the per-unit maximum hold under concurrent submissions.
    slot: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default=EntryStatus.SUBMITTED)
    code: Mapped[str | None] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(40))
    advisor: Mapped[str] = mapped_column(String(80), default="")
    abstract: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(String(300), default="")
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    review_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    check_state: Mapped[str] = mapped_column(
        String(16), default=CheckState.DONE, server_default=CheckState.DONE
    )
    word_count: Mapped[int] = mapped_column(default=0)
    reopened_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a collection's 优秀 / 推荐 mark (advanced examples reported upward)
    recommendation: Mapped[str] = mapped_column(
        String(16), default="", server_default=""
    )
    recommendation_note: Mapped[str] = mapped_column(
        Text, default="", server_default=""
    )
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    authors: Mapped[list[Author]] = relationship(
        back_populates="entry", order_by="Author.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="entry",
        order_by="Attachment.position",
        cascade="all, delete-orphan",
    )
    file: Mapped[StoredFile] = relationship(foreign_keys=[file_id])
    review_file: Mapped[StoredFile | None] = relationship(foreign_keys=[review_file_id])
    unit = relationship("Unit")
    competition = relationship("Competition")

    __table_args__ = (
        UniqueConstraint("competition_id", "unit_id", "slot"),
        CheckConstraint("slot IS NULL OR slot >= 1", "slot"),
    )

    @property
    def author_names(self) -> list[str]:
        return [a.name for a in self.authors]

    @property
    def keyword_list(self) -> list[str]:
        return split_keywords(self.keywords)


class Recommendation(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    RECOMMENDED = "recommended"  # 推荐


class Attachment(db.Model):
    """A further file of an entry: a document, a photo or a short video, its
    kind decided by content. Photos and videos carry a JPEG preview; a photo
    also a copy without its metadata, the only one a judge may ever get."""

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"), index=True)
    position: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))
    file_name: Mapped[str] = mapped_column(String(255))
    preview_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    clean_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    seconds: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="attachments")
    file: Mapped[StoredFile] = relationship(foreign_keys=[file_id])
    preview_file: Mapped[StoredFile | None] = relationship(
        foreign_keys=[preview_file_id]
    )
    clean_file: Mapped[StoredFile | None] = relationship(foreign_keys=[clean_file_id])

    __table_args__ = (UniqueConstraint("entry_id", "position"),)


class Author(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entry.id"))
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(80))
    department: Mapped[str] = mapped_column(String(120), default="")
    title: Mapped[str] = mapped_column(String(80), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")

    entry: Mapped[Entry] = relationship(back_populates="authors")

    __table_args__ = (UniqueConstraint("entry_id", "position"),)
