"""Organiser pages run a number of SQL statements that does not grow with the
number of entries: measured at two sizes, the counts must be equal."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from judging.accounts.models import Role
from judging.assignment.models import Assignment, Conflict
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.results.demo import add_review
from judging.submissions.models import Author, Entry, StoredFile
from tests.conftest import login

PAGES = [
    "/competitions/{c}/assignment",
    "/competitions/{c}/assignment?staff=short&sort=-judges",
    "/entries/{e}/judges",  # one entry's judges: a conflict check per judge
    "/competitions/{c}/conflicts",
    "/competitions/{c}/progress",
    "/competitions/{c}/reminders.xlsx",
    "/competitions/{c}/notices",
    "/competitions/{c}/disagreements",
    "/competitions/{c}/rounds",
    "/competitions/{c}/rounds?cut=share&value=30&method=mean",
    "/competitions/{c}/defense",
    "/competitions/{c}/reviews",
    "/competitions/{c}/reviews?state=waiting",
    "/entries/{e}/reviews",
    "/competitions/{c}/anonymity",
    "/competitions/{c}/originality",
    "/competitions/{c}/submissions",
    "/competitions/{c}",
    "/competitions",
    "/competitions/{c}/results",
    "/competitions/{c}/reliability",
    "/competitions/{c}/results?method=mean&page=2",
    "/competitions/{c}/results/entries/{e}",  # why this score
    "/competitions/{c}/awards.xlsx",
    "/competitions/{c}/awards.pdf",
    "/competitions/{c}/scores.xlsx",
    "/admin/units",
    "/admin/judges",
    "/admin/users",
    "/admin/audit",
    "/competitions/{c}/eligibility",
]


def _build(n_entries: int, make_competition, make_user, make_unit):
    """A competition in review: n entries from n/3 units, each read by three of
    n/2 (at least 6) judges (a third affiliated), two reviews submitted, a
    recorded conflict per six entries."""
    organiser = make_user(Role.ORGANISER)
    c = make_competition(phase=Phase.REVIEWING, actor=organiser)
    units = [make_unit() for _ in range(max(2, n_entries // 3))]
    judges = [
        make_user(Role.JUDGE, unit=units[i % len(units)] if i % 3 == 0 else None).judge
        for i in range(max(6, n_entries // 2))
    ]
    stored = StoredFile(sha256=f"{n_entries:064d}", size=1, kind="pdf")
    db.session.add(stored)
    db.session.flush()
    for i in range(n_entries):
        unit = units[i % len(units)]
        entry = Entry(
            competition_id=c.id,
            unit_id=unit.id,
            slot=i // len(units) + 1,
            code=f"ZW{n_entries}-{i + 1:04d}",
            title=f"论文{i + 1}",
            category="理论研究",
            file_id=stored.id,
            file_name="a.pdf",
        )
        entry.authors.append(Author(position=1, name=f"作者{i + 1}"))
        db.session.add(entry)
        db.session.flush()
        eligible = [j for j in judges if j.unit_id != unit.id]
        for r in range(3):
            judge = eligible[(i * 5 + r) % len(eligible)]
            a = Assignment(entry_id=entry.id, judge_id=judge.id)
            db.session.add(a)
            db.session.flush()
            if r < 2:
                add_review(
                    assignment=a,
                    total=Decimal(60 + (i * 7 + r * 13) % 35),
                    criteria=list(c.criteria),
                    comment="",
                    now=utcnow(),
                )
        if i % 6 == 0:
            judge = judges[(i + 3) % len(judges)]
            conflict = Conflict(judge_id=judge.id, entry_id=entry.id, reason="亲属")
            db.session.add(conflict)
    db.session.commit()
    return organiser, c


def _first_entry(c) -> int:  # noqa: ANN001
    return db.session.scalars(
        select(Entry.id).where(Entry.competition_id == c.id).order_by(Entry.id)
    ).first()


def _count(client, path: str) -> int:
    statements: list[str] = []

    def listen(*args):  # noqa: ANN002
        statements.append(args[2])

    engine = db.engine
    event.listen(engine, "before_cursor_execute", listen)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


@pytest.fixture()
def counts(app, make_competition, make_user, make_unit):
    def measure(n_entries: int) -> dict[str, int]:
        organiser, c = _build(n_entries, make_competition, make_user, make_unit)
        client = app.test_client()
        assert login(client, organiser).status_code == 302
        # The first view queues the results' computation (run inline here, its
        # progress writes depending on time); pages are counted as they are
        # read from then on: the stored results, never computed per view.
        client.get(f"/competitions/{c.id}/results")
        e = _first_entry(c)
        return {p: _count(client, p.format(c=c.id, e=e)) for p in PAGES}

    return measure


def test_statement_counts_do_not_grow_with_entries(counts):
    small = counts(6)
    large = counts(24)
    assert large == small


PUBLISHED = [
    ("organiser", "/competitions/{c}/results"),
    ("organiser", "/competitions/{c}/results?page=2"),
    ("organiser", "/competitions/{c}/reliability"),
    ("organiser", "/competitions/{c}/results/entries/{e}"),
    ("organiser", "/competitions/{c}/awards.xlsx"),
    ("organiser", "/competitions/{c}"),
    ("anonymous", "/awards/{c}"),
    ("unit", "/unit/competitions/{c}/results"),
]


@pytest.fixture()
def published_counts(app, make_competition, make_user, make_unit):
    from judging.publication.service import publish_after_publicity
    from judging.results import service

    def measure(n_entries: int) -> dict[str, int]:
        organiser, c = _build(n_entries, make_competition, make_user, make_unit)
        for a in db.session.scalars(select(Assignment)):
            if a.review is None:
                db.session.delete(a)  # the third judge of each entry withdrew
        service.finalise(actor=organiser, competition=c, method="mean", now=utcnow())
        publish_after_publicity(
            actor=organiser,
            competition=c,
            started=utcnow() - timedelta(days=10),
            now=utcnow(),
        )
        db.session.commit()
        contact = make_user(Role.UNIT)
        clients = {
            "organiser": app.test_client(),
            "anonymous": app.test_client(),
            "unit": app.test_client(),
        }
        assert login(clients["organiser"], organiser).status_code == 302
        assert login(clients["unit"], contact).status_code == 302
        found = {}
        for who, page in PUBLISHED:
            path = page.format(c=c.id, e=_first_entry(c))
            _count(clients[who], path)  # the public list: its cached copy next
            found[page] = _count(clients[who], path)
        return found

    return measure


def test_published_pages_do_not_grow_with_entries(published_counts):
    small = published_counts(6)
    large = published_counts(24)
    assert large == small
