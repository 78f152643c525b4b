"""Tests for judging.documents.inspection: type by content, hostile files refused,
text extracted per location."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
)

from judging.documents.inspection import (
    MSG_BOMB,
    MSG_CFB,
    MSG_COMPLEX,
    MSG_DAMAGED,
    MSG_EMPTY,
    MSG_ENCRYPTED,
    MSG_MACRO,
    MSG_TYPE,
    MSG_XML,
    DocumentRejected,
    count_words,
    inspect_document,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIMIT = 20 * 1024 * 1024


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# --------------------------------------------------------------- file factories

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="{main}"/>'
    "</Types>"
)
MAIN = (
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
)
MACRO = "application/vnd.ms-word.document.macroEnabled.main+xml"
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)
W_OPEN = (
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
    '2006/main"><w:body>'
)


def body_xml(text: str, *, prolog: str = "") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        + prolog
        + W_OPEN
        + f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>"
    ).encode()


def make_docx(
    document: bytes | None = None,
    *,
    main_type: str = MAIN,
    extra: dict[str, bytes] | None = None,
) -> bytes:
    """A minimal DOCX package assembled by hand, for hostile variants."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES.format(main=main_type))
        zf.writestr("_rels/.rels", RELS)
        zf.writestr("word/document.xml", document or body_xml("正文内容"))
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def zip_bomb_ratio() -> bytes:
    return make_docx(extra={"word/media/image1.png": b"\0" * (8 * 1024 * 1024)})


def zip_bomb_size() -> bytes:
    return make_docx(extra={"word/media/big.bin": b"\0" * (70 * 1024 * 1024)})


def zip_bomb_members() -> bytes:
    return make_docx(extra={f"word/media/m{i}.xml": b"" for i in range(2100)})


def zip_bomb_lying_header() -> bytes:
    """The central directory understates a 40 MB member as 100 bytes."""
    member = b"<a>" + b" " * (40 * 1024 * 1024) + b"</a>"
    data = bytearray(make_docx(document=member))
    needle = len(member).to_bytes(4, "little")
    assert data.count(needle) == 2  # local header and central directory
    fake = (100).to_bytes(4, "little")
    return bytes(data.replace(needle, fake))


def xxe_external() -> bytes:
    prolog = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    return make_docx(body_xml("&xxe;", prolog=prolog))


def xxe_billion_laughs() -> bytes:
    ents = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{i} "&a{i - 1};&a{i - 1};&a{i - 1};&a{i - 1};">'
        for i in range(1, 12)
    )
    return make_docx(body_xml("&a11;", prolog=f"<!DOCTYPE w:document [{ents}]>"))


def docm_renamed() -> bytes:
    return make_docx(
        main_type=MACRO, extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"}
    )


def docx_with_vba_only() -> bytes:
    return make_docx(extra={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0 vba"})


def docx_malformed_xml() -> bytes:
    return make_docx(b"<w:document><w:body><w:p>")


def docx_truncated() -> bytes:
    data = fixture("leaky.docx")
    return data[: len(data) // 2]


def docx_blank() -> bytes:
    buf = io.BytesIO()
    docx.Document().save(buf)
    return buf.getvalue()


def pdf_pages(n: int) -> bytes:
    writer = PdfWriter()
    for _ in range(n):
        writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_with_content(content: bytes, *, pages: int = 1) -> bytes:
    """reportlab-split.pdf (which has a CID font) with every page's content
    replaced by ``content``: text extraction then really costs time."""
    writer = PdfWriter(clone_from=PdfReader(FIXTURES / "reportlab-split.pdf"))
    for _ in range(pages - 1):
        writer.add_page(writer.pages[0])
    for page in writer.pages:
        stream = DecodedStreamObject()
        stream.set_data(content)
        page[NameObject("/Contents")] = writer._add_object(stream.flate_encode())
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def pdf_text_op_flood() -> bytes:
    return pdf_with_content(b"BT /F1 12 Tf 72 700 Td <4e2d> Tj ET\n" * 100_000)


def pdf_text_op_flood_over_pages() -> bytes:
    page = b"BT /F1 12 Tf\n" + b"<4e2d> Tj\n" * 19_700 + b"ET\n"
    return pdf_with_content(page, pages=5)


def pdf_nested_forms(depth: int = 5, fan: int = 10) -> bytes:
    """Each form draws the one below it ``fan`` times: fan**depth invocations."""
    writer = PdfWriter(clone_from=PdfReader(FIXTURES / "reportlab-split.pdf"))
    page = writer.pages[0]
    fonts = page["/Resources"]["/Font"]
    below = None
    for _ in range(depth):
        form = DecodedStreamObject()
        form.set_data(
            b"BT /F1 12 Tf 72 700 Td <4e2d> Tj ET\n"
            if below is None
            else b"/X Do\n" * fan
        )
        resources = DictionaryObject({NameObject("/Font"): fonts})
        if below is not None:
            resources[NameObject("/XObject")] = DictionaryObject(
                {NameObject("/X"): below}
            )
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject(
                    [
                        NumberObject(0),
                        NumberObject(0),
                        NumberObject(595),
                        NumberObject(842),
                    ]
                ),
                NameObject("/Resources"): resources,
            }
        )
        below = writer._add_object(form)
    top = DecodedStreamObject()
    top.set_data(b"/X Do\n" * fan)
    page[NameObject("/Resources")][NameObject("/XObject")] = DictionaryObject(
        {NameObject("/X"): below}
    )
    page[NameObject("/Contents")] = writer._add_object(top)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def odt_package() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


def xlsx_like() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES.format(main="x"))
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


