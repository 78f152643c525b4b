"""The award list (获奖名单) as a PDF: A4 portrait, one table per award tier.

Pure: no Flask, no database.

Entries are listed by tier (in the competition's tier order), then by rank within
the tier; long titles, author lists and unit names wrap inside their cells with
the same Chinese line-breaking rules and the same embedded font as the
certificates.  Every page carries "第 n 页 共 m 页".
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

from reportlab.lib.colors import HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import CondPageBreak

from judging.certificates.fonts import binary_streams, register_font
from judging.certificates.textwrap_zh import wrap_names, wrap_zh
from judging.escaping import paragraph_text as _escape

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
HEADERS = ("序号", "编号", "作品题目", "类别", "作者", "指导教师", "单位")
# Column widths in points; they add up to the text width of A4 less the margins.
COLUMN_WIDTHS = (28.0, 62.0, 140.0, 46.0, 78.0, 54.0, 0.0)
CELL_PADDING = 4.0
BODY_SIZE = 9.5
RED = HexColor("#9E1B1E")
RULE = HexColor("#8A8A8A")
HEADER_FILL = HexColor("#F3E9E0")
STRIPE_FILL = HexColor("#FBF8F4")


@dataclass(frozen=True)
class AwardListRow:
    """One awarded entry as printed on the list."""

    tier: str
    rank: int
    code: str
    title: str
    authors: tuple[str, ...]
    advisor: str | None
    unit: str
    category: str = ""


def sort_rows(
    rows: Iterable[AwardListRow], *, tier_order: Sequence[str]
) -> list[AwardListRow]:
    """Order rows by tier (as in ``tier_order``), then rank, then entry code.

    A tier missing from ``tier_order`` comes after the listed ones, by name, so
    nothing awarded is ever left off the list.
    """
    position = {tier: index for index, tier in enumerate(tier_order)}
    return sorted(
        rows,
        key=lambda row: (
            position.get(row.tier, len(position)),
            row.tier,
            row.rank,
            row.code,
        ),
    )


def render_award_list(
    rows: Iterable[AwardListRow],
    *,
    title: str,
    tier_order: Sequence[str],
    subtitle: str | None = None,
    organisations: Sequence[str] = (),
    out: BinaryIO | None = None,
) -> bytes:
    """Render the award list PDF and return its bytes (also written to ``out``).

    ``title`` is the heading (e.g. "2026年……征文比赛获奖名单"); ``subtitle`` an
    optional line under it (issuer and date).  One table per tier, headed by the
    tier name and its count; the table header repeats on every page. The units
    given the 优秀组织奖 (``organisations``, in their order) follow last.
    """
    ordered = sort_rows(rows, tier_order=tier_order)
    with binary_streams():
        data = _render(
            ordered, title=title, subtitle=subtitle, organisations=organisations
        )
    if out is not None:
        out.write(data)
    return data


def _render(
    rows: list[AwardListRow],
    *,
    title: str,
    subtitle: str | None,
    organisations: Sequence[str] = (),
) -> bytes:
    font = register_font()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6,
        title=title,
        creator="judging",
        invariant=True,
        initialFontName=font,
    )
    story: list[Flowable] = [
        Paragraph(_escape(title), _style(font, size=17, leading=24, color=RED)),
    ]
    if subtitle:
        story.append(Paragraph(_escape(subtitle), _style(font, size=11, leading=16)))
    story.append(Spacer(1, 8))
    widths = _column_widths(document.width)
    tier_style = _style(font, size=13, leading=18, color=RED, align=0)
    for tier, tier_rows in _group_by_tier(rows):
        heading = Paragraph(_escape(f"{tier}（{len(tier_rows)} 项）"), tier_style)
        table = _tier_table(tier_rows, widths=widths, font=font)
        # Keep a tier heading with at least the start of its table.
        story += [CondPageBreak(80), KeepTogether([heading, Spacer(1, 4)]), table]
        story.append(Spacer(1, 12))
    if not rows:
        story.append(Paragraph("（暂无获奖作品）", _style(font, size=11, leading=16)))
    if organisations:
        heading = Paragraph(
            _escape(f"优秀组织奖（{len(organisations)} 个单位）"), tier_style
        )
        story += [
            CondPageBreak(80),
            KeepTogether([heading, Spacer(1, 4)]),
            _units_table(organisations, width=document.width, font=font),
        ]
    document.build(story, canvasmaker=_NumberedCanvas)
    return buffer.getvalue()


def _column_widths(total: float) -> tuple[float, ...]:
    """Fixed widths for all columns but the last, which takes what is left."""
    fixed = sum(COLUMN_WIDTHS[:-1])
    return (*COLUMN_WIDTHS[:-1], total - fixed)


def _group_by_tier(
    rows: list[AwardListRow],
) -> list[tuple[str, list[AwardListRow]]]:
    groups: list[tuple[str, list[AwardListRow]]] = []
    for row in rows:
        if not groups or groups[-1][0] != row.tier:
            groups.append((row.tier, []))
        groups[-1][1].append(row)
    return groups


def _tier_table(
    rows: list[AwardListRow], *, widths: tuple[float, ...], font: str
) -> Table:
    """One tier's rows; every cell pre-wrapped with the 禁则 line breaker."""

    def cell(text: str, column: int) -> str:
        width = widths[column] - 2 * CELL_PADDING
        return "\n".join(wrap_zh(text, width, font, BODY_SIZE))

    data: list[list[Any]] = [list(HEADERS)]
    for number, row in enumerate(rows, start=1):
        data.append(
            [
                str(number),
                cell(row.code, 1),
                cell(f"《{row.title}》", 2),
                cell(row.category, 3),
                "\n".join(
                    wrap_names(
                        row.authors, widths[4] - 2 * CELL_PADDING, font, BODY_SIZE
                    )
                ),
                cell(row.advisor or "", 5),
                cell(row.unit, 6),
            ]
        )
    table = Table(data, colWidths=widths, repeatRows=1)
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), BODY_SIZE),
        ("LEADING", (0, 0), (-1, -1), BODY_SIZE * 1.35),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, 0), "CENTER"),
        ("ALIGN", (0, 1), (1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("LINEABOVE", (0, 0), (-1, 0), 1.0, RED),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, RED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 1.0, RED),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [white, STRIPE_FILL]),
    ]
    table.setStyle(TableStyle(commands))
    return table


