"""Inspect an uploaded essay file: decide its type by content, refuse hostile files,
and extract its text per location.

Pure: no Flask, no database.

Competition rule: entries are PDF or Word (.docx) files. A file is judged by what
it *is*, never by its name: the magic bytes say PDF, or a zip package with
``[Content_Types].xml`` and a WordprocessingML main part says DOCX. Everything
else, and everything we cannot read safely (encrypted, damaged, macro-enabled,
zip bombs, XML entity tricks, absurd page counts), is refused with a Chinese
message the unit can act on. Any parser failure becomes ``DocumentRejected``;
no third-party exception escapes this module.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from lxml import etree

from judging.i18n import N_, said

__all__ = [
    "LOCATIONS",
    "DocxPackage",
    "Document",
    "DocumentRejected",
    "Picture",
    "Segment",
    "accept_document",
    "carries_text",
    "count_words",
    "extract_pictures",
    "has_pictures",
    "inspect_document",
    "open_docx_package",
    "parse_xml",
]

LOCATIONS = (
    "body",
    "header_footer",
    "footnote",
    "comment",
    "tracked_change",
    "metadata",
    "markup",
    "image",
)

DEFAULT_ALLOWED = frozenset({"pdf", "docx"})
DEFAULT_MAX_PAGES = 500

# Text-extraction work, estimated before extracting, in units of about 10 µs of
# pypdf time on a 2-core build machine: a text-showing operator (Tj, TJ) costs
# ~5 units, any other operator ~2, a form XObject invocation ~50. A real page is
# a few hundred to ~15,000 units (glyph-by-glyph producers); the caps keep the
# worst accepted file at about four seconds.
MAX_PAGE_WORK = 100_000
MAX_DOC_WORK = 400_000
OP_WEIGHT = 2
TEXT_OP_WEIGHT = 5
FORM_WEIGHT = 50
MAX_FORM_DEPTH = 12

# Zip-bomb guards, applied to the central directory before anything is inflated.
MAX_ZIP_MEMBERS = 2000
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 256 * 1024 * 1024
MAX_XML_PART_BYTES = 32 * 1024 * 1024
MAX_RATIO = 100  # deflated XML of real essays stays well under 30:1
RATIO_FLOOR = 1024 * 1024  # tiny members may have silly ratios harmlessly

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
W = f"{{{W_NS}}}"
XML_NS = "http://www.w3.org/XML/1998/namespace"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"

MAIN_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml"
MACRO_MAIN = "application/vnd.ms-word.document.macroenabled.main+xml"
MACRO_TEMPLATE = "application/vnd.ms-word.template.macroenabledtemplate.main+xml"
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

MSG_TYPE = N_("仅接受 PDF 或 Word（.docx）文件，请另存为其中一种格式后重新提交。")
MSG_EMPTY = N_("文件是空的（没有文字，也没有页面），请检查后重新提交。")
MSG_DAMAGED = N_("文件已损坏或不完整，无法打开，请重新导出后提交。")
MSG_ENCRYPTED = N_("文件已加密或设置了密码保护，请取消密码后重新提交。")
MSG_CFB = N_(
    "文件是加密的 Word 文档或旧版 .doc 格式，请取消密码并另存为 .docx 或 PDF"
    " 后重新提交。"
)
MSG_MACRO = N_(
    "文件含有宏（.docm 或 VBA 代码），请另存为不含宏的 .docx 或 PDF 后重新提交。"
)
MSG_BOMB = N_("文件压缩结构异常（解压后体积过大或条目过多），无法安全打开。")
MSG_XML = N_("文件含有不允许的 XML 声明（DTD 或实体），无法安全打开。")
MSG_COMPLEX = N_("文件页面内容异常复杂，无法安全处理，请重新导出为普通 PDF 后提交。")


class DocumentRejected(ValueError):
    """A submitted file that must not enter the competition; ``message`` is Chinese
    and addressed to the unit contact, a ``Said`` (or a constant marked with
    ``N_``) that a page says in its reader's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Segment:
    """A run of text found at one location of a document.

    ``location`` is one of ``LOCATIONS``; ``source`` says where exactly (a page
    number such as ``"page 3"`` or a package part such as ``"word/footer1.xml"``)
    so a finding can be traced back.
    """

    location: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class Picture:
    """A picture inside a document, for OCR.

    ``source`` names it (``"word/media/image1.png"``, ``"page 3 image 1"``);
    ``page`` is its page for PDF (``None`` for DOCX); ``scanned_page`` says the
    page has no text of its own, so the picture *is* the page; ``data`` is the
    encoded image (PNG, JPEG …), empty when it could not be decoded.
    """

    source: str
    data: bytes
    page: int | None = None
    scanned_page: bool = False


