"""Calls for every unit: eligibility on every submission route, collections and
their phases, attachments through the real upload route (photos and a video
made by ffmpeg, exiftool and heif-enc), the dossier, recommendations and
reminders to units."""

from __future__ import annotations

import io
import subprocess
import zipfile
from datetime import date, timedelta
from email import message_from_bytes
from email.policy import default as email_policy

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from judging.accounts.models import Role, User
from judging.assignment.service import AssignmentError, apply_plan
from judging.competitions import service as calls
from judging.competitions.eligibility import Rule
from judging.competitions.models import Phase
from judging.competitions.rules import default_settings
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.submissions.files import load_file
from judging.submissions.models import Attachment, Entry, StoredFile
from tests.conftest import csrf_token, login
from tests.submissions.conftest import fixture_bytes

REPORT = {
    "title": "以产改推动医院职工技能提升的实践",
    "authors-0-name": "王芳",
    "abstract": "",
    "keywords": "",
}


def _collection(make_user, **changes):  # noqa: ANN001, ANN003, ANN202
    organiser = make_user(Role.ORGANISER)
    today = date.today()
    values = {
        "kind": "collection",
        "categories": (),
        "people": "responsible",
        "min_entries": 1,
        "max_entries": 2,
        "attachment_kinds": frozenset({"photo", "video"}),
        "max_attachments": 4,
        "criteria": (),
        "tiers": (),
    }
    settings = default_settings(
        title="典型经验材料",
        opens_on=today - timedelta(days=3),
        closes_on=today + timedelta(days=3),
        **{**values, **changes},
    )
    c = calls.create_competition(
        actor=organiser, settings=settings, extras=calls.Extras(code_prefix="AL")
    )
    calls.set_eligibility(
        actor=organiser, competition=c, rule=Rule("group", group="试点单位")
    )
    c.phase = Phase.OPEN
    db.session.commit()
    return c, organiser


def _contact(app, make_user, make_unit, **unit):  # noqa: ANN001, ANN003, ANN202
    user = make_user(Role.UNIT, unit=make_unit(**unit))
    client = app.test_client()
    login(client, user)
    return client, user


def _post(client, c, *, attachments=(), main=("clean.pdf", "经验材料.pdf"), **fields):  # noqa: ANN001, ANN003, ANN202
    url = f"/unit/competitions/{c.id}/entries/new"
    token = csrf_token(client, url) if client.get(url).status_code == 200 else "x"
    data = {"csrf_token": token, **REPORT, **fields}
    data["file"] = (io.BytesIO(fixture_bytes(main[0])), main[1])
    data["attachments"] = [(io.BytesIO(b), n) for b, n in attachments]
    return client.post(
        url, data=data, content_type="multipart/form-data", follow_redirects=True
    )


def _counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count(m.id)))
        for m in (Entry, Attachment, StoredFile)
    )


def _media(name: str) -> bytes:
    return fixture_bytes(f"media/{name}")


def test_a_unit_outside_the_call_gets_404_everywhere_and_changes_nothing(
    app, make_user, make_unit
):
    c, _ = _collection(make_user)
    client, _ = _contact(
        app, make_user, make_unit, name="重庆市第八中学", kind="中小学"
    )
    before = _counts()

    page = client.get(f"/unit/competitions/{c.id}/entries/new")
    posted = _post(client, c)
    receipt = client.get(f"/unit/competitions/{c.id}/receipt.pdf")
    check = client.get(f"/unit/competitions/{c.id}/check")
    results = client.get(f"/unit/competitions/{c.id}/results")
    dashboard = client.get("/unit").get_data(as_text=True)

    assert [page.status_code, posted.status_code, receipt.status_code] == [404] * 3
    assert [check.status_code, results.status_code] == [404, 404]
    assert "典型经验材料" not in dashboard
    assert _counts() == before


