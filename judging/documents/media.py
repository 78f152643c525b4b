"""Photos and short videos attached to an entry: what a file is, by its content.

Pure: no Flask, no database. The kind of an upload is decided from its bytes
(JPEG, PNG and HEIC photos; MP4 videos), never from its name, and a name whose
extension says something else is refused — a HEIC photo renamed ``.mp4`` is
not a video. Photos are decoded with Pillow (HEIC through pillow-heif), videos
probed and a preview frame taken by Debian's ffmpeg/ffprobe in a subprocess
with a time limit. Every photo gets a copy re-encoded from its pixels alone:
no EXIF (GPS, camera owner), no XMP, no embedded thumbnail — the only form in
which a photo may ever reach a judge.
"""

from __future__ import annotations

import io
import json
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from judging.i18n import N_, said

PHOTO_FORMATS = ("jpeg", "png", "heic")
VIDEO_FORMATS = ("mp4",)
EXTENSIONS = {
    "jpeg": (".jpg", ".jpeg", ".jpe"),
    "png": (".png",),
    "heic": (".heic", ".heif"),
    "mp4": (".mp4", ".m4v"),
}
FORMAT_LABELS = {
    "jpeg": N_("JPEG 照片"),
    "png": N_("PNG 图片"),
    "heic": N_("HEIC 照片"),
    "mp4": N_("MP4 视频"),
    "pdf": N_("PDF 文档"),
    "docx": N_("DOCX 文档"),
}
# HEIF brands (ISO/IEC 23008-12) and the MP4 family's (ISO/IEC 14496-12/14)
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
MP4_BRANDS = {
    b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
    b"M4V ", b"M4VP", b"dash", b"mmp4", b"MSNV", b"f4v ", b"3gp4", b"3gp5",
    b"qt  ",
}  # fmt: skip
MAX_PIXELS = 80_000_000  # larger "photos" are decompression bombs, not pictures
MAX_VIDEO_SECONDS = 15 * 60
PREVIEW_SIZE = 480
TOOL_SECONDS = 60


class MediaRejected(ValueError):
    """An attachment refused; the message is Chinese, for the person uploading,
    a ``Said`` to be said in the reader's language (``i18n.message_of``)."""


@dataclass(frozen=True)
class Media:
    kind: str  # photo / video
    format: str  # jpeg / png / heic / mp4
    width: int
    height: int
    seconds: int | None = None


def sniff(data: bytes) -> str | None:
    """The format of `data` from its first bytes: jpeg, png, heic, mp4, pdf,
    docx (a ZIP; checked fully by the document inspection), or None."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "docx"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        size = int.from_bytes(head[:4], "big")
        brands = {head[8:12]}
        box = data[16 : min(max(size, 16), 256)]
        brands.update(box[i : i + 4] for i in range(0, len(box) - 3, 4))
        if head[8:12] in HEIF_BRANDS or (
            brands & HEIF_BRANDS and not brands & MP4_BRANDS
        ):
            return "heic"
        if brands & MP4_BRANDS:
            return "mp4"
    return None


def kind_of(fmt: str | None) -> str | None:
    if fmt in PHOTO_FORMATS:
        return "photo"
    if fmt in VIDEO_FORMATS:
        return "video"
    if fmt in ("pdf", "docx"):
        return "document"
    return None


def check_name(filename: str, fmt: str) -> None:
    """Refuse a name whose extension promises another kind of file."""
    suffix = Path(filename.replace("\\", "/")).suffix.lower()
    allowed = EXTENSIONS.get(fmt, (f".{fmt}",))
    if suffix and suffix not in allowed:
        raise MediaRejected(
            said(
                N_(
                    "文件“%(name)s”的扩展名是 %(suffix)s，但内容是%(format)s；"
                    "请改正扩展名或选择正确的文件。"
                ),
                name=Path(filename).name,
                suffix=suffix,
                format=FORMAT_LABELS.get(fmt, fmt),
            )
        )


def _open_image(data: bytes):  # noqa: ANN202
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except ImportError:  # pragma: no cover - installed by setup.cfg
        pass
    bomb = MediaRejected(N_("照片像素过多（超过 8000 万像素），请缩小后再上传。"))
    try:
        with warnings.catch_warnings():  # the size is checked just below
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise bomb from exc
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a bad file
        raise MediaRejected(N_("照片无法读取：文件已损坏或不是完整的图片。")) from exc
    if image.width * image.height > MAX_PIXELS:  # before decoding a pixel
        raise bomb
    try:
        image.load()
    except Exception as exc:  # noqa: BLE001
        raise MediaRejected(N_("照片无法读取：文件已损坏或不是完整的图片。")) from exc
    return image


def inspect_photo(data: bytes, fmt: str) -> Media:
    image = _open_image(data)
    return Media("photo", fmt, image.width, image.height)


def clean_photo(data: bytes) -> bytes:
    """The photo re-encoded from its pixels (turned upright first): no metadata
    of any kind survives. JPEG for photos, PNG for pictures with transparency."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(_open_image(data))
    out = io.BytesIO()
    alpha = image.mode in ("RGBA", "LA") or "transparency" in image.info
    if alpha:
        image.convert("RGBA").save(out, "PNG", optimize=True)
    else:
        image.convert("RGB").save(out, "JPEG", quality=88)
    return out.getvalue()


