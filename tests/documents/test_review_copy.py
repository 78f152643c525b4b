"""Tests for judging.documents.review_copy: the review copy keeps the essay and
loses the author traces."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from PIL import Image, PngImagePlugin
from pypdf import PdfReader, PdfWriter
from pypdf.actions import JavaScript
from pypdf.annotations import Text

from judging.documents.inspection import inspect_document
from judging.documents.review_copy import make_review_copy, strip_image_metadata
from judging.documents.scan import UnitIdentity, scan_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIMIT = 20 * 1024 * 1024
ACCEPTED = [
    ("clean.docx", "docx"),
    ("leaky.docx", "docx"),
    ("python-docx.docx", "docx"),
    ("clean.pdf", "pdf"),
    ("leaky.pdf", "pdf"),
    ("reportlab-split.pdf", "pdf"),
    ("scanned.pdf", "pdf"),
]
HIDDEN_LOCATIONS = ("comment", "tracked_change", "metadata")


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def review_of(name: str, kind: str):
    return inspect_document(make_review_copy(fixture(name), kind=kind), max_bytes=LIMIT)


@pytest.mark.parametrize(("name", "kind"), ACCEPTED)
def test_make_review_copy_no_metadata_comments_or_changes(name: str, kind: str) -> None:
    copy = review_of(name, kind)
    assert (copy.metadata, [copy.text(loc) for loc in HIDDEN_LOCATIONS[:2]]) == (
        (),
        ["", ""],
    )


@pytest.mark.parametrize(("name", "kind"), ACCEPTED)
def test_make_review_copy_keeps_body_and_pages(name: str, kind: str) -> None:
    original = inspect_document(fixture(name), max_bytes=LIMIT)
    copy = review_of(name, kind)
    assert (copy.kind, copy.pages, copy.text("body"), copy.text("header_footer")) == (
        original.kind,
        original.pages,
        original.text("body"),
        original.text("header_footer"),
    )


@pytest.mark.parametrize(
    ("name", "kind"), [("leaky.docx", "docx"), ("leaky.pdf", "pdf")]
)
def test_make_review_copy_rescan_finds_no_hidden_leaks(name: str, kind: str) -> None:
    copy = review_of(name, kind)
    findings = scan_document(
        copy,
        unit=UnitIdentity(name="重庆大学", short_name="重大"),
        people=["张晓明", "李华", "王芳"],
    )
    assert [f for f in findings if f.location in HIDDEN_LOCATIONS] == []


def test_make_review_copy_docx_parts_and_authors_gone() -> None:
    out = make_review_copy(fixture("leaky.docx"), kind="docx")
    with zipfile.ZipFile(io.BytesIO(out)) as zf:
        names = zf.namelist()
        blobs = {n: zf.read(n) for n in names}
    leftovers = {
        n: [w for w in (b"w:author", "张晓明".encode(), "王芳".encode()) if w in b]
        for n, b in blobs.items()
    }
    assert ("word/comments.xml" in names, "docProps/custom.xml" in names) == (
        False,
        False,
    )
    assert {n: ws for n, ws in leftovers.items() if ws} == {
        "word/footer1.xml": ["张晓明".encode()]  # visible footer text: scanner's job
    }


def test_make_review_copy_docx_tracked_changes_accepted() -> None:
    copy = review_of("leaky.docx", "docx")
    body = copy.text("body")
    assert ("13812345678" in body, "李华教授" in body) == (True, False)


def test_make_review_copy_docx_deterministic() -> None:
    data = fixture("leaky.docx")
    assert make_review_copy(data, kind="docx") == make_review_copy(data, kind="docx")


def docx_with_template_and_docvars() -> bytes:
    """LibreOffice's clean.docx plus an attached template path, document
    variables and a custom property, as Word writes them."""
    src = zipfile.ZipFile(io.BytesIO(fixture("clean.docx")))
    buf = io.BytesIO()
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    settings = (
        f'<w:settings xmlns:w="{w}" xmlns:r="{r}">'
        '<w:attachedTemplate r:id="rIdT"/>'
        '<w:docVars><w:docVar w:name="author" w:val="张晓明"/></w:docVars>'
        "</w:settings>"
    )
    settings_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        'relationships"><Relationship Id="rIdT" Type="http://schemas.'
        'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" '
        'Target="file:///C:/Users/zhangxiaoming/Templates/thesis.dotm" '
        'TargetMode="External"/></Relationships>'
    )
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/settings.xml":
                data = settings.encode()
            out.writestr(item, data)
        out.writestr("word/_rels/settings.xml.rels", settings_rels)
    return buf.getvalue()


def test_make_review_copy_docx_template_path_and_docvars_removed() -> None:
    out = make_review_copy(docx_with_template_and_docvars(), kind="docx")
    with zipfile.ZipFile(io.BytesIO(out)) as zf:
        hits = [
            n
            for n in zf.namelist()
            if b"zhangxiaoming" in zf.read(n) or "张晓明".encode() in zf.read(n)
        ]
    assert hits == []


def pdf_with_active_content() -> bytes:
    """A pypdf-made PDF with JavaScript, an attachment, an annotation, Info."""
    reader = PdfReader(FIXTURES / "clean.pdf")
    writer = PdfWriter(clone_from=reader)
    writer.add_open_action(JavaScript("app.alert('hi');"))
    writer.add_attachment("简历-张晓明.txt", "张晓明 13812345678".encode())
    writer.add_annotation(
        page_number=0,
        annotation=Text(text="张晓明的批注", rect=(50, 550, 200, 650)),
    )
    writer.add_metadata({"/Author": "张晓明", "/Subject": "重庆大学"})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_make_review_copy_pdf_active_content_removed() -> None:
    out = make_review_copy(pdf_with_active_content(), kind="pdf")
    reader = PdfReader(io.BytesIO(out))
    root = reader.trailer["/Root"].get_object()
    present = sorted(
        k
        for k in ("/Names", "/OpenAction", "/AA", "/AcroForm", "/Metadata")
        if k in root
    )
    page = reader.pages[0]
    assert (present, "/Info" in reader.trailer, "/Annots" in page) == (
        [],
        False,
        False,
    )
    assert "张晓明".encode("utf-16-be") not in out


def test_make_review_copy_pdf_source_had_the_active_content() -> None:
    # Guards the test above against a fixture that silently lost its content.
    reader = PdfReader(io.BytesIO(pdf_with_active_content()))
    root = reader.trailer["/Root"].get_object()
    assert ("/Names" in root, "/OpenAction" in root, reader.metadata["/Author"]) == (
        True,
        True,
        "张晓明",
    )


def test_make_review_copy_unknown_kind_raises() -> None:
    with pytest.raises(ValueError) as caught:
        make_review_copy(b"", kind="odt")
    assert str(caught.value) == "unknown document kind 'odt'"


def photo(fmt: str) -> bytes:
    """A small photo carrying an Artist tag (EXIF) or a text chunk (PNG)."""
    img = Image.new("RGB", (32, 24), (200, 30, 30))
    buf = io.BytesIO()
    if fmt == "JPEG":
        exif = Image.Exif()
        exif[0x013B] = "Zhang Xiaoming"  # Artist
        img.save(buf, format="JPEG", exif=exif.tobytes(), comment=b"Zhang Xiaoming")
    else:
        info = PngImagePlugin.PngInfo()
        info.add_text("Author", "Zhang Xiaoming")
        info.add_itxt("Comment", "张晓明")
        img.save(buf, format="PNG", pnginfo=info)
    return buf.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_strip_image_metadata_removes_author_keeps_pixels(fmt: str) -> None:
    original = photo(fmt)
    cleaned = strip_image_metadata(original)
    before = Image.open(io.BytesIO(original)).convert("RGB").tobytes()
    after = Image.open(io.BytesIO(cleaned)).convert("RGB").tobytes()
    assert (b"Zhang" in original, b"Zhang" in cleaned, after == before) == (
        True,
        False,
        True,
    )


def test_make_review_copy_docx_picture_exif_removed() -> None:
    document = docx.Document()
    document.add_paragraph("图 1 调研现场")
    document.add_picture(io.BytesIO(photo("JPEG")))
    buf = io.BytesIO()
    document.save(buf)
    out = make_review_copy(buf.getvalue(), kind="docx")
    with zipfile.ZipFile(io.BytesIO(out)) as zf:
        media = {n: zf.read(n) for n in zf.namelist() if n.startswith("word/media/")}
    assert [(n, b"Zhang" in b) for n, b in media.items()] == [
        ("word/media/image1.jpg", False)
    ]