@dataclass(frozen=True)
class Document:
    """What we know about an accepted file.

    ``metadata`` is a tuple of ``(key, value)`` pairs, because keys may repeat
    (several comment authors): PDF ``info:/Author`` and ``xmp:creator``; DOCX
    ``core:creator``, ``app:Company``, ``custom:<name>``, ``comment_author``,
    ``tracked_change_author``, ``people:author``. ``pages`` is ``None`` for DOCX
    (Word decides pagination at display time).
    """

    kind: str
    pages: int | None
    segments: tuple[Segment, ...]
    metadata: tuple[tuple[str, str], ...] = ()
    word_count: int = 0
    has_text: bool = False

    def text(self, location: str) -> str:
        """All text found at ``location``, segments separated by newlines.

        ``markup`` is text that no reader sees on the page but that a file
        carries: style and numbering names, font names, attribute values, the
        targets of links. It is read so that nothing in a review copy goes
        unscanned (see ``review_copy``).
        """
        if location == "metadata":
            return "\n".join(f"{k}: {v}" for k, v in self.metadata)
        return "\n".join(s.text for s in self.segments if s.location == location)

    def metadata_values(self, key: str) -> tuple[str, ...]:
        """Every value recorded under ``key`` (e.g. all ``comment_author``)."""
        return tuple(v for k, v in self.metadata if k == key)


# --------------------------------------------------------------------------- words

_HAN = (
    "\u3400-\u4dbf"  # Extension A
    "\u4e00-\u9fff"  # Unified Ideographs
    "\uf900-\ufaff"  # Compatibility Ideographs
    "\U00020000-\U0003134f"  # Extensions B–H
)
_WORD_RE = re.compile(
    rf"[{_HAN}]"
    rf"|(?:[^\W_{_HAN}]+(?:['’\-.][^\W_{_HAN}]+)*)"
)


def count_words(text: str) -> int:
    """Count words the way Chinese competitions count 字数.

    Rule: every Han character counts one; every maximal run of other letters or
    digits counts one (``"AI"``, ``"2024"``, ``"3.14"``, ``"don't"`` and
    ``"COVID-19"`` are one word each); punctuation and whitespace count zero.
    This matches Word's 字数 for mixed Chinese/English text closely enough for a
    word limit, and it is stable across PDF and DOCX of the same essay.
    """
    return sum(1 for _ in _WORD_RE.finditer(text))


# ------------------------------------------------------------------------- entry


def inspect_document(
    data: bytes,
    *,
    max_bytes: int,
    allowed: frozenset[str] = DEFAULT_ALLOWED,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> Document:
    """Decide what ``data`` is by its content, refuse it if unsafe, extract text.

    The size limit is checked before any parsing so an oversized upload costs
    nothing. Raises ``DocumentRejected`` with a Chinese message for: wrong type,
    over size, empty, encrypted, damaged, macro-enabled, zip bomb, DTD/entity
    XML, more than ``max_pages`` pages, PDF pages whose text extraction would
    take too long. ``word_count`` counts body text only (see ``count_words``;
    for PDF, running headers and footers are excluded); ``has_text`` is false
    for an image-only (scanned) file, which is accepted but needs a manual
    anonymity check.
    """
    if len(data) > max_bytes:
        raise DocumentRejected(
            said(
                N_("文件大小 %(size)s 超过上限 %(limit)s，请压缩后重新提交。"),
                size=_mb(len(data)),
                limit=_mb(max_bytes),
            )
        )
    if not data.strip():
        raise DocumentRejected(MSG_EMPTY)
    kind = _sniff(data)
    if kind not in allowed:
        raise DocumentRejected(_type_message(allowed))
    try:
        if kind == "pdf":
            return _inspect_pdf(data, max_pages=max_pages)
        return _inspect_docx(data)
    except DocumentRejected:
        raise
    except (MemoryError, RecursionError) as exc:
        raise DocumentRejected(MSG_BOMB) from exc
    except Exception as exc:  # any parser failure is a damaged file to the unit
        raise DocumentRejected(MSG_DAMAGED) from exc


def accept_document(
    data: bytes,
    *,
    max_bytes: int,
    allowed: frozenset[str] = DEFAULT_ALLOWED,
    min_words: int = 0,
    max_words: int = 0,
) -> Document:
    """``inspect_document`` plus the competition's word limits (0: no limit).

    Competition rule: an essay outside the call's 字数 range is refused at upload
    with the count we found, so the unit can fix it before the deadline. A file
    without text (a scan) has no count and is not refused for it.
    """
    doc = inspect_document(data, max_bytes=max_bytes, allowed=allowed)
    words = doc.word_count
    if doc.has_text and min_words and words < min_words:
        raise DocumentRejected(
            said(
                N_("作品字数约 %(words)s 字，少于本竞赛要求的 %(min)s 字。"),
                words=words,
                min=min_words,
            )
        )
    if doc.has_text and max_words and words > max_words:
        raise DocumentRejected(
            said(
                N_("作品字数约 %(words)s 字，超过本竞赛上限 %(max)s 字。"),
                words=words,
                max=max_words,
            )
        )
    return doc


def _type_message(allowed: frozenset[str]) -> str:
    if allowed == {"pdf"}:
        return N_("本竞赛仅接受 PDF 文件，请另存为 PDF 后重新提交。")
    if allowed == {"docx"}:
        return N_("本竞赛仅接受 Word（.docx）文件，请另存为 .docx 后重新提交。")
    return MSG_TYPE


def _mb(n: int) -> str:
    if n < 100 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def _sniff(data: bytes) -> str:
    """Return ``'pdf'``, ``'docx'`` or ``'other'``; refuse CFB containers here."""
    if b"%PDF-" in data[:1024] and not data.startswith(b"PK"):
        return "pdf"
    if data.startswith(CFB_MAGIC):
        raise DocumentRejected(MSG_CFB)
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except Exception as exc:
            raise DocumentRejected(MSG_DAMAGED) from exc
        if "[Content_Types].xml" in names and any(n.startswith("word/") for n in names):
            return "docx"
    return "other"


# --------------------------------------------------------------------------- XML

_PARSER = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_blank_text=False,
)