def test_pilot_unit_submits_two_case_reports_with_photos_and_a_video(
    app, make_user, make_unit
):
    c, _ = _collection(make_user)
    client, user = _contact(
        app, make_user, make_unit, name="重庆医科大学附属第一医院", kind="医疗卫生机构",
        is_pilot=True,
    )  # fmt: skip

    first = _post(
        client,
        c,
        attachments=[
            (_media("photo.jpg"), "车间.jpg"),
            (_media("clip.mp4"), "课堂.mp4"),
        ],
    )
    second = _post(client, c, attachments=[(_media("photo.heic"), "IMG_0001.HEIC")])
    before = _counts()
    third = _post(client, c)

    assert "作品已提交。" in first.get_data(as_text=True)
    assert "作品已提交。" in second.get_data(as_text=True)
    assert "本单位已报送 2 件，达到每个单位 2 件的上限。" in third.get_data(
        as_text=True
    )
    assert _counts() == before
    entries = db.session.scalars(select(Entry).order_by(Entry.slot)).all()
    assert [(e.unit_id, e.category, e.author_names) for e in entries] == [
        (user.unit_id, "", ["王芳"]),
        (user.unit_id, "", ["王芳"]),
    ]
    assert entries[0].code is None  # a collection is not judged: no codes
    kinds = [(a.kind, a.file.kind, a.file_name) for a in entries[0].attachments]
    assert kinds == [("photo", "jpeg", "车间.jpg"), ("video", "mp4", "课堂.mp4")]
    photo, video = entries[0].attachments
    assert (photo.width, photo.height, video.seconds) == (640, 480, 2)
    clean = load_file(photo.clean_file)
    assert dict(Image.open(io.BytesIO(clean)).getexif()) == {}
    assert "张晓明".encode() not in clean
    assert Image.open(io.BytesIO(load_file(video.preview_file))).format == "JPEG"
    assert entries[1].attachments[0].file.kind == "heic"
    preview = client.get(f"/unit/attachments/{photo.id}/preview")
    assert Image.open(io.BytesIO(preview.data)).size == (480, 360)


@pytest.mark.parametrize(
    ("attachment", "message"),
    [
        ((_media("photo.heic"), "照片.mp4"), "扩展名是 .mp4，但内容是HEIC 照片"),
        ((fixture_bytes("clean.pdf"), "材料.pdf"), "本次征集只接收照片、视频附件"),
        ((b"just text", "说明.txt"), "不是可接收的文件"),
        ((_media("broken.mp4"), "坏.mp4"), "视频无法读取"),
    ],
)
def test_a_wrong_attachment_is_refused_and_nothing_is_stored(
    app, make_user, make_unit, attachment, message
):
    c, _ = _collection(make_user)
    client, _ = _contact(app, make_user, make_unit, kind="文化单位", is_pilot=True)
    before = _counts()

    response = _post(client, c, attachments=[attachment])

    assert message in response.get_data(as_text=True)
    assert _counts() == before


def test_a_video_over_the_limit_is_refused(app, make_user, make_unit, tmp_path):
    c, _ = _collection(make_user, max_video_mb=1)
    client, _ = _contact(app, make_user, make_unit, kind="体育单位", is_pilot=True)
    big = tmp_path / "big.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i",
         "nullsrc=size=640x480:rate=25,geq=random(1)*255:128:128", "-t", "3",
         "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", str(big)],
        check=True,
    )  # fmt: skip
    assert big.stat().st_size > 1024 * 1024
    before = _counts()

    response = _post(client, c, attachments=[(big.read_bytes(), "比赛.mp4")])

    assert "超过视频 1 MB 的上限" in response.get_data(as_text=True)
    assert _counts() == before


def test_too_many_attachments_are_refused(app, make_user, make_unit):
    c, _ = _collection(make_user, max_attachments=1)
    client, _ = _contact(app, make_user, make_unit, kind="企业", is_pilot=True)
    before = _counts()

    photos = [(_media("photo.png"), "a.png"), (_media("photo.jpg"), "b.jpg")]
    response = _post(client, c, attachments=photos)

    assert "每件作品最多 1 个附件" in response.get_data(as_text=True)
    assert _counts() == before


def test_responsible_person_required_and_only_one(app, make_user, make_unit):
    c, _ = _collection(make_user)
    client, _ = _contact(app, make_user, make_unit, kind="企业", is_pilot=True)

    nobody = _post(client, c, **{"authors-0-name": ""})
    two = _post(client, c, **{"authors-1-name": "李四"})

    assert "请填写一位负责人姓名（只填一位）。" in nobody.get_data(as_text=True)
    assert "请填写一位负责人姓名（只填一位）。" in two.get_data(as_text=True)
    assert _counts()[0] == 0


def test_collection_phases_end_in_the_archive_and_never_reach_judges(
    app, make_user, make_unit
):
    c, organiser = _collection(make_user)

    assert calls.next_phase(c) == "closed"
    calls.advance_phase(actor=organiser, competition=c, target="closed")
    assert calls.next_phase(c) == "archived"
    with pytest.raises(calls.CompetitionError):
        calls.advance_phase(actor=organiser, competition=c, target="reviewing")
    with pytest.raises(AssignmentError) as refused:
        apply_plan(actor=organiser, competition=c, k=3, seed=1, now=utcnow())
    calls.advance_phase(actor=organiser, competition=c, target="archived")

    assert "材料征集不评审" in str(refused.value)
    assert (c.phase, calls.next_phase(c)) == ("archived", None)


