"""Certificates per entry or per author, the advisor on them, and the unit's
优秀组织奖 certificate with its verification page."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlalchemy import select

from judging.accounts.models import Role
from judging.certificates import service
from judging.certificates.models import Certificate
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.results.rules_service import refresh_organisation_awards
from judging.submissions.models import Entry
from tests.conftest import login

PREFIX = "https://zhengwen.example.edu.cn/verify/"


def _issue(competition, actor):  # noqa: ANN001, ANN202
    created = service.issue_certificates(
        actor=actor, competition=competition, now=utcnow()
    )
    db.session.commit()
    return created


def _text(items) -> str:  # noqa: ANN001
    data = service.batch_file(items, kind="pdf")
    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_per_author_gives_each_author_a_certificate(finalised, make_user):
    competition = finalised()
    competition.certificate_mode = "author"
    db.session.commit()

    created = _issue(competition, make_user(Role.ORGANISER))
    again = _issue(competition, make_user(Role.ORGANISER))
    rows = service.issued(competition)

    # 技能形成体系研究 has two authors; 欧阳玥 and 王堃 one each
    assert sorted(r.names for r in rows) == sorted(
        [("张晓明",), ("刘洋",), ("欧阳玥",), ("王堃",)]
    )
    assert {c.kind for c in created} == {"author"}
    assert again == []


def test_per_entry_names_every_author_and_the_advisor(finalised, make_user):
    competition = finalised()
    entry = db.session.scalar(select(Entry).where(Entry.title == "技能形成体系研究"))
    entry.advisor = "李建国"
    db.session.commit()
    _issue(competition, make_user(Role.ORGANISER))

    items = service.printable_items(
        competition, service.issued(competition), prefix=PREFIX
    )
    text = _text([i for i in items if i.title == "技能形成体系研究"])

    assert [i.authors for i in items if i.title == "技能形成体系研究"] == [
        ("张晓明", "刘洋")
    ]
    assert "指导教师：李建国" in text
    assert "（调研报告）中荣获" in text  # the category is printed


def test_organisation_certificate_issued_printed_and_verified(
    app, finalised, make_user
):
    competition = finalised()
    competition.org_award_rule = "threshold"
    competition.org_award_min_entries = 2
    db.session.commit()
    refresh_organisation_awards(competition)  # as when the results are frozen
    db.session.commit()

    created = _issue(competition, make_user(Role.ORGANISER))
    units = service.issued_organisations(competition)
    items = service.printable_items(
        competition, service.issued(competition), prefix=PREFIX, organisations=units
    )
    text = _text([i for i in items if i.kind == "organisation"])
    page = app.test_client().get(f"/verify/{units[0].serial}")
    html = page.get_data(as_text=True)

    # both units have at least 2 entries (excluded ones do not count) and an award
    assert sorted(u.unit.name for u in units) == ["西南大学", "重庆大学"]
    assert sum(c.kind == "organisation" for c in created) == 2
    assert "组织工作成绩突出" in text and "优秀组织奖" in text
    assert page.status_code == 200
    assert "证书真实有效" in html and "优秀组织奖" in html
    assert units[0].unit.name in html


def test_revoked_organisation_certificate_says_so(app, finalised, make_user):
    competition = finalised()
    competition.org_award_rule = "threshold"
    competition.org_award_min_entries = 1
    db.session.commit()
    refresh_organisation_awards(competition)
    organiser = make_user(Role.ORGANISER)
    _issue(competition, organiser)
    unit_cert = db.session.scalar(
        select(Certificate).where(Certificate.kind == "organisation")
    )

    service.revoke_certificate(
        actor=organiser, certificate=unit_cert, reason="单位名称有误", now=utcnow()
    )
    db.session.commit()
    html = app.test_client().get(f"/verify/{unit_cert.serial}").get_data(as_text=True)

    assert "已撤销" in html


def test_unit_downloads_its_organisation_certificate(app, finalised, make_user):
    from judging.competitions.models import Phase

    competition = finalised()
    competition.org_award_rule = "threshold"
    competition.org_award_min_entries = 2
    db.session.commit()
    refresh_organisation_awards(competition)
    _issue(competition, make_user(Role.ORGANISER))
    competition.phase = Phase.PUBLISHED
    db.session.commit()
    unit = db.session.scalar(
        select(Certificate).where(Certificate.kind == "organisation")
    ).unit
    client = app.test_client()
    login(client, make_user(Role.UNIT, unit=unit))

    response = client.get(f"/unit/competitions/{competition.id}/certificates.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)

    assert response.status_code == 200
    assert "组织工作成绩突出" in text