# ------------------------------------------------------------------ refusals

HOSTILE: list[tuple[str, Callable[[], bytes], str]] = [
    ("encrypted_pdf", lambda: fixture("encrypted.pdf"), MSG_ENCRYPTED),
    ("encrypted_docx_cfb", lambda: fixture("encrypted.docx"), MSG_CFB),
    ("truncated_pdf", lambda: fixture("truncated.pdf"), MSG_DAMAGED),
    ("truncated_docx", docx_truncated, MSG_DAMAGED),
    ("malformed_xml_docx", docx_malformed_xml, MSG_DAMAGED),
    ("zip_bomb_ratio", zip_bomb_ratio, MSG_BOMB),
    ("zip_bomb_size", zip_bomb_size, MSG_BOMB),
    ("zip_bomb_members", zip_bomb_members, MSG_BOMB),
    ("xxe_external_entity", xxe_external, MSG_XML),
    ("xxe_billion_laughs", xxe_billion_laughs, MSG_XML),
    ("docm_renamed_docx", docm_renamed, MSG_MACRO),
    ("docx_with_vba_project", docx_with_vba_only, MSG_MACRO),
    ("pdf_text_op_flood", pdf_text_op_flood, MSG_COMPLEX),
    ("pdf_text_op_flood_over_pages", pdf_text_op_flood_over_pages, MSG_COMPLEX),
    ("pdf_nested_forms", pdf_nested_forms, MSG_COMPLEX),
    ("blank_docx", docx_blank, MSG_EMPTY),
    ("zero_page_pdf", lambda: pdf_pages(0), MSG_EMPTY),
    ("empty_bytes", lambda: b"", MSG_EMPTY),
    ("png_image", lambda: b"\x89PNG\r\n\x1a\n" + b"\0" * 100, MSG_TYPE),
    ("plain_text", lambda: "重庆大学 论文".encode(), MSG_TYPE),
    ("rtf", lambda: rb"{\rtf1\ansi hello}", MSG_TYPE),
    ("odt", odt_package, MSG_TYPE),
    ("xlsx_like", xlsx_like, MSG_TYPE),
]


@pytest.mark.parametrize(
    ("make", "message"),
    [pytest.param(make, msg, id=name) for name, make, msg in HOSTILE],
)
def test_inspect_document_hostile_file_refused_quickly(
    make: Callable[[], bytes], message: str
) -> None:
    data = make()
    started = time.perf_counter()
    with pytest.raises(DocumentRejected) as caught:
        inspect_document(data, max_bytes=LIMIT)
    elapsed = time.perf_counter() - started
    assert caught.value.message == message
    assert elapsed < 5


def test_inspect_document_lying_zip_header_refused() -> None:
    data = zip_bomb_lying_header()
    started = time.perf_counter()
    with pytest.raises(DocumentRejected) as caught:
        inspect_document(data, max_bytes=LIMIT)
    assert caught.value.message in {MSG_BOMB, MSG_DAMAGED}
    assert time.perf_counter() - started < 5


def test_inspect_document_over_size_refused_before_parsing() -> None:
    with pytest.raises(DocumentRejected) as caught:
        inspect_document(b"garbage" * 300, max_bytes=1024)  # 2,100 bytes
    assert caught.value.message == "文件大小 2 KB 超过上限 1 KB，请压缩后重新提交。"


def test_inspect_document_too_many_pages_refused() -> None:
    with pytest.raises(DocumentRejected) as caught:
        inspect_document(pdf_pages(12), max_bytes=LIMIT, max_pages=10)
    assert caught.value.message == "文件共 12 页，超过上限 10 页，请检查后重新提交。"


def test_inspect_document_501_pages_refused_by_default() -> None:
    with pytest.raises(DocumentRejected) as caught:
        inspect_document(pdf_pages(501), max_bytes=LIMIT)
    assert caught.value.message == "文件共 501 页，超过上限 500 页，请检查后重新提交。"


