"""Guarantee 2: nothing a judge can reach names the unit, the authors, the
advisor, the original file or its metadata.

Unique canary strings (Latin and Chinese) are planted in every identifying
place: unit name, short name, alias; author and advisor; the uploaded file's
name; DOCX core properties and a custom part; PDF /Info and XMP. The body text
carries none. After closing, assigning and opening the review, a judge crawls
every same-origin link and GET form from /judge (plus the error pages), every
download is unpacked (PDF text, /Info, XMP, annotations, attachments, raw
bytes; every part of a DOCX or XLSX), headers included, and the e-mail notices
for that judge are built: no canary may appear. The organiser's crawl from
/competitions must find every canary, which shows the crawl can see them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import deque
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest
from docx import Document
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DecodedStreamObject, NameObject
from sqlalchemy import select

from judging.accounts.models import Role, Unit, User
from judging.assignment import notify
from judging.competitions import service as competitions
from judging.competitions.models import Phase
from judging.extensions import db
from judging.submissions.demo import essay_pdf
from judging.submissions.models import Author, Entry
from tests.conftest import csrf_token
from tests.hardening.world import (
    BODY,
    PASSWORD,
    assign,
    make_competition,
    make_user,
    settle_findings,
    submit,
)

UNIT = "甲乙丙丁大学"
SHORT = "CANARY-SHORT-7f3a"
ALIAS = "庚辛壬癸学院"
AUTHOR = "CANARY-AUTHOR-7f3a"
AUTHOR_ZH = "欧阳戊己"
ADVISOR = "CANARY-ADVISOR-7f3a"
FILE_DOCX = "CANARY-FILE-DOCX-7f3a"
FILE_PDF = "CANARY-FILE-PDF-7f3a"
DOCX_META = (
    "CANARY-DOCX-AUTHOR-7f3a",
    "CANARY-DOCX-TITLE-7f3a",
    "CANARY-DOCX-NOTE-7f3a",
)
DOCX_CUSTOM = "CANARY-DOCX-CUSTOM-7f3a"
PDF_META = ("CANARY-PDF-AUTHOR-7f3a", "CANARY-PDF-TITLE-7f3a")
PDF_XMP = "CANARY-PDF-XMP-7f3a"
CANARIES = (
    UNIT,
    SHORT,
    ALIAS,
    AUTHOR,
    AUTHOR_ZH,
    ADVISOR,
    FILE_DOCX,
    FILE_PDF,
    *DOCX_META,
    DOCX_CUSTOM,
    *PDF_META,
    PDF_XMP,
)

CUSTOM_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
    '2006/docPropsVTypes"><property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" '
    f'pid="2" name="Unit"><vt:lpwstr>{DOCX_CUSTOM}</vt:lpwstr></property>'
    "</Properties>"
)
XMP = (
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>'
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    f"<dc:creator><rdf:Seq><rdf:li>{PDF_XMP}</rdf:li></rdf:Seq></dc:creator>"
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)


def leaky_docx() -> bytes:
    """Body text without canaries; core properties and a custom part with them."""
    document = Document()
    document.add_heading("技能形成研究", level=1)
    for line in BODY:
        document.add_paragraph(line)
    props = document.core_properties
    props.author, props.title, props.comments = DOCX_META
    props.last_modified_by = DOCX_META[0]
    out = io.BytesIO()
    document.save(out)
    source = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    result = io.BytesIO()
    with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/docProps/custom.xml" ContentType="'
                    b"application/vnd.openxmlformats-officedocument.custom-"
                    b'properties+xml"/></Types>',
                )
            if item.filename == "_rels/.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdC" Type="http://schemas.openxmlformats'
                    b".org/officeDocument/2006/relationships/custom-properties"
                    b'" Target="docProps/custom.xml"/></Relationships>',
                )
            target.writestr(item, data)
        target.writestr("docProps/custom.xml", CUSTOM_XML.encode())
    return result.getvalue()


def leaky_pdf() -> bytes:
    """Body text without canaries; /Author, /Title and XMP with them."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(essay_pdf("调研报告", BODY))))
    writer.add_metadata({"/Author": PDF_META[0], "/Title": PDF_META[1]})
    stream = DecodedStreamObject()
    stream.set_data(XMP.encode())
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --- unpacking -------------------------------------------------------------------


