"""Photos and videos decided by content, refused by name when they lie, and
cleaned of metadata before a judge could ever get them (real files made by
ffmpeg, exiftool and heif-enc)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from judging.documents import media
from tests.submissions.conftest import fixture_bytes

MEDIA = "media/"


@pytest.mark.parametrize(
    ("name", "fmt", "kind"),
    [
        ("photo.jpg", "jpeg", "photo"),
        ("photo.png", "png", "photo"),
        ("photo.heic", "heic", "photo"),
        ("clip.mp4", "mp4", "video"),
        ("../clean.pdf", "pdf", "document"),
        ("../clean.docx", "docx", "document"),
    ],
)
def test_sniff_decides_the_kind_by_content(name, fmt, kind):
    data = fixture_bytes(MEDIA + name)

    assert media.sniff(data) == fmt
    assert media.kind_of(media.sniff(data)) == kind


def test_sniff_knows_no_kind_for_text_or_nothing():
    assert media.sniff(b"hello, world") is None
    assert media.sniff(b"") is None
    assert media.kind_of(None) is None


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [("照片.mp4", "heic"), ("视频.jpg", "mp4"), ("a.png", "jpeg"), ("x.pdf", "png")],
)
def test_a_name_that_promises_another_kind_is_refused(filename, fmt):
    with pytest.raises(media.MediaRejected) as refused:
        media.check_name(filename, fmt)

    assert "扩展名" in str(refused.value)
    assert media.FORMAT_LABELS[fmt] in str(refused.value)


@pytest.mark.parametrize(
    ("filename", "fmt"),
    [("IMG.JPG", "jpeg"), ("a.jpeg", "jpeg"), ("b.HEIC", "heic"), ("c.m4v", "mp4"),
     ("no-extension", "png")],
)  # fmt: skip
def test_a_matching_or_missing_extension_passes(filename, fmt):
    media.check_name(filename, fmt)


def test_clean_photo_keeps_the_pixels_and_drops_gps_and_names():
    data = fixture_bytes(MEDIA + "photo.jpg")
    assert b"GPS" in data or "张晓明".encode() in data  # exiftool wrote them

    clean = media.clean_photo(data)

    image = Image.open(io.BytesIO(clean))
    assert image.size == (640, 480)
    assert dict(image.getexif()) == {}
    assert "张晓明".encode() not in clean
    assert "重庆大学".encode() not in clean
    assert b"TestPhone" not in clean
    assert b"GPS" not in clean


def test_heic_photo_is_read_and_previewed():
    accepted = media.accept_media(
        fixture_bytes(MEDIA + "photo.heic"), "IMG_0001.HEIC", fmt="heic"
    )

    assert (accepted.media.kind, accepted.media.width, accepted.media.height) == (
        "photo",
        320,
        240,
    )
    assert Image.open(io.BytesIO(accepted.preview)).format == "JPEG"
    assert Image.open(io.BytesIO(accepted.clean)).size == (320, 240)


def test_video_is_probed_and_gets_a_preview_frame():
    accepted = media.accept_media(
        fixture_bytes(MEDIA + "clip.mp4"), "课堂.mp4", fmt="mp4"
    )

    assert (accepted.media.kind, accepted.media.width, accepted.media.height) == (
        "video",
        320,
        240,
    )
    assert accepted.media.seconds == 2
    assert accepted.clean is None
    assert Image.open(io.BytesIO(accepted.preview)).size == (320, 240)


def test_a_truncated_video_is_refused():
    with pytest.raises(media.MediaRejected) as refused:
        media.accept_media(fixture_bytes(MEDIA + "broken.mp4"), "坏.mp4", fmt="mp4")

    assert "视频无法读取" in str(refused.value)


def test_a_broken_photo_is_refused():
    data = fixture_bytes(MEDIA + "photo.jpg")[:300]

    with pytest.raises(media.MediaRejected) as refused:
        media.accept_media(data, "半张.jpg", fmt="jpeg")

    assert "照片无法读取" in str(refused.value)


def test_a_decompression_bomb_is_refused():
    out = io.BytesIO()
    Image.new("1", (10_000, 9_000)).save(out, "PNG")  # 90 megapixels, tiny file

    with pytest.raises(media.MediaRejected) as refused:
        media.accept_media(out.getvalue(), "bomb.png", fmt="png")

    assert "像素过多" in str(refused.value)
