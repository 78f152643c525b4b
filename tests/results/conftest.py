"""A reviewing competition with entries, judges and review totals, built directly."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest

from judging.accounts.models import Judge, Role, Unit, User
from judging.assignment.models import Assignment
from judging.competitions.models import Competition, Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.results.demo import add_review
from judging.submissions.models import Author, Entry, StoredFile

# Six entries, three judges: A is harsh (about −15) on the first three, B scores
# everything, C the last three. The plain mean punishes entries 1–3 for drawing A.
HARSH = [
    [65, 81, None],
    [56, 69, None],
    [44, 60, None],
    [None, 81, 80],
    [None, 69, 69],
    [None, 60, 61],
]


@dataclass
class Scored:
    competition: Competition
    organiser: User
    entries: list[Entry]
    judges: list[Judge]
    units: list[Unit]
    assignments: dict[tuple[int, int], Assignment]


@pytest.fixture()
def build_scored(app, make_competition, make_user, make_unit):
    def build(
        totals: list[list[float | None]] = HARSH,
        *,
        pending: frozenset[tuple[int, int]] = frozenset(),
        titles: dict[int, str] | None = None,
        units: int = 2,
    ) -> Scored:
        organiser = make_user(Role.ORGANISER)
        c = make_competition(phase=Phase.REVIEWING, actor=organiser)
        made = [make_unit() for _ in range(units)]
        n_judges = max(len(row) for row in totals)
        judges = [make_user(Role.JUDGE).judge for _ in range(n_judges)]
        stored = StoredFile(sha256="0" * 64, size=1, kind="pdf")
        db.session.add(stored)
        db.session.flush()
        entries, assignments = [], {}
        for i, row in enumerate(totals):
            entry = Entry(
                competition_id=c.id,
                unit_id=made[i % units].id,
                slot=i // units + 1,
                code=f"ZW-{i + 1:03d}",
                title=(titles or {}).get(i, f"论文{i + 1}"),
                category="理论研究",
                advisor=f"导师{i + 1}",
                file_id=stored.id,
                file_name="a.pdf",
            )
            entry.authors.append(Author(position=1, name=f"作者{i + 1}"))
            db.session.add(entry)
            db.session.flush()
            entries.append(entry)
            for j, total in enumerate(row):
                if total is None:
                    continue
                a = Assignment(entry_id=entry.id, judge_id=judges[j].id)
                db.session.add(a)
                db.session.flush()
                assignments[(i, j)] = a
                if (i, j) not in pending:
                    add_review(
                        assignment=a,
                        total=Decimal(str(total)),
                        criteria=list(c.criteria),
                        comment=f"评语{i + 1}-{j + 1}",
                        now=utcnow(),
                    )
        db.session.commit()
        return Scored(c, organiser, entries, judges, made, assignments)

    return build
