"""Closing submission, entry codes, the anonymity queue and redactions."""

from __future__ import annotations

import io
import json
import re
from datetime import date, timedelta

from sqlalchemy import select

from judging.accounts.models import Role
from judging.anonymity.models import Finding, FindingStatus
from judging.competitions import service as competitions
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from judging.submissions.files import load_file
from judging.submissions.models import Entry
from tests.conftest import csrf_token, login
from tests.submissions.conftest import entry_form, fixture_bytes
from tests.submissions.test_views import _post_entry


def _organiser(app, make_user):  # noqa: ANN001
    client = app.test_client()
    user = make_user(Role.ORGANISER)
    login(client, user)
    client.user = user
    return client


def test_leaky_file_is_flagged_with_locations(unit_client, make_competition):
    competition = make_competition()

    _post_entry(unit_client, competition, file=("leaky.docx", "论文.docx"))

    findings = db.session.scalars(select(Finding)).all()
    kinds = {(f.kind, f.location) for f in findings}
    assert ("unit", "header_footer") in kinds
    assert ("person", "header_footer") in kinds
    assert ("email", "body") in kinds
    assert all(f.location != "metadata" for f in findings)  # stripped from the copy


def test_clean_file_has_no_findings_despite_alias_traps(unit_client, make_competition):
    competition = make_competition()

    _post_entry(unit_client, competition, file=("clean.pdf", "论文.pdf"))

    assert db.session.scalars(select(Finding)).all() == []


def test_review_copy_carries_no_metadata(unit_client, make_competition):
    from judging.documents.inspection import inspect_document

    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.docx", "论文.docx"))
    entry = db.session.scalar(select(Entry))

    copy = inspect_document(load_file(entry.review_file), max_bytes=10**8)

    assert [v for _k, v in copy.metadata if v.strip()] == []
    assert copy.text("comment") == ""


def test_close_gives_random_unique_codes(app, unit_client, make_user, make_competition):
    competition = make_competition()
    for i in range(3):
        _post_entry(unit_client, competition, title=f"论文{i}")
    organiser = make_user(Role.ORGANISER)

    competitions.advance_phase(
        actor=organiser, competition=competition, target=Phase.CLOSED
    )
    db.session.commit()

    codes = db.session.scalars(select(Entry.code)).all()
    assert all(re.fullmatch(r"ZW2026-\d{4}", c) for c in codes)
    assert len(set(codes)) == 3