def test_overview_lists_only_eligible_units_and_narrowing_keeps_entries(
    app, make_user, make_unit
):
    c, organiser = _collection(make_user)
    client, pilot = _contact(
        app, make_user, make_unit, name="市人民医院", is_pilot=True
    )
    make_unit(name="市中医院", kind="医疗卫生机构", is_pilot=True)
    make_unit(name="重庆市第一中学", kind="中小学")
    _post(client, c)
    admin = app.test_client()
    login(admin, organiser)

    html = admin.get(f"/competitions/{c.id}/submissions").get_data(as_text=True)
    token = csrf_token(admin, f"/competitions/{c.id}/eligibility")
    narrowed = admin.post(
        f"/competitions/{c.id}/eligibility",
        data={"csrf_token": token, "mode": "kinds", "kinds": ["中小学"]},
        follow_redirects=True,
    ).get_data(as_text=True)
    after = admin.get(f"/competitions/{c.id}/submissions").get_data(as_text=True)
    dashboard = client.get("/unit").get_data(as_text=True)

    assert "市人民医院" in html and "市中医院" in html
    assert "重庆市第一中学" not in html
    assert "已有 1 件作品来自不在新范围内的单位" in narrowed
    assert _counts()[0] == 1
    assert "重庆市第一中学" in after and "不在参与范围，作品保留" in after
    assert "典型经验材料" in dashboard  # it still sees its kept entry
    assert pilot.unit_id == db.session.scalar(select(Entry.unit_id))
    assert _post(client, c).status_code == 404  # but cannot add one


def test_dossier_has_a_folder_per_unit_every_file_and_an_index(
    app, make_user, make_unit
):
    c, organiser = _collection(make_user)
    client, _ = _contact(app, make_user, make_unit, name="重庆图书馆", is_pilot=True)
    _post(client, c, attachments=[(_media("photo.jpg"), "读书会.jpg")])
    admin = app.test_client()
    login(admin, organiser)

    archive = zipfile.ZipFile(
        io.BytesIO(admin.get(f"/competitions/{c.id}/files.zip").data)
    )

    assert archive.namelist() == [
        "重庆图书馆/01-经验材料.pdf",
        "重庆图书馆/01-附件1-读书会.jpg",
        "索引-index.xlsx",
    ]
    assert archive.read("重庆图书馆/01-附件1-读书会.jpg") == _media("photo.jpg")
    book = load_workbook(io.BytesIO(archive.read("索引-index.xlsx")))
    files = list(book["文件清单"].iter_rows(values_only=True))
    entry = db.session.scalar(select(Entry))
    assert [r[2] for r in files[1:]] == [
        "重庆图书馆/01-经验材料.pdf",
        "重庆图书馆/01-附件1-读书会.jpg",
    ]
    assert files[1][5] == entry.file.sha256
    assert files[2][5] == entry.attachments[0].file.sha256
    summary = list(book["报送汇总"].iter_rows(values_only=True))
    assert summary[0][5] == "负责人"
    assert summary[1][:4] == ("重庆图书馆", "本科院校", 1, REPORT["title"])


def test_recommended_entries_are_marked_and_exported(app, make_user, make_unit):
    c, organiser = _collection(make_user)
    client, _ = _contact(app, make_user, make_unit, name="重庆美术馆", is_pilot=True)
    _post(client, c)
    entry = db.session.scalar(select(Entry))
    admin = app.test_client()
    login(admin, organiser)
    token = csrf_token(admin, f"/entries/{entry.id}")

    admin.post(
        f"/entries/{entry.id}/recommend",
        data={"csrf_token": token, "mark": "excellent", "note": "职工书屋做法可推广"},
    )
    bad = admin.post(
        f"/entries/{entry.id}/recommend",
        data={"csrf_token": token, "mark": "best"},
        follow_redirects=True,
    )
    sheet = load_workbook(
        io.BytesIO(admin.get(f"/competitions/{c.id}/recommended.xlsx").data)
    ).active

    db.session.refresh(entry)
    assert (entry.recommendation, entry.recommendation_note) == (
        "excellent",
        "职工书屋做法可推广",
    )
    assert "推荐只能是" in bad.get_data(as_text=True)
    assert list(sheet.iter_rows(values_only=True))[1] == (
        "优秀", "重庆美术馆", REPORT["title"], None, "王芳", "职工书屋做法可推广",
    )  # fmt: skip


