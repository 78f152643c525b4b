"""Live results computed once per change of the scores, stored, read by pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from judging import jobs
from judging.accounts.models import Role
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.publication.service import publish_after_publicity
from judging.results import computed, service
from judging.results import jobs as results_jobs
from judging.results.demo import add_review
from judging.results.models import ComputedResult
from judging.review.models import ReviewStatus
from judging.review.service import save_review
from tests.conftest import login

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)


def _page(s) -> str:  # noqa: ANN001
    return f"/competitions/{s.competition.id}/results"


def _organiser(app, s):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, s.organiser)
    return client


def _jobs() -> int:
    return db.session.scalar(
        select(func.count()).where(jobs.Job.name == results_jobs.TASK)
    )


def _stamps() -> list[tuple[str, str, datetime]]:
    return [
        tuple(row)
        for row in db.session.execute(
            select(
                ComputedResult.kind,
                ComputedResult.fingerprint,
                ComputedResult.computed_at,
            ).order_by(ComputedResult.kind)
        )
    ]


def test_results_computed_once_for_many_views(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)

    first = client.get(_page(s)).get_data(as_text=True)
    stamps = _stamps()
    for query in ("", "?method=mean", "?method=median"):
        client.get(_page(s) + query)
    client.get(f"/competitions/{s.competition.id}/reliability")
    client.get(f"/competitions/{s.competition.id}/awards.xlsx")
    db.session.rollback()

    assert (_jobs(), len(stamps), _stamps() == stamps) == (1, 6, True)
    assert "计算于" in first


def test_submitted_review_recomputes_in_the_background(app, build_scored):
    s = build_scored(pending=frozenset({(0, 0)}))
    computed.compute_and_store(s.competition)
    db.session.commit()
    before = computed.stored_fingerprint(s.competition.id)
    assignment = s.assignments[(0, 0)]
    points = {c.id: Decimal(c.max_points) for c in s.competition.criteria}

    save_review(
        actor=s.judges[0].user,
        assignment=assignment,
        points=points,
        comment="好",
        submit=True,
        now=NOW,
    )
    db.session.commit()

    assert assignment.review.status == ReviewStatus.SUBMITTED
    after = computed.status(s.competition)
    assert (after.is_current, after.fingerprint != before, _jobs()) == (True, True, 1)


def test_page_never_computes_it_shows_the_progress(app, build_scored):
    s = build_scored()
    app.config["JOBS_IMMEDIATE"] = False
    app.config["JOBS_SQLITE_PATH"] = str(app.instance_path) + "/queue-test.sqlite3"
    client = _organiser(app, s)

    html = client.get(_page(s)).get_data(as_text=True)
    again = client.get(_page(s))
    polled = client.get(f"{_page(s)}/progress").get_json()
    db.session.rollback()

    assert "正在后台计算结果" in html
    assert 'data-progress-url="' in html
    assert again.status_code == 200
    assert (_jobs(), _stamps(), polled["state"]) == (1, [], "queued")


def test_stale_results_shown_with_their_time_while_recomputing(app, build_scored):
    s = build_scored()
    computed.compute_and_store(s.competition)
    db.session.commit()
    a = s.assignments[(0, 1)]
    add_review(
        assignment=a,
        total=Decimal("10"),
        criteria=list(s.competition.criteria),
        comment="改",
        now=utcnow(),
    )
    db.session.commit()
    app.config["JOBS_IMMEDIATE"] = False
    app.config["JOBS_SQLITE_PATH"] = str(app.instance_path) + "/queue-test.sqlite3"
    client = _organiser(app, s)

    html = client.get(_page(s)).get_data(as_text=True)

    assert "评分已有变化，正在后台重新计算结果" in html
    assert "ZW-001" in html


def test_frozen_results_never_recalibrate(app, build_scored):
    s = build_scored()
    service.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )
    db.session.commit()
    stamps = _stamps()
    add_review(
        assignment=s.assignments[(0, 1)],
        total=Decimal("10"),
        criteria=list(s.competition.criteria),
        comment="改",
        now=utcnow(),
    )
    db.session.commit()
    client = _organiser(app, s)

    page = client.get(f"/competitions/{s.competition.id}/reliability")
    db.session.rollback()

    assert s.competition.phase == Phase.FINALISED
    assert page.status_code == 200
    assert (_stamps() == stamps, len(stamps), _jobs()) == (True, 6, 0)


def test_results_pages_in_pages_of_rows(app, build_scored, monkeypatch):
    from judging.results import views

    monkeypatch.setattr(views, "PER_PAGE", 4)
    s = build_scored()
    client = _organiser(app, s)

    first = client.get(_page(s) + "?method=mean").get_data(as_text=True)
    second = client.get(_page(s) + "?method=mean&page=2").get_data(as_text=True)

    assert "共 6 篇，第 1 / 2 页" in first
    assert "共 6 篇，第 2 / 2 页" in second
    rows = '得分说明">ZW-'  # the code cell links to its "why this score" page
    assert first.count(rows) + second.count(rows) == 6


def test_progress_of_nothing_started(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)

    polled = client.get(f"{_page(s)}/progress").get_json()

    assert polled["state"] == "none"


def test_unit_role_cannot_poll(app, build_scored, make_user):
    s = build_scored()
    client = app.test_client()
    login(client, make_user(Role.UNIT))

    response = client.get(f"{_page(s)}/progress")

    assert response.status_code in (302, 403, 404)


def test_public_list_cached_until_a_correction(app, build_scored):
    from judging.certificates.service import correct_entry

    s = build_scored(titles={3: "产业工人技能形成研究"})
    service.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )
    publish_after_publicity(
        actor=s.organiser,
        competition=s.competition,
        started=NOW - timedelta(days=10),
        now=NOW,
    )
    db.session.commit()
    public = app.test_client()
    first = public.get(f"/awards/{s.competition.id}").get_data(as_text=True)
    cached = public.get(f"/awards/{s.competition.id}").get_data(as_text=True)

    correct_entry(
        actor=s.organiser,
        entry=s.entries[3],
        title="产业工人技能形成研究（修订）",
        authors=["作者四"],
        now=NOW,
    )
    db.session.commit()
    corrected = public.get(f"/awards/{s.competition.id}").get_data(as_text=True)

    assert first == cached
    assert "产业工人技能形成研究（修订）" not in first
    assert "产业工人技能形成研究（修订）" in corrected and "作者四" in corrected


def test_a_kept_fingerprint_still_sees_every_kind_of_change(app, build_scored):
    """Pages keep the current fingerprint while its change stamp stays put
    (computed.current_fingerprint); each kind of input change moves the stamp."""
    from judging.assignment.models import AssignmentStatus

    s = build_scored()
    c = s.competition

    def changed(change) -> bool:  # noqa: ANN001
        computed.compute_and_store(c)
        db.session.commit()
        assert computed.status(c).is_current  # and kept from here on
        change()
        db.session.flush()
        return not computed.status(c).is_current

    def score() -> None:
        review = s.assignments[(0, 0)].review
        review.total = review.total + 1

    def withdraw() -> None:
        s.assignments[(1, 1)].status = AssignmentStatus.RECUSED

    def tier_share() -> None:
        c.tiers[0].share_percent = (c.tiers[0].share_percent or 0) + 1

    def override() -> None:
        service.set_override(
            actor=s.organiser,
            competition=c,
            entry=s.entries[2],
            tier=None,
            exclude=True,
            reason="抄袭",
            now=NOW,
        )

    def code() -> None:
        s.entries[3].code = "ZW-999"

    found = [changed(f) for f in (score, withdraw, tier_share, override, code)]
    assert found == [True] * 5
