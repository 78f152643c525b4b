"""Competitions, their rubric criteria, award tiers and per-unit extensions."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db


class Phase(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    REVIEWING = "reviewing"
    FINALISED = "finalised"
    PUBLICITY = "publicity"  # 公示中: the provisional list, open to objections
    PUBLISHED = "published"
    ARCHIVED = "archived"  # a collection's last phase


class CallKind(StrEnum):
    """A judged competition (rubric, judges, awards) or a plain collection."""

    COMPETITION = "competition"
    COLLECTION = "collection"


class People(StrEnum):
    """Whom an entry names: its authors, one responsible person, or nobody."""

    AUTHORS = "authors"
    RESPONSIBLE = "responsible"
    NONE = "none"


DEFAULT_CATEGORIES = "理论研究|调研报告"
ATTACHMENT_KINDS = ("document", "photo", "video")


PHASE_ORDER = tuple(Phase)


class Competition(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(
        String(16), default=CallKind.COMPETITION, server_default="competition"
    )
    # who may take part (judging.competitions.eligibility.Rule)
    eligibility_mode: Mapped[str] = mapped_column(
        String(8), default="all", server_default="all"
    )
    eligibility_kinds: Mapped[str] = mapped_column(
        String(200), default="", server_default=""
    )
    eligibility_group: Mapped[str] = mapped_column(
        String(80), default="", server_default=""
    )
    # the entry form: "|"-separated categories (empty: none), whom it names,
    # which optional fields are required, and the attachments it takes
    categories: Mapped[str] = mapped_column(
        String(400), default=DEFAULT_CATEGORIES, server_default=DEFAULT_CATEGORIES
    )
    people: Mapped[str] = mapped_column(
        String(16), default=People.AUTHORS, server_default="authors"
    )
    required_fields: Mapped[str] = mapped_column(
        String(100), default="", server_default=""
    )
    attachment_kinds: Mapped[str] = mapped_column(
        String(40), default="", server_default=""
    )
    max_attachments: Mapped[int] = mapped_column(default=9, server_default="9")
    max_video_mb: Mapped[int] = mapped_column(default=200, server_default="200")
    max_entry_mb: Mapped[int] = mapped_column(default=500, server_default="500")
    # photos of a judged call reach judges (metadata removed) only when allowed
    attachments_to_judges: Mapped[bool] = mapped_column(
        default=False, server_default="0"
    )
    theme: Mapped[str] = mapped_column(Text, default="")
    code_prefix: Mapped[str] = mapped_column(String(16), default="ZW")
    phase: Mapped[str] = mapped_column(String(16), default=Phase.DRAFT)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    min_entries: Mapped[int] = mapped_column(default=1)
    max_entries: Mapped[int] = mapped_column(default=5)
    file_types: Mapped[str] = mapped_column(String(40), default="pdf,docx")
    max_file_mb: Mapped[int] = mapped_column(default=20)
    min_words: Mapped[int | None] = mapped_column()
    max_words: Mapped[int | None] = mapped_column()
    reviews_per_entry: Mapped[int] = mapped_column(default=3)
    disagreement_threshold: Mapped[Decimal] = mapped_column(
        Numeric(6, 2), default=Decimal("20")
    )
    # 查重: pairs sharing at least this share of either text are listed
    similarity_percent: Mapped[int] = mapped_column(default=30)
    # awards: tiers per category or overall (judging.results.categories), each
    # category's own shares or counts ("理论研究：10%，20%，30%" per line)
    award_by_category: Mapped[bool] = mapped_column(default=False, server_default="0")
    category_tiers: Mapped[str] = mapped_column(Text, default="", server_default="")
    # 优秀组织奖 (judging.results.organisation): "" none, "threshold" units with
    # at least N entries and an award, "points" the top M units by tier points
    org_award_rule: Mapped[str] = mapped_column(
        String(16), default="", server_default=""
    )
    org_award_min_entries: Mapped[int] = mapped_column(default=3, server_default="3")
    org_award_top: Mapped[int] = mapped_column(default=10, server_default="10")
    org_award_points: Mapped[str] = mapped_column(
        String(60), default="5,3,1", server_default="5,3,1"
    )
    # certificates: one per awarded entry, or one per author of it
    certificate_mode: Mapped[str] = mapped_column(
        String(16), default="entry", server_default="entry"
    )
    issuer: Mapped[str] = mapped_column(String(120), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    seal_sha256: Mapped[str | None] = mapped_column(String(64))
    assignment_seed: Mapped[int | None] = mapped_column()
    ranking_method: Mapped[str | None] = mapped_column(String(16))
    # how the rounds combine (judging.results.rounds): "last" or "weighted",
    # and the 答辩/现场评审 score's weight (percent, 0: none) and full marks
    round_mode: Mapped[str] = mapped_column(
        String(16), default="last", server_default="last"
    )
    defense_weight: Mapped[Decimal] = mapped_column(
        Numeric(5, 2), default=Decimal("0"), server_default="0"
    )
    defense_max: Mapped[Decimal] = mapped_column(
        Numeric(6, 2), default=Decimal("100"), server_default="100"
    )
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow
    )

    # the competition's rubric; a round's own criteria (Round.criteria) are not
    # among them
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="competition",
        primaryjoin="and_(Competition.id == Criterion.competition_id, "
        "Criterion.round_id.is_(None))",
        order_by="Criterion.position",
        cascade="all, delete-orphan",
    )
    tiers: Mapped[list[AwardTier]] = relationship(
        back_populates="competition",
        order_by="AwardTier.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        CheckConstraint("min_entries >= 0 AND max_entries >= min_entries", "quota"),
        CheckConstraint("closes_at > opens_at", "window"),
        CheckConstraint("reviews_per_entry >= 1", "reviews"),
        CheckConstraint(
            "similarity_percent >= 1 AND similarity_percent <= 100", "similarity"
        ),
    )

    @property
    def accepted_types(self) -> frozenset[str]:
        return frozenset(t for t in self.file_types.split(",") if t)

    eligible_units: Mapped[list[EligibleUnit]] = relationship(
        cascade="all, delete-orphan"
    )

    @property
    def is_collection(self) -> bool:
        return self.kind == CallKind.COLLECTION

    @property
    def category_list(self) -> list[str]:
        return [c for c in self.categories.split("|") if c]

    @property
    def required_field_set(self) -> frozenset[str]:
        return frozenset(f for f in self.required_fields.split("|") if f)

    @property
    def attachment_kind_set(self) -> frozenset[str]:
        return frozenset(k for k in self.attachment_kinds.split("|") if k)

    @property
    def eligibility_kind_set(self) -> frozenset[str]:
        return frozenset(k for k in self.eligibility_kinds.split("|") if k)

    @property
    def max_total(self) -> int:
        return sum(c.max_points for c in self.criteria)


class Criterion(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"))
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(80))
    guidance: Mapped[str] = mapped_column(Text, default="")
    max_points: Mapped[int] = mapped_column()
    # a round's own rubric (judging.rounds): its id, and positions from
    # 100 × the round's number; None: the competition's rubric
    round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"), index=True)

    competition: Mapped[Competition] = relationship(back_populates="criteria")

    __table_args__ = (
        UniqueConstraint("competition_id", "position"),
        CheckConstraint("max_points > 0", "points"),
    )


class AwardTier(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"))
    position: Mapped[int] = mapped_column()
    name: Mapped[str] = mapped_column(String(40))
    share_percent: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    count: Mapped[int | None] = mapped_column()

    competition: Mapped[Competition] = relationship(back_populates="tiers")

    __table_args__ = (UniqueConstraint("competition_id", "position"),)


class EligibleUnit(db.Model):
    """One unit on a call's explicit list (eligibility mode "list")."""

    competition_id: Mapped[int] = mapped_column(
        ForeignKey("competition.id"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)


class Extension(db.Model):
    """A dated extension of the deadline for one unit."""

    id: Mapped[int] = mapped_column(primary_key=True)
    competition_id: Mapped[int] = mapped_column(ForeignKey("competition.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (UniqueConstraint("competition_id", "unit_id"),)
