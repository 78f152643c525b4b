"""The organiser's audit log page and export; events written with their change."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from openpyxl import load_workbook
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.audit.service import record
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from tests.conftest import csrf_token, login

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _event(action: str, *, at: datetime, actor=None, competition=None, **detail):  # noqa: ANN001, ANN003, ANN202
    event = record(
        actor_id=actor.id if actor else None,
        action=action,
        competition_id=competition.id if competition else None,
        **detail,
    )
    event.at = at
    db.session.commit()
    return event


def _actions(response) -> list[str]:  # noqa: ANN001
    """The actions listed on the page, top to bottom."""
    return re.findall(r"<tr data-action=\"([^\"]+)\">", response.get_data(as_text=True))


def _organiser(client, make_user):  # noqa: ANN001, ANN202
    user = make_user(Role.ORGANISER, username="chief")
    login(client, user)
    return user


def test_audit_log_newest_first(client, make_user):
    admin = _organiser(client, make_user)
    for i, action in enumerate(["a.first", "a.second", "a.third"]):
        _event(action, at=T0 + timedelta(minutes=i), actor=admin)

    response = client.get("/admin/audit?until=2026-03-02")

    assert response.status_code == 200
    assert _actions(response) == ["a.third", "a.second", "a.first"]


def test_audit_log_filters_by_action_competition_and_actor(
    client, make_user, make_competition
):
    admin = _organiser(client, make_user)
    other = make_user(Role.ORGANISER, username="deputy")
    c1 = make_competition(title="甲", actor=admin)
    c2 = make_competition(title="乙", actor=admin)
    _event("x.one", at=T0, actor=admin, competition=c1)
    _event("x.two", at=T0 + timedelta(minutes=1), actor=other, competition=c1)
    _event("x.one", at=T0 + timedelta(minutes=2), actor=other, competition=c2)
    _event("x.one", at=T0 + timedelta(minutes=3), competition=c2)

    by_action = client.get("/admin/audit?action=x.one")
    by_competition = client.get(f"/admin/audit?competition={c1.id}&until=2026-03-02")
    by_actor = client.get("/admin/audit?actor=deputy")
    by_system = client.get("/admin/audit?actor=-&action=x.one")
    combined = client.get(f"/admin/audit?action=x.one&competition={c2.id}&actor=deputy")

    assert _actions(by_action) == ["x.one", "x.one", "x.one"]
    assert _actions(by_competition) == ["x.two", "x.one"]
    assert _actions(by_actor) == ["x.one", "x.two"]
    assert _actions(by_system) == ["x.one"]
    assert _actions(combined) == ["x.one"]
    assert "共 1 条" in combined.get_data(as_text=True)


def test_audit_log_date_range_is_whole_days_in_shanghai(client, make_user):
    _organiser(client, make_user)
    _event("d.before", at=datetime(2026, 2, 28, 15, 59, tzinfo=UTC))  # 2-28 23:59
    _event("d.start", at=datetime(2026, 2, 28, 16, 0, tzinfo=UTC))  # 3-01 00:00
    _event("d.end", at=datetime(2026, 3, 1, 15, 59, tzinfo=UTC))  # 3-01 23:59
    _event("d.after", at=datetime(2026, 3, 1, 16, 0, tzinfo=UTC))  # 3-02 00:00

    response = client.get("/admin/audit?since=2026-03-01&until=2026-03-01")

    assert _actions(response) == ["d.end", "d.start"]


def test_audit_log_bad_dates_are_ignored(client, make_user):
    _organiser(client, make_user)
    _event("e.only", at=T0)

    response = client.get("/admin/audit?since=yesterday&until=2026-13-45&page=x")

    assert response.status_code == 200
    assert "e.only" in _actions(response)


def test_audit_log_paginated(client, make_user):
    _organiser(client, make_user)
    for i in range(120):
        record(actor_id=None, action=f"p.{i:03d}").at = T0 + timedelta(seconds=i)
    db.session.commit()

    first = client.get("/admin/audit?actor=-")
    third = client.get("/admin/audit?actor=-&page=3")
    beyond = client.get("/admin/audit?actor=-&page=9")

    assert _actions(first)[:2] == ["p.119", "p.118"]
    assert len(_actions(first)) == 50
    assert _actions(third) == [f"p.{i:03d}" for i in range(19, -1, -1)]
    page = third.get_data(as_text=True)
    links = re.findall(r'href="([^"]+)" rel="prev">上一页', page)
    assert [sorted(link.split("?")[1].split("&amp;")) for link in links] == [
        ["actor=-", "page=2"]
    ]
    assert beyond.status_code == 200
    assert _actions(beyond) == _actions(third)  # beyond the end: the last page


def test_audit_export_xlsx_filtered_and_formula_safe(client, make_user):
    _organiser(client, make_user)
    attacker = make_user(Role.UNIT, username="=HYPERLINK(1)")
    _event("s.kept", at=T0, actor=attacker, note="@SUM(A1)")
    _event("s.other", at=T0 + timedelta(minutes=1))

    response = client.get("/admin/audit.xlsx?action=s.kept")

    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "经过", "操作人", "操作")
    assert len(rows) == 2
    assert rows[1][0] == "2026-03-01 10:00:00"
    assert rows[1][1].endswith(" 执行了「s.kept」")
    assert rows[1][2:4] == ("'=HYPERLINK(1)", "s.kept")
    assert rows[1][7] == '{"note": "@SUM(A1)"}'


def test_audit_log_hidden_from_judges_and_units(app, make_user):
    for role in (Role.JUDGE, Role.UNIT):
        client = app.test_client()
        login(client, make_user(role))

        assert client.get("/admin/audit").status_code == 404
        assert client.get("/admin/audit.xlsx").status_code == 404


def test_audit_nav_link_only_for_organisers(app, make_user):
    organiser, judge = app.test_client(), app.test_client()
    login(organiser, make_user(Role.ORGANISER))
    login(judge, make_user(Role.JUDGE))

    assert "审计日志" in organiser.get("/competitions").get_data(as_text=True)
    assert "审计日志" not in judge.get("/judge").get_data(as_text=True)


# --- events are written in the same transaction as the change -------------------


def _phase_events() -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "competition.phase"
        )
    )


def test_phase_change_writes_exactly_one_event(client, make_user, make_competition):
    admin = _organiser(client, make_user)
    competition = make_competition(phase=Phase.DRAFT, actor=admin)
    before = _phase_events()

    client.post(
        f"/competitions/{competition.id}/phase",
        data={
            "csrf_token": csrf_token(client, f"/competitions/{competition.id}"),
            "target": Phase.OPEN,
        },
    )

    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "competition.phase")
    )
    assert db.session.get(Competition, competition.id).phase == Phase.OPEN
    assert _phase_events() == before + 1
    assert (event.actor_id, event.competition_id, event.detail) == (
        admin.id,
        competition.id,
        '{"before": "draft", "after": "open"}',
    )


def test_refused_phase_change_writes_no_event(client, make_user, make_competition):
    admin = _organiser(client, make_user)
    competition = make_competition(phase=Phase.OPEN, actor=admin)
    before = db.session.scalar(select(func.count(AuditEvent.id)))

    response = client.post(
        f"/competitions/{competition.id}/phase",
        data={
            "csrf_token": csrf_token(client, f"/competitions/{competition.id}"),
            "target": Phase.PUBLISHED,  # skipping four phases
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert db.session.get(Competition, competition.id).phase == Phase.OPEN
    assert db.session.scalar(select(func.count(AuditEvent.id))) == before


def test_audit_log_in_sentences_filtered_by_kind_and_person(
    client, make_user, make_competition
):
    admin = _organiser(client, make_user)
    admin.display_name = "王芳"
    c = make_competition(title="2026 年征文")
    _event(
        "competition.phase",
        at=T0,
        actor=admin,
        competition=c,
        before="finalised",
        after="published",
    )
    _event("login", at=T0 + timedelta(minutes=1), actor=admin)
    _event("login", at=T0 + timedelta(minutes=2))

    page = client.get("/admin/audit?kind=competition&actor=王")
    text = page.get_data(as_text=True)

    assert _actions(page) == ["competition.phase"]
    assert "王芳 将竞赛「2026 年征文」从 已定稿 改为 已公布" in text
    assert '{"before"' not in text.split("<details>")[0]
    assert _actions(client.get("/admin/audit?kind=account&actor=-")) == ["login"]


def test_audit_sentences_in_english(client, make_user, make_competition):
    admin = _organiser(client, make_user)
    admin.display_name = "Wang Fang"
    c = make_competition(title="Essay 2026")
    _event(
        "competition.phase",
        at=T0,
        actor=admin,
        competition=c,
        before="finalised",
        after="published",
    )
    _event("weird.key", at=T0 + timedelta(minutes=1))
    client.get("/lang/en")

    text = client.get("/admin/audit?until=2026-03-02").get_data(as_text=True)

    assert "Wang Fang moved “Essay 2026” from Finalised to Published" in text
    assert "System did “weird.key”" in text
