"""Entry fields scanned on save, the unit's pre-flight, checks without
submitting, and 「标记无碍」 on the entry's own unit or authors (issue 10 §1)."""

from __future__ import annotations

import io
import json

from sqlalchemy import select

from judging.accounts.models import Role
from judging.anonymity import service
from judging.anonymity.models import Finding, FindingStatus
from judging.audit.models import AuditEvent
from judging.extensions import db
from judging.submissions.models import Entry
from tests.conftest import csrf_token, login
from tests.submissions.conftest import fixture_bytes
from tests.submissions.test_views import _post_entry


def _findings(entry_id: int | None = None) -> set[tuple[str, str, str, str]]:
    query = select(Finding)
    if entry_id is not None:
        query = query.where(Finding.entry_id == entry_id)
    return {(f.kind, f.location, f.term, f.severity) for f in db.session.scalars(query)}


def _organiser(app, make_user):  # noqa: ANN001
    client = app.test_client()
    user = make_user(Role.ORGANISER)
    login(client, user)
    client.user = user
    return client


def test_title_abstract_keywords_scanned_when_saved(
    unit_client, make_competition, make_unit
):
    make_unit(name="西南政法大学", short_name="西政")
    make_unit(name="重庆邮电大学", short_name="重邮")
    competition = make_competition()

    _post_entry(
        unit_client,
        competition,
        title="重庆大学学子视角下的劳动教育",
        abstract="以西南政法大学法学院为例",
        keywords="重庆邮电大学；劳动教育",
    )

    assert _findings() == {
        ("unit", "title", "重庆大学", "high"),
        ("other_unit", "abstract", "西南政法大学", "low"),
        ("other_unit", "keywords", "重庆邮电大学", "low"),
    }


def test_editing_fields_rescans_them_and_keeps_file_findings(
    unit_client, make_competition
):
    competition = make_competition()
    _post_entry(
        unit_client,
        competition,
        file=("leaky.docx", "论文.docx"),
        abstract="本文作者张晓明长期关注",
    )
    entry = db.session.scalar(select(Entry))
    before = _findings()
    token = csrf_token(unit_client, f"/unit/entries/{entry.id}/edit")
    from tests.submissions.conftest import entry_form

    unit_client.post(
        f"/unit/entries/{entry.id}/edit",
        data=entry_form(token, abstract="本文关注产业工人"),
        content_type="multipart/form-data",
    )

    after = _findings()
    assert ("person", "abstract", "张晓明", "high") in before
    assert after == before - {("person", "abstract", "张晓明", "high")}
    assert ("unit", "header_footer", "重庆大学", "high") in after


def test_dashboard_shows_preflight_in_plain_chinese(unit_client, make_competition):
    competition = make_competition()

    response = _post_entry(unit_client, competition, abstract="重庆大学的调查数据")

    html = response.get_data(as_text=True)
    assert "摘要中出现本校名称「重庆大学」；请删除后重新提交。" in html


def test_check_without_submitting_reports_and_stores_nothing(
    unit_client, make_competition
):
    competition = make_competition()
    path = f"/unit/competitions/{competition.id}/check"
    token = csrf_token(unit_client, path)

    response = unit_client.post(
        path,
        data={
            "csrf_token": token,
            "file": (io.BytesIO(fixture_bytes("leaky.docx")), "草稿.docx"),
            "title": "劳动教育研究",
            "keywords": "重大；劳动",
            "people": "张晓明, 李华",
        },
        content_type="multipart/form-data",
    )

    html = response.get_data(as_text=True)
    assert "关键词中出现本校名称「重大」；请删除后重新提交。" in html
    assert "页眉页脚中出现本校名称「重庆大学」；请删除后重新提交。" in html
    assert "页眉页脚中出现作者或指导教师姓名「张晓明」；请删除后重新提交。" in html
    assert (db.session.scalars(select(Entry)).all(), _findings()) == ([], set())


def test_check_without_submitting_clean_file(unit_client, make_competition):
    competition = make_competition()
    path = f"/unit/competitions/{competition.id}/check"
    token = csrf_token(unit_client, path)

    response = unit_client.post(
        path,
        data={
            "csrf_token": token,
            "file": (io.BytesIO(fixture_bytes("clean.pdf")), "草稿.pdf"),
            "people": "张晓明",
        },
        content_type="multipart/form-data",
    )

    assert "未发现可能暴露学校或作者身份的内容。" in response.get_data(as_text=True)


