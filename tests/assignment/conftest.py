"""Assignment test helpers: a competition with units, entries and judges."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal

import pytest

from judging.accounts.models import Judge, Role, Unit, User
from judging.assignment.models import Assignment
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from judging.review.models import Review
from judging.submissions.models import Author, Entry, StoredFile


@dataclass
class World:
    competition: Competition
    organiser: User
    units: list[Unit]
    entries: list[Entry]
    judges: list[Judge]


@pytest.fixture()
def make_world(make_competition, make_user, make_unit):
    """Units with entries, one judge from each unit and some outside judges."""

    def make(
        *,
        units: int = 4,
        per_unit: int = 3,
        outside: int = 3,
        phase: Phase = Phase.CLOSED,
        k: int = 3,
    ) -> World:
        organiser = make_user(Role.ORGANISER)
        competition = make_competition(
            phase=phase, actor=organiser, reviews_per_entry=k
        )
        stored = StoredFile(sha256=hashlib.sha256(b"x").hexdigest(), size=1, kind="pdf")
        db.session.add(stored)
        db.session.flush()
        made_units = [
            make_unit(name=f"山城第{i}大学") for i in range(1, units + 1)
        ]
        entries = []
        for unit in made_units:
            for slot in range(1, per_unit + 1):
                n = len(entries) + 1
                entry = Entry(
                    competition_id=competition.id,
                    unit_id=unit.id,
                    slot=slot,
                    code=f"ZW-{n:04d}",
                    title=f"产业工人技能形成研究之{n}",
                    category="调研报告",
                    advisor=f"导师{n}号",
                    keywords="产业工人；技能形成",
                    file_id=stored.id,
                    file_name="论文.pdf",
                )
                entry.authors.append(Author(position=1, name=f"作者{n}号"))
                db.session.add(entry)
                entries.append(entry)
        judges = [make_user(Role.JUDGE, unit=s).judge for s in made_units]
        judges += [
            make_user(Role.JUDGE, affiliation=f"研究机构{i}").judge
            for i in range(outside)
        ]
        db.session.commit()
        return World(competition, organiser, made_units, entries, judges)

    return make


def add_review(assignment: Assignment, status: str, total: str | None = None) -> Review:
    """A judge's review row, as the review capability would write it."""
    review = Review(
        assignment_id=assignment.id,
        status=status,
        total=Decimal(total) if total else None,
    )
    db.session.add(review)
    db.session.flush()
    return review
