"""Certificate service: issuing rules, serials, revoking, seals, glyphs, batches."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from judging.accounts.models import Role
from judging.audit.models import AuditEvent
from judging.certificates import service
from judging.certificates.models import Certificate
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from tests.certificates.conftest import seal_png

PREFIX = "https://zhengwen.example.edu.cn/verify/"


def _certificates() -> list[Certificate]:
    return list(db.session.scalars(select(Certificate).order_by(Certificate.id)))


def _issue(competition, actor):  # noqa: ANN001, ANN202
    created = service.issue_certificates(
        actor=actor, competition=competition, now=utcnow()
    )
    db.session.commit()
    return created


def test_issue_before_finalised_refused(finalised, make_user):
    competition = finalised(Phase.REVIEWING)

    with pytest.raises(service.CertificateError) as error:
        _issue(competition, make_user(Role.ORGANISER))

    assert str(error.value) == "评审结果定稿后才能颁发和打印荣誉证书。"
    assert _certificates() == []


def test_issue_one_per_awarded_entry(finalised, make_user):
    competition = finalised()

    created = _issue(competition, make_user(Role.ORGANISER))

    assert sorted(c.entry.author_names[0] for c in created) == sorted(
        ["张晓明", "欧阳玥", "王堃"]
    )
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "certificates.issue")
    )
    assert event.competition_id == competition.id


def test_issue_twice_creates_none_again(finalised, make_user):
    competition = finalised()
    organiser = make_user(Role.ORGANISER)
    _issue(competition, organiser)

    again = _issue(competition, organiser)

    assert (again, len(_certificates())) == ([], 3)


def test_issue_by_unit_refused(finalised, make_user):
    competition = finalised()

    with pytest.raises(service.CertificateError):
        _issue(competition, make_user(Role.UNIT))

    assert _certificates() == []


def test_serials_unique_unguessable_and_not_sequential():
    serials = [service.new_serial() for _ in range(2000)]

    assert len(set(serials)) == 2000
    assert all(
        re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){3}[0-9A-HJKMNP-TV-Z]{4}", s)
        for s in serials
    )
    # Consecutive serials share no common prefix beyond chance.
    shared = sum(a[:4] == b[:4] for a, b in zip(serials, serials[1:], strict=False))
    assert shared < 5


def test_normalise_serial_accepts_typing_slips():
    assert service.normalise_serial(" 7k2q-m9xd-4trb-owze ") == "7K2Q-M9XD-4TRB-0WZE"


def test_revoke_records_reason_and_audit(finalised, make_user):
    competition = finalised()
    organiser = make_user(Role.ORGANISER)
    certificate = _issue(competition, organiser)[0]

    service.revoke_certificate(
        actor=organiser, certificate=certificate, reason="作者署名有误", now=utcnow()
    )
    db.session.commit()

    assert certificate.revoked_at is not None
    assert certificate.revoke_reason == "作者署名有误"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "certificate.revoke")
    )
    assert event.object_id == certificate.id


def test_revoke_twice_or_without_reason_refused(finalised, make_user):
    competition = finalised()
    organiser = make_user(Role.ORGANISER)
    certificate = _issue(competition, organiser)[0]

    with pytest.raises(service.CertificateError) as empty:
        service.revoke_certificate(
            actor=organiser, certificate=certificate, reason=" ", now=utcnow()
        )
    service.revoke_certificate(
        actor=organiser, certificate=certificate, reason="重复", now=utcnow()
    )
    with pytest.raises(service.CertificateError) as twice:
        service.revoke_certificate(
            actor=organiser, certificate=certificate, reason="重复", now=utcnow()
        )

    assert (str(empty.value), str(twice.value)) == (
        "请填写撤销原因。",
        "该证书已撤销。",
    )


def _read(data: bytes) -> PdfReader:
    return PdfReader(io.BytesIO(data))


def test_batch_pdf_one_page_per_live_certificate(finalised, make_user):
    competition = finalised()
    organiser = make_user(Role.ORGANISER)
    revoked = _issue(competition, organiser)[-1]
    service.revoke_certificate(
        actor=organiser, certificate=revoked, reason="撤销", now=utcnow()
    )
    rows = service.issued(competition, include_revoked=False)

    items = service.printable_items(competition, rows, prefix=PREFIX)
    reader = _read(service.batch_file(items, kind="pdf"))

    text = "\n".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 2
    assert [r.result.tier_name for r in rows] == ["一等奖", "二等奖"]
    assert "技能形成体系研究" in text and "欧阳玥" in text and "二等奖" in text
    assert rows[0].certificate.serial in text
    assert revoked.serial not in text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    font = next(iter(fonts.values())).get_object()
    assert str(font["/BaseFont"]).endswith("+UKaiCN")
    assert "/FontFile2" in font["/FontDescriptor"].get_object()
    assert items[0].verify_url == PREFIX + rows[0].certificate.serial


def test_batch_zip_one_pdf_per_entry_named_by_serial(finalised, make_user):
    competition = finalised()
    _issue(competition, make_user(Role.ORGANISER))
    rows = service.issued(competition)

    items = service.printable_items(competition, rows, prefix=PREFIX)
    archive = zipfile.ZipFile(io.BytesIO(service.batch_file(items, kind="zip")))

    names = archive.namelist()
    assert names == [f"{r.certificate.serial}-{r.entry.title}.pdf" for r in rows]
    assert [len(_read(archive.read(n)).pages) for n in names] == [1, 1, 1]


def test_zip_member_name_sanitised(finalised, make_user):
    competition = finalised()
    _issue(competition, make_user(Role.ORGANISER))
    items = service.printable_items(
        competition, service.issued(competition), prefix=PREFIX
    )
    item = replace(items[0], title="论/“工会”: a\\b?\n研究 *<x>|")

    assert service.zip_member_name(item) == f"{item.serial}-论_“工会”_a_b_研究_x.pdf"


def test_missing_glyphs_refuse_batch_with_characters(finalised, make_user, make_entry):
    competition = finalised()
    entry = make_entry(
        competition, make_user(Role.UNIT).unit, authors=("李\U0002a6a5",)
    )
    _issue(competition, make_user(Role.ORGANISER))
    rows = service.issued(competition)

    problems = service.glyph_problems(competition, rows)
    with pytest.raises(service.CertificateError) as error:
        service.printable_items(competition, rows, prefix=PREFIX)

    assert [(p.entry.id, p.field, p.chars) for p in problems] == [
        (entry.id, "作者", ("\U0002a6a5",))
    ]
    assert str(error.value) == (
        f"有 1 处文字含证书字体无法显示的字符（作品 {entry.code} 的作者“\U0002a6a5”），"
        "请修正后再打印。"
    )


def test_correct_entry_fixes_names_and_is_audited(finalised, make_user, make_entry):
    competition = finalised()
    entry = make_entry(
        competition, make_user(Role.UNIT).unit, authors=("李\U0002a6a5", "赵六")
    )
    organiser = make_user(Role.ORGANISER)

    service.correct_entry(
        actor=organiser,
        entry=entry,
        title="更正后的题目",
        authors=["李龙"],
        now=utcnow(),
    )
    db.session.commit()

    assert (entry.title, entry.author_names) == ("更正后的题目", ["李龙"])
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "entry.correct")
    )
    assert "李\U0002a6a5" in event.detail


def test_save_seal_keeps_transparency(finalised, make_user):
    competition = finalised()

    service.save_seal(
        actor=make_user(Role.ORGANISER),
        competition=competition,
        data=seal_png(),
        now=utcnow(),
    )
    db.session.commit()

    image = Image.open(io.BytesIO(service.seal_png(competition)))
    assert (image.format, image.mode) == ("PNG", "RGBA")
    assert image.getpixel((60, 60))[3] == 0
    assert len(competition.seal_sha256) == 64


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.7 not an image", "印章图片须为 PNG 格式（建议透明背景）。"),
        (
            b"\x89PNG\r\n\x1a\n" + b"\x00" * 100,
            "印章图片须为 PNG 格式（建议透明背景）。",
        ),
        (b"\x89PNG" + b"\x00" * (2 * 1024 * 1024), "印章图片不能超过 2 MB。"),
    ],
)
def test_save_seal_refuses_bad_files(finalised, make_user, data, message):
    competition = finalised()

    with pytest.raises(service.CertificateError) as error:
        service.save_seal(
            actor=make_user(Role.ORGANISER),
            competition=competition,
            data=data,
            now=utcnow(),
        )

    assert (str(error.value), competition.seal_sha256) == (message, None)


def test_save_seal_refuses_jpeg(finalised, make_user):
    competition = finalised()
    out = io.BytesIO()
    Image.new("RGB", (50, 50), "red").save(out, format="JPEG")

    with pytest.raises(service.CertificateError) as error:
        service.save_seal(
            actor=make_user(Role.ORGANISER),
            competition=competition,
            data=out.getvalue(),
            now=utcnow(),
        )

    assert str(error.value) == "印章图片须为 PNG 格式（建议透明背景）。"


def test_printable_items_need_issuer(finalised, make_user):
    competition = finalised()
    _issue(competition, make_user(Role.ORGANISER))
    competition.issuer = ""

    with pytest.raises(service.CertificateError) as error:
        service.printable_items(competition, service.issued(competition), prefix=PREFIX)

    assert str(error.value) == "请先在证书设置中填写颁发单位和颁发日期。"


def test_allow_lookup_limits_each_address(app):
    now = utcnow()

    allowed = [service.allow_lookup(address="10.0.0.1", now=now) for _ in range(31)]
    other = service.allow_lookup(address="10.0.0.2", now=now)
    later = service.allow_lookup(
        address="10.0.0.1", now=now + service.VERIFY_WINDOW * 1.01
    )

    assert allowed == [True] * 30 + [False]
    assert (other, later) == (True, True)


def test_demo_issue_is_idempotent_with_seal(finalised):
    from judging.certificates.demo import issue

    competition = finalised(Phase.PUBLISHED)
    competition.issuer, competition.issued_on = "", None

    first = issue(competition=competition)
    second = issue(competition=competition)
    db.session.commit()

    assert (first, second, len(_certificates())) == (3, 3, 3)
    assert competition.issuer == "重庆市教科文卫体工会"
    assert service.seal_png(competition)[:8] == b"\x89PNG\r\n\x1a\n"
    items = service.printable_items(
        competition, service.issued(competition), prefix=PREFIX
    )
    assert all(item.seal_png is not None for item in items)
