"""OCR after upload: pictures are read in the background, the entry is 检查中
meanwhile, and the move to 评审中 waits for it. Jobs run inline in tests (when
the request's transaction commits), with the real Tesseract."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas
from sqlalchemy import select

from judging.accounts.models import Role
from judging.anonymity import pipeline
from judging.anonymity.models import Finding
from judging.competitions import service as competitions
from judging.competitions.models import Phase
from judging.competitions.service import CompetitionError
from judging.extensions import db
from judging.submissions.models import Entry
from tests.conftest import login
from tests.submissions.test_views import _post_entry

OCR = Path(__file__).resolve().parents[1] / "fixtures" / "ocr"


def findings() -> list[tuple[str, str, str, str]]:
    rows = db.session.scalars(select(Finding).order_by(Finding.id))
    return [(f.kind, f.location, f.severity, f.evidence) for f in rows]


@pytest.fixture()
def ctbu_client(app, make_user, make_unit):  # noqa: ANN001
    """A logged-in contact of 重庆工商大学, the unit named in the OCR fixtures."""
    unit = make_unit(name="重庆工商大学", short_name="重庆工商大学")
    user = make_user(role="unit", unit=unit)
    client = app.test_client()
    login(client, user)
    client.user = user
    return client


def blurred_scan_pdf() -> bytes:
    """reportlab page that is only a badly blurred photo of a page of text."""
    sharp = Image.open(OCR / "sign.png")
    blurred = sharp.resize((sharp.width // 9, sharp.height // 9)).resize(sharp.size)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawImage(ImageReader(blurred), 40, 500, width=500, height=80)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_upload_with_a_picture_of_names_is_flagged_from_the_picture(
    unit_client, make_competition
):
    competition = make_competition()

    _post_entry(
        unit_client, competition, file=("ocr/figure-python-docx.docx", "论文.docx")
    )

    entry = db.session.scalar(select(Entry))
    assert (
        entry.check_state,
        [(k, loc, sev, ev.split("：")[0]) for k, loc, sev, ev in findings()],
        "联系人张晓明" in findings()[0][3],
    ) == ("done", [("person", "image", "high", "图片 image1.png")] * 2, True)


def test_scanned_essay_gets_what_ocr_found_not_manual(ctbu_client, make_competition):
    competition = make_competition()

    _post_entry(ctbu_client, competition, file=("ocr/scanned-chromium.pdf", "论文.pdf"))

    assert [(k, loc, sev) for k, loc, sev, _ in findings()] == [
        ("unit", "image", "high")
    ]
    entry = db.session.scalar(select(Entry))
    db.session.refresh(entry)
    # the page holds 84 characters (punctuation not counted); OCR may miss some
    assert (findings()[0][3].startswith("第 1 页图片 1："), entry.word_count > 70) == (
        True,
        True,
    )


def test_blurred_scan_is_manual_only_where_ocr_is_unsure(
    unit_client, make_competition, tmp_path
):
    competition = make_competition()
    (tmp_path / "blurred.pdf").write_bytes(blurred_scan_pdf())

    _post_entry(
        unit_client, competition, file=(str(tmp_path / "blurred.pdf"), "论文.pdf")
    )

    assert findings() == [
        (
            "unread_image",
            "image",
            "manual",
            "第 1 页图片 1：扫描页面文字识别可信度低，需人工检查。",
        )
    ]


def test_without_tesseract_every_picture_waits_for_a_human(
    unit_client, make_competition, monkeypatch
):
    competition = make_competition()
    monkeypatch.setenv("PATH", "/nonexistent")

    _post_entry(
        unit_client, competition, file=("ocr/figure-python-docx.docx", "论文.docx")
    )

    entry = db.session.scalar(select(Entry))
    assert (entry.check_state, findings()) == (
        "done",
        [
            (
                "unread_image",
                "image",
                "manual",
                "图片 image1.png：服务器未安装图片文字识别（Tesseract），需人工检查。",
            )
        ],
    )


def test_entry_is_checking_until_ocr_has_run_and_review_waits(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition)  # clean.pdf: no pictures
    organiser = make_user(Role.ORGANISER)
    competitions.advance_phase(
        actor=organiser, competition=competition, target=Phase.CLOSED
    )
    db.session.commit()
    entry = db.session.scalar(select(Entry))
    redacted = (OCR / "figure-python-docx.docx").read_bytes()

    pipeline.process_entry(entry, source=(redacted, "docx"))
    state_before = entry.check_state
    with pytest.raises(CompetitionError) as refused:
        competitions.advance_phase(
            actor=organiser, competition=competition, target=Phase.REVIEWING
        )
    db.session.commit()  # the OCR job runs now
    db.session.refresh(entry)

    assert (state_before, entry.check_state) == ("pending", "done")
    assert refused.value.errors[0] == (
        f"作品 {entry.code} 仍在检查中（正在识别图片中的文字），完成后才能进入评审。"
    )


def test_unit_dashboard_shows_checking(app, unit_client, make_competition):
    competition = make_competition()
    _post_entry(unit_client, competition)
    entry = db.session.scalar(select(Entry))
    entry.check_state = "pending"
    db.session.commit()

    html = unit_client.get("/unit").get_data(as_text=True)

    assert html.count("检查中") == 1
