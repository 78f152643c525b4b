"""Make the judge's review copy of an essay: same format, author traces removed.

Pure: no Flask, no database.

Competition rule: judges see the essay, never who wrote it. The review copy keeps
the essay exactly as the school laid it out (same format, same pages, same
fonts) and removes everything that is *about* the file rather than *in* the
essay: document properties, comments, tracked-change authors, attachments,
scripts, form fields, external links to templates. The visible text is not
changed; leaks in the text itself are the scanner's job (``scan.py``) and the
organiser's decision.

PDF: the pages are copied into a new file with pypdf, so nothing outside the
page tree survives (document info, XMP, named JavaScript and embedded files,
open actions, AcroForm, outlines, earlier incremental revisions); annotations,
page actions, page-level metadata and piece info are then removed from every
page and XObject.

DOCX: the zip package is rebuilt part by part: comments, people, custom
properties, customXml, VBA, embedded OLE packages and the thumbnail are dropped
with their relationships; core and app properties are replaced by empty ones;
tracked changes are accepted (insertions kept, deletions dropped, property
changes dropped) so no ``w:author`` is left; comment anchors, document
variables, data bindings and the attached-template path are removed; external
relationships other than hyperlinks are dropped. Embedded JPEG and PNG images
lose their EXIF/XMP/comment blocks (camera owner, GPS position), pixels untouched.

Not removed: text visible on the page (names in the body, a header reading
"重庆大学") — the scanner reports it and the organiser decides; metadata inside
images embedded in a PDF.
"""

from __future__ import annotations

import io
import zipfile

from lxml import etree

from judging.documents.inspection import (
    CT_NS,
    REL_NS,
    W_NS,
    DocumentRejected,
    open_docx_package,
    parse_xml,
)

__all__ = ["make_review_copy", "strip_image_metadata"]

W = f"{{{W_NS}}}"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
O_NS = "urn:schemas-microsoft-com:office:office"
FIXED_TIME = (1980, 1, 1, 0, 0, 0)

CORE_BLANK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
    b'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:dcterms="http://purl.org/dc/terms/" '
    b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
)
APP_BLANK = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'extended-properties"/>'
)

# Content types (suffixes) of parts dropped from the review copy.
DROP_TYPES = (
    "comments+xml",
    "commentsextended+xml",
    "commentsids+xml",
    "commentsextensible+xml",
    "people+xml",
    "custom-properties+xml",
    "customxmlproperties+xml",
    "vbaproject",
    "vbadata+xml",
    "oleobject",
    "package",
)
DROP_PREFIXES = ("customXml/", "word/embeddings/", "docProps/thumbnail")
KEEP_EXTERNAL = frozenset({f"{R_NS}/hyperlink"})

UNWRAP = frozenset({f"{W}ins", f"{W}moveTo"})
REMOVE = frozenset(
    {
        f"{W}del",
        f"{W}moveFrom",
        f"{W}moveFromRangeStart",
        f"{W}moveFromRangeEnd",
        f"{W}moveToRangeStart",
        f"{W}moveToRangeEnd",
        f"{W}rPrChange",
        f"{W}pPrChange",
        f"{W}sectPrChange",
        f"{W}tblPrChange",
        f"{W}tblPrExChange",
        f"{W}tblGridChange",
        f"{W}trPrChange",
        f"{W}tcPrChange",
        f"{W}numberingChange",
        f"{W}cellIns",
        f"{W}cellDel",
        f"{W}cellMerge",
        f"{W}customXmlInsRangeStart",
        f"{W}customXmlInsRangeEnd",
        f"{W}customXmlDelRangeStart",
        f"{W}customXmlDelRangeEnd",
        f"{W}customXmlMoveFromRangeStart",
        f"{W}customXmlMoveFromRangeEnd",
        f"{W}customXmlMoveToRangeStart",
        f"{W}customXmlMoveToRangeEnd",
        f"{W}commentRangeStart",
        f"{W}commentRangeEnd",
        f"{W}commentReference",
        f"{W}dataBinding",
        f"{W}docVars",
        f"{W}attachedTemplate",
        f"{W}trackRevisions",
    }
)
SCRUB_ATTRS = (f"{W}author", f"{W}date", f"{W}initials")


