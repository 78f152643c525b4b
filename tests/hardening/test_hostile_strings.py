"""Hostile user strings through every PDF the app makes, and into every path.

A title may hold reportlab's markup (an unclosed ``<b>``, a live
``<a href="javascript:…">``, an ``<img>`` that would make the server open a local
file); a unit's name may be ``../../../evil``. Each must come out as the literal
text, with no link, no image and no path outside its folder.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from judging.accounts.models import Role
from judging.certificates.render import CertificateData, render_certificates
from judging.certificates.service import batch_file
from judging.dbtypes import utcnow
from judging.escaping import paragraph_text, path_segment
from judging.extensions import db
from judging.results.pdf_list import AwardListRow, render_award_list
from judging.submissions import service as submissions
from judging.submissions.demo import essay_pdf
from judging.submissions.models import Entry
from tests.conftest import login
from tests.submissions.conftest import fixture_bytes

HOSTILE = (
    '<b>未闭合 <a href="javascript:alert(1)">点我</a> <img src="/etc/passwd"/> '
    '& &amp; <font size="80" color="red">大</font> <br/> ]]> "\''
)


def _compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _links_and_images(pdf: bytes) -> tuple[list[object], list[str]]:
    reader = PdfReader(io.BytesIO(pdf))
    annotations, images = [], []
    for page in reader.pages:
        annotations += list(page.get("/Annots") or [])
        images += [image.name for image in page.images]
    return annotations, images


def _text(pdf: bytes) -> str:
    return _compact("".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages))


def test_receipt_prints_hostile_title_authors_and_file_name_literally(
    app, make_user, make_unit, make_competition
):
    competition = make_competition()
    contact = make_user(Role.UNIT, unit=make_unit(name=HOSTILE[:60]))
    submissions.create_entry(
        actor=contact,
        competition=competition,
        data=submissions.EntryInput(
            title=HOSTILE,
            category="理论研究",
            authors=(submissions.AuthorInput(name="<b>张三"),),
        ),
        upload=submissions.Upload(
            data=fixture_bytes("clean.pdf"), filename="<img src=x>.pdf"
        ),
        now=utcnow(),
    )
    client = app.test_client()
    login(client, contact)

    response = client.get(f"/unit/competitions/{competition.id}/receipt.pdf")

    assert response.status_code == 200
    text = _text(response.data)
    assert _compact(HOSTILE) in text
    assert "<b>张三" in text and "<imgsrc=x>.pdf" in text
    assert _compact(HOSTILE[:60]) in text
    assert _links_and_images(response.data) == ([], [])


def test_award_list_prints_hostile_strings_literally():
    row = AwardListRow(
        tier=HOSTILE[:20],
        rank=1,
        code="ZW-001",
        title=HOSTILE,
        authors=(HOSTILE[:12],),
        advisor=HOSTILE,
        unit=HOSTILE,
    )

    pdf = render_award_list(
        [row], title=HOSTILE, subtitle=HOSTILE, tier_order=[HOSTILE[:20]]
    )

    text = _text(pdf)
    assert text.count(_compact(HOSTILE)) >= 2  # the heading and the subtitle
    assert _links_and_images(pdf) == ([], [])


def test_certificates_print_hostile_strings_literally():
    item = CertificateData(
        serial="ZS2026-0001",
        verify_url="https://example.cn/verify/ZS2026-0001",
        authors=(HOSTILE[:12],),
        title=HOSTILE,
        tier="一等奖",
        competition=HOSTILE,
        issuer=HOSTILE[:30],
        issued_on=date(2026, 11, 30),
    )

    pdf = render_certificates([item])
    archive = zipfile.ZipFile(io.BytesIO(batch_file([item], kind="zip")))

    text = _text(pdf)
    assert _compact(HOSTILE) in text
    assert _links_and_images(pdf) == ([], [])
    assert archive.namelist() == [
        "ZS2026-0001-b_未闭合_a_href=_javascript_alert(1)_点我_a_img_src=_etc_"
        "passwd_&.pdf"
    ]


def test_demo_essay_prints_hostile_strings_literally():
    pdf = essay_pdf(HOSTILE, [HOSTILE, "<i>"])

    assert _compact(HOSTILE) in _text(pdf)
    assert _links_and_images(pdf) == ([], [])


def test_paragraph_text_leaves_no_markup_character():
    assert paragraph_text('<a href="x">&\x07') == ("&lt;a href=&quot;x&quot;&gt;&amp; ")


def test_files_zip_keeps_every_member_inside_its_unit_folder(
    app, make_user, make_unit, make_competition
):
    competition = make_competition()
    for name in ("../../../evil", "/etc", "..", "C:\\Windows", "con"):
        contact = make_user(Role.UNIT, unit=make_unit(name=name))
        submissions.create_entry(
            actor=contact,
            competition=competition,
            data=submissions.EntryInput(
                title="标题",
                category="理论研究",
                authors=(submissions.AuthorInput(name="作者"),),
            ),
            upload=submissions.Upload(
                data=fixture_bytes("clean.pdf"), filename="../../x/..pdf"
            ),
            now=utcnow(),
        )
    db.session.commit()

    data = io.BytesIO()
    submissions.files_zip(competition, data)

    names = sorted(zipfile.ZipFile(data).namelist())
    assert names == [
        "C_Windows/01-..pdf",
        "_.._.._evil/01-..pdf",
        "_con/01-..pdf",
        "_etc/01-..pdf",
        "单位/01-..pdf",
        "索引-index.xlsx",
    ]
    assert len(db.session.scalars(select(Entry)).all()) == 5


def test_path_segment_never_makes_a_separator_or_dot_name():
    hostile = ["../../../evil", "..", ".", "", " ", "a/b\\c", "nul.txt", "x\x00y"]

    names = [path_segment(h) for h in hostile]

    assert names == ["_.._.._evil", "未命名", "未命名", "未命名", "未命名", "a_b_c",
                     "_nul.txt", "xy"]  # fmt: skip
    assert len(path_segment("长" * 500 + ".pdf")) == 120
    assert path_segment("长" * 500 + ".pdf").endswith("长.pdf")
