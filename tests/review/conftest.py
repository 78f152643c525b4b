"""A competition in review: entries with codes and review copies, judges assigned.

The unit, authors, advisor and file name are distinctive on purpose, so a test
can assert that none of them ever reaches a judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask.testing import FlaskClient

from judging.accounts.models import Role, User
from judging.anonymity.service import close_submissions
from judging.assignment.models import Assignment
from judging.competitions.models import Competition, Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.submissions import service as submissions
from judging.submissions.models import Entry
from tests.conftest import login
from tests.submissions.conftest import fixture_bytes

UNIT = "潜龙湾理工大学"
UNIT_SHORT = "潜龙理工"
AUTHORS = ("欧阳锦绣", "司徒青云")
ADVISOR = "上官明远"
FILE_NAME = "潜龙湾理工欧阳锦绣终稿"
ABSTRACT = "本文考察数字治理在基层的三个维度。"
KEYWORDS = "数字治理；基层实践"


@dataclass
class Reviewing:
    competition: Competition
    organiser: User
    entries: list[Entry]
    judges: list[User]  # judges[0] and judges[1] review every entry; judges[2] none
    assignments: dict[tuple[int, int], Assignment]  # (judge index, entry index)

    def assignment(self, judge: int, entry: int) -> Assignment:
        return self.assignments[(judge, entry)]

    def criteria_ids(self) -> list[int]:
        return [c.id for c in self.competition.criteria]

    def full_points(self, value: str = "10") -> dict[int, Decimal]:
        return {cid: Decimal(value) for cid in self.criteria_ids()}


@pytest.fixture()
def reviewing(app, make_user, make_unit, make_competition) -> Reviewing:
    organiser = make_user(Role.ORGANISER)
    competition = make_competition(phase=Phase.OPEN, actor=organiser)
    unit = make_unit(name=UNIT, short_name=UNIT_SHORT)
    contact = make_user(Role.UNIT, unit=unit)
    entries = []
    for i, (file, kind) in enumerate((("clean.pdf", "pdf"), ("clean.docx", "docx"))):
        entries.append(
            submissions.create_entry(
                actor=contact,
                competition=competition,
                data=submissions.EntryInput(
                    title=f"数字治理的三个维度（{i + 1}）",
                    category="理论研究",
                    authors=tuple(submissions.AuthorInput(name=a) for a in AUTHORS),
                    advisor=ADVISOR,
                    abstract=ABSTRACT,
                    keywords=KEYWORDS,
                ),
                upload=submissions.Upload(
                    data=fixture_bytes(file), filename=f"{FILE_NAME}.{kind}"
                ),
                now=utcnow(),
            )
        )
    close_submissions(competition, organiser)
    competition.phase = Phase.REVIEWING
    judges = [make_user(Role.JUDGE) for _ in range(3)]
    assignments = {}
    for j in (0, 1):
        for e, entry in enumerate(entries):
            a = Assignment(entry_id=entry.id, judge_id=judges[j].judge.id)
            db.session.add(a)
            assignments[(j, e)] = a
    db.session.commit()
    return Reviewing(competition, organiser, entries, judges, assignments)


def client_for(app, user: User) -> FlaskClient:  # noqa: ANN001
    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302
    return client


def sheet_form(token: str, reviewing: Reviewing, values: list[str], **extra) -> dict:
    data = {"csrf_token": token, "comment": "论证充分。", "action": "save"}
    for cid, value in zip(reviewing.criteria_ids(), values, strict=False):
        data[f"points_{cid}"] = value
    data.update(extra)
    return data
