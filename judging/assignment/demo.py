"""Demo: a competition already in review, with essays assigned to the demo judges."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from judging.accounts.models import User
from judging.anonymity.demo import settle_leaks
from judging.assignment.service import apply_plan
from judging.competitions import service as competitions
from judging.competitions.models import Competition, Phase
from judging.competitions.rules import default_settings
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.submissions.demo import seed_entries

REVIEWING_TITLE = "2026 年“产改调研”专题征文"
DEMO_SEED = 2026


def build_reviewing(*, admin: User, today: date) -> Competition:
    """Create the reviewing-phase demo competition, or return the existing one.

    About 40 essays from 13 units are submitted inside a past window through
    the real services, the submissions are closed (codes, review copies), the
    leaky essays are redacted by the organiser or re-submitted by their unit
    (never waved through), a k=3 plan is applied, and the competition moves to
    reviewing.
    """
    existing = db.session.scalar(
        select(Competition).where(Competition.title == REVIEWING_TITLE)
    )
    if existing is not None:
        return existing
    settings = default_settings(
        title=REVIEWING_TITLE,
        opens_on=today - timedelta(days=60),
        closes_on=today - timedelta(days=20),
    )
    competition = competitions.create_competition(
        actor=admin,
        settings=settings,
        extras=competitions.Extras(
            theme="围绕产业工人队伍建设改革开展专题调研。",
            code_prefix=f"DY{today.year}",
            issuer="重庆市教科文卫体工会",
        ),
    )
    competitions.advance_phase(actor=admin, competition=competition, target=Phase.OPEN)
    db.session.flush()
    essays = seed_entries(
        competition=competition,
        units=13,
        now=competition.opens_at + timedelta(days=3),
        seed=DEMO_SEED,
    )
    competitions.advance_phase(
        actor=admin, competition=competition, target=Phase.CLOSED
    )
    settle_leaks(admin=admin, competition=competition, essays=essays)
    db.session.flush()
    apply_plan(actor=admin, competition=competition, k=3, seed=DEMO_SEED, now=utcnow())
    competitions.advance_phase(
        actor=admin, competition=competition, target=Phase.REVIEWING
    )
    db.session.flush()
    return competition