def parse_xml(raw: bytes) -> etree._Element:
    """Parse one XML part safely: no DTD, no entities, no network.

    A document type declaration is refused outright rather than neutralised:
    Office never writes one, so its presence means a crafted file.
    """
    head = raw[:4096].replace(b"\x00", b"")
    if b"<!DOCTYPE" in head or b"<!ENTITY" in raw.replace(b"\x00", b""):
        raise DocumentRejected(MSG_XML)
    try:
        root = etree.fromstring(raw, parser=_PARSER)
    except etree.XMLSyntaxError as exc:
        raise DocumentRejected(MSG_DAMAGED) from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise DocumentRejected(MSG_XML)
    return root


# --------------------------------------------------------------------------- DOCX


@dataclass(frozen=True)
class DocxPackage:
    """A zip package that passed the bomb checks, with its content types.

    ``content_types`` maps part name (no leading slash) to its declared content
    type (overrides first, then extension defaults).
    """

    zf: zipfile.ZipFile
    content_types: dict[str, str]
    main_part: str

    def read(self, name: str, *, limit: int = MAX_XML_PART_BYTES) -> bytes:
        """Read one member with bounded memory, whatever its header claims."""
        return _read_bounded(self.zf, name, limit=limit)

    def parts_of(self, suffix: str) -> list[str]:
        """Part names whose content type ends with ``suffix`` (sorted)."""
        return sorted(n for n, ct in self.content_types.items() if ct.endswith(suffix))


