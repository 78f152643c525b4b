"""Units submit essays: quota, deadline, file checks, receipts, the overview."""

from __future__ import annotations

import io
import re
import threading
import zipfile
from datetime import date, timedelta

from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.competitions.models import Extension, Phase
from judging.extensions import db
from judging.submissions.models import Entry, EntryStatus, StoredFile
from tests.conftest import csrf_token, login, same_page
from tests.submissions.conftest import entry_form, fixture_bytes


def _post_entry(client, competition, file=("clean.pdf", "论文.pdf"), **fields):
    token = csrf_token(client, f"/unit/competitions/{competition.id}/entries/new")
    data = entry_form(token, file=(fixture_bytes(file[0]), file[1]), **fields)
    return client.post(
        f"/unit/competitions/{competition.id}/entries/new",
        data=data,
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _count(model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count(model.id)))


def test_submit_pdf_creates_entry_with_review_copy(unit_client, make_competition):
    competition = make_competition()

    response = _post_entry(unit_client, competition)

    entry = db.session.scalar(select(Entry))
    html = response.get_data(as_text=True)
    assert "作品已提交。" in html
    assert "已提交 1/5 篇" in html
    assert (entry.title, entry.slot, entry.file_name, entry.file.kind) == (
        "新时代产业工人队伍建设改革的实践路径",
        1,
        "论文.pdf",
        "pdf",
    )
    assert [a.name for a in entry.authors] == ["张晓明", "刘洋"]
    assert entry.word_count == 78
    assert entry.review_file is not None
    assert entry.review_file.sha256 != entry.file.sha256


def test_file_type_decided_by_content(unit_client, make_competition):
    competition = make_competition()

    response = _post_entry(unit_client, competition, file=("clean.docx", "论文.pdf"))

    entry = db.session.scalar(select(Entry))
    assert "作品已提交。" in response.get_data(as_text=True)
    assert (entry.file.kind, entry.file_name) == ("docx", "论文.docx")


