"""Certificate pages: issuing, revoking, settings, downloads, jobs, verification."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from judging.accounts.models import Role, Unit
from judging.certificates import service
from judging.certificates.models import Certificate
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from tests.certificates.conftest import seal_png
from tests.conftest import csrf_token, login, same_page


def _organiser(app, make_user):  # noqa: ANN001, ANN202
    client = app.test_client()
    user = make_user(Role.ORGANISER)
    login(client, user)
    client.user = user
    return client


def _issue_via_page(client, competition):  # noqa: ANN001, ANN202
    page = f"/competitions/{competition.id}/certificates"
    token = csrf_token(client, page)
    return client.post(
        f"{page}/issue", data={"csrf_token": token}, follow_redirects=True
    )


def _serials() -> list[str]:
    return list(db.session.scalars(select(Certificate.serial).order_by(Certificate.id)))


def _pages(data: bytes) -> list[str]:
    return [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]


def test_issue_page_lists_new_certificates(app, make_user, finalised):
    competition = finalised()
    client = _organiser(app, make_user)

    response = _issue_via_page(client, competition)

    html = response.get_data(as_text=True)
    assert "已颁发 3 张荣誉证书。" in html
    assert all(serial in html for serial in _serials())
    assert len(_serials()) == 3


def test_issue_page_refuses_before_finalised(app, make_user, finalised):
    competition = finalised(Phase.REVIEWING)
    client = _organiser(app, make_user)
    token = csrf_token(client, f"/competitions/{competition.id}/certificates")

    response = client.post(
        f"/competitions/{competition.id}/certificates/issue",
        data={"csrf_token": token},
        follow_redirects=True,
    )

    assert "评审结果定稿后才能颁发和打印荣誉证书。" in response.get_data(as_text=True)
    assert _serials() == []


def test_batch_pdf_download_has_every_live_certificate(app, make_user, finalised):
    competition = finalised()
    client = _organiser(app, make_user)
    _issue_via_page(client, competition)

    response = client.get(f"/competitions/{competition.id}/certificates.pdf")

    pages = _pages(response.data)
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert len(pages) == 3
    assert "王堃" in pages[2] and "三等奖" in pages[2]


def test_batch_zip_download_one_file_per_certificate(app, make_user, finalised):
    competition = finalised()
    client = _organiser(app, make_user)
    _issue_via_page(client, competition)

    response = client.get(f"/competitions/{competition.id}/certificates.zip")

    names = zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert sorted(n[:19] for n in names) == sorted(_serials())
    assert all(n.endswith(".pdf") for n in names)


def test_revoke_then_verify_says_revoked(app, make_user, finalised):
    competition = finalised()
    client = _organiser(app, make_user)
    _issue_via_page(client, competition)
    certificate = db.session.scalar(select(Certificate).order_by(Certificate.id))
    token = csrf_token(client, f"/competitions/{competition.id}/certificates")

    response = client.post(
        f"/certificates/{certificate.id}/revoke",
        data={"csrf_token": token, "reason": "署名有误"},
        follow_redirects=True,
    )
    public = app.test_client().get(f"/verify/{certificate.serial}")

    assert f"证书 {certificate.serial} 已撤销。" in response.get_data(as_text=True)
    assert public.status_code == 200
    assert "已撤销" in public.get_data(as_text=True)
    assert "证书真实有效" not in public.get_data(as_text=True)
    pdf = client.get(f"/competitions/{competition.id}/certificates.pdf")
    assert len(_pages(pdf.data)) == 2


def test_verify_genuine_certificate_shows_details(app, make_user, finalised):
    competition = finalised()
    service.issue_certificates(actor=None, competition=competition, now=utcnow())
    certificate = db.session.scalar(select(Certificate).order_by(Certificate.id))

    response = app.test_client().get(f"/verify/{certificate.serial.lower()}")

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "证书真实有效" in html
    for text in (
        "技能形成体系研究",
        "张晓明、刘洋",
        "重庆大学",
        "一等奖",
        competition.title,
    ):
        assert text in html


def test_verify_unknown_serial_is_404(app):
    response = app.test_client().get("/verify/AAAA-BBBB-CCCC-DDDD")

    assert response.status_code == 404
    assert "未找到该编号的证书" in response.get_data(as_text=True)


def test_verify_rate_limited_per_address(app):
    client = app.test_client()
    for _ in range(service.VERIFY_LIMIT):
        client.get("/verify/AAAA-BBBB-CCCC-DDDD")

    limited = client.get("/verify/AAAA-BBBB-CCCC-DDDD")
    elsewhere = app.test_client().get(
        "/verify/AAAA-BBBB-CCCC-DDDD", environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )

    assert limited.status_code == 429
    assert "查询过于频繁" in limited.get_data(as_text=True)
    assert elsewhere.status_code == 404


def test_glyph_problem_listed_and_batch_refused(app, make_user, finalised, make_entry):
    competition = finalised()
    unit = db.session.scalar(select(Unit).where(Unit.name == "西南大学"))
    entry = make_entry(competition, unit, authors=("李\U0002a6a5",))
    client = _organiser(app, make_user)
    _issue_via_page(client, competition)

    page = client.get(f"/competitions/{competition.id}/certificates")
    refused = client.get(
        f"/competitions/{competition.id}/certificates.pdf", follow_redirects=True
    )

    assert "\U0002a6a5 U+2A6A5" in page.get_data(as_text=True)
    assert f"作品 {entry.code} 的作者“\U0002a6a5”" in refused.get_data(as_text=True)
    assert refused.headers["Content-Type"].startswith("text/html")


def test_correct_page_fixes_author(app, make_user, finalised, make_entry):
    competition = finalised()
    unit = db.session.scalar(select(Unit).where(Unit.name == "西南大学"))
    entry = make_entry(competition, unit, authors=("李\U0002a6a5",))
    client = _organiser(app, make_user)
    path = f"/competitions/{competition.id}/certificates/entries/{entry.id}"
    token = csrf_token(client, path)

    client.post(
        path, data={"csrf_token": token, "title": entry.title, "authors": "李龙\n"}
    )

    db.session.refresh(entry)
    assert entry.author_names == ["李龙"]


def test_settings_upload_seal_and_issuer(app, make_user, finalised):
    competition = finalised()
    client = _organiser(app, make_user)
    path = f"/competitions/{competition.id}/certificates/settings"
    token = csrf_token(client, path)

    client.post(
        path,
        data={
            "csrf_token": token,
            "issuer": "重庆市总工会",
            "issued_on": "2026-12-01",
            "seal": (io.BytesIO(seal_png()), "seal.png"),
        },
        content_type="multipart/form-data",
    )
    image = client.get(f"/competitions/{competition.id}/certificates/seal.png")

    db.session.refresh(competition)
    assert (competition.issuer, str(competition.issued_on)) == (
        "重庆市总工会",
        "2026-12-01",
    )
    assert image.data == service.seal_png(competition)
    assert image.headers["Content-Type"] == "image/png"


def test_settings_refuse_non_png_seal(app, make_user, finalised):
    competition = finalised()
    client = _organiser(app, make_user)
    path = f"/competitions/{competition.id}/certificates/settings"
    token = csrf_token(client, path)

    response = client.post(
        path,
        data={
            "csrf_token": token,
            "issuer": "改了",
            "seal": (io.BytesIO(b"GIF89a" + b"\x00" * 50), "seal.png"),
        },
        content_type="multipart/form-data",
    )

    db.session.refresh(competition)
    assert "印章图片须为 PNG 格式" in response.get_data(as_text=True)
    assert (competition.issuer, competition.seal_sha256) == (
        "重庆市教科文卫体工会",
        None,
    )


def _unit_client(app, make_user, name):  # noqa: ANN001, ANN202
    unit = db.session.scalar(select(Unit).where(Unit.name == name))
    client = app.test_client()
    login(client, make_user(Role.UNIT, unit=unit))
    return client


def test_unit_downloads_only_own_certificates(app, make_user, finalised):
    competition = finalised(Phase.PUBLISHED)
    service.issue_certificates(actor=None, competition=competition, now=utcnow())
    cqu = _unit_client(app, make_user, "重庆大学")
    swu = _unit_client(app, make_user, "西南大学")
    other = app.test_client()
    login(other, make_user(Role.UNIT))

    own = cqu.get(f"/unit/competitions/{competition.id}/certificates.pdf")
    theirs = swu.get(f"/unit/competitions/{competition.id}/certificates.pdf")
    none = other.get(f"/unit/competitions/{competition.id}/certificates.pdf")
    missing = other.get("/unit/competitions/999/certificates.pdf")

    own_pages, their_pages = _pages(own.data), _pages(theirs.data)
    assert len(own_pages) == 2 and all("重庆大学" in p for p in own_pages)
    assert len(their_pages) == 1 and "王堃" in their_pages[0]
    assert none.status_code == 404
    assert same_page(none, missing)


def test_unit_download_before_publish_is_404(app, make_user, finalised):
    competition = finalised(Phase.FINALISED)
    service.issue_certificates(actor=None, competition=competition, now=utcnow())
    cqu = _unit_client(app, make_user, "重庆大学")

    response = cqu.get(f"/unit/competitions/{competition.id}/certificates.pdf")

    assert response.status_code == 404


def _wait_for(client, url: str) -> dict:  # noqa: ANN001
    deadline = time.monotonic() + 20
    while True:
        status = client.get(url).get_json()
        if status["state"] != "running" or time.monotonic() > deadline:
            return status
        time.sleep(0.05)


def test_job_reports_progress_then_serves_file(app, make_user, finalised):
    competition = finalised()
    client = _organiser(app, make_user)
    _issue_via_page(client, competition)
    token = csrf_token(client, f"/competitions/{competition.id}/certificates")

    started = client.post(
        f"/competitions/{competition.id}/certificates/jobs",
        data={"csrf_token": token, "kind": "zip"},
    )
    page_url = started.location
    status_url = page_url.removesuffix("/progress")
    page = client.get(page_url).get_data(as_text=True)
    status = _wait_for(client, status_url)
    file = client.get(status["download_url"])

    assert f'data-progress-url="{status_url}"' in page
    assert "progress.js" in page
    assert (status["state"], status["done"], status["total"]) == ("done", 3, 3)
    assert status["download_url"] == f"{status_url}/file"
    assert len(zipfile.ZipFile(io.BytesIO(file.data)).namelist()) == 3
    assert file.headers["Content-Disposition"].startswith("attachment")
    job_id = status_url.rsplit("/", 1)[1]
    jobs_dir = Path(app.config["UPLOAD_FOLDER"]) / "jobs" / job_id
    assert [p.name for p in jobs_dir.iterdir()] == ["batch.zip"]


def test_job_of_another_organiser_is_404(app, make_user, finalised):
    competition = finalised()
    client = _organiser(app, make_user)
    _issue_via_page(client, competition)
    token = csrf_token(client, f"/competitions/{competition.id}/certificates")
    started = client.post(
        f"/competitions/{competition.id}/certificates/jobs",
        data={"csrf_token": token, "kind": "pdf"},
    )
    status_url = started.location.removesuffix("/progress")
    _wait_for(client, status_url)
    intruder = _organiser(app, make_user)

    responses = [
        intruder.get(url)
        for url in (started.location, status_url, f"{status_url}/file")
    ]
    missing = intruder.get(
        f"/competitions/{competition.id}/certificates/jobs/AAAAAAAAAAAAAAAAAAAAAA"
    )

    assert [r.status_code for r in responses] == [404, 404, 404]
    assert same_page(responses[1], missing)


def test_verify_prefix_uses_public_base_url(app):
    app.config["PUBLIC_BASE_URL"] = "https://zhengwen.example.edu.cn/"

    prefix = service.verify_prefix()

    assert prefix == "https://zhengwen.example.edu.cn/verify/"
