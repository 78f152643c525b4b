"""The review copy carries nothing the scanner has not read.

For every fixture, every part of the copy and every attribute and text node of
its XML (DOCX), every string object of its page tree and every marked-content
property (PDF) is enumerated; each one that carries text must be found in what
``inspect_document`` extracts from the copy (the text the scanner reads), each
picture must be listed by ``extract_pictures`` (the pictures OCR reads), and
the package plumbing (content types, relationships) may hold only the values
the copy writes itself. A negative control runs the same check on originals.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    StreamObject,
    TextStringObject,
)

from judging.documents.inspection import (
    carries_text,
    extract_pictures,
    inspect_document,
)
from judging.documents.review_copy import IMAGE_FORMATS, KEEP_RELS, make_review_copy
from judging.documents.scan import UnitIdentity, scan_document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
LIMIT = 50 * 1024 * 1024
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CT = "http://schemas.openxmlformats.org/package/2006/content-types"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
RELS_CT = "application/vnd.openxmlformats-package.relationships+xml"
PART_TYPES = set(KEEP_RELS.values()) | set(IMAGE_FORMATS) | {RELS_CT, "application/xml"}
# What Pillow reports about pixels, not about the picture's author or camera.
PIXEL_INFO = {
    "jfif",
    "jfif_version",
    "jfif_unit",
    "jfif_density",
    "dpi",
    "transparency",
}
# Technical strings of PDF fonts (CIDSystemInfo) and page settings.
PDF_TECHNICAL = {"Adobe", "Identity", "GB1", "Japan1", "CNS1", "Korea1", "UCS", "S"}


def _corpus(kind: str) -> list[Path]:
    """Every committed fixture of that kind (the red-team corpus included)."""
    return sorted(
        p
        for p in FIXTURES.rglob(f"*.{kind}")
        if not p.name.startswith(("encrypted", "truncated"))
    )


def _read_text(data: bytes) -> str:
    doc = inspect_document(data, max_bytes=LIMIT)
    return "\n".join([s.text for s in doc.segments] + [v for _k, v in doc.metadata])


# ------------------------------------------------------------------------ DOCX


def unread_docx(data: bytes) -> list[tuple[str, str]]:
    """(part, value) for every text of the package the scanner does not read."""
    read = _read_text(data)
    pictures = {p.source for p in extract_pictures(data, kind="docx") if p.data}
    problems: list[tuple[str, str]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        blobs = {n: zf.read(n) for n in names}
    types_root = etree.fromstring(blobs["[Content_Types].xml"])
    types = {
        el.get("PartName", "").lstrip("/"): el.get("ContentType", "")
        for el in types_root.iter(f"{{{CT}}}Override")
    }
    for el in types_root:
        for key, value in el.attrib.items():
            ok = {
                "PartName": value.lstrip("/") in names,
                "Extension": value in ("rels", "xml"),
                "ContentType": value in PART_TYPES,
            }.get(key, False)
            if not ok:
                problems.append(("[Content_Types].xml", f"{key}={value}"))
    for name in sorted(names - {"[Content_Types].xml"}):
        raw = blobs[name]
        if name.endswith(".rels"):
            problems += _unread_rels(name, raw, names)
        elif types.get(name, "").startswith("image/"):
            info = set(Image.open(io.BytesIO(raw)).info) - PIXEL_INFO
            if name not in pictures or info:
                problems.append((name, f"picture not read or with {sorted(info)}"))
        elif name.endswith(".xml") and types.get(name) in PART_TYPES:
            for el in etree.fromstring(raw).iter():
                texts = [*el.attrib.values(), el.text or "", el.tail or ""]
                problems += [
                    (name, t.strip())
                    for t in texts
                    if carries_text(t) and t.strip() not in read
                ]
        else:
            problems.append((name, "part"))
    return problems


def _unread_rels(name: str, raw: bytes, names: set[str]) -> list[tuple[str, str]]:
    folder = name.rpartition("_rels/")[0].rstrip("/")
    problems = []
    for rel in etree.fromstring(raw).iter(f"{{{REL}}}Relationship"):
        target = rel.get("Target", "")
        resolved = (
            target.lstrip("/")
            if target.startswith("/")
            else (f"{folder}/{target}" if folder else target)
        )
        ok = (
            rel.get("TargetMode") is None
            and rel.get("Type", "").rsplit("/", 1)[-1] in KEEP_RELS
            and rel.get("Id", "").removeprefix("rId").isdigit()
            and resolved in names
        )
        if not ok:
            problems.append((name, f"{rel.get('Id')} {rel.get('Type')} {target}"))
    return problems


def kitchen_sink_docx() -> bytes:
    """A python-docx essay with every hiding place we know of added by hand.

    Hyperlink to a mailto: address, a tooltip, a bookmark and an internal link
    named after the author, fields (AUTHOR with a visible result, IF with an
    empty one, a simple HYPERLINK, PAGE in the footer), a content control whose
    title and tag name the author, a smart tag, a permission range for the
    author's address, an altChunk (HTML), an OLE object with its preview, a
    picture with alt text and EXIF, a style named after the author, custom XML,
    a glossary, settings with document variables and a mail-merge source.
    """
    document = docx.Document()
    document.add_paragraph("关于基层工会的调研")
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = "Zhang Xiaoming"
    Image.new("RGB", (64, 48), (20, 120, 200)).save(photo, "JPEG", exif=exif.tobytes())
    document.add_picture(photo)
    document.styles.add_style("张晓明的样式", 1)
    footer = document.sections[0].footer.paragraphs[0]
    footer.text = "第"
    buf = io.BytesIO()
    document.save(buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    parts = {n: src.read(n) for n in src.namelist()}

    body = (
        '<w:p><w:hyperlink r:id="rIdMail" w:tooltip="张晓明的邮箱">'
        "<w:r><w:t>课题组邮箱</w:t></w:r></w:hyperlink>"
        '<w:bookmarkStart w:id="90" w:name="张晓明简介"/>'
        "<w:r><w:t>作者简介</w:t></w:r>"
        '<w:bookmarkEnd w:id="90"/>'
        '<w:hyperlink w:anchor="张晓明简介"><w:r><w:t>见简介</w:t></w:r></w:hyperlink>'
        "</w:p>"
        '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> AUTHOR "张晓明" </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        "<w:r><w:t>作者</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> IF 1 = 2 "重庆大学" "" </w:instrText>'
        "</w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        '<w:fldSimple w:instr=" HYPERLINK &quot;http://www.cqu.edu.cn&quot; ">'
        "<w:r><w:t>学校主页</w:t></w:r></w:fldSimple>"
        '<w:smartTag w:uri="urn:schemas-microsoft-com:office:smarttags" '
        'w:element="PersonName"><w:smartTagPr>'
        '<w:attr w:name="ProductID" w:val="张晓明"/></w:smartTagPr>'
        "<w:r><w:t>某某</w:t></w:r></w:smartTag>"
        '<w:permStart w:id="7" w:ed="zhangxm@example.edu.cn"/>'
        "<w:r><w:t>可编辑</w:t></w:r>"
        '<w:permEnd w:id="7"/></w:p>'
        '<w:sdt><w:sdtPr><w:alias w:val="作者：张晓明"/><w:tag w:val="重庆大学"/>'
        "</w:sdtPr><w:sdtContent><w:p><w:r><w:t>正文段落</w:t></w:r></w:p>"
        "</w:sdtContent></w:sdt>"
        '<w:altChunk r:id="rIdAlt"/>'
        '<w:p><w:r><w:object><v:shape id="ole1" style="width:20pt;height:20pt">'
        '<v:imagedata r:id="rIdOlePic" o:title="张晓明"/></v:shape>'
        '<o:OLEObject Type="Embed" ProgID="Word.Document.12" ShapeID="ole1" '
        'r:id="rIdOle"/></w:object></w:r></w:p>'
    )
    xml = parts["word/document.xml"].decode()
    xml = xml.replace("<w:sectPr", body + "<w:sectPr", 1)
    xml = xml.replace('descr=""', 'descr="张晓明摄于重庆大学" title="张晓明"')
    if 'descr="张晓明' not in xml:
        xml = xml.replace('<wp:docPr id="', '<wp:docPr descr="张晓明摄于重庆大学" id="')
    parts["word/document.xml"] = xml.encode()
    footer_name = next(n for n in parts if n.startswith("word/footer"))
    parts[footer_name] = parts[footer_name].replace(
        b"<w:t>\xe7\xac\xac</w:t></w:r>",
        b"<w:t>\xe7\xac\xac</w:t></w:r>"
        b'<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        b'<w:r><w:instrText xml:space="preserve"> PAGE \\* MERGEFORMAT </w:instrText>'
        b'</w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        b"<w:r><w:t>1</w:t></w:r>"
        b'<w:r><w:fldChar w:fldCharType="end"/></w:r>',
    )
    rels = parts["word/_rels/document.xml.rels"].decode()
    extra = (
        f'<Relationship Id="rIdMail" Type="{R}/hyperlink" '
        'Target="mailto:zhangxm@example.edu.cn" TargetMode="External"/>'
        f'<Relationship Id="rIdAlt" Type="{R}/aFChunk" Target="afchunk.htm"/>'
        f'<Relationship Id="rIdOle" Type="{R}/oleObject" '
        'Target="embeddings/oleObject1.bin"/>'
        f'<Relationship Id="rIdOlePic" Type="{R}/image" Target="media/ole1.png"/>'
        f'<Relationship Id="rIdCx" Type="{R}/customXml" '
        'Target="../customXml/item1.xml"/>'
        '<Relationship Id="rIdGloss" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/glossaryDocument" '
        'Target="glossary/document.xml"/>'
    )
    parts["word/_rels/document.xml.rels"] = rels.replace(
        "</Relationships>", extra + "</Relationships>"
    ).encode()
    ole_pic = io.BytesIO()
    Image.new("RGB", (20, 20), "white").save(ole_pic, "PNG")
    parts["word/media/ole1.png"] = ole_pic.getvalue()
    parts["word/afchunk.htm"] = "<html><body>重庆大学 张晓明</body></html>".encode()
    parts["word/embeddings/oleObject1.bin"] = "张晓明 重庆大学".encode("utf-16-le")
    parts["customXml/item1.xml"] = (
        "<b:Sources><b:Author>王芳</b:Author></b:Sources>".replace(
            "<b:Sources>",
            '<b:Sources xmlns:b="http://schemas.openxmlformats.org/officeDocument/'
            '2006/bibliography">',
        ).encode()
    )
    parts["word/glossary/document.xml"] = (
        f'<w:glossaryDocument xmlns:w="{W}"><w:docParts><w:docPart><w:docPartBody>'
        "<w:p><w:r><w:t>张晓明 重庆大学</w:t></w:r></w:p>"
        "</w:docPartBody></w:docPart></w:docParts></w:glossaryDocument>"
    ).encode()
    parts["word/settings.xml"] = parts["word/settings.xml"].replace(
        b"</w:settings>",
        '<w:docVars><w:docVar w:name="author" w:val="张晓明"/></w:docVars>'
        '<w:mailMerge><w:mainDocumentType w:val="formLetters"/>'
        '<w:query w:val="SELECT * FROM 重庆大学名单"/></w:mailMerge>'
        "</w:settings>".encode(),
    )
    types = parts["[Content_Types].xml"].decode()
    types = types.replace(
        "</Types>",
        '<Default Extension="htm" ContentType="application/xhtml+xml"/>'
        '<Default Extension="bin" ContentType="application/vnd.openxmlformats-'
        'officedocument.oleObject"/>'
        '<Override PartName="/customXml/item1.xml" ContentType="application/xml"/>'
        '<Override PartName="/word/glossary/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.glossary+xml"/>'
        "</Types>",
    )
    if 'Extension="png"' not in types:
        types = types.replace(
            "</Types>", '<Default Extension="png" ContentType="image/png"/></Types>'
        )
    parts["[Content_Types].xml"] = types.encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return out.getvalue()


def _docx_cases() -> list:
    cases = [pytest.param(p.read_bytes(), id=p.name) for p in _corpus("docx")]
    return [*cases, pytest.param(kitchen_sink_docx(), id="kitchen-sink")]


@pytest.mark.parametrize("original", _docx_cases())
def test_review_copy_docx_carries_nothing_unread(original: bytes) -> None:
    assert unread_docx(make_review_copy(original, kind="docx")) == []


def test_structure_check_finds_the_hiding_places_of_the_original() -> None:
    # Guards the test above: the same check on the original must complain.
    problems = unread_docx(kitchen_sink_docx())
    flagged = {part for part, _ in problems}
    assert {
        "customXml/item1.xml",
        "word/afchunk.htm",
        "word/embeddings/oleObject1.bin",
        "word/glossary/document.xml",
        "docProps/core.xml",
        "word/_rels/document.xml.rels",
    } <= flagged


def test_review_copy_docx_keeps_only_allowlisted_parts() -> None:
    copy = make_review_copy(kitchen_sink_docx(), kind="docx")
    with zipfile.ZipFile(io.BytesIO(copy)) as zf:
        names = sorted(zf.namelist())
    assert [n for n in names if not n.startswith("word/footer")] == [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/_rels/document.xml.rels",
        "word/document.xml",
        "word/media/image1.jpg",
        "word/numbering.xml",
        "word/settings.xml",
        "word/styles.xml",
        "word/theme/theme1.xml",
    ]


def test_review_copy_docx_hidden_carriers_are_gone() -> None:
    copy = make_review_copy(kitchen_sink_docx(), kind="docx")
    with zipfile.ZipFile(io.BytesIO(copy)) as zf:
        blob = b"".join(zf.read(n) for n in zf.namelist())
    needles = [
        "mailto",
        "zhangxm",
        "cqu.edu.cn",
        "AUTHOR",
        "张晓明简介",
        "张晓明的邮箱",
        "作者：张晓明",
        "ProductID",
        "张晓明摄于",
        "重庆大学",
        "Zhang Xiaoming",
        "OLEObject",
        "altChunk",
        "docVar",
        "mailMerge",
    ]
    assert [n for n in needles if n.encode() in blob] == []


def test_review_copy_docx_keeps_visible_text_and_page_numbers() -> None:
    copy = make_review_copy(kitchen_sink_docx(), kind="docx")
    doc = inspect_document(copy, max_bytes=LIMIT)
    body = doc.text("body")
    with zipfile.ZipFile(io.BytesIO(copy)) as zf:
        footer = next(zf.read(n) for n in zf.namelist() if n.startswith("word/footer"))
    visible = [
        "课题组邮箱",
        "作者简介",
        "见简介",
        "作者",
        "学校主页",
        "某某",
        "正文段落",
    ]
    assert ([v for v in visible if v not in body], b" PAGE " in footer) == ([], True)


def test_review_copy_docx_style_named_after_the_author_is_scanned() -> None:
    copy = make_review_copy(kitchen_sink_docx(), kind="docx")
    findings = scan_document(
        inspect_document(copy, max_bytes=LIMIT),
        unit=UnitIdentity(name="重庆大学", short_name="重大"),
        people=["张晓明"],
    )
    assert [(f.kind, f.location, f.source) for f in findings] == [
        ("person", "markup", "word/styles.xml")
    ]


def test_review_copy_docx_opens_in_python_docx() -> None:
    copy = make_review_copy(kitchen_sink_docx(), kind="docx")
    reopened = docx.Document(io.BytesIO(copy))
    assert [p.text for p in reopened.paragraphs][:1] == ["关于基层工会的调研"]


# ------------------------------------------------------------------------- PDF


def unread_pdf(data: bytes) -> list[tuple[str, str]]:
    """(where, value) for every string of the file the scanner does not read."""
    read = _read_text(data)
    reader = PdfReader(io.BytesIO(data))
    problems: list[tuple[str, str]] = []
    seen: set[int] = set()
    streams: list[tuple[str, StreamObject]] = []

    def check(where: str, value: object) -> None:
        text = (
            str(value)
            if isinstance(value, TextStringObject)
            else (bytes(value).decode("latin-1"))
        )
        text = text.strip()
        if carries_text(text) and text not in read and text not in PDF_TECHNICAL:
            problems.append((where, text))

    def walk(obj: object, where: str) -> None:
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                return
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, (TextStringObject, ByteStringObject)):
            check(where, obj)
        elif isinstance(obj, DictionaryObject):
            if isinstance(obj, StreamObject) and obj.get("/Subtype") in (
                "/Form",
                None,
            ):
                streams.append((where, obj))
            for key, value in obj.items():
                if key != "/Parent":
                    walk(value, f"{where}{key}")
        elif isinstance(obj, ArrayObject):
            for value in obj:
                walk(value, where)

    walk(reader.trailer.raw_get("/Root"), "Root")
    for key in reader.trailer:
        if key not in ("/Root", "/ID", "/Size"):
            problems.append(("trailer", key))
    for where, stream in streams:
        try:
            operations = ContentStream(stream, reader).operations
        except Exception:  # noqa: BLE001 - a font or image stream, not content
            continue
        for operands, operator in operations:
            if operator in (b"BDC", b"DP"):
                for operand in operands:
                    walk(operand, f"{where} {operator.decode()}")
    return problems


def marked_pdf() -> bytes:
    """A page whose text carries an ActualText span and an outline entry, an
    annotation, Info and a JPEG with the author in its EXIF (pypdf, Pillow)."""
    writer = PdfWriter()
    page = writer.add_blank_page(width=595, height=842)
    font = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    photo = io.BytesIO()
    exif = Image.Exif()
    exif[0x013B] = "Zhang Xiaoming"
    Image.new("RGB", (40, 30), (200, 30, 30)).save(photo, "JPEG", exif=exif.tobytes())
    image = DecodedStreamObject()
    image.set_data(photo.getvalue())
    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(40),
            NameObject("/Height"): NumberObject(30),
            NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/Filter"): NameObject("/DCTDecode"),
            NameObject("/Name"): TextStringObject("Zhang Xiaoming photo"),
        }
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {
            NameObject("/Font"): DictionaryObject({NameObject("/F1"): font}),
            NameObject("/XObject"): DictionaryObject(
                {NameObject("/Im1"): writer._add_object(image)}  # noqa: SLF001
            ),
        }
    )
    content = DecodedStreamObject()
    content.set_data(
        b"/Span <</ActualText (Zhang Xiaoming)>> BDC BT /F1 12 Tf 72 760 Td "
        b"(The author) Tj ET EMC BT /F1 12 Tf 72 740 Td (Survey of unions) Tj ET "
        b"q 40 0 0 30 72 600 cm /Im1 Do Q"
    )
    page[NameObject("/Contents")] = writer._add_object(content)  # noqa: SLF001
    writer.add_outline_item(title="Wang Fang", page_number=0)
    writer.add_metadata({"/Author": "Zhang Xiaoming"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _pdf_cases() -> list:
    cases = [pytest.param(p.read_bytes(), id=p.name) for p in _corpus("pdf")]
    return [*cases, pytest.param(marked_pdf(), id="marked")]


@pytest.mark.parametrize("original", _pdf_cases())
def test_review_copy_pdf_carries_nothing_unread(original: bytes) -> None:
    assert unread_pdf(make_review_copy(original, kind="pdf")) == []


def test_pdf_structure_check_finds_outline_and_info_of_the_original() -> None:
    problems = unread_pdf(marked_pdf())
    assert sorted(
        (where.split("/")[-1], value)
        for where, value in problems
        if value == "Wang Fang" or where == "trailer"
    ) == [("Title", "Wang Fang"), ("trailer", "/Info")]


def test_review_copy_pdf_actual_text_is_scanned() -> None:
    copy = make_review_copy(marked_pdf(), kind="pdf")
    findings = scan_document(
        inspect_document(copy, max_bytes=LIMIT), unit=None, people=["Zhang Xiaoming"]
    )
    assert [(f.kind, f.location) for f in findings] == [("person", "markup")]


def test_review_copy_pdf_image_loses_its_exif_and_name() -> None:
    copy = make_review_copy(marked_pdf(), kind="pdf")
    reader = PdfReader(io.BytesIO(copy))
    image = reader.pages[0]["/Resources"]["/XObject"]["/Im1"].get_object()
    pixels = Image.open(io.BytesIO(image.get_data()))
    assert (
        b"Zhang" in image.get_data(),
        "/Name" in image,
        pixels.size,
        b"Zhang" in marked_pdf(),
    ) == (False, False, (40, 30), True)