def pdf_texts(data: bytes) -> list[str]:
    found = [data.decode("latin-1"), data.decode("utf-8", "replace")]
    try:
        reader = PdfReader(io.BytesIO(data))
    except Exception:  # noqa: BLE001 (not a PDF after all: raw bytes suffice)
        return found
    found.append(repr(dict(reader.metadata or {})))
    root = reader.trailer["/Root"]
    if "/Metadata" in root:
        found.append(
            root["/Metadata"].get_object().get_data().decode("utf-8", "replace")
        )
    for page in reader.pages:
        found.append(page.extract_text() or "")
        for annot in page.get("/Annots") or []:
            found.append(repr(annot.get_object()))
    for name, contents in reader.attachments.items():
        found.append(name)
        found.extend(c.decode("utf-8", "replace") for c in contents)
    return found


def zip_texts(data: bytes) -> list[str]:
    found = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for item in archive.infolist():
            found.append(item.filename)
            part = archive.read(item.filename)
            found.append(part.decode("utf-8", "replace"))
            if part.startswith(b"%PDF"):
                found.extend(pdf_texts(part))
    return found


def response_texts(response) -> list[str]:  # noqa: ANN001
    from urllib.parse import unquote

    found = [f"{k}: {unquote(v)}" for k, v in response.headers.items()]
    data = response.get_data()
    if data.startswith(b"%PDF"):
        found.extend(pdf_texts(data))
    elif data.startswith(b"PK"):
        found.extend(zip_texts(data))
    else:
        found.append(unescape(data.decode("utf-8", "replace")))
    return found


LINK = re.compile(r'(?:href|src)="([^"]+)"')
FORM = re.compile(r"<form\b([^>]*)>", re.I)


def links(html: str) -> list[str]:
    found = [unescape(u) for u in LINK.findall(html)]
    for attrs in FORM.findall(html):
        method = re.search(r'method="([^"]+)"', attrs)
        if method and method.group(1).lower() != "get":
            continue
        action = re.search(r'action="([^"]*)"', attrs)
        found.append(unescape(action.group(1)) if action else "")
    return found


def crawl(client, start: str, *, limit: int = 400) -> tuple[list[str], set[str]]:  # noqa: ANN001
    """Breadth-first over same-origin GET links; returns texts and visited paths."""
    seen, queue, texts = {start}, deque([start]), []
    while queue and len(seen) <= limit:
        path = queue.popleft()
        response = client.get(path)
        texts.extend(response_texts(response))
        if response.status_code in (301, 302, 303) and response.location:
            targets = [response.location]
        elif "text/html" in response.content_type:
            targets = links(response.get_data(as_text=True))
        else:
            continue
        for target in targets:
            absolute = urljoin("http://localhost" + path, target)
            parts = urlsplit(absolute)
            if parts.netloc not in ("localhost", ""):
                continue
            nxt = parts.path + (f"?{parts.query}" if parts.query else "")
            if nxt.startswith(("/logout", "/lang/", "/static/")) or nxt in seen:
                continue
            seen.add(nxt)
            queue.append(nxt)
    return texts, seen


def leaks(texts: list[str]) -> set[str]:
    joined = "\n".join(texts)
    return {c for c in CANARIES if c in joined}


# --- the world ---------------------------------------------------------------------