def test_unresolved_high_finding_blocks_review(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.pdf", "论文.pdf"))
    organiser = make_user(Role.ORGANISER)
    competitions.advance_phase(
        actor=organiser, competition=competition, target=Phase.CLOSED
    )
    db.session.commit()

    problems = competitions.transition_problems(competition, Phase.REVIEWING)

    assert any("仍有未处理的匿名性问题" in p for p in problems)


def test_mark_harmless_needs_a_reason_and_is_audited(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.pdf", "论文.pdf"))
    admin = _organiser(app, make_user)
    finding = db.session.scalars(select(Finding).where(Finding.kind == "email")).first()
    token = csrf_token(admin, f"/competitions/{competition.id}/anonymity")

    empty = admin.post(
        f"/findings/{finding.id}/harmless",
        data={"csrf_token": token, "note": ""},
        follow_redirects=True,
    )
    done = admin.post(
        f"/findings/{finding.id}/harmless",
        data={"csrf_token": token, "note": "论文研究对象即该校"},
        follow_redirects=True,
    )

    assert "请说明为何该问题无碍匿名。" in empty.get_data(as_text=True)
    assert "已标记为无碍。" in done.get_data(as_text=True)
    assert db.session.get(Finding, finding.id).status == FindingStatus.HARMLESS


def test_queue_page_shows_findings_in_chinese(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.docx", "论文.docx"))
    admin = _organiser(app, make_user)

    html = admin.get(f"/competitions/{competition.id}/anonymity").get_data(as_text=True)

    assert "页眉页脚" in html and "本校名称" in html and "严重" in html


def test_unit_uploads_redacted_file_when_asked(
    app, unit_client, make_user, make_competition
):
    today = date.today()
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.docx", "论文.docx"))
    entry = db.session.scalar(select(Entry))
    organiser = make_user(Role.ORGANISER)
    competition.closes_at = competition.opens_at + timedelta(days=1)
    competitions.advance_phase(
        actor=organiser, competition=competition, target=Phase.CLOSED
    )
    db.session.commit()
    admin = app.test_client()
    login(admin, organiser)
    token = csrf_token(admin, f"/competitions/{competition.id}/anonymity")
    admin.post(
        f"/entries/{entry.id}/redaction-request",
        data={
            "csrf_token": token,
            "until": f"{today + timedelta(days=3)}T12:00",
            "note": "请删去页眉中的校名",
        },
    )

    page = unit_client.get("/unit").get_data(as_text=True)
    token = csrf_token(unit_client, f"/unit/entries/{entry.id}/redacted")
    unit_client.post(
        f"/unit/entries/{entry.id}/redacted",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(fixture_bytes("clean.docx")), "干净.docx"),
        },
        content_type="multipart/form-data",
    )

    entry = db.session.get(Entry, entry.id)
    assert "请重新提交匿名文件" in page
    assert entry.reopened_until is None
    assert entry.file.kind == "docx"
    assert db.session.scalars(select(Finding)).all() == []
    problems = competitions.transition_problems(
        db.session.get(Competition, competition.id), Phase.REVIEWING
    )
    assert [p for p in problems if "匿名性" in p] == []


def test_unit_cannot_replace_without_request(unit_client, make_competition):
    competition = make_competition()
    _post_entry(unit_client, competition)
    entry = db.session.scalar(select(Entry))
    token = csrf_token(unit_client, f"/unit/entries/{entry.id}/redacted")

    response = unit_client.post(
        f"/unit/entries/{entry.id}/redacted",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(fixture_bytes("clean.docx")), "x.docx"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert "未开放重新提交" in response.get_data(as_text=True)
    assert db.session.get(Entry, entry.id).file.kind == "pdf"


def test_organiser_redaction_keeps_original(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.docx", "论文.docx"))
    entry = db.session.scalar(select(Entry))
    original = entry.file.sha256
    admin = _organiser(app, make_user)
    token = csrf_token(admin, f"/competitions/{competition.id}/anonymity")

    admin.post(
        f"/entries/{entry.id}/redacted",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(fixture_bytes("clean.pdf")), "处理后.pdf"),
        },
        content_type="multipart/form-data",
    )

    entry = db.session.get(Entry, entry.id)
    assert entry.file.sha256 == original
    assert entry.review_file.kind == "pdf"
    assert db.session.scalars(select(Finding)).all() == []


def test_anonymity_check_cli_prints_json_lines(runner, make_unit, tmp_path):
    make_unit(name="重庆大学", short_name="重大")
    path = tmp_path / "essay.docx"
    path.write_bytes(fixture_bytes("leaky.docx"))

    result = runner.invoke(
        args=["anonymity-check", str(path), "--unit", "重大", "--author", "张晓明"]
    )

    lines = [json.loads(line) for line in result.output.splitlines()]
    assert result.exit_code == 0
    assert {"kind", "location", "evidence", "severity"} == set(lines[0])
    assert {(x["kind"], x["location"]) for x in lines} >= {
        ("unit", "header_footer"),
        ("person", "metadata"),
    }


def test_anonymity_check_cli_suggests_the_closest_unit(runner, make_unit, tmp_path):
    make_unit(name="重庆大学", short_name="重大")
    make_unit(name="重庆师范大学")
    path = tmp_path / "essay.docx"
    path.write_bytes(fixture_bytes("leaky.docx"))

    result = runner.invoke(args=["anonymity-check", str(path), "--unit", "重庆大雪"])

    assert result.exit_code == 1
    assert "未找到单位“重庆大雪”。您要找的是否是：重庆大学" in result.output
    assert "Traceback" not in result.output


def test_anonymity_check_cli_unknown_unit_without_neighbours(
    runner, make_unit, tmp_path
):
    make_unit(name="重庆大学")
    path = tmp_path / "essay.docx"
    path.write_bytes(fixture_bytes("leaky.docx"))

    result = runner.invoke(args=["anonymity-check", str(path), "--unit", "甲乙丙丁戊"])

    assert result.exit_code == 1
    assert "也没有名称相近的单位" in result.output


def test_entry_form_requires_file_on_create(unit_client, make_competition):
    competition = make_competition()
    token = csrf_token(unit_client, f"/unit/competitions/{competition.id}/entries/new")

    response = unit_client.post(
        f"/unit/competitions/{competition.id}/entries/new",
        data=entry_form(token),
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert "请选择作品文件。" in response.get_data(as_text=True)


def test_bulk_harmless_settles_ticked_findings_with_one_reason(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.pdf", "论文.pdf"))
    admin = _organiser(app, make_user)
    page = f"/competitions/{competition.id}/anonymity"
    html = admin.get(page).get_data(as_text=True)
    ticked = re.findall(r'name="finding" value="(\d+)" form="bulk-harmless"', html)
    token = csrf_token(admin, page)

    done = admin.post(
        f"/competitions/{competition.id}/findings/harmless",
        data={"csrf_token": token, "finding": ticked, "note": "参考文献中的同名作者"},
        follow_redirects=True,
    )

    assert ticked
    assert f"已将 {len(ticked)} 个问题标记为无碍。" in done.get_data(as_text=True)
    statuses = {db.session.get(Finding, int(i)).status for i in ticked}
    assert statuses == {FindingStatus.HARMLESS}


def test_bulk_harmless_without_reason_or_tick_changes_nothing(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.pdf", "论文.pdf"))
    admin = _organiser(app, make_user)
    page = f"/competitions/{competition.id}/anonymity"
    ids = [str(f.id) for f in db.session.scalars(select(Finding))]
    token = csrf_token(admin, page)
    url = f"/competitions/{competition.id}/findings/harmless"

    no_reason = admin.post(
        url, data={"csrf_token": token, "finding": ids}, follow_redirects=True
    )
    no_tick = admin.post(
        url, data={"csrf_token": token, "note": "理由"}, follow_redirects=True
    )

    assert "请说明为何所选问题无碍匿名。" in no_reason.get_data(as_text=True)
    assert "请先勾选要处理的问题。" in no_tick.get_data(as_text=True)
    assert {f.status for f in db.session.scalars(select(Finding))} == {
        FindingStatus.OPEN
    }


def test_queue_filters_and_pages(app, unit_client, make_user, make_competition):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.pdf", "论文.pdf"))
    admin = _organiser(app, make_user)
    page = f"/competitions/{competition.id}/anonymity"

    open_ = admin.get(f"{page}?status=open").get_data(as_text=True)
    settled = admin.get(f"{page}?status=settled").get_data(as_text=True)
    missing = admin.get(f"{page}?q=不存在的题目").get_data(as_text=True)

    assert open_.count('class="card anonymity-item"') == 1
    assert settled.count('class="card anonymity-item"') == 0
    assert missing.count('class="card anonymity-item"') == 0