def make_review_copy(data: bytes, *, kind: str) -> bytes:
    """Return the judge's copy of an accepted file (``kind`` 'pdf' or 'docx').

    The input must already have passed ``inspect_document``; the same safety
    checks are applied again (this function may run later, from the CLI), and a
    file that cannot be rewritten raises ``DocumentRejected``. Deterministic:
    the same input gives byte-identical DOCX output.
    """
    try:
        if kind == "pdf":
            return _strip_pdf(data)
        if kind == "docx":
            return _strip_docx(data)
    except DocumentRejected:
        raise
    except Exception as exc:
        raise DocumentRejected("无法生成匿名评审稿，请检查原文件后重新提交。") from exc
    raise ValueError(f"unknown document kind {kind!r}")


# --------------------------------------------------------------------------- PDF


def _strip_pdf(data: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, StreamObject

    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted:
        raise DocumentRejected("文件已加密或设置了密码保护，请取消密码后重新提交。")
    writer = PdfWriter()
    for page in reader.pages:
        writer.add_page(page)
    drop = [
        NameObject(k)
        for k in ("/Annots", "/AA", "/Metadata", "/PieceInfo", "/Thumb", "/B")
    ]
    for page in writer.pages:
        for key in drop:
            page.pop(key, None)
    # Images and form XObjects may carry their own XMP packets.
    for obj in writer._objects:  # noqa: SLF001 - pypdf has no public iterator
        if isinstance(obj, (DictionaryObject, StreamObject)):
            for key in (NameObject("/Metadata"), NameObject("/PieceInfo")):
                obj.pop(key, None)
    writer._info = None  # noqa: SLF001 - drop the /Info dictionary entirely
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------- DOCX


def _strip_docx(data: bytes) -> bytes:
    pkg = open_docx_package(data)
    names = [i.filename for i in pkg.zf.infolist()]
    dropped = {
        n
        for n in names
        if n.startswith(DROP_PREFIXES)
        or any(pkg.content_types.get(n, "").endswith(t) for t in DROP_TYPES)
    }
    out_parts: dict[str, bytes] = {}
    removed_ids: dict[str, set[str]] = {}
    for name in names:
        if name in dropped or name.endswith("/"):
            continue
        if name.endswith(".rels"):
            raw, gone = _clean_rels(name, pkg.read(name), dropped)
            out_parts[name] = raw
            source = _rels_source(name)
            removed_ids.setdefault(source, set()).update(gone)
        else:
            raw = pkg.read(name, limit=64 * 1024 * 1024)
            out_parts[name] = strip_image_metadata(raw)
    for name, raw in list(out_parts.items()):
        ct = pkg.content_types.get(name, "")
        if ct.endswith("core-properties+xml"):
            out_parts[name] = CORE_BLANK
        elif ct.endswith("extended-properties+xml"):
            out_parts[name] = APP_BLANK
        elif name == "[Content_Types].xml":
            out_parts[name] = _clean_content_types(raw, dropped)
        elif (
            name.startswith("word/")
            and name.endswith(".xml")
            and "wordprocessingml" in ct
        ):
            out_parts[name] = _clean_word_part(raw, removed_ids.get(name, set()))
    buf = io.BytesIO()
    order = ["[Content_Types].xml"] + sorted(
        n for n in out_parts if n != "[Content_Types].xml"
    )
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, out_parts[name])
    return buf.getvalue()


def _rels_source(rels_name: str) -> str:
    """``word/_rels/document.xml.rels`` → ``word/document.xml``."""
    folder, _, file = rels_name.rpartition("_rels/")
    return folder + file[: -len(".rels")]


