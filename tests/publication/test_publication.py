"""公示中: the provisional list, objections, the final list, corrections."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.certificates import service as certificates
from judging.certificates.models import Certificate
from judging.competitions import service as competitions
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.messages.models import Message
from judging.publication import service
from judging.publication.models import Objection, ObjectionStatus
from judging.results import service as results
from judging.results.models import Result
from tests.conftest import csrf_token, login

TODAY = date.today()


def _finalised(build_scored, make_user):  # noqa: ANN001, ANN202
    s = build_scored()
    for unit in s.units:
        make_user(Role.UNIT, unit=unit)
    results.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=utcnow()
    )
    db.session.commit()
    return s


def _start(s, *, allow_public=False, past=False):  # noqa: ANN001, ANN202
    if past:
        starts, ends, now = (
            TODAY - timedelta(days=9),
            TODAY - timedelta(days=3),
            utcnow() - timedelta(days=10),
        )
    else:
        starts, ends, now = TODAY, TODAY + timedelta(days=6), utcnow()
    service.start_publicity(
        actor=s.organiser,
        competition=s.competition,
        settings=service.PublicitySettings(
            starts_on=starts,
            ends_on=ends,
            fields=("title", "unit", "tier"),
            allow_public=allow_public,
        ),
        now=now,
    )
    db.session.commit()


def _contact(s, i):  # noqa: ANN001, ANN202
    from judging.accounts.models import User

    return db.session.scalar(select(User).where(User.unit_id == s.units[i].id))


def _awarded(s):  # noqa: ANN001, ANN202
    return [r.entry for r in service.awarded_list(s.competition)]


def _lodge(s, actor, entry, **kw):  # noqa: ANN001, ANN202
    data = service.ObjectionInput(
        entry_id=entry.id,
        name=kw.pop("name", "王五"),
        phone=kw.pop("phone", "13800000000"),
        reasons=kw.pop("reasons", "该作品与往年获奖作品高度雷同，请复核。"),
        **kw,
    )
    return service.lodge_objection(
        actor=actor,
        competition=s.competition,
        data=data,
        address="10.0.0.1",
        now=utcnow(),
    )


def test_publicity_sits_between_finalised_and_published(build_scored, make_user):
    s = _finalised(build_scored, make_user)

    generic = competitions.transition_problems(s.competition, Phase.PUBLISHED)
    without_settings = competitions.transition_problems(s.competition, Phase.PUBLICITY)
    _start(s)

    assert generic == ["竞赛当前为“已定稿”，不能直接进入“已公布”。"]
    assert without_settings == ["请在“公示”页面设置公示期和公示内容后开始公示。"]
    assert s.competition.phase == Phase.PUBLICITY
    told = db.session.scalars(select(Message.kind)).all()
    assert told == ["publicity_started"] * 2


def test_public_page_shows_only_the_chosen_fields(app, build_scored, make_user):
    s = _finalised(build_scored, make_user)
    _start(s)

    html = (
        app.test_client().get(f"/publicity/{s.competition.id}").get_data(as_text=True)
    )

    assert _awarded(s)[0].title in html
    assert s.units[0].name in html
    assert "作者1" not in html and "导师1" not in html
    assert "提出异议" in html


def test_organiser_previews_the_publicity_page_before_starting(
    app, build_scored, make_user
):
    s = _finalised(build_scored, make_user)
    client = app.test_client()
    login(client, s.organiser)
    page = f"/competitions/{s.competition.id}/publicity"

    html = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=6)).isoformat(),
            "fields": ["title", "authors"],
            "action": "preview",
        },
    ).get_data(as_text=True)
    final = client.get(f"/competitions/{s.competition.id}/awards-preview").get_data(
        as_text=True
    )

    db.session.rollback()
    assert "预览：此页面尚未公开。" in html
    assert "作者" in html and s.units[0].name not in html
    assert "预览：公布页面的样子。" in final and s.units[0].name in final
    assert s.competition.phase == Phase.FINALISED
    assert app.test_client().get(f"/publicity/{s.competition.id}").status_code == 404


def test_objection_only_during_the_period(build_scored, make_user):
    s = _finalised(build_scored, make_user)
    _start(s, past=True)
    entry = _awarded(s)[0]

    with pytest.raises(service.PublicationError) as refused:
        _lodge(s, _contact(s, 1), entry)

    assert str(refused.value) == "当前不在异议期内，不能提出异议。"
    assert db.session.scalar(select(func.count(Objection.id))) == 0


def test_public_objection_only_when_allowed_and_with_a_phone(build_scored, make_user):
    s = _finalised(build_scored, make_user)
    _start(s)
    entry = _awarded(s)[0]

    with pytest.raises(service.PublicationError) as closed:
        _lodge(s, None, entry)
    s.competition.phase = Phase.FINALISED
    db.session.delete(service.publicity_of(s.competition))
    db.session.commit()
    _start(s, allow_public=True)
    with pytest.raises(service.PublicationError) as no_phone:
        _lodge(s, None, entry, phone="abc")
    made = _lodge(s, None, entry)

    assert "仅受理参赛单位的异议" in str(closed.value)
    assert str(no_phone.value) == "请填写有效的联系电话。"
    assert (made.user_id, made.name, made.phone) == (None, "王五", "13800000000")


def test_objections_are_rate_limited(build_scored, make_user):
    s = _finalised(build_scored, make_user)
    _start(s, allow_public=True)
    entry = _awarded(s)[0]
    for i in range(service.PER_ADDRESS_PER_HOUR):
        _lodge(s, None, entry, phone=f"1380000000{i}")

    with pytest.raises(service.PublicationError) as refused:
        _lodge(s, None, entry, phone="13900000000")

    assert str(refused.value) == "提交过于频繁，请稍后再试。"


def test_final_list_waits_for_every_answer_and_the_end_of_the_period(
    build_scored, make_user
):
    s = _finalised(build_scored, make_user)
    _start(s)
    entry = _awarded(s)[0]
    objection = _lodge(s, _contact(s, 1), entry)
    db.session.commit()

    problems = competitions.transition_problems(s.competition, Phase.PUBLISHED)
    service.answer_objection(
        actor=s.organiser,
        objection=objection,
        decision="rejected",
        reply="经复核，未发现雷同。",
        now=utcnow(),
    )
    service.publicity_of(s.competition).ends_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    service.publish_final(actor=s.organiser, competition=s.competition, now=utcnow())
    db.session.commit()

    end = TODAY + timedelta(days=6)
    end = f"{end.year} 年 {end.month} 月 {end.day} 日"  # as the pages write a day
    assert problems == [
        f"公示期至 {end} 结束，结束后才能公布最终名单。",
        "还有 1 条异议未答复，全部答复后才能公布最终名单。",
    ]
    assert s.competition.phase == Phase.PUBLISHED
    reply = db.session.scalar(select(Message).where(Message.kind == "objection_reply"))
    assert reply.user_id == _contact(s, 1).id
    assert "异议不成立" in reply.body and "经复核，未发现雷同。" in reply.body
    published = db.session.scalars(
        select(Message).where(Message.kind == "results_published")
    ).all()
    by_user = {m.user_id: m.body for m in published}
    mine = [e.title for e in s.entries if e.unit_id == s.units[0].id]
    theirs = [e.title for e in s.entries if e.unit_id == s.units[1].id]
    assert all(f"《{t}》" in by_user[_contact(s, 0).id] for t in mine)
    assert not any(f"《{t}》" in by_user[_contact(s, 0).id] for t in theirs)


def test_upheld_objection_changes_the_result_with_an_audited_reason(
    build_scored, make_user
):
    s = _finalised(build_scored, make_user)
    _start(s)
    entry = _awarded(s)[0]
    objection = _lodge(s, _contact(s, 1), entry)

    service.answer_objection(
        actor=s.organiser,
        objection=objection,
        decision="upheld",
        reply="经核实，取消该作品奖项。",
        new_tier=service.NOT_AWARDED,
        change_reason="与往年作品雷同",
        now=utcnow(),
    )
    db.session.commit()

    result = db.session.scalar(select(Result).where(Result.entry_id == entry.id))
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "results.change")
    )
    assert (result.tier_name, objection.status) == (None, ObjectionStatus.UPHELD)
    assert json.loads(event.detail)["reason"] == "与往年作品雷同"
    assert entry.id not in [e.id for e in _awarded(s)]


def test_unit_sees_only_its_own_objections_and_the_reply(app, build_scored, make_user):
    s = _finalised(build_scored, make_user)
    _start(s)
    entry = _awarded(s)[0]
    mine = _lodge(s, _contact(s, 1), entry, reasons="乙单位的异议：请复核计分。")
    _lodge(s, _contact(s, 0), entry, reasons="甲单位的异议：请复核计分。")
    service.answer_objection(
        actor=s.organiser,
        objection=mine,
        decision="rejected",
        reply="计分无误。",
        now=utcnow(),
    )
    db.session.commit()
    client = app.test_client()
    login(client, _contact(s, 1))

    html = client.get("/unit/objections").get_data(as_text=True)

    assert "乙单位的异议" in html and "计分无误。" in html
    assert "甲单位的异议" not in html


def test_unit_lodges_an_objection_with_a_file_through_the_page(
    app, build_scored, make_user
):
    s = _finalised(build_scored, make_user)
    _start(s)
    entry = _awarded(s)[0]
    client = app.test_client()
    login(client, _contact(s, 1))
    page = f"/publicity/{s.competition.id}/objection"

    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "entry_id": str(entry.id),
            "name": "李四",
            "reasons": "该作品引用未注明出处，请复核。",
            "file": (io.BytesIO(b"%PDF-1.4 evidence"), "证据.pdf"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    [objection] = db.session.scalars(select(Objection)).all()
    assert "异议已提交" in response.get_data(as_text=True)
    assert (objection.file_name, objection.entry_id) == ("证据.pdf", entry.id)
    organiser = app.test_client()
    login(organiser, s.organiser)
    desk = organiser.get(f"/competitions/{s.competition.id}/publicity").get_data(
        as_text=True
    )
    assert "该作品引用未注明出处" in desk and "证据.pdf" in desk


def test_correction_revokes_and_reissues_and_shows_on_the_list(
    app, build_scored, make_user
):
    s = _finalised(build_scored, make_user)
    _start(s, past=True)
    service.publish_final(actor=s.organiser, competition=s.competition, now=utcnow())
    certificates.issue_certificates(
        actor=s.organiser, competition=s.competition, now=utcnow()
    )
    db.session.commit()
    entry = _awarded(s)[0]
    old = db.session.scalar(select(Certificate).where(Certificate.entry_id == entry.id))
    lower = [t.name for t in s.competition.tiers][-1]

    correction = service.correct_result(
        actor=s.organiser,
        competition=s.competition,
        entry=entry,
        tier=lower,
        reason="复核发现计分错误",
        now=utcnow(),
    )
    db.session.commit()

    new = db.session.scalar(
        select(Certificate).where(
            Certificate.entry_id == entry.id, Certificate.revoked_at.is_(None)
        )
    )
    assert old.revoked_at is not None and new.serial != old.serial
    assert (correction.old_serial, correction.new_serial) == (old.serial, new.serial)
    client = app.test_client()
    verify_old = client.get(f"/verify/{old.serial}").get_data(as_text=True)
    verify_new = client.get(f"/verify/{new.serial}").get_data(as_text=True)
    public = client.get(f"/awards/{s.competition.id}").get_data(as_text=True)
    assert "已撤销" in verify_old and new.serial in verify_old
    assert "证书真实有效" in verify_new and lower in verify_new
    assert "更正" in public and "复核发现计分错误" in public
    told = db.session.scalar(select(Message).where(Message.kind == "result_corrected"))
    assert told.user_id == _contact(s, entry.unit_id == s.units[1].id and 1 or 0).id
    assert new.serial in told.body


def test_correction_refused_before_publication(build_scored, make_user):
    s = _finalised(build_scored, make_user)
    entry = _awarded(s)[0]

    with pytest.raises(service.PublicationError) as refused:
        service.correct_result(
            actor=s.organiser,
            competition=s.competition,
            entry=entry,
            tier=service.NOT_AWARDED,
            reason="错误",
            now=utcnow(),
        )

    assert str(refused.value) == "结果公布后才能更正；公示期间请直接调整。"


def test_correction_replaces_every_author_certificate(app, build_scored, make_user):
    from judging.submissions.models import Author

    s = _finalised(build_scored, make_user)
    s.competition.certificate_mode = "author"
    entry = _awarded(s)[0]
    entry.authors.append(Author(position=2, name="第二作者"))
    db.session.commit()
    _start(s, past=True)
    service.publish_final(actor=s.organiser, competition=s.competition, now=utcnow())
    certificates.issue_certificates(
        actor=s.organiser, competition=s.competition, now=utcnow()
    )
    db.session.commit()
    lower = [t.name for t in s.competition.tiers][-1]

    service.correct_result(
        actor=s.organiser,
        competition=s.competition,
        entry=entry,
        tier=lower,
        reason="复核发现计分错误",
        now=utcnow(),
    )
    db.session.commit()

    rows = db.session.scalars(
        select(Certificate)
        .where(Certificate.entry_id == entry.id)
        .order_by(Certificate.id)
    ).all()
    live = [(c.author_position, c.kind) for c in rows if c.revoked_at is None]
    revoked = [c.author_position for c in rows if c.revoked_at is not None]
    assert sorted(live) == [(1, "author"), (2, "author")]
    assert sorted(revoked) == [1, 2]


def test_publicity_change_recomputes_the_organisation_awards(build_scored, make_user):
    from judging.results.models import OrganisationAward
    from judging.results.rules_service import refresh_organisation_awards

    s = _finalised(build_scored, make_user)
    s.competition.org_award_rule = "points"
    s.competition.org_award_top = 1
    refresh_organisation_awards(s.competition)
    db.session.commit()
    _start(s)
    before = {
        a.unit_id: a.points for a in db.session.scalars(select(OrganisationAward))
    }
    entry = _awarded(s)[0]

    service.change_result(
        actor=s.organiser,
        competition=s.competition,
        entry=entry,
        tier="未获奖",
        reason="异议成立，取消奖项",
    )
    db.session.commit()

    after = {a.unit_id: a.points for a in db.session.scalars(select(OrganisationAward))}
    assert after[entry.unit_id] < before[entry.unit_id]
