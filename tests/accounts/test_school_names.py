"""The organiser edits the name forms the anonymity scanner knows a school by."""

from __future__ import annotations

from sqlalchemy import select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.extensions import db
from tests.conftest import csrf_token


def test_edit_school_names_saved_and_audited(client, login_as, make_user, make_school):
    school = make_school(name="重庆大学", short_name="重大")
    login_as(make_user(Role.ORGANISER))
    path = f"/admin/schools/{school.id}/edit"

    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "short_name": "重大",
            "aliases": "",
            "english_names": "Chongqing University\n",
            "abbreviations": "CQU",
            "domains": "https://www.cqu.edu.cn/\nmail.cqu.edu.cn",
            "institutes": "重庆大学经济与管理学院|重庆大学法学院",
        },
    )

    assert response.status_code == 302
    db.session.refresh(school)
    assert (
        school.english_name_list,
        school.abbreviation_list,
        school.domain_list,
        school.institute_list,
    ) == (
        ["Chongqing University"],
        ["CQU"],
        ["cqu.edu.cn", "mail.cqu.edu.cn"],
        ["重庆大学经济与管理学院", "重庆大学法学院"],
    )
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "school.update")
    )
    assert event is not None


def test_edit_school_names_bad_domain_changes_nothing(
    client, login_as, make_user, make_school
):
    make_school(name="西南大学", short_name="西大").domains = "swu.edu.cn"
    db.session.commit()
    school = make_school(name="重庆大学", short_name="重大")
    login_as(make_user(Role.ORGANISER))
    path = f"/admin/schools/{school.id}/edit"

    response = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "short_name": "重大",
            "english_names": "Chongqing University",
            "domains": "cqu\nswu.edu.cn",
        },
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "域名格式不正确（cqu）" in html
    assert "域名“swu.edu.cn”已被“西南大学”使用" in html
    db.session.refresh(school)
    assert (school.english_names, school.domains) == ("", "")
