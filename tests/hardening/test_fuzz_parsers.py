"""Property tests of the parsers that read what users upload.

For any input — arbitrary bytes, real fixture files with bytes flipped, cut or
inserted, arbitrary zip archives — each parser either returns its result or
raises its own domain error (``DocumentRejected``, ``TableError``): never a
third-party exception, which the web layer would turn into a 500.
Derandomised, so CI sees the same examples on every run.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from judging.accounts.imports import UNIT_COLUMNS
from judging.documents.inspection import Document, DocumentRejected, inspect_document
from judging.documents.review_copy import make_review_copy
from judging.tables import Table, TableError, read_table

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIMIT = 20 * 1024 * 1024


def fuzz(examples: int):  # noqa: ANN201
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


PDFS = [fixture(n) for n in ("clean.pdf", "leaky.pdf", "scanned.pdf")]
DOCXS = [fixture(n) for n in ("clean.docx", "leaky.docx", "python-docx.docx")]
TOKENS = [
    b"<!DOCTYPE x>",
    b'<!ENTITY a "b">',
    b"&a;",
    b"<<",
    b">>",
    b"obj",
    b"endobj",
    b"stream\n",
    b"endstream",
    b"/Length 999999999",
    b"/Type /Pages /Kids [1 0 R] /Count 99999",
    b"99999 0 R",
    b"xref\n",
    b"trailer",
    b"startxref\n0\n",
    b"%%EOF",
    b"[" * 500,
    b"PK\x03\x04",
    b"PK\x05\x06",
    b"\x00" * 16,
    b"\xff" * 16,
    "重庆大学".encode(),
    "重庆大学".encode("gbk"),
]


@st.composite
def mutated(draw: st.DrawFn, bases: list[bytes]) -> bytes:
    """A real file with a few bytes flipped, cut, inserted, deleted or replaced
    by a token that parsers care about."""
    data = bytearray(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "token"]))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 512))]
        else:
            token = draw(st.sampled_from(TOKENS))
            data[pos : pos + draw(st.integers(0, len(token)))] = token
    return bytes(data)


@st.composite
def mutated_docx_member(draw: st.DrawFn) -> bytes:
    """A DOCX whose zip structure is intact but one XML member is damaged, so the
    XML parsers (not only the zip reader) see hostile input."""
    base = draw(st.sampled_from(DOCXS))
    with zipfile.ZipFile(io.BytesIO(base)) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    victim = draw(st.sampled_from(sorted(members)))
    members[victim] = draw(mutated([members[victim] or b"<x/>"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return out.getvalue()


MEMBER_NAMES = st.sampled_from(
    [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/_rels/document.xml.rels",
        "word/styles.xml",
        "word/comments.xml",
        "word/footer1.xml",
        "docProps/core.xml",
        "docProps/app.xml",
        "docProps/custom.xml",
        "word/media/image1.png",
        "word/vbaProject.bin",
        "xl/workbook.xml",
        "xl/worksheets/sheet1.xml",
        "mimetype",
        "../evil",
    ]
)
XML_BITS = st.sampled_from(
    [
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">',
        b'<Override PartName="/word/document.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/>',
        b'<Default Extension="xml" ContentType="application/xml"/>',
        b"</Types>",
        b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
        b'2006/main"><w:body>',
        b"<w:p><w:r><w:t>",
        "正文".encode(),
        b"</w:t></w:r></w:p>",
        b'<w:ins w:author="x">',
        b"</w:ins>",
        b"</w:body></w:document>",
        b"<!DOCTYPE d>",
        b"\x89PNG\r\n\x1a\n",
        b"\xff\xd8\xff\xe1\x00\x10Exif",
    ]
)


@st.composite
def zip_archives(draw: st.DrawFn) -> bytes:
    """An arbitrary zip: random names from a DOCX/XLSX-like set, contents built
    from XML fragments or raw bytes, stored or deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        names = draw(st.lists(MEMBER_NAMES, min_size=0, max_size=8, unique=True))
        for name in names:
            body = draw(
                st.one_of(
                    st.lists(XML_BITS, max_size=10).map(b"".join),
                    st.binary(max_size=200),
                )
            )
            method = draw(st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED]))
            zf.writestr(zipfile.ZipInfo(name), body, compress_type=method)
    return out.getvalue()


def _inspect(data: bytes) -> None:
    try:
        result = inspect_document(data, max_bytes=LIMIT)
    except DocumentRejected as exc:
        assert exc.message  # a message for the unit, never empty
    else:
        assert isinstance(result, Document)


def _copy(data: bytes, kind: str) -> None:
    try:
        result = make_review_copy(data, kind=kind)
    except DocumentRejected as exc:
        assert exc.message
    else:
        assert isinstance(result, bytes)


# --------------------------------------------------------------- inspect_document


@fuzz(300)
@given(st.binary(max_size=4096))
def test_inspect_document_arbitrary_bytes_returns_or_rejects(data: bytes) -> None:
    _inspect(data)


@fuzz(200)
@given(mutated(PDFS))
def test_inspect_document_mutated_pdf_returns_or_rejects(data: bytes) -> None:
    _inspect(data)


@fuzz(200)
@given(st.one_of(mutated(DOCXS), mutated_docx_member()))
def test_inspect_document_mutated_docx_returns_or_rejects(data: bytes) -> None:
    _inspect(data)


@fuzz(150)
@given(zip_archives())
def test_inspect_document_arbitrary_zip_returns_or_rejects(data: bytes) -> None:
    _inspect(data)


# --------------------------------------------------------------- make_review_copy


@fuzz(150)
@given(st.binary(max_size=4096), st.sampled_from(["pdf", "docx"]))
def test_make_review_copy_arbitrary_bytes_returns_or_rejects(
    data: bytes, kind: str
) -> None:
    _copy(data, kind)


@fuzz(150)
@given(mutated(PDFS))
def test_make_review_copy_mutated_pdf_returns_or_rejects(data: bytes) -> None:
    _copy(data, "pdf")


@fuzz(200)
@given(st.one_of(mutated(DOCXS), mutated_docx_member(), zip_archives()))
def test_make_review_copy_mutated_docx_returns_or_rejects(data: bytes) -> None:
    _copy(data, "docx")


# ---------------------------------------------------------------------- read_table


def _xlsx(rows: list[list[str]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = _xlsx([["学校名称", "简称"], ["重庆大学", "重大"], ["西南大学", "西大"]])
CSV_TEXT = st.lists(
    st.lists(st.text(max_size=12), max_size=5).map(
        lambda cells: ",".join(c.replace("\n", " ") for c in cells)
    ),
    max_size=8,
).map("\n".join)


def _table(data: bytes, filename: str) -> None:
    try:
        result = read_table(
            data, filename=filename, columns=UNIT_COLUMNS, required={"name"}
        )
    except TableError as exc:
        assert str(exc)
    else:
        assert isinstance(result, Table)


@fuzz(200)
@given(
    st.one_of(
        st.binary(max_size=2048),
        CSV_TEXT.map(lambda t: ("学校名称,简称\n" + t).encode("utf-8")),
        CSV_TEXT.map(lambda t: ("学校名称,简称\n" + t).encode("gb18030")),
    ),
    st.sampled_from(["a.csv", "a.xlsx", "a.txt", ""]),
)
def test_read_table_arbitrary_bytes_returns_or_rejects(
    data: bytes, filename: str
) -> None:
    _table(data, filename)


@fuzz(80)
@given(st.one_of(mutated([XLSX]), zip_archives()))
def test_read_table_mutated_xlsx_returns_or_rejects(data: bytes) -> None:
    _table(data, "a.xlsx")
