"""Users, units (单位: universities and the other units of the sector) and judges."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from judging.dbtypes import UTCDateTime, utcnow
from judging.extensions import db


class Role(StrEnum):
    ORGANISER = "organiser"
    UNIT = "unit"
    JUDGE = "judge"


class Unit(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), default="")
    aliases: Mapped[str] = mapped_column(String(400), default="")
    # one of judging.competitions.eligibility.UNIT_KINDS (本科院校, 医疗卫生机构 …)
    kind: Mapped[str] = mapped_column(String(40), default="")
    # 试点单位 of the reform, and any named groups ("|"-separated) a call can target
    is_pilot: Mapped[bool] = mapped_column(default=False, server_default="0")
    groups: Mapped[str] = mapped_column(String(400), default="", server_default="")
    # more name forms for the anonymity scanner, "|"-separated like aliases
    english_names: Mapped[str] = mapped_column(String(400), default="")
    abbreviations: Mapped[str] = mapped_column(String(200), default="")
    domains: Mapped[str] = mapped_column(String(400), default="")
    institutes: Mapped[str] = mapped_column(Text, default="")
    contact_name: Mapped[str] = mapped_column(String(80), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    contact_email: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="unit")

    @property
    def alias_list(self) -> list[str]:
        return [a for a in self.aliases.split("|") if a]

    @property
    def group_list(self) -> list[str]:
        return [g for g in self.groups.split("|") if g]

    @property
    def english_name_list(self) -> list[str]:
        return [a for a in self.english_names.split("|") if a]

    @property
    def abbreviation_list(self) -> list[str]:
        return [a for a in self.abbreviations.split("|") if a]

    @property
    def domain_list(self) -> list[str]:
        return [a for a in self.domains.split("|") if a]

    @property
    def institute_list(self) -> list[str]:
        return [a for a in self.institutes.split("|") if a]


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    display_name: Mapped[str] = mapped_column(String(80), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    is_enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the language of the messages this person receives (the last one chosen)
    language: Mapped[str] = mapped_column(String(8), default="zh")

    unit: Mapped[Unit | None] = relationship(back_populates="users")
    judge: Mapped[Judge | None] = relationship(back_populates="user")

    def get_id(self) -> str:
        # The version makes a cookie die with logout, a new password or deactivation.
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_enabled


class Judge(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(80), default="")
    affiliation: Mapped[str] = mapped_column(String(120), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    expertise: Mapped[str] = mapped_column(String(400), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(120), default="")
    capacity: Mapped[int | None] = mapped_column()

    user: Mapped[User] = relationship(back_populates="judge")
    unit: Mapped[Unit | None] = relationship()

    @property
    def expertise_list(self) -> list[str]:
        return [k for k in self.expertise.split("|") if k]


class LoginAttempt(db.Model):
    """Failed logins, shared by every worker through the database."""

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    note: Mapped[str] = mapped_column(Text, default="")
