"""Certificate PDF pages (荣誉证书): one A4 landscape page per awarded entry.

Pure: no Flask, no database.

The same function makes the batch PDF for a whole competition and the PDF of a
single entry.  The frame (border, ornaments, heading) is drawn once as a PDF form
and reused on every page, and each seal image is stored once, so a thousand pages
stay small and fast.  The Chinese font is embedded as a subset (see ``fonts``).
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import BinaryIO

import segno
from reportlab.lib.colors import Color, HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from judging.certificates.fonts import binary_streams, register_font
from judging.certificates.textwrap_zh import balance_lines, fit_names, fit_text

PAGE_WIDTH, PAGE_HEIGHT = landscape(A4)

RED = HexColor("#9E1B1E")
GOLD = HexColor("#B8862B")
INK = HexColor("#2B2B2B")
GREY = HexColor("#6B6B6B")
PAPER = HexColor("#FFFDF6")

_DIGITS = "〇一二三四五六七八九"
_FRAME_FORM = "certificate-frame"
# A fixed QR mask: choosing the best of the eight masks costs four times as much
# as the rest of the code, and every reader decodes any mask.
_QR_MASK = 0
_DARK_RUN = re.compile(b"\x01+")
# Where the body text may go: between the heading and the foot (issuer, QR code).
_BODY_TOP = PAGE_HEIGHT - 150
_BODY_BOTTOM = 168
_BODY_WIDTH = 560
_SEAL_SIZE = 118  # 4.2 cm, the usual diameter of an official round seal


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate; the caller supplies the serial."""

    serial: str
    verify_url: str
    authors: tuple[str, ...]
    title: str
    tier: str
    competition: str
    issuer: str
    issued_on: date
    seal_png: bytes | None = None
    unit: str | None = None
    advisor: str = ""  # 指导教师, printed under the unit when there is one
    category: str = ""  # the entry's category, printed with the competition
    # "entry" or "author" (to people, for an entry), "organisation" (优秀组织奖:
    # ``authors`` holds the unit's name, there is no title)
    kind: str = "entry"


def _chinese_number(value: int) -> str:
    """1..99 in Chinese numerals as used for months and days (十一, 二十)."""
    tens, ones = divmod(value, 10)
    if tens == 0:
        return _DIGITS[ones]
    head = "" if tens == 1 else _DIGITS[tens]
    return head + "十" + (_DIGITS[ones] if ones else "")


def chinese_date(day: date, *, with_day: bool = False) -> str:
    """Write a date the way certificates do: ``二〇二六年十一月`` (年 digit by digit).

    The issuing date on a 荣誉证书 is conventionally year and month in Chinese
    numerals; ``with_day`` adds the day (``二〇二六年十一月五日``).
    """
    year = "".join(_DIGITS[int(d)] for d in str(day.year))
    text = f"{year}年{_chinese_number(day.month)}月"
    if with_day:
        text += f"{_chinese_number(day.day)}日"
    return text