def open_docx_package(data: bytes) -> DocxPackage:
    """Open a DOCX package after zip-bomb, macro and content-type checks."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except Exception as exc:
        raise DocumentRejected(MSG_DAMAGED) from exc
    _check_zip_limits(infos)
    names = {i.filename for i in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise DocumentRejected(MSG_MACRO)
    if any(_bad_part_name(n) for n in names):
        raise DocumentRejected(MSG_DAMAGED)
    _check_xml_parts(zf, names)
    types_root = parse_xml(_read_bounded(zf, "[Content_Types].xml"))
    defaults = {
        el.get("Extension", "").lower(): el.get("ContentType", "").lower()
        for el in types_root.iter(f"{{{CT_NS}}}Default")
    }
    overrides = {
        el.get("PartName", "").lstrip("/"): el.get("ContentType", "").lower()
        for el in types_root.iter(f"{{{CT_NS}}}Override")
    }
    content_types: dict[str, str] = {}
    for name in names:
        if name in overrides:
            content_types[name] = overrides[name]
        else:
            ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
            if ext in defaults:
                content_types[name] = defaults[ext]
    all_types = set(content_types.values()) | set(overrides.values())
    if any("macroenabled" in ct or "vbaproject" in ct for ct in all_types) or (
        MACRO_MAIN in all_types or MACRO_TEMPLATE in all_types
    ):
        raise DocumentRejected(MSG_MACRO)
    main = [
        n for n, ct in content_types.items() if ct == f"{MAIN_DOCX}.document.main+xml"
    ]
    if len(main) != 1:
        raise DocumentRejected(MSG_TYPE)
    return DocxPackage(zf=zf, content_types=content_types, main_part=main[0])


def _bad_part_name(name: str) -> bool:
    """OPC part names are relative, "/"-separated, without "." or ".." segments;
    anything else (``../../evil.sh``, ``/etc/x``, ``a\\b``) is a crafted file."""
    if name.startswith("/") or "\\" in name or ":" in name:
        return True
    return any(piece in (".", "..") for piece in name.split("/"))


def _check_xml_parts(zf: zipfile.ZipFile, names: set[str]) -> None:
    """Refuse a DTD or entity in *any* XML part, not only those we extract text
    from: the review copy rewrites every relationships and Word part, so the
    inspector must refuse what the stripper would refuse later."""
    for name in sorted(names):
        if name.lower().endswith((".xml", ".rels")):
            raw = _read_bounded(zf, name).replace(b"\x00", b"")
            if b"<!DOCTYPE" in raw[:4096] or b"<!ENTITY" in raw:
                raise DocumentRejected(MSG_XML)


def _check_zip_limits(infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ZIP_MEMBERS:
        raise DocumentRejected(MSG_BOMB)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise DocumentRejected(MSG_ENCRYPTED)
        size = info.file_size
        total += size
        if size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            raise DocumentRejected(MSG_BOMB)
        if size > RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
            raise DocumentRejected(MSG_BOMB)


def _read_bounded(
    zf: zipfile.ZipFile, name: str, *, limit: int = MAX_XML_PART_BYTES
) -> bytes:
    """Inflate one member in chunks, stopping as soon as it exceeds ``limit`` or
    its declared size (a lying header is itself a sign of a crafted file)."""
    try:
        info = zf.getinfo(name)
    except KeyError as exc:
        raise DocumentRejected(MSG_DAMAGED) from exc
    cap = min(limit, info.file_size)
    if info.file_size > limit:
        raise DocumentRejected(MSG_BOMB)
    out = bytearray()
    with zf.open(info) as fh:
        while chunk := fh.read(64 * 1024):
            out += chunk
            if len(out) > cap:
                raise DocumentRejected(MSG_BOMB)
    return bytes(out)


def _inspect_docx(data: bytes) -> Document:
    pkg = open_docx_package(data)
    segments: list[Segment] = []
    metadata: list[tuple[str, str]] = []
    has_media = False

    def add(location: str, part: str, texts: Iterable[str]) -> None:
        text = "\n".join(t for t in texts if t.strip())
        if text.strip():
            segments.append(Segment(location=location, text=text, source=part))

    main_root = parse_xml(pkg.read(pkg.main_part))
    add("body", pkg.main_part, _paragraph_texts(main_root))
    has_media = _has_drawing(main_root)
    part_roots = {pkg.main_part: main_root}
    for suffix, location in (
        ("header+xml", "header_footer"),
        ("footer+xml", "header_footer"),
        ("footnotes+xml", "footnote"),
        ("endnotes+xml", "footnote"),
        ("comments+xml", "comment"),
    ):
        for part in pkg.parts_of(suffix):
            root = parse_xml(pkg.read(part))
            part_roots[part] = root
            add(location, part, _paragraph_texts(root))
            if location == "comment":
                for c in root.iter(f"{W}comment"):
                    for attr in ("author", "initials"):
                        if v := c.get(f"{W}{attr}"):
                            metadata.append((f"comment_{attr}", v))
    for part, root in part_roots.items():
        changes = list(_tracked_change_texts(root))
        add("tracked_change", part, changes)
        for el in root.iter():
            if (
                isinstance(el.tag, str)
                and el.tag != f"{W}comment"
                and (author := el.get(f"{W}author"))
            ):
                metadata.append(("tracked_change_author", author))
    for part in sorted(pkg.content_types):
        if not _has_markup(part, pkg.content_types[part]):
            continue
        root = part_roots.get(part)
        if root is None:
            root = parse_xml(pkg.read(part))
        add("markup", part, _markup_values(root))
    add("markup", "links", _external_targets(pkg))
    for part in pkg.parts_of("people+xml"):
        for el in parse_xml(pkg.read(part)).iter():
            for key, value in el.attrib.items():
                local = etree.QName(key).localname
                if local in {"author", "userId"} and value:
                    metadata.append((f"people:{local}", value))
    metadata.extend(_docprops(pkg))
    metadata = list(dict.fromkeys(metadata))  # keep order, drop duplicates
    body = "\n".join(s.text for s in segments if s.location == "body")
    any_text = any(s.text.strip() for s in segments if s.location != "markup")
    if not any_text and not has_media:
        raise DocumentRejected(MSG_EMPTY)
    return Document(
        kind="docx",
        pages=None,
        segments=tuple(segments),
        metadata=tuple(metadata),
        word_count=count_words(body),
        has_text=bool(body.strip()),
    )


def _paragraph_texts(root: etree._Element) -> Iterator[str]:
    """Visible text of each paragraph (deleted text excluded), tabs and breaks kept.

    Paragraphs nested in text boxes are yielded on their own as well; their text
    is not repeated in the enclosing paragraph.
    """
    for p in root.iter(f"{W}p"):
        parts: list[str] = []
        for el in p.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}p"):
            if el.tag == f"{W}p" and el is not p:
                continue
            if _nearest_paragraph(el) is not p:
                continue
            if el.tag == f"{W}t":
                parts.append(el.text or "")
            elif el.tag == f"{W}tab":
                parts.append("\t")
            else:
                parts.append("\n")
        yield "".join(parts)


def _nearest_paragraph(el: etree._Element) -> etree._Element | None:
    parent = el.getparent()
    while parent is not None and parent.tag != f"{W}p":
        parent = parent.getparent()
    return parent


def _tracked_change_texts(root: etree._Element) -> Iterator[str]:
    """Inserted and deleted text, one string per paragraph (runs are joined)."""
    changes = {f"{W}ins", f"{W}del", f"{W}moveTo", f"{W}moveFrom"}
    for p in root.iter(f"{W}p"):
        parts = []
        for t in p.iter(f"{W}t", f"{W}delText"):
            if _nearest_paragraph(t) is not p:
                continue
            parent = t.getparent()
            while parent is not None and parent is not p:
                if parent.tag in changes:
                    parts.append(t.text or "")
                    break
                parent = parent.getparent()
        if parts:
            yield "".join(parts)


# The kinds of XML part a review copy may keep (``review_copy.KEEP_RELS``): all
# their text is read, the paragraphs as such and everything else as markup.
COPY_PART_TYPES = (
    ".document.main+xml",
    ".header+xml",
    ".footer+xml",
    ".footnotes+xml",
    ".endnotes+xml",
    ".styles+xml",
    ".numbering+xml",
    ".settings+xml",
    ".theme+xml",
)
# Read as metadata already (tracked-change and comment authorship).
_AUTHORSHIP = frozenset({f"{W}author", f"{W}initials", f"{W}date"})


def _has_markup(part: str, content_type: str) -> bool:
    return content_type.endswith(COPY_PART_TYPES)


def carries_text(value: str) -> bool:
    """Whether a value could say something to a reader: it has a letter."""
    return any(ch.isalpha() for ch in value)


def _markup_values(root: etree._Element) -> list[str]:
    """Every attribute value and every text node not read as paragraph text,
    once each, sorted (so the segment is the same for the same package)."""
    values: set[str] = set()
    read = {f"{W}t", f"{W}delText"}
    for el in root.iter():
        if not isinstance(el.tag, str):  # comments, processing instructions
            texts = [el.text or "", el.tail or ""]
        else:
            texts = [v for k, v in el.attrib.items() if k not in _AUTHORSHIP]
            texts.append(el.tail or "")
            if el.tag not in read or _nearest_paragraph(el) is None:
                texts.append(el.text or "")
        values.update(t.strip() for t in texts if carries_text(t))
    return sorted(values)


def _external_targets(pkg: DocxPackage) -> list[str]:
    """Targets of external relationships (hyperlinks, linked templates …)."""
    targets: set[str] = set()
    for name in sorted(pkg.zf.namelist()):
        if not name.endswith(".rels"):
            continue
        for rel in parse_xml(pkg.read(name)).iter(f"{{{REL_NS}}}Relationship"):
            if rel.get("TargetMode", "") == "External" and rel.get("Target"):
                targets.add(rel.get("Target", ""))
    return sorted(targets)


def _has_drawing(root: etree._Element) -> bool:
    tags = {f"{W}drawing", f"{W}pict", f"{W}object"}
    return any(el.tag in tags for el in root.iter())


def _docprops(pkg: DocxPackage) -> Iterator[tuple[str, str]]:
    for suffix, prefix in (
        ("core-properties+xml", "core"),
        ("extended-properties+xml", "app"),
    ):
        for part in pkg.parts_of(suffix):
            root = parse_xml(pkg.read(part))
            for el in root.iter():
                if el is root or not isinstance(el.tag, str) or len(el):
                    continue
                if etree.QName(el).namespace == VT_NS:  # TitlesOfParts vectors
                    continue
                if el.text and el.text.strip():
                    yield f"{prefix}:{etree.QName(el).localname}", el.text.strip()
    for part in pkg.parts_of("custom-properties+xml"):
        root = parse_xml(pkg.read(part))
        for prop in root:
            name = prop.get("name", "")
            value = "".join(prop.itertext()).strip()
            if name or value:
                yield f"custom:{name}", value


# ---------------------------------------------------------------------- pictures

MAX_PICTURES = 300
MIN_PICTURE_SIDE = 8  # pixels; a rule or a bullet, not text


def extract_pictures(data: bytes, *, kind: str) -> tuple[Picture, ...]:
    """The pictures of an accepted file, for OCR (at most ``MAX_PICTURES``).

    DOCX: every image part of the package. PDF: every image drawn on a page,
    page by page (form XObjects included), marked ``scanned_page`` when the page
    has no text layer. A picture that cannot be decoded comes with empty
    ``data``, so the caller can say that it was not read.
    """
    try:
        if kind == "docx":
            return _docx_pictures(data)
        if kind == "pdf":
            return _pdf_pictures(data)
    except DocumentRejected:
        raise
    except Exception as exc:
        raise DocumentRejected(MSG_DAMAGED) from exc
    raise ValueError(f"unknown document kind {kind!r}")


def has_pictures(data: bytes, *, kind: str) -> bool:
    """Whether an accepted file shows any picture, without decoding one.

    Cheap enough for the upload request: it decides whether OCR must run.
    """
    try:
        if kind == "docx":
            pkg = open_docx_package(data)
            return any(ct.startswith("image/") for ct in pkg.content_types.values())
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        return any(_draws_image(page.get("/Resources"), 0) for page in reader.pages)
    except DocumentRejected:
        raise
    except Exception as exc:
        raise DocumentRejected(MSG_DAMAGED) from exc


def _draws_image(resources: object, depth: int) -> bool:
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
    xobjects = xobjects.get_object() if xobjects is not None else {}
    for ref in xobjects.values():
        obj = ref.get_object()
        if obj.get("/Subtype") == "/Image":
            return True
        if obj.get("/Subtype") == "/Form" and depth < MAX_FORM_DEPTH:
            if _draws_image(obj.get("/Resources"), depth + 1):
                return True
    return False


def _docx_pictures(data: bytes) -> tuple[Picture, ...]:
    pkg = open_docx_package(data)
    out = []
    for name in sorted(pkg.content_types):
        if pkg.content_types[name].startswith("image/"):
            raw = pkg.read(name, limit=MAX_MEMBER_BYTES)
            out.append(Picture(source=name, data=_decodable(raw)))
    return tuple(out[:MAX_PICTURES])


def _decodable(raw: bytes) -> bytes:
    """``raw`` if Pillow can open it and it is big enough to hold text."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(raw)) as img:
            if min(img.size) < MIN_PICTURE_SIDE:
                return b""
            img.verify()
    except Exception:  # noqa: BLE001 - an undecodable picture is reported empty
        return b""
    return raw