def _units_table(names: Sequence[str], *, width: float, font: str) -> Table:
    """The 优秀组织奖 units: number and name, names wrapped like the cells above."""
    widths = (COLUMN_WIDTHS[0], width - COLUMN_WIDTHS[0])
    data: list[list[Any]] = [["序号", "单位"]]
    for number, name in enumerate(names, start=1):
        wrapped = wrap_zh(name, widths[1] - 2 * CELL_PADDING, font, BODY_SIZE)
        data.append([str(number), "\n".join(wrapped)])
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), BODY_SIZE),
                ("LEADING", (0, 0), (-1, -1), BODY_SIZE * 1.35),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("LINEABOVE", (0, 0), (-1, 0), 1.0, RED),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RED),
                ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
                ("LINEBELOW", (0, -1), (-1, -1), 1.0, RED),
            ]
        )
    )
    return table


def _style(
    font: str,
    *,
    size: float,
    leading: float,
    color: Any = None,
    align: int = 1,
) -> ParagraphStyle:
    return ParagraphStyle(
        name=f"s{size}",
        fontName=font,
        fontSize=size,
        leading=leading,
        alignment=align,
        textColor=color or HexColor("#222222"),
        wordWrap="CJK",
    )


class _NumberedCanvas(Canvas):
    """A canvas that writes "第 n 页 共 m 页" once the page count is known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._saved_pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        self._saved_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._saved_pages)
        for state in self._saved_pages:
            self.__dict__.update(state)
            self._draw_page_number(total)
            super().showPage()
        super().save()

    def _draw_page_number(self, total: int) -> None:
        self.saveState()
        self.setFont(register_font(), 9)
        self.setFillColor(HexColor("#555555"))
        self.drawCentredString(
            PAGE_WIDTH / 2, MARGIN - 4, f"第 {self._pageNumber} 页 共 {total} 页"
        )
        self.restoreState()