def photo_preview(data: bytes) -> bytes:
    """A JPEG thumbnail (at most PREVIEW_SIZE on the long side), upright."""
    from PIL import ImageOps

    image = ImageOps.exif_transpose(_open_image(data))
    image.thumbnail((PREVIEW_SIZE, PREVIEW_SIZE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _run(args: list[str]) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(
            args, capture_output=True, timeout=TOOL_SECONDS, check=False
        )
    except FileNotFoundError as exc:
        raise MediaRejected(
            N_("服务器未安装 ffmpeg，暂不能接收视频，请联系主办方。")
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise MediaRejected(N_("视频读取超时，请确认文件完整后重试。")) from exc


def inspect_video(path: Path) -> Media:
    """Probe a video file with ffprobe: a real MP4 with a video stream, short."""
    result = _run(
        [
            "ffprobe", "-v", "error", "-print_format", "json",
            "-show_format", "-show_streams", str(path),
        ]
    )  # fmt: skip
    try:
        info = json.loads(result.stdout or b"{}")
    except ValueError:
        info = {}
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "video"]
    names = set(str(info.get("format", {}).get("format_name", "")).split(","))
    if result.returncode != 0 or not streams or not names & {"mp4", "mov"}:
        raise MediaRejected(N_("视频无法读取：文件已损坏或不是 MP4 视频。"))
    try:
        seconds = float(info["format"].get("duration") or streams[0]["duration"])
    except (KeyError, TypeError, ValueError):
        seconds = 0.0
    if seconds > MAX_VIDEO_SECONDS:
        raise MediaRejected(
            said(
                N_("视频时长 %(minutes)s 分钟，超过短视频 %(limit)s 分钟的上限。"),
                minutes=f"{seconds / 60:.1f}",
                limit=MAX_VIDEO_SECONDS // 60,
            )
        )
    return Media(
        "video",
        "mp4",
        int(streams[0].get("width") or 0),
        int(streams[0].get("height") or 0),
        round(seconds),
    )


def video_preview(path: Path, seconds: int | None) -> bytes | None:
    """A JPEG frame from the video (a second in, or its first frame)."""
    at = "1" if (seconds or 0) >= 2 else "0"
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "frame.jpg"
        _run(
            [
                "ffmpeg", "-v", "error", "-ss", at, "-i", str(path),
                "-frames:v", "1", "-vf", f"scale='min({PREVIEW_SIZE},iw)':-2",
                "-y", str(target),
            ]
        )  # fmt: skip
        return target.read_bytes() if target.exists() else None


@dataclass(frozen=True)
class Accepted:
    media: Media
    preview: bytes | None
    clean: bytes | None  # photos only: the copy without metadata


def accept_media(data: bytes, filename: str, *, fmt: str) -> Accepted:
    """Read a photo or video whose format `sniff` decided: its size and
    duration, a preview, and for a photo the clean copy."""
    check_name(filename, fmt)
    if fmt in PHOTO_FORMATS:
        media = inspect_photo(data, fmt)
        return Accepted(media, photo_preview(data), clean_photo(data))
    with tempfile.NamedTemporaryFile(suffix=".mp4") as tmp:
        tmp.write(data)
        tmp.flush()
        media = inspect_video(Path(tmp.name))
        return Accepted(media, video_preview(Path(tmp.name), media.seconds), None)