def _pdf_pictures(data: bytes) -> tuple[Picture, ...]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data), strict=False)
    out: list[Picture] = []
    for number, page in enumerate(reader.pages, start=1):
        scanned = not (page.extract_text() or "").strip()
        try:
            images = list(page.images)
        except Exception:  # noqa: BLE001 - a page whose images pypdf cannot list
            out.append(Picture(f"page {number}", b"", number, scanned))
            continue
        for index, image in enumerate(images, start=1):
            try:
                raw = image.data
            except Exception:  # noqa: BLE001
                raw = b""
            out.append(
                Picture(
                    f"page {number} image {index}", _decodable(raw), number, scanned
                )
            )
        if len(out) >= MAX_PICTURES:
            break
    return tuple(out[:MAX_PICTURES])


# --------------------------------------------------------------------------- PDF


def _inspect_pdf(data: bytes, *, max_pages: int) -> Document:
    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

    if b"%%EOF" not in data[-2048:]:
        raise DocumentRejected(MSG_DAMAGED)
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise DocumentRejected(MSG_ENCRYPTED)
    n_pages = len(reader.pages)
    if n_pages > max_pages:
        raise DocumentRejected(
            said(
                N_("文件共 %(pages)s 页，超过上限 %(max)s 页，请检查后重新提交。"),
                pages=n_pages,
                max=max_pages,
            )
        )
    if n_pages == 0:
        raise DocumentRejected(MSG_EMPTY)
    _check_text_work(reader.pages)
    page_texts: list[str] = []
    segments: list[Segment] = []
    metadata: list[tuple[str, str]] = []
    for number, page in enumerate(reader.pages, start=1):
        page_texts.append(page.extract_text() or "")
        annots = page.get("/Annots")
        for ref in annots.get_object() if annots is not None else ():
            annot = ref.get_object()
            if not isinstance(annot, DictionaryObject) or annot.get("/Subtype") in (
                "/Link",
                "/Popup",
                "/Widget",
            ):
                continue
            if author := _pdf_str(annot.get("/T")):
                metadata.append(("annotation_author", author))
            if contents := _pdf_str(annot.get("/Contents")):
                segments.append(
                    Segment(location="comment", text=contents, source=f"page {number}")
                )
    if markup := _pdf_markup(reader.pages):
        segments.append(
            Segment(location="markup", text="\n".join(markup), source="pages")
        )
    body_pages, running = _split_running_lines(page_texts)
    for number, text in enumerate(body_pages, start=1):
        if text.strip():
            segments.append(
                Segment(location="body", text=text, source=f"page {number}")
            )
    if running:
        segments.append(
            Segment(location="header_footer", text="\n".join(running), source="pages")
        )
    info = reader.trailer.get("/Info")
    info = info.get_object() if info is not None else None
    if isinstance(info, DictionaryObject):
        for key, value in info.items():
            if text := _pdf_str(value):
                metadata.append((f"info:{key}", text))
    root = reader.trailer["/Root"].get_object()
    xmp = root.get("/Metadata")
    if xmp is not None:
        raw = xmp.get_object().get_data()
        if len(raw) > MAX_XML_PART_BYTES:
            raise DocumentRejected(MSG_BOMB)
        metadata.extend(_xmp_pairs(raw))
    body = "\n".join(body_pages)
    return Document(
        kind="pdf",
        pages=n_pages,
        segments=tuple(segments),
        metadata=tuple(dict.fromkeys(metadata)),
        word_count=count_words(body),
        has_text=bool("".join(page_texts).strip()),
    )


