"""The submission receipt (报送回执) as a PDF.

Pure: no Flask, no database.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from judging.certificates.fonts import register_font
from judging.escaping import paragraph_text as esc


@dataclass(frozen=True)
class ReceiptLine:
    slot: int
    title: str
    authors: str
    file_name: str
    size: int
    sha256: str
    received: str


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.2f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


def render_receipt(
    *, unit: str, competition: str, lines: Sequence[ReceiptLine], printed: str
) -> bytes:
    """One A4 page (or more) listing every entry the unit has submitted.

    The SHA-256 lets a unit prove later exactly which file it handed in.
    """
    font = register_font()
    title = ParagraphStyle("t", fontName=font, fontSize=18, leading=26, alignment=1)
    body = ParagraphStyle("b", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    small = ParagraphStyle("s", parent=body, fontSize=8, leading=10)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title="报送回执",
        author="",
        creator="judging",
    )
    story = [
        Paragraph("作品报送回执", title),
        Spacer(1, 4 * mm),
        Paragraph(f"竞赛：{esc(competition)}", body),
        Paragraph(f"报送单位：{esc(unit)}", body),
        Paragraph(f"已报送作品：{len(lines)} 篇", body),
        Spacer(1, 4 * mm),
    ]
    data = [
        [Paragraph(h, body) for h in ("序号", "作品题目 / 作者", "文件", "接收时间")]
    ]
    for line in lines:
        data.append(
            [
                Paragraph(str(line.slot), body),
                Paragraph(f"{esc(line.title)}<br/>{esc(line.authors)}", body),
                Paragraph(
                    f"{esc(line.file_name)}（{_size(line.size)}）<br/>"
                    f"SHA-256: {esc(line.sha256[:32])}<br/>{esc(line.sha256[32:])}",
                    small,
                ),
                Paragraph(esc(line.received), body),
            ]
        )
    table = Table(data, colWidths=[12 * mm, 70 * mm, 66 * mm, 26 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 6 * mm),
        Paragraph(f"打印时间：{esc(printed)}（北京时间）", body),
        Paragraph(
            "本回执由征文评审系统生成，SHA-256 可用于核对所交文件是否一致。", small
        ),
    ]
    doc.build(story)
    return out.getvalue()