def _resolve_target(rels_name: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    base = _rels_source(rels_name).rpartition("/")[0].split("/")
    parts = [p for p in base if p]
    for piece in target.split("/"):
        if piece == "..":
            if parts:
                parts.pop()
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _clean_rels(name: str, raw: bytes, dropped: set[str]) -> tuple[bytes, set[str]]:
    root = parse_xml(raw)
    gone: set[str] = set()
    for rel in list(root.iter(f"{{{REL_NS}}}Relationship")):
        rtype = rel.get("Type", "")
        external = rel.get("TargetMode", "") == "External"
        target = rel.get("Target", "")
        remove = (
            (external and rtype not in KEEP_EXTERNAL)
            or (not external and _resolve_target(name, target) in dropped)
            or rtype.endswith(("/custom-properties", "/thumbnail", "/attachedTemplate"))
        )
        if remove:
            gone.add(rel.get("Id", ""))
            rel.getparent().remove(rel)
    return _serialise(root), gone


def _clean_content_types(raw: bytes, dropped: set[str]) -> bytes:
    root = parse_xml(raw)
    for el in list(root.iter(f"{{{CT_NS}}}Override")):
        if el.get("PartName", "").lstrip("/") in dropped:
            root.remove(el)
    return _serialise(root)


def _clean_word_part(raw: bytes, removed_ids: set[str]) -> bytes:
    """Accept tracked changes, drop comment anchors and dangling relationships."""
    root = parse_xml(raw)
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or el.getparent() is None:
            continue
        if el.tag in REMOVE or _is_removed_row(el):
            _remove(el)
    for el in list(root.iter(*UNWRAP)):
        _unwrap(el)
    # A paragraph-mark revision (w:rPr/w:ins, w:rPr/w:del) was removed above only
    # when it sat under w:rPr; any unexpected leftovers lose their authorship.
    for el in list(root.iter()):
        if not isinstance(el.tag, str) or (el.getparent() is None and el is not root):
            continue
        for attr in SCRUB_ATTRS:
            el.attrib.pop(attr, None)
        for attr, value in list(el.attrib.items()):
            if value in removed_ids and attr.startswith(f"{{{R_NS}}}"):
                if attr == f"{{{R_NS}}}id" or etree.QName(el).namespace == O_NS:
                    _remove(el)
                    break
                del el.attrib[attr]
    return _serialise(root)


def _is_removed_row(el: etree._Element) -> bool:
    """A table row whose deletion was tracked: accepting removes the row."""
    if el.tag != f"{W}tr":
        return False
    tr_pr = el.find(f"{W}trPr")
    return tr_pr is not None and tr_pr.find(f"{W}del") is not None


def _remove(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _unwrap(el: etree._Element) -> None:
    parent = el.getparent()
    if parent is None:
        return
    if len(el) == 0 or etree.QName(parent).localname in {"rPr", "trPr"}:
        _remove(el)
        return
    index = parent.index(el)
    for offset, child in enumerate(list(el)):
        parent.insert(index + offset, child)
    _remove(el)


def _serialise(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ------------------------------------------------------------------ images

JPEG_DROP = frozenset({0xE1, 0xED, 0xFE})  # APP1 EXIF/XMP, APP13 IPTC, COM
PNG_DROP = frozenset({b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"})
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def strip_image_metadata(data: bytes) -> bytes:
    """Drop EXIF/XMP/IPTC/comments from a JPEG, text chunks from a PNG.

    Other bytes are returned unchanged, and so is an image whose structure we do
    not understand: a picture the judge cannot see is worse than a camera model.
    """
    if data.startswith(b"\xff\xd8"):
        return _strip_jpeg(data)
    if data.startswith(PNG_SIGNATURE):
        return _strip_png(data)
    return data


def _strip_jpeg(data: bytes) -> bytes:
    out = bytearray(data[:2])
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return data
        marker = data[pos + 1]
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            out += data[pos:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD7 or marker in (0x01, 0xFF):
            out += data[pos : pos + 2]
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > len(data):
            return data
        if marker not in JPEG_DROP:
            out += data[pos : pos + 2 + length]
        pos += 2 + length
    return data


def _strip_png(data: bytes) -> bytes:
    out = bytearray(PNG_SIGNATURE)
    pos = len(PNG_SIGNATURE)
    while pos + 12 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if end > len(data):
            return data
        if kind not in PNG_DROP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            return bytes(out)
    return data