@pytest.fixture()
def reviewing(app, tmp_path):  # noqa: ANN001, ANN201
    organiser = make_user("organiser", Role.ORGANISER)
    unit = Unit(name=UNIT, short_name=SHORT, aliases=ALIAS)
    db.session.add(unit)
    db.session.flush()
    contact = make_user("contact", Role.UNIT, unit=unit)
    judge = make_user("judge", Role.JUDGE, judge_name="评审甲")
    c = make_competition(organiser, "匿名性测试征文", prefix="NM")
    files = ((leaky_docx(), f"{FILE_DOCX}.docx"), (leaky_pdf(), f"{FILE_PDF}.pdf"))
    for data, name in files:
        entry = submit(
            contact,
            c,
            title="技能形成研究",
            author=AUTHOR,
            data=data,
            filename=name,
            advisor=ADVISOR,
        )
        entry.authors.append(Author(position=2, name=AUTHOR_ZH))
    competitions.advance_phase(actor=organiser, competition=c, target=Phase.CLOSED)
    settle_findings(organiser, c)
    for entry in db.session.scalars(select(Entry).where(Entry.competition_id == c.id)):
        assign(entry, judge)
    competitions.advance_phase(actor=organiser, competition=c, target=Phase.REVIEWING)
    db.session.commit()
    return c


def _client(app, username: str):  # noqa: ANN001, ANN202
    client = app.test_client()
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302
    return client


def test_judge_crawl_finds_no_canary(app, reviewing):
    client = _client(app, "judge")

    texts, seen = crawl(client, "/judge")
    texts += response_texts(client.get("/no-such-page"))
    texts += response_texts(client.post("/judge"))
    sheets = [p for p in seen if re.fullmatch(r"/judge/assignments/\d+", p)]
    texts += response_texts(client.post(sheets[0], data={"csrf_token": "bad"}))
    login_url = "http://localhost/login"
    for kind in notify.KINDS:
        for notice in notify.build_notices(reviewing, kind=kind, login_url=login_url):
            texts.append(repr(notice))

    assert len(sheets) == 2
    assert any(p.endswith("/copy") for p in seen)
    assert leaks(texts) == set()


def test_organiser_crawl_finds_every_canary(app, reviewing):
    client = _client(app, "organiser")

    texts, _seen = crawl(client, "/competitions")

    assert leaks(texts) == set(CANARIES)


def test_reminder_export_names_no_unit_or_author(app, reviewing):
    client = _client(app, "organiser")

    response = client.get(f"/competitions/{reviewing.id}/reminders.xlsx")

    assert response.status_code == 200
    assert leaks(response_texts(response)) == set()


ROUND1_COMMENT = "CANARY-ROUND1-COMMENT-7f3a"


def test_round_two_judge_crawl_finds_no_canary_nor_round_one(app, reviewing):
    from datetime import UTC, datetime
    from decimal import Decimal

    from judging.assignment import service as assignment
    from judging.assignment.models import Assignment
    from judging.results.demo import add_review
    from judging.rounds import service as rounds

    now = datetime(2026, 12, 1, tzinfo=UTC)
    organiser = db.session.scalar(select(User).where(User.username == "organiser"))
    for a in db.session.scalars(select(Assignment)):
        add_review(
            assignment=a,
            total=Decimal("77.5"),
            criteria=list(reviewing.criteria),
            comment=ROUND1_COMMENT,
            now=now,
        )
    senior = make_user("senior", Role.JUDGE, judge_name="评审乙")
    rounds.start_next_round(
        actor=organiser,
        competition=reviewing,
        name="复评",
        reviews=1,
        deadline=None,
        judge_ids=[senior.judge.id],
        now=now,
        top_n=2,
        method="mean",
    )
    assignment.apply_plan(actor=organiser, competition=reviewing, k=1, seed=1, now=now)
    db.session.commit()
    client = _client(app, "senior")

    texts, seen = crawl(client, "/judge")
    sheets = [p for p in seen if re.fullmatch(r"/judge/assignments/\d+", p)]
    joined = "\n".join(texts)

    assert len(sheets) == 2
    assert leaks(texts) == set()
    assert ROUND1_COMMENT not in joined
    assert "77.5" not in joined and "评审甲" not in joined
