"""The demo competition in review, crawled as every one of its judges.

The demo plants identity leaks in some essays (the unit in a header or a
first line, the first author in a header); build_reviewing settles them the way
an organiser should: some redacted by the organiser, some re-submitted by the
unit after a redaction request. Then every judge crawls every page and
download reachable from /judge: no unit name, distinctive alias, English
name, abbreviation, domain, author or advisor of any entry may appear, except
the judge's own name and affiliation (his account page shows them). Short
aliases ("重大") are everyday words too, so they are looked for with the
scanner's own rules.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from judging.accounts import service as accounts
from judging.accounts.models import Judge, Role, Unit, User
from judging.anonymity.service import identity
from judging.assignment.demo import build_reviewing
from judging.assignment.models import Assignment
from judging.audit.models import AuditEvent
from judging.demo import IDENTITIES_CSV, UNITS_CSV, judges_csv
from judging.documents.scan import is_distinctive_alias, scan_document
from judging.extensions import db
from judging.submissions.models import Entry
from tests.conftest import login
from tests.hardening.test_anonymity_crawl import crawl

PASSWORD = "demo-pass-1"
_HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture()
def demo(app):  # noqa: ANN001, ANN201
    admin = accounts.create_organiser(username="admin", password=PASSWORD, demo=True)
    shared = (PASSWORD, accounts.hash_password(PASSWORD))
    for path in (UNITS_CSV, IDENTITIES_CSV):
        result = accounts.import_units(
            actor=admin, data=path.read_bytes(), filename=path.name, shared=shared
        )
        assert result.errors == []
    accounts.import_judges(
        actor=admin, data=judges_csv(), filename="j.csv", shared=shared
    )
    competition = build_reviewing(admin=admin, today=date.today())
    db.session.commit()
    return competition


def _forbidden(entries: list[Entry], judge: Judge) -> set[str]:
    own = {judge.name, judge.affiliation}
    if judge.unit is not None:
        own |= set(identity(judge.unit).all_names())
    names: set[str] = set()
    for entry in entries:
        ident = identity(entry.unit)
        names |= {ident.name, *ident.english_names, *ident.domains}
        names |= {
            a for a in (ident.short_name, *ident.aliases) if is_distinctive_alias(a)
        }
        names |= {*entry.author_names, entry.advisor}
    return {n for n in names if n and n not in own}


def test_demo_settles_leaks_by_redaction_not_by_waving_through(demo):
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.competition_id == demo.id)
    ).all()
    redacted = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.competition_id == demo.id, AuditEvent.action == "entry.redacted"
        )
    ).all()

    assert "finding.harmless" not in actions
    assert actions.count("entry.redaction_request") >= 1
    assert {'"by_unit": true' in d for d in redacted} == {True, False}


def test_demo_crawled_as_every_judge_names_nobody(app, demo):
    entries = list(
        db.session.scalars(select(Entry).where(Entry.competition_id == demo.id))
    )
    units = {e.unit_id: identity(e.unit) for e in entries}
    identities = list(units.values())
    judge_ids = set(
        db.session.scalars(
            select(Assignment.judge_id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(Entry.competition_id == demo.id)
        )
    )
    assert len(judge_ids) >= 10
    found: dict[str, set[str]] = {}
    for judge in db.session.scalars(select(Judge).where(Judge.id.in_(judge_ids))):
        user = db.session.get(User, judge.user_id)
        client = app.test_client()
        login(client, user, password=PASSWORD)
        texts, seen = crawl(client, "/judge")
        assert any(re.fullmatch(r"/judge/assignments/\d+", p) for p in seen)
        assert any("copy" in p for p in seen), seen  # the downloads were fetched
        joined = "\n".join(texts)
        leaked = {n for n in _forbidden(entries, judge) if n in joined}
        abbreviations = {
            a for s in units.values() for a in s.abbreviations
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(a)}(?![A-Za-z0-9])", joined)
        }  # fmt: skip
        own = set(identity(judge.unit).all_names()) if judge.unit else set()
        readable = [("body", t) for t in texts if _HAN.search(t) and len(t) < 200_000]
        short = {
            f.term
            for f in scan_document(readable, unit=None, other_units=identities)
            if f.kind == "other_unit" and f.term not in own
        }
        if leaked | (abbreviations - own) | short:
            found[judge.name] = leaked | (abbreviations - own) | short
    assert found == {}


def test_demo_judges_exist_with_units(demo):
    assert (
        db.session.scalar(
            select(User).where(User.role == Role.JUDGE, User.username == "judge01")
        )
        is not None
    )
    assert db.session.scalar(
        select(Unit).where(Unit.name == "重庆大学")
    ).domains == ("cqu.edu.cn")