def test_check_without_submitting_bad_file_refused_in_chinese(
    unit_client, make_competition
):
    competition = make_competition()
    path = f"/unit/competitions/{competition.id}/check"
    token = csrf_token(unit_client, path)

    response = unit_client.post(
        path,
        data={"csrf_token": token, "file": (io.BytesIO(b"not a pdf"), "x.pdf")},
        content_type="multipart/form-data",
    )

    html = response.get_data(as_text=True)
    assert "检查结果" not in html
    assert "PDF" in html and "error" in html


def _own_finding(kind: str, location: str, term: str) -> Finding:
    return db.session.scalar(
        select(Finding).where(
            Finding.kind == kind, Finding.location == location, Finding.term == term
        )
    )


def test_harmless_on_own_unit_needs_a_real_reason_and_is_audited(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.docx", "论文.docx"))
    admin = _organiser(app, make_user)
    finding = _own_finding("person", "footnote", "李华")
    token = csrf_token(admin, f"/competitions/{competition.id}/anonymity")

    trivial = admin.post(
        f"/findings/{finding.id}/harmless",
        data={"csrf_token": token, "note": "无碍"},
        follow_redirects=True,
    )
    status_after_trivial = db.session.get(Finding, finding.id).status
    done = admin.post(
        f"/findings/{finding.id}/harmless",
        data={
            "csrf_token": token,
            "note": "脚注引用的是另一位同名学者李华的专著，非本文作者",
        },
        follow_redirects=True,
    )

    assert "请写明具体理由" in trivial.get_data(as_text=True)
    assert status_after_trivial == FindingStatus.OPEN
    assert "已标记为无碍。" in done.get_data(as_text=True)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "finding.harmless")
    )
    details = json.loads(event.detail)
    assert (details.get("own_override"), details.get("term")) == (True, "李华")
    assert "李华" in details.get("evidence", "")

    overrides = admin.get(
        f"/competitions/{competition.id}/anonymity?show=overrides"
    ).get_data(as_text=True)
    assert "本单位/作者信息被标记无碍" in overrides
    assert [
        f.id for _, fs in service.queue(competition, overrides_only=True) for f in fs
    ] == [finding.id]


def test_full_unit_name_in_body_only_settled_by_redaction(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("reportlab-split.pdf", "论文.pdf"))
    admin = _organiser(app, make_user)
    finding = _own_finding("unit", "body", "重庆大学")
    token = csrf_token(admin, f"/competitions/{competition.id}/anonymity")

    response = admin.post(
        f"/findings/{finding.id}/harmless",
        data={
            "csrf_token": token,
            "note": "文章研究的就是这所学校的校史，无法隐去校名",
        },
        follow_redirects=True,
    )

    assert "不能标记无碍" in response.get_data(as_text=True)
    assert db.session.get(Finding, finding.id).status == FindingStatus.OPEN


def test_title_leak_after_deadline_settled_by_organiser_rewording(
    app, unit_client, make_user, make_competition
):
    from judging.competitions import service as competitions
    from judging.competitions.models import Phase

    competition = make_competition()
    _post_entry(unit_client, competition, title="重庆大学学子视角下的劳动教育")
    organiser = make_user(Role.ORGANISER)
    competitions.advance_phase(
        actor=organiser, competition=competition, target=Phase.CLOSED
    )
    db.session.commit()
    admin = app.test_client()
    login(admin, organiser)
    entry = db.session.scalar(select(Entry))
    finding = _own_finding("unit", "title", "重庆大学")
    token = csrf_token(admin, f"/competitions/{competition.id}/anonymity")

    waved = admin.post(
        f"/findings/{finding.id}/harmless",
        data={"csrf_token": token, "note": "题目中的校名是研究对象，已与学校确认"},
        follow_redirects=True,
    )
    reworded = admin.post(
        f"/entries/{entry.id}/redacted-fields",
        data={
            "csrf_token": token,
            "title": "某高校学子视角下的劳动教育",
            "abstract": entry.abstract,
            "keywords": entry.keywords,
        },
        follow_redirects=True,
    )

    assert "不能标记无碍" in waved.get_data(as_text=True)
    assert "作品信息已修改并重新检查。" in reworded.get_data(as_text=True)
    entry = db.session.get(Entry, entry.id)
    assert (entry.title, _findings(entry.id)) == ("某高校学子视角下的劳动教育", set())
    assert service.blocked_entries(competition) == []
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "entry.fields_redacted")
    )
    assert json.loads(event.detail)["changed"] == ["title"]