def test_wrong_type_refused_and_nothing_stored(unit_client, make_competition, tmp_path):
    competition = make_competition()
    token = csrf_token(unit_client, f"/unit/competitions/{competition.id}/entries/new")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200

    response = unit_client.post(
        f"/unit/competitions/{competition.id}/entries/new",
        data=entry_form(token, file=(png, "论文.pdf")),
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert "仅接受 PDF 或 Word（.docx）文件" in response.get_data(as_text=True)
    assert (_count(Entry), _count(StoredFile)) == (0, 0)


def test_encrypted_and_damaged_files_refused(unit_client, make_competition):
    competition = make_competition()

    encrypted = _post_entry(unit_client, competition, file=("encrypted.pdf", "a.pdf"))
    damaged = _post_entry(unit_client, competition, file=("truncated.pdf", "b.pdf"))

    assert "已加密" in encrypted.get_data(as_text=True)
    assert "已损坏" in damaged.get_data(as_text=True)
    assert _count(Entry) == 0


def test_word_limit_enforced(unit_client, make_competition):
    competition = make_competition(min_words=3000)

    response = _post_entry(unit_client, competition)

    assert "作品字数约 78 字，少于本竞赛要求的 3000 字。" in response.get_data(
        as_text=True
    )
    assert _count(Entry) == 0


def test_sixth_essay_refused(unit_client, make_competition):
    competition = make_competition(max_entries=5)
    for i in range(5):
        _post_entry(unit_client, competition, title=f"论文{i}")

    response = _post_entry(unit_client, competition, title="第六篇")

    assert "达到每校 5 篇的上限" in response.get_data(as_text=True)
    assert _count(Entry) == 5


def test_missing_author_refused(unit_client, make_competition):
    competition = make_competition()

    response = _post_entry(
        unit_client, competition, **{"authors-0-name": "", "authors-1-name": ""}
    )

    assert "请至少填写一位作者姓名。" in response.get_data(as_text=True)
    assert _count(Entry) == 0


def test_late_submission_refused(unit_client, make_competition):
    today = date.today()
    competition = make_competition(
        opens_on=today - timedelta(days=20), closes_on=today - timedelta(days=1)
    )

    response = _post_entry(unit_client, competition)

    assert "已过截止时间" in response.get_data(as_text=True)
    assert _count(Entry) == 0


def test_edit_and_withdraw_until_deadline(unit_client, make_competition):
    competition = make_competition()
    _post_entry(unit_client, competition)
    entry = db.session.scalar(select(Entry))
    token = csrf_token(unit_client, f"/unit/entries/{entry.id}/edit")

    unit_client.post(
        f"/unit/entries/{entry.id}/edit",
        data=entry_form(token, title="修改后的题目"),
        content_type="multipart/form-data",
    )
    unit_client.post(f"/unit/entries/{entry.id}/withdraw", data={"csrf_token": token})

    entry = db.session.get(Entry, entry.id)
    assert (entry.title, entry.status, entry.slot) == (
        "修改后的题目",
        EntryStatus.WITHDRAWN,
        None,
    )


def test_edit_after_deadline_refused(unit_client, make_competition):
    competition = make_competition()
    _post_entry(unit_client, competition)
    entry = db.session.scalar(select(Entry))
    token = csrf_token(unit_client, f"/unit/entries/{entry.id}/edit")
    competition.closes_at = competition.opens_at + timedelta(days=1)
    db.session.commit()

    response = unit_client.post(
        f"/unit/entries/{entry.id}/edit",
        data=entry_form(token, title="偷偷改"),
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    assert "已过截止时间" in response.get_data(as_text=True)
    assert db.session.get(Entry, entry.id).title != "偷偷改"


def test_extension_reopens_for_one_unit(app, unit_client, make_user, make_competition):
    today = date.today()
    competition = make_competition(
        opens_on=today - timedelta(days=20), closes_on=today - timedelta(days=1)
    )
    organiser = make_user(Role.ORGANISER)
    admin = app.test_client()
    login(admin, organiser)
    token = csrf_token(admin, f"/competitions/{competition.id}/submissions")
    until = (today + timedelta(days=2)).isoformat() + "T18:00"

    admin.post(
        f"/competitions/{competition.id}/extensions",
        data={
            "csrf_token": token,
            "unit_id": unit_client.user.unit_id,
            "until": until,
            "reason": "系统故障补交",
        },
    )
    response = _post_entry(unit_client, competition)

    assert "作品已提交。" in response.get_data(as_text=True)
    extension = db.session.scalar(select(Extension))
    assert extension.until.astimezone().hour is not None
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "extension.grant")
        ).detail.count("系统故障补交")
        == 1
    )


def test_other_units_entry_is_404(app, unit_client, make_user, make_competition):
    competition = make_competition()
    _post_entry(unit_client, competition)
    entry = db.session.scalar(select(Entry))
    other = app.test_client()
    login(other, make_user(Role.UNIT))

    for path in (
        f"/unit/entries/{entry.id}/edit",
        f"/unit/entries/{entry.id}/file",
    ):
        assert other.get(path).status_code == 404
    assert same_page(
        other.get("/unit/entries/99999/edit"),
        other.get(f"/unit/entries/{entry.id}/edit"),
    )


def test_receipt_lists_files_with_digest(unit_client, make_competition):
    competition = make_competition()
    _post_entry(unit_client, competition)
    entry = db.session.scalar(select(Entry))

    response = unit_client.get(f"/unit/competitions/{competition.id}/receipt.pdf")

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    compact = re.sub(r"\s+", "", text)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "作品报送回执" in compact
    assert "重庆大学" in compact
    assert entry.file.sha256[:32] in compact
    assert "新时代产业工人队伍建设改革的实践路径" in compact