@pytest.mark.parametrize(
    ("name", "allowed", "message"),
    [
        (
            "clean.pdf",
            frozenset({"docx"}),
            "本竞赛仅接受 Word（.docx）文件，请另存为 .docx 后重新提交。",
        ),
        (
            "clean.docx",
            frozenset({"pdf"}),
            "本竞赛仅接受 PDF 文件，请另存为 PDF 后重新提交。",
        ),
    ],
)
def test_inspect_document_kind_not_allowed_refused(
    name: str, allowed: frozenset[str], message: str
) -> None:
    with pytest.raises(DocumentRejected) as caught:
        inspect_document(fixture(name), max_bytes=LIMIT, allowed=allowed)
    assert caught.value.message == message


def test_inspect_document_docx_named_pdf_judged_by_content() -> None:
    # The file name never reaches the inspector: bytes alone decide.
    assert inspect_document(fixture("clean.docx"), max_bytes=LIMIT).kind == "docx"


# ------------------------------------------------------------------ extraction


@pytest.mark.parametrize(
    ("name", "kind", "pages", "has_text"),
    [
        ("clean.docx", "docx", None, True),
        ("clean.pdf", "pdf", 1, True),
        ("leaky.docx", "docx", None, True),
        ("leaky.pdf", "pdf", 2, True),
        ("python-docx.docx", "docx", None, True),
        ("reportlab-split.pdf", "pdf", 1, True),
        ("scanned.pdf", "pdf", 1, False),
    ],
)
def test_inspect_document_fixture_accepted(
    name: str, kind: str, pages: int | None, has_text: bool
) -> None:
    doc = inspect_document(fixture(name), max_bytes=LIMIT)
    assert (doc.kind, doc.pages, doc.has_text) == (kind, pages, has_text)


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("header_footer", "重庆大学本科生论文\n作者:张晓明"),
        ("footnote", "\t感谢导师李华的悉心指导。"),
        ("comment", "请删去重庆大学字样"),
        ("tracked_change", "联系电话 13812345678(导师:李华教授)"),
    ],
)
def test_inspect_document_docx_location_text(location: str, expected: str) -> None:
    doc = inspect_document(fixture("leaky.docx"), max_bytes=LIMIT)
    assert doc.text(location) == expected


@pytest.mark.parametrize(
    ("name", "key", "values"),
    [
        ("leaky.docx", "core:creator", ("张晓明",)),
        ("leaky.docx", "custom:学校", ("重庆大学",)),
        ("leaky.docx", "comment_author", ("李华",)),
        ("leaky.docx", "tracked_change_author", ("王芳",)),
        ("python-docx.docx", "comment_initials", ("LH",)),
        ("python-docx.docx", "core:description", ("重庆师范大学推荐",)),
        ("leaky.pdf", "info:/Author", ("张晓明",)),
        ("leaky.pdf", "xmp:creator", ("张晓明",)),
        ("reportlab-split.pdf", "info:/Title", ("基层治理研究",)),
    ],
)
def test_inspect_document_metadata_values(
    name: str, key: str, values: tuple[str, ...]
) -> None:
    doc = inspect_document(fixture(name), max_bytes=LIMIT)
    assert doc.metadata_values(key) == values


def test_inspect_document_pdf_running_lines_become_header_footer() -> None:
    doc = inspect_document(fixture("leaky.pdf"), max_bytes=LIMIT)
    assert doc.text("header_footer") == "重庆大学本科生论文\n作者:张晓明"
    assert doc.text("comment") == "请删去重庆大学字样"


def test_inspect_document_body_excludes_deleted_text() -> None:
    doc = inspect_document(fixture("leaky.docx"), max_bytes=LIMIT)
    assert ("李华教授" in doc.text("body"), "13812345678" in doc.text("body")) == (
        False,
        True,
    )


def test_inspect_document_word_count_same_for_docx_and_pdf() -> None:
    from_docx = inspect_document(fixture("clean.docx"), max_bytes=LIMIT)
    from_pdf = inspect_document(fixture("clean.pdf"), max_bytes=LIMIT)
    assert from_docx.word_count == from_pdf.word_count == 78


# ------------------------------------------------------------------ word count


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0),
        ("重庆大学", 4),
        ("重庆 大学,", 4),
        ("AI 与 2024 年", 4),
        ("COVID-19 疫情", 3),
        ("don't stop", 2),
        ("π ≈ 3.14", 2),
        ("Hello, world!", 2),
        ("第1章 引言", 5),
        ("——!?。", 0),
        ("𠀀字", 2),
    ],
)
def test_count_words_rule(text: str, expected: int) -> None:
    assert count_words(text) == expected