def render_certificates(
    items: Iterable[CertificateData],
    *,
    out: BinaryIO | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Render one certificate page per item into one PDF and return its bytes.

    The bytes are also written to ``out`` when given.  ``progress(done, total)``
    is called after every page so the CLI and the web page can show progress.
    The output is byte-for-byte reproducible for the same items.  No items
    give a single blank page (a PDF cannot have none).
    """
    certificates = list(items)
    with binary_streams():
        data = _render(certificates, progress=progress)
    if out is not None:
        out.write(data)
    return data


def _render(
    certificates: list[CertificateData],
    *,
    progress: Callable[[int, int], None] | None,
) -> bytes:
    total = len(certificates)
    font = register_font()
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        invariant=True,
        pageCompression=1,
        initialFontName=font,
    )
    canvas.setCreator("judging")
    canvas.setTitle("荣誉证书")
    _define_frame(canvas, font=font)
    seals = _define_seals(canvas, certificates)
    for done, item in enumerate(certificates, start=1):
        seal_form = seals[item.seal_png] if item.seal_png is not None else None
        _draw_page(canvas, item, font=font, seal_form=seal_form)
        canvas.showPage()
        if progress is not None:
            progress(done, total)
    if total == 0:
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --- the frame, drawn once -------------------------------------------------


def _define_frame(canvas: Canvas, *, font: str) -> None:
    """Paper tint, double rule, corner ornaments and the heading, as one form."""
    canvas.beginForm(_FRAME_FORM)
    canvas.setFillColor(PAPER)
    canvas.rect(0, 0, PAGE_WIDTH, PAGE_HEIGHT, stroke=0, fill=1)

    canvas.setStrokeColor(RED)
    canvas.setLineWidth(5)
    canvas.rect(24, 24, PAGE_WIDTH - 48, PAGE_HEIGHT - 48, stroke=1, fill=0)
    canvas.setLineWidth(1.2)
    canvas.rect(32, 32, PAGE_WIDTH - 64, PAGE_HEIGHT - 64, stroke=1, fill=0)
    canvas.setStrokeColor(GOLD)
    canvas.setLineWidth(0.8)
    canvas.rect(38, 38, PAGE_WIDTH - 76, PAGE_HEIGHT - 76, stroke=1, fill=0)

    for x, y, sx, sy in (
        (38, 38, 1, 1),
        (PAGE_WIDTH - 38, 38, -1, 1),
        (38, PAGE_HEIGHT - 38, 1, -1),
        (PAGE_WIDTH - 38, PAGE_HEIGHT - 38, -1, -1),
    ):
        _draw_corner(canvas, x=x, y=y, sx=sx, sy=sy)

    _draw_top_flourish(canvas)
    _draw_spaced(
        canvas,
        "荣誉证书",
        font=font,
        size=46,
        y=PAGE_HEIGHT - 118,
        spacing=22,
        color=RED,
        bold=1.1,
    )
    canvas.endForm()


def _draw_corner(canvas: Canvas, *, x: float, y: float, sx: int, sy: int) -> None:
    """A gold 回纹 (key-fret) corner ornament inside the gold rule."""
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(sx, sy)
    canvas.setStrokeColor(GOLD)
    canvas.setFillColor(GOLD)
    canvas.setLineWidth(1.6)
    canvas.setLineJoin(0)
    path = canvas.beginPath()
    # Outer L bracket, then an inner spiral step: the classic fret motif.
    path.moveTo(8, 58)
    path.lineTo(8, 8)
    path.lineTo(58, 8)
    path.moveTo(16, 42)
    path.lineTo(16, 16)
    path.lineTo(42, 16)
    path.lineTo(42, 26)
    path.lineTo(26, 26)
    path.lineTo(26, 34)
    path.lineTo(34, 34)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.rect(5, 5, 6, 6, stroke=0, fill=1)
    diamond = canvas.beginPath()
    for px, py in ((66, 8), (70, 12), (74, 8), (70, 4)):
        (diamond.moveTo if px == 66 else diamond.lineTo)(px, py)
    diamond.close()
    for px, py in ((8, 66), (12, 70), (8, 74), (4, 70)):
        (diamond.moveTo if py == 66 else diamond.lineTo)(px, py)
    diamond.close()
    canvas.drawPath(diamond, stroke=0, fill=1)
    canvas.restoreState()


def _draw_top_flourish(canvas: Canvas) -> None:
    """Two short gold rules with a diamond, under the heading."""
    centre = PAGE_WIDTH / 2
    y = PAGE_HEIGHT - 138
    canvas.setStrokeColor(GOLD)
    canvas.setFillColor(GOLD)
    canvas.setLineWidth(0.9)
    canvas.line(centre - 150, y, centre - 12, y)
    canvas.line(centre + 12, y, centre + 150, y)
    diamond = canvas.beginPath()
    diamond.moveTo(centre - 6, y)
    diamond.lineTo(centre, y + 4)
    diamond.lineTo(centre + 6, y)
    diamond.lineTo(centre, y - 4)
    diamond.close()
    canvas.drawPath(diamond, stroke=0, fill=1)


def _define_seals(
    canvas: Canvas, certificates: list[CertificateData]
) -> dict[bytes, str]:
    """Store each distinct seal image once, as a form; map PNG bytes to its name."""
    forms: dict[bytes, str] = {}
    for item in certificates:
        if item.seal_png is None or item.seal_png in forms:
            continue
        name = "seal-" + hashlib.sha256(item.seal_png).hexdigest()[:16]
        reader = ImageReader(io.BytesIO(item.seal_png))
        canvas.beginForm(name)
        canvas.drawImage(
            reader,
            0,
            0,
            _SEAL_SIZE,
            _SEAL_SIZE,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )
        canvas.endForm()
        forms[item.seal_png] = name
    return forms


# --- one page ----------------------------------------------------------------


def _draw_page(
    canvas: Canvas, item: CertificateData, *, font: str, seal_form: str | None
) -> None:
    canvas.doForm(_FRAME_FORM)
    _draw_body(canvas, item, font=font)
    _draw_issuer(canvas, item, font=font, seal_form=seal_form)
    _draw_verification(canvas, item, font=font)


def _draw_body(canvas: Canvas, item: CertificateData, *, font: str) -> None:
    """Authors, unit, 《title》, competition, tier, closing line: centred."""
    authors = fit_names(
        item.authors,
        separator="　",
        width_pt=_BODY_WIDTH,
        font_name=font,
        max_size=26,
        min_size=16,
        max_lines=2,
    )
    title = fit_text(
        f"《{item.title}》",
        width_pt=_BODY_WIDTH,
        font_name=font,
        max_size=22,
        min_size=13,
        max_lines=3,
    )
    organisation = item.kind == "organisation"
    if organisation:
        said = f"在{item.competition}中组织工作成绩突出，荣获"
    elif item.category:
        said = f"在{item.competition}（{item.category}）中荣获"
    else:
        said = f"在{item.competition}中荣获"
    contest = fit_text(
        said,
        width_pt=_BODY_WIDTH,
        font_name=font,
        max_size=17,
        min_size=12,
        max_lines=2,
    )
    # (lines, size, leading factor, colour, weight, gap before)
    blocks: list[tuple[tuple[str, ...], float, float, Color, float, float]] = [
        (authors.lines, authors.font_size, 1.35, INK, 0.5, 0),
    ]
    if item.unit:
        blocks.append(((item.unit,), 14, 1.3, GREY, 0, 6))
    if item.advisor:
        advisor = fit_text(
            f"指导教师：{item.advisor}",
            width_pt=_BODY_WIDTH,
            font_name=font,
            max_size=14,
            min_size=10,
            max_lines=2,
        )
        blocks.append((advisor.lines, advisor.font_size, 1.3, GREY, 0, 4))
    if not organisation:
        title_lines = tuple(
            balance_lines(
                f"《{item.title}》",
                width_pt=_BODY_WIDTH,
                font_name=font,
                font_size=title.font_size,
            )
        )
        blocks.append((title_lines, title.font_size, 1.45, INK, 0.3, 18))
    blocks += [
        (contest.lines, contest.font_size, 1.45, INK, 0, 10),
        ((item.tier,), 36, 1.2, RED, 1.0, 14),
        (("特发此证，以资鼓励。",), 15, 1.3, INK, 0, 14),
    ]
    natural = sum(
        gap + len(lines) * size * lead for lines, size, lead, *_, gap in blocks
    )
    room = _BODY_TOP - _BODY_BOTTOM
    squeeze = min(1.0, room / natural) if natural else 1.0
    used = sum(
        len(lines) * size * lead * squeeze + gap * squeeze
        for lines, size, lead, _c, _w, gap in blocks
    )
    y = _BODY_BOTTOM + (room + used) / 2
    for lines, size, lead, color, weight, gap in blocks:
        y -= gap * squeeze
        for line in lines:
            y -= size * lead * squeeze
            _draw_centred(
                canvas,
                line,
                font=font,
                size=size,
                y=y + size * 0.3,
                color=color,
                bold=weight,
            )


def _draw_issuer(
    canvas: Canvas, item: CertificateData, *, font: str, seal_form: str | None
) -> None:
    """Issuing body and date at the lower right, the seal stamped over them."""
    centre = PAGE_WIDTH - 210
    issuer = fit_text(
        item.issuer, width_pt=260, font_name=font, max_size=17, min_size=11, max_lines=2
    )
    y = 128.0
    for line in issuer.lines:
        _draw_centred(
            canvas,
            line,
            font=font,
            size=issuer.font_size,
            y=y,
            color=INK,
            x=centre,
            bold=0.3,
        )
        y -= issuer.font_size * 1.35
    _draw_centred(
        canvas,
        chinese_date(item.issued_on),
        font=font,
        size=15,
        y=y - 4,
        color=INK,
        x=centre,
    )
    if seal_form is not None:
        canvas.saveState()
        canvas.translate(centre - _SEAL_SIZE / 2, 112 - _SEAL_SIZE / 2)
        canvas.doForm(seal_form)
        canvas.restoreState()


def _draw_verification(canvas: Canvas, item: CertificateData, *, font: str) -> None:
    """QR code of the verification URL and the serial, at the lower left."""
    size = 74.0
    # Clear of the corner ornament, on a white quiet zone so phones read it.
    left, bottom = 122.0, 56.0
    canvas.setFillColor(HexColor("#FFFFFF"))
    canvas.rect(left - 6, bottom - 6, size + 12, size + 12, stroke=0, fill=1)
    _draw_qr(canvas, item.verify_url, x=left, y=bottom, size=size)
    canvas.setFillColor(GREY)
    text = canvas.beginText(left + size + 14, bottom + 40)
    text.setFont(font, 10.5)
    text.setLeading(16)
    text.textLine(f"证书编号：{item.serial}")
    text.setFont(font, 9.5)
    text.textLine("扫描二维码核验本证书")
    canvas.drawText(text)


def _draw_qr(canvas: Canvas, data: str, *, x: float, y: float, size: float) -> None:
    """Draw a QR code as one filled path, the dark runs of each row as rectangles.

    Written as raw path operators in module units (one ``cm`` scales them), which
    is several times faster than a reportlab path object and half the bytes.
    """
    matrix = segno.make(data, error="m", micro=False, mask=_QR_MASK).matrix
    count = len(matrix)
    module = size / count
    ops = [f"q 0 g {module:.4f} 0 0 {module:.4f} {x:.2f} {y:.2f} cm"]
    for row_index, row in enumerate(matrix):
        line = count - 1 - row_index
        # A hair of overlap (1.03) so readers show no seams between rows.
        ops.extend(
            f"{run.start()} {line} {run.end() - run.start()} 1.03 re"
            for run in _DARK_RUN.finditer(row)
        )
    ops.append("f Q")
    canvas.addLiteral("\n".join(ops))


# --- text helpers --------------------------------------------------------------


def _draw_centred(
    canvas: Canvas,
    line: str,
    *,
    font: str,
    size: float,
    y: float,
    color: Color,
    x: float = PAGE_WIDTH / 2,
    bold: float = 0,
) -> None:
    """Draw a line centred on ``x``; ``bold`` > 0 strokes the outline that wide."""
    width = stringWidth(line, font, size)
    # Fill-and-stroke mode outlives the text object: keep it inside q … Q.
    canvas.saveState()
    text = canvas.beginText(x - width / 2, y)
    text.setFont(font, size)
    canvas.setFillColor(color)
    if bold:
        canvas.setStrokeColor(color)
        canvas.setLineWidth(bold)
        text.setTextRenderMode(2)
    text.textOut(line)
    canvas.drawText(text)
    canvas.restoreState()


def _draw_spaced(
    canvas: Canvas,
    line: str,
    *,
    font: str,
    size: float,
    y: float,
    spacing: float,
    color: Color,
    bold: float,
) -> None:
    """Draw a letter-spaced heading centred on the page."""
    width = stringWidth(line, font, size) + spacing * (len(line) - 1)
    text = canvas.beginText(PAGE_WIDTH / 2 - width / 2, y)
    text.setFont(font, size)
    text.setCharSpace(spacing)
    canvas.setFillColor(color)
    canvas.setStrokeColor(color)
    canvas.setLineWidth(bold)
    text.setTextRenderMode(2)
    text.textOut(line)
    canvas.drawText(text)