def test_twenty_parallel_submissions_never_make_a_sixth(
    app, unit_client, make_competition
):
    competition = make_competition(max_entries=5)
    token = csrf_token(unit_client, f"/unit/competitions/{competition.id}/entries/new")
    cookie = unit_client.get_cookie("session").value
    data = fixture_bytes("clean.pdf")
    url = f"/unit/competitions/{competition.id}/entries/new"
    results: list[int] = []

    def submit(i: int) -> None:
        client = FlaskClient(app, use_cookies=True)
        client.set_cookie("session", cookie, domain="localhost")
        response = client.post(
            url,
            data=entry_form(token, file=(data, f"{i}.pdf"), title=f"并发{i}"),
            content_type="multipart/form-data",
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()  # end the test's own snapshot to see the threads' rows

    assert len(results) == 20
    assert all(code in (200, 302) for code in results)
    slots = db.session.scalars(
        select(Entry.slot).where(Entry.status == EntryStatus.SUBMITTED)
    ).all()
    assert sorted(slots) == [1, 2, 3, 4, 5]


def test_overview_export_and_zip(app, unit_client, make_user, make_competition):
    competition = make_competition()
    _post_entry(unit_client, competition)
    admin = app.test_client()
    login(admin, make_user(Role.ORGANISER))

    page = admin.get(f"/competitions/{competition.id}/submissions?state=some")
    sheet = admin.get(f"/competitions/{competition.id}/submissions.xlsx")
    archive = admin.get(f"/competitions/{competition.id}/files.zip")

    assert "重庆大学" in page.get_data(as_text=True)
    rows = list(
        load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)
    )
    assert rows[1][:6] == (
        "重庆大学",
        "本科院校",
        1,
        "新时代产业工人队伍建设改革的实践路径",
        "调研报告",
        "张晓明、刘洋",
    )
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert names == ["重庆大学/01-论文.pdf", "索引-index.xlsx"]


def test_zip_of_a_large_call_is_built_by_a_job(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition)
    app.config["DOWNLOADS_DIRECT_LIMIT"] = 0
    admin = app.test_client()
    login(admin, make_user(Role.ORGANISER))
    page = f"/competitions/{competition.id}/submissions"

    html = admin.get(page).get_data(as_text=True)
    direct = admin.get(f"/competitions/{competition.id}/files.zip")
    started = admin.post(
        f"/competitions/{competition.id}/downloads",
        data={"csrf_token": csrf_token(admin, page), "kind": "files"},
    )
    status = admin.get(started.location.removesuffix("/progress")).get_json()
    archive = admin.get(status["download_url"])

    assert "后台生成档案包" in html
    assert (direct.status_code, direct.location) == (302, page)
    assert status["state"] == "done"
    names = zipfile.ZipFile(io.BytesIO(archive.data)).namelist()
    assert names == ["重庆大学/01-论文.pdf", "索引-index.xlsx"]


def test_minimum_shown_as_units_without_entries(
    app, unit_client, make_user, make_unit, make_competition
):
    competition = make_competition()
    make_unit(name="西南大学", short_name="西大")
    admin = app.test_client()
    login(admin, make_user(Role.ORGANISER))

    html = admin.get(f"/competitions/{competition.id}/submissions?state=none").get_data(
        as_text=True
    )

    assert "西南大学" in html and "重庆大学" in html
    assert competition.phase == Phase.OPEN


def test_unprintable_character_refused_at_entry(unit_client, make_competition):
    competition = make_competition()

    response = _post_entry(
        unit_client, competition, **{"authors-0-name": "王\U0002a6a5"}
    )

    assert "中的字符“\U0002a6a5”无法在证书上打印" in response.get_data(as_text=True)
    assert _count(Entry) == 0


def test_refused_upload_leaves_no_file_on_disk(app, unit_client, make_competition):
    from pathlib import Path

    competition = make_competition(max_entries=1)
    _post_entry(unit_client, competition)
    before = sorted(Path(app.config["UPLOAD_FOLDER"]).rglob("*"))

    response = _post_entry(unit_client, competition, file=("leaky.docx", "b.docx"))

    assert "达到每校 1 篇的上限" in response.get_data(as_text=True)
    assert sorted(Path(app.config["UPLOAD_FOLDER"]).rglob("*")) == before


def test_files_download_and_zip_from_either_storage(
    app, any_storage, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition)
    entry = db.session.scalar(select(Entry))
    admin = app.test_client()
    login(admin, make_user(Role.ORGANISER))

    own = unit_client.get(f"/unit/entries/{entry.id}/file")
    archive = admin.get(f"/competitions/{competition.id}/files.zip")

    assert own.data == fixture_bytes("clean.pdf")
    assert own.headers["Cache-Control"] == "no-store"
    member = zipfile.ZipFile(io.BytesIO(archive.data)).read("重庆大学/01-论文.pdf")
    assert member == fixture_bytes("clean.pdf")
    assert sorted(any_storage.keys()) == sorted(
        f"{s[:2]}/{s}" for s in db.session.scalars(select(StoredFile.sha256))
    )
