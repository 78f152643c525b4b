"""The organiser edits the name forms the anonymity scanner knows a unit by."""

from __future__ import annotations

from sqlalchemy import select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.extensions import db
from tests.conftest import csrf_token


def test_edit_unit_names_saved_and_audited(client, login_as, make_user, make_unit):
    unit = make_unit(name="重庆大学", short_name="重大")
    login_as(make_user(Role.ORGANISER))
    path = f"/admin/units/{unit.id}/edit"

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
    db.session.refresh(unit)
    assert (
        unit.english_name_list,
        unit.abbreviation_list,
        unit.domain_list,
        unit.institute_list,
    ) == (
        ["Chongqing University"],
        ["CQU"],
        ["cqu.edu.cn", "mail.cqu.edu.cn"],
        ["重庆大学经济与管理学院", "重庆大学法学院"],
    )
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "unit.update")
    )
    assert event is not None


def test_edit_unit_names_bad_domain_changes_nothing(
    client, login_as, make_user, make_unit
):
    make_unit(name="西南大学", short_name="西大").domains = "swu.edu.cn"
    db.session.commit()
    unit = make_unit(name="重庆大学", short_name="重大")
    login_as(make_user(Role.ORGANISER))
    path = f"/admin/units/{unit.id}/edit"

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
    db.session.refresh(unit)
    assert (unit.english_names, unit.domains) == ("", "")
