"""The results files built by a job once a competition has many entries."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.extensions import db
from tests.conftest import csrf_token, login


def _organiser(app, user):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, user)
    return client


def _start(client, c, kind: str):  # noqa: ANN001, ANN202
    token = csrf_token(client, f"/competitions/{c.id}/results")
    return client.post(
        f"/competitions/{c.id}/downloads",
        data={"csrf_token": token, "kind": kind, "method": "mean"},
    )


def test_large_competition_offers_jobs_not_links(app, build_scored):
    s = build_scored()
    app.config["DOWNLOADS_DIRECT_LIMIT"] = 5  # six entries: over the limit
    client = _organiser(app, s.organiser)

    html = client.get(f"/competitions/{s.competition.id}/results").get_data(
        as_text=True
    )
    direct = client.get(
        f"/competitions/{s.competition.id}/scores.xlsx", follow_redirects=True
    )

    assert "后台生成评分总表（XLSX）" in html
    assert f"/competitions/{s.competition.id}/scores.xlsx" not in html
    assert "作品较多，评分总表（XLSX） 改为后台生成" in direct.get_data(as_text=True)
    assert direct.request.path == f"/competitions/{s.competition.id}/results"


def test_score_sheet_job_reports_progress_then_serves_file(app, build_scored):
    s = build_scored()
    client = _organiser(app, s.organiser)

    started = _start(client, s.competition, "scores")
    page = client.get(started.location).get_data(as_text=True)
    status_url = started.location.removesuffix("/progress")
    status = client.get(status_url).get_json()
    file = client.get(status["download_url"])

    assert f'data-progress-url="{status_url}"' in page
    assert (status["state"], status["done"], status["total"]) == ("done", 2, 2)
    book = load_workbook(io.BytesIO(file.data))
    assert book.sheetnames == ["汇总", "评分明细"]
    codes = [
        r[0] for r in book["汇总"].iter_rows(min_row=2, max_row=7, values_only=True)
    ]
    assert sorted(codes) == sorted(e.code for e in s.entries)
    assert file.headers["Content-Disposition"].startswith("attachment")
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "results.export")
    ).all()
    assert events == ["results.export"]


def test_award_list_jobs_build_xlsx_and_pdf(app, build_scored):
    s = build_scored()
    client = _organiser(app, s.organiser)

    files = {}
    for kind in ("awards-xlsx", "awards-pdf"):
        status_url = _start(client, s.competition, kind).location
        status = client.get(status_url.removesuffix("/progress")).get_json()
        files[kind] = client.get(status["download_url"]).data

    assert files["awards-xlsx"][:2] == b"PK"
    assert files["awards-pdf"][:5] == b"%PDF-"


def test_file_job_of_another_organiser_is_404(app, build_scored, make_user):
    s = build_scored()
    client = _organiser(app, s.organiser)
    started = _start(client, s.competition, "scores")
    status_url = started.location.removesuffix("/progress")
    intruder = _organiser(app, make_user(Role.ORGANISER))

    codes = [
        intruder.get(url).status_code
        for url in (started.location, status_url, f"{status_url}/file")
    ]

    assert codes == [404, 404, 404]


def test_unknown_file_kind_is_refused(app, build_scored):
    s = build_scored()
    client = _organiser(app, s.organiser)

    response = _start(client, s.competition, "everything")

    assert response.status_code == 400
    assert (
        db.session.scalars(select(AuditEvent.action)).all().count("results.export") == 0
    )
