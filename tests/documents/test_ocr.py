"""Tests for judging.documents.ocr: Tesseract reads the text in real pictures.

The pictures are real files made by other producers (tests/fixtures/ocr/, made by
tests/fixtures/src/make_ocr_fixtures.py with Pillow, Chromium and python-docx);
Tesseract is installed by scripts/setup.sh.
"""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from PIL import Image, ImageFilter

from judging.documents.inspection import Picture, extract_pictures, has_pictures
from judging.documents.ocr import (
    OcrUnavailable,
    ocr_segments,
    recognise,
    tesseract_available,
)
from judging.documents.review_copy import make_review_copy
from judging.documents.scan import UnitIdentity, scan_document

OCR = Path(__file__).resolve().parents[1] / "fixtures" / "ocr"
UNIT = UnitIdentity(name="重庆工商大学", short_name="重工商")


def compact(text: str) -> str:
    return "".join(text.split())


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def test_tesseract_available_with_chinese_data() -> None:
    assert (tesseract_available(), tesseract_available("no-such-program")) == (
        True,
        False,
    )


def test_recognise_picture_of_a_sign_reads_unit_and_names() -> None:
    [result] = recognise([Picture("sign.png", (OCR / "sign.png").read_bytes())])
    text = compact(result.text)
    assert (
        "重庆工商大学" in text,
        "李华" in text,
        "张晓明" in text,
        result.unread,
        result.confidence > 80,
    ) == (True, True, True, False, True)


def test_recognise_figure_in_a_chromium_pdf() -> None:
    data = (OCR / "figure-chromium.pdf").read_bytes()
    pictures = extract_pictures(data, kind="pdf")
    [result] = recognise(pictures)
    assert (
        [(p.source, p.page, p.scanned_page) for p in pictures],
        "重庆工商大学经济学院" in compact(result.text),
    ) == ([("page 1 image 1", 1, False)], True)


def test_recognise_scanned_page_of_a_chromium_pdf() -> None:
    data = (OCR / "scanned-chromium.pdf").read_bytes()
    pictures = extract_pictures(data, kind="pdf")
    [result] = recognise(pictures)
    assert (
        [p.scanned_page for p in pictures],
        "作者所在的重庆工商大学课题组" in compact(result.text),
        result.unread,
    ) == ([True], True, False)


def test_recognise_picture_in_the_review_copy_of_a_python_docx_file() -> None:
    copy = make_review_copy((OCR / "figure-python-docx.docx").read_bytes(), kind="docx")
    results = recognise(extract_pictures(copy, kind="docx"))
    assert [(r.source, "张晓明" in compact(r.text)) for r in results] == [
        ("word/media/image1.png", True)
    ]


def test_recognise_blurred_figure_is_unread() -> None:
    sharp = Image.open(OCR / "sign.png")
    blurred = sharp.resize((sharp.width // 5, sharp.height // 5)).resize(sharp.size)
    [result] = recognise([Picture("word/media/image1.png", png(blurred))])
    assert (result.unread, result.reason) == (
        True,
        "图片中有无法可靠识别的文字，需人工检查。",
    )


def test_recognise_blurred_scan_is_unread() -> None:
    sharp = Image.open(OCR / "sign.png")
    blurred = sharp.resize((sharp.width // 9, sharp.height // 9)).resize(sharp.size)
    [result] = recognise([Picture("page 1 image 1", png(blurred), 1, True)])
    assert (result.unread, result.reason) == (
        True,
        "扫描页面文字识别可信度低，需人工检查。",
    )


def test_recognise_photo_without_writing_is_read_and_empty() -> None:
    grain = random.Random(7).randbytes(400 * 300)
    photo = Image.frombytes("L", (400, 300), grain).filter(ImageFilter.GaussianBlur(1))
    [result] = recognise([Picture("word/media/image2.png", png(photo))])
    # Tesseract may guess a stray character from the grain; no human is needed.
    assert (result.unread, len(compact(result.text)) <= 2) == (False, True)


def test_recognise_undecodable_picture_is_unread() -> None:
    [result] = recognise([Picture("word/media/image3.emf", b"")])
    assert (result.unread, result.reason) == (True, "图片无法解码，未能识别其中文字。")


def test_recognise_without_tesseract_raises() -> None:
    with pytest.raises(OcrUnavailable):
        recognise([Picture("sign.png", b"")], program="no-such-program")


def test_ocr_segments_are_scanned_at_location_image() -> None:
    [result] = recognise([Picture("page 1 image 1", (OCR / "sign.png").read_bytes())])
    findings = scan_document(
        ocr_segments([result]), unit=UNIT, people=["张晓明", "李华"]
    )
    assert sorted((f.kind, f.location, f.term, f.source) for f in findings) == [
        ("person", "image", "张晓明", "page 1 image 1"),
        ("person", "image", "李华", "page 1 image 1"),
        ("unit", "image", "重庆工商大学", "page 1 image 1"),
    ]


@pytest.mark.parametrize(
    ("name", "kind", "expected"),
    [
        ("clean.pdf", "pdf", False),
        ("scanned.pdf", "pdf", True),
        ("ocr/figure-chromium.pdf", "pdf", True),
        ("clean.docx", "docx", False),
        ("ocr/figure-python-docx.docx", "docx", True),
    ],
)
def test_has_pictures_without_decoding(name: str, kind: str, expected: bool) -> None:
    data = (OCR.parent / name).read_bytes()
    assert has_pictures(data, kind=kind) == expected