_MARKED_TEXT = re.compile(rb"/(?:ActualText|Alt|E|T|Lang|Title|Contents)\b")


# Read elsewhere (annotations: comment and metadata; XMP: metadata) or a link
# back up the page tree.
_NOT_MARKUP_KEYS = frozenset({"/Parent", "/Annots", "/Metadata", "/P"})


def _pdf_markup(pages: Iterable[object]) -> list[str]:
    """Every string a page carries outside its shown text, sorted, once each.

    Strings anywhere in the objects a page uses (resources, fonts, forms,
    images, property lists), and those of the property lists written inline in
    the content streams (``/Span <</ActualText (…)>> BDC``, alternate
    descriptions): text a reader may be shown or copy but that text extraction
    does not return.
    """
    from pypdf.generic import (
        ArrayObject,
        ByteStringObject,
        ContentStream,
        DictionaryObject,
        IndirectObject,
        StreamObject,
        TextStringObject,
    )

    values: set[str] = set()
    seen: set[int] = set()
    streams: list[object] = []

    def add(value: object) -> None:
        text = _pdf_str(value)
        if carries_text(text):
            values.add(text)

    def walk(obj: object, depth: int) -> None:
        if depth > 60:
            return
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, (TextStringObject, ByteStringObject)):
            add(obj)
        elif isinstance(obj, DictionaryObject):
            if isinstance(obj, StreamObject) and obj.get("/Subtype") == "/Form":
                streams.append(obj)
            for key, value in obj.items():
                if key not in _NOT_MARKUP_KEYS:
                    walk(value, depth + 1)
        elif isinstance(obj, ArrayObject):
            for value in obj:
                walk(value, depth + 1)

    for page in pages:
        walk(page, 0)  # type: ignore[arg-type]
        contents = page.get_contents()  # type: ignore[attr-defined]
        if contents is not None:
            streams.append(contents)
    for stream in streams:
        data = stream.get_data()  # type: ignore[attr-defined]
        if not _MARKED_TEXT.search(data):
            continue
        for operands, operator in ContentStream(stream, None).operations:
            if operator in (b"BDC", b"DP"):
                for operand in operands:
                    if isinstance(operand, DictionaryObject):
                        for value in operand.values():
                            walk(value, 0)
    return sorted(values)


