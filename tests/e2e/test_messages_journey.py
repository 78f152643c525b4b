"""A unit in a browser: a redaction request in its inbox, the fix, an objection
during 公示 and the organiser's reply."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from judging.accounts.models import Role
from judging.competitions import service as competitions
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.publication import service as publication
from judging.publication.models import Objection
from judging.results.models import Result
from judging.submissions.models import Entry
from tests.conftest import PASSWORD, csrf_token, login
from tests.e2e.conftest import log_in
from tests.submissions.conftest import FIXTURES
from tests.submissions.test_views import _post_entry

pytestmark = pytest.mark.e2e


def test_unit_is_told_fixes_objects_and_reads_the_reply(
    app, live_server, page, make_user, make_unit, make_competition
):
    unit = make_unit(name="重庆大学", short_name="重大")
    contact = make_user(Role.UNIT, unit=unit)
    organiser = make_user(Role.ORGANISER)
    competition = make_competition(actor=organiser)
    client = app.test_client()
    login(client, contact)
    _post_entry(client, competition, file=("leaky.docx", "论文.docx"))
    entry = db.session.scalar(select(Entry))
    competition.closes_at = competition.opens_at + timedelta(days=1)
    competitions.advance_phase(
        actor=organiser, competition=competition, target=Phase.CLOSED
    )
    db.session.commit()
    admin = app.test_client()
    login(admin, organiser)
    admin.post(
        f"/entries/{entry.id}/redaction-request",
        data={
            "csrf_token": csrf_token(
                admin, f"/competitions/{competition.id}/anonymity"
            ),
            "until": f"{date.today() + timedelta(days=3)}T12:00",
            "note": "请删去页眉中的校名后重新上传",
        },
    )

    log_in(page, live_server, contact.username, PASSWORD)
    page.click("a.bell")
    page.click("text=【请重新提交】")
    body = page.locator(".message-body").inner_text()
    assert "主办方说明：请删去页眉中的校名后重新上传" in body
    page.goto(f"{live_server}/unit/entries/{entry.id}/redacted")
    page.set_input_files("input[type=file]", str(FIXTURES / "clean.docx"))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.goto(f"{live_server}/inbox")
    assert "【已接收】" in page.locator("table.inbox").inner_text()

    # Reviewed and finalised off-screen: one frozen award for the entry.
    db.session.rollback()  # a fresh snapshot: the browser's requests wrote since
    competition.phase = Phase.FINALISED
    db.session.add(
        Result(
            competition_id=competition.id,
            entry_id=entry.id,
            method="mean",
            score=Decimal("90"),
            rank=1,
            tier_name="一等奖",
            tier_position=1,
        )
    )
    db.session.commit()
    publication.start_publicity(
        actor=organiser,
        competition=competition,
        settings=publication.PublicitySettings(
            starts_on=date.today(),
            ends_on=date.today() + timedelta(days=6),
            fields=("title", "unit", "tier"),
        ),
        now=utcnow(),
    )
    db.session.commit()
    db.session.rollback()

    page.goto(f"{live_server}/unit")
    page.click("text=查看公示名单 / 提出异议")
    page.click("text=提出异议")
    page.fill("textarea[name=reasons]", "本单位作品奖项等级有误，请复核计分。")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "异议已提交" in page.locator(".flash").inner_text()
    assert "待主办方答复" in page.locator("main").inner_text()

    db.session.rollback()
    objection = db.session.scalar(select(Objection))
    publication.answer_objection(
        actor=organiser,
        objection=objection,
        decision="rejected",
        reply="经复核，计分无误。",
        now=utcnow(),
    )
    db.session.commit()

    page.goto(f"{live_server}/unit/objections")
    assert "经复核，计分无误。" in page.locator("main").inner_text()
    page.goto(f"{live_server}/inbox")
    assert "【异议答复】" in page.locator("table.inbox").inner_text()
