"""Extending the deadline of several units at once: all or nothing, audited."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.competitions.models import Extension
from judging.extensions import db
from tests.conftest import csrf_token


def _setup(make_competition, make_unit, make_user, login_as):
    today = date.today()
    c = make_competition(
        opens_on=today - timedelta(days=20), closes_on=today - timedelta(days=1)
    )
    units = [make_unit(name=f"单位{i}") for i in range(3)]
    client = login_as(make_user(Role.ORGANISER))
    token = csrf_token(client, f"/competitions/{c.id}/submissions")
    return c, units, client, token


def test_bulk_extension_grants_every_ticked_unit_in_one_go(
    make_competition, make_unit, make_user, login_as
):
    c, units, client, token = _setup(make_competition, make_unit, make_user, login_as)
    until = (date.today() + timedelta(days=3)).isoformat() + "T18:00"

    response = client.post(
        f"/competitions/{c.id}/extensions/bulk",
        data={
            "csrf_token": token,
            "unit_ids": [units[0].id, units[2].id],
            "until": until,
            "reason": "系统维护",
        },
        follow_redirects=True,
    )

    granted = db.session.scalars(select(Extension.unit_id).order_by(Extension.unit_id))
    assert list(granted) == [units[0].id, units[2].id]
    assert "已为 2 个单位延长截止时间。" in response.get_data(as_text=True)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "extension.grant")
    )
    assert len(list(actions)) == 2


def test_bulk_extension_refused_changes_nothing(
    make_competition, make_unit, make_user, login_as
):
    c, units, client, token = _setup(make_competition, make_unit, make_user, login_as)
    too_early = (c.closes_at - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")

    refused = client.post(
        f"/competitions/{c.id}/extensions/bulk",
        data={
            "csrf_token": token,
            "unit_ids": [u.id for u in units],
            "until": too_early,
            "reason": "系统维护",
        },
        follow_redirects=True,
    )
    nothing_ticked = client.post(
        f"/competitions/{c.id}/extensions/bulk",
        data={"csrf_token": token, "until": too_early, "reason": "x"},
        follow_redirects=True,
    )

    assert db.session.scalars(select(Extension)).all() == []
    assert "延期截止时间必须晚于竞赛截止时间。" in refused.get_data(as_text=True)
    assert "请先勾选要延期的单位。" in nothing_ticked.get_data(as_text=True)