_TEXT_OP = re.compile(rb"T[jJ](?![A-Za-z0-9])")
_ANY_OP = re.compile(rb"(?<![\w/])[A-Za-z'\"][A-Za-z0-9*]*(?![\w])")
_DO_OP = re.compile(rb"/([^\s/\[\]()<>{}%]+)\s*Do(?![A-Za-z0-9])")


def _check_text_work(pages: Iterable[object]) -> None:
    """Refuse a PDF whose text extraction would take unreasonably long.

    The estimate weighs every operator of the content streams (text-showing
    ones more), and form XObject invocations expanded through nested forms
    (a form drawing a form ten times, five levels deep, is 100,000 invocations
    in a 4 KB file). Deterministic: it depends on the file only, never on the
    clock.
    """
    memo: dict[int, int] = {}
    total = 0
    for page in pages:
        contents = page.get_contents()  # type: ignore[attr-defined]
        data = contents.get_data() if contents is not None else b""
        cost = _content_work(data, page.get("/Resources"), memo, depth=0)  # type: ignore[attr-defined]
        total += cost
        if cost > MAX_PAGE_WORK or total > MAX_DOC_WORK:
            raise DocumentRejected(MSG_COMPLEX)


def _content_work(
    data: bytes, resources: object, memo: dict[int, int], *, depth: int
) -> int:
    text_ops = len(_TEXT_OP.findall(data))
    ops = len(_ANY_OP.findall(data))
    cost = OP_WEIGHT * ops + (TEXT_OP_WEIGHT - OP_WEIGHT) * text_ops
    names = _DO_OP.findall(data)
    if not names:
        return cost
    if depth >= MAX_FORM_DEPTH:
        return MAX_PAGE_WORK + 1
    resources = resources.get_object() if resources is not None else None
    xobjects = resources.get("/XObject") if hasattr(resources, "get") else None
    xobjects = xobjects.get_object() if xobjects is not None else {}
    for name in names:
        ref = xobjects.get("/" + name.decode("latin-1"))
        if ref is None:
            continue
        form = ref.get_object()
        if form.get("/Subtype") != "/Form":
            continue
        key = getattr(ref, "idnum", id(form))
        if key not in memo:
            memo[key] = MAX_PAGE_WORK + 1  # a form that draws itself is hostile
            memo[key] = _content_work(
                form.get_data(), form.get("/Resources"), memo, depth=depth + 1
            )
        cost += FORM_WEIGHT + memo[key]
        if cost > MAX_PAGE_WORK:
            return cost
    return cost