def test_reminders_go_to_eligible_units_below_the_minimum(
    app,
    make_user,
    make_unit,
    smtp_server,
):
    c, organiser = _collection(make_user)
    done, _ = _contact(app, make_user, make_unit, name="已报单位", is_pilot=True)
    _post(done, c)
    unit = make_unit(name="未报单位", kind="企业", is_pilot=True)
    unit.contact_email, unit.contact_phone = "lly@example.cn", "023-6000000"
    make_unit(name="不在范围的单位", kind="企业")
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    app.config.setdefault("MAIL_SENDER", "noreply@example.cn")
    contact = db.session.scalar(
        select(User).where(User.role == Role.UNIT, User.unit_id == unit.id)
    )
    assert contact is None  # make_unit makes no account: give it one
    make_user(Role.UNIT, unit=unit)
    admin = app.test_client()
    login(admin, organiser)

    listing = load_workbook(
        io.BytesIO(admin.get(f"/competitions/{c.id}/missing.xlsx").data)
    ).active
    token = csrf_token(admin, f"/competitions/{c.id}/unit-reminders")
    sent = admin.post(
        f"/competitions/{c.id}/unit-reminders",
        data={"csrf_token": token},
        follow_redirects=True,
    )

    rows = list(listing.iter_rows(values_only=True))
    assert [r[:4] for r in rows[1:]] == [("未报单位", "企业", None, "023-6000000")]
    assert "已发送 1 封催报邮件。" in sent.get_data(as_text=True)
    [(recipients, raw)] = smtp_server.messages
    message = message_from_bytes(raw, policy=email_policy)
    assert recipients == ["lly@example.cn"]
    assert "未报单位目前已报送 0 件" in message.get_content()
    assert "不在范围的单位" not in message.get_content()


@pytest.mark.parametrize("allowed", [True, False])
def test_a_judge_gets_photos_only_when_allowed_and_only_without_metadata(
    app, make_user, make_unit, make_competition, allowed
):
    from tests.hardening.world import assign, settle_findings

    c = make_competition(
        attachment_kinds=frozenset({"photo"}),
        attachments_to_judges=allowed,
        reviews_per_entry=1,
    )
    organiser = make_user(Role.ORGANISER)
    client, _ = _contact(app, make_user, make_unit, name="重庆大学")
    posted = _post(
        client,
        c,
        main=("clean.docx", "论文.docx"),
        attachments=[(_media("photo.jpg"), "调研现场.jpg")],
        category="理论研究",
        **{"authors-0-name": "张晓明"},
    )
    assert "作品已提交。" in posted.get_data(as_text=True)
    calls.advance_phase(actor=organiser, competition=c, target="closed")
    settle_findings(organiser, c)
    judge = make_user(Role.JUDGE)
    assignment = assign(db.session.scalar(select(Entry)), judge)
    calls.advance_phase(actor=organiser, competition=c, target="reviewing")
    db.session.commit()
    judge_client = app.test_client()
    login(judge_client, judge)

    sheet = judge_client.get(f"/judge/assignments/{assignment.id}").get_data(
        as_text=True
    )
    photo = judge_client.get(f"/judge/assignments/{assignment.id}/photos/1")

    if not allowed:
        assert photo.status_code == 404
        assert "/photos/1" not in sheet
        return
    assert "/photos/1" in sheet
    assert photo.status_code == 200
    assert dict(Image.open(io.BytesIO(photo.data)).getexif()) == {}
    for secret in ("张晓明", "重庆大学", "调研现场", "TestPhone"):
        assert secret.encode() not in photo.data
        assert secret not in photo.headers.get("Content-Disposition", "")
    assert "重庆大学" not in sheet and "调研现场" not in sheet


def test_receipt_lists_every_attachment_with_its_digest(app, make_user, make_unit):
    from pypdf import PdfReader

    c, _ = _collection(make_user)
    client, _ = _contact(app, make_user, make_unit, name="重庆市川剧院", is_pilot=True)
    _post(client, c, attachments=[(_media("photo.png"), "排练.png")])
    attachment = db.session.scalar(select(Attachment))

    pdf = client.get(f"/unit/competitions/{c.id}/receipt.pdf")

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "附件 1" in text and "排练.png" in text
    assert attachment.file.sha256[:32] in text.replace("\n", "")