def _pdf_str(value: object) -> str:
    if value is None:
        return ""
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, (bytes, bytearray)):
        value = bytes(value).decode("latin-1", "replace")
    return str(value).strip() if isinstance(value, str) else ""


_DIGITS = re.compile(r"\d+")


def _split_running_lines(pages: list[str]) -> tuple[list[str], list[str]]:
    """Separate running headers and footers from PDF page text.

    PDF has no header/footer structure; a first or last line that recurs (digits
    ignored, so "第 3 页" equals "第 4 页") on at least half of the pages of a
    document of two or more pages is taken as a running line. Returns the page
    texts without those lines, and the distinct running lines.
    """
    if len(pages) < 2:
        return pages, []
    counts: dict[str, int] = {}
    edges: list[list[str]] = []
    for text in pages:
        lines = [ln for ln in text.splitlines() if ln.strip()]
        edge = {_DIGITS.sub("#", ln.strip()) for ln in lines[:1] + lines[-1:]}
        edges.append(lines)
        for key in edge:
            counts[key] = counts.get(key, 0) + 1
    running_keys = {k for k, c in counts.items() if c * 2 >= len(pages)}
    kept: list[str] = []
    running: list[str] = []
    for lines in edges:
        out = list(lines)
        for idx in (0, -1):
            if out and _DIGITS.sub("#", out[idx].strip()) in running_keys:
                line = out.pop(idx)
                if line.strip() not in running:
                    running.append(line.strip())
        kept.append("\n".join(out))
    return kept, running


def _xmp_pairs(raw: bytes) -> Iterator[tuple[str, str]]:
    """Every text value and non-RDF attribute of an XMP packet, as key/value."""
    rdf = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    start = raw.find(b"<x:xmpmeta")
    if start < 0:
        start = raw.find(b"<rdf:RDF")
    body = raw[start:] if start >= 0 else raw
    end = body.rfind(b">")
    root = parse_xml(body[: end + 1]) if end >= 0 else None
    if root is None:
        return
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for key, value in el.attrib.items():
            q = etree.QName(key)
            if q.namespace not in (rdf, XML_NS, None) and value.strip():
                yield f"xmp:{q.localname}", value.strip()
        text = (el.text or "").strip()
        if text and len(el) == 0:
            owner = el
            while owner is not None and etree.QName(owner).namespace == rdf:
                owner = owner.getparent()
            name = etree.QName(owner).localname if owner is not None else "value"
            yield f"xmp:{name}", unicodedata.normalize("NFC", text)
