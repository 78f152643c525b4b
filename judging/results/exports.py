"""Result files: the award list (XLSX, PDF) and the organiser's full score sheet.

Every text cell goes through `safe_cell`, so a title such as "=HYPERLINK(…)"
arrives in Excel as text, never as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from judging.competitions.models import Competition
from judging.results.methods import METHODS
from judging.results.models import OrganisationAward
from judging.results.pdf_list import AwardListRow, render_award_list
from judging.results.service import (
    EXCLUDED,
    EntryResult,
    ResultsTable,
    ReviewLine,
    awarded_rows,
    entry_key,
    heading,
)
from judging.tables import safe_cell

SHANGHAI = ZoneInfo("Asia/Shanghai")
AWARD_HEADERS = (
    "奖项",
    "名次",
    "编号",
    "作品题目",
    "类别",
    "作者",
    "指导教师",
    "单位",
    "备注",
)


def round_headers(table: ResultsTable) -> tuple[str, ...]:
    """The round columns of a competition judged in several rounds: the round
    each entry reached, its score in every round, its 答辩 score."""
    if not table.round_names:
        return ()
    return ("到达轮次", *(f"{n}得分" for n in table.round_names), "答辩成绩")


def round_cells(table: ResultsTable, row: EntryResult) -> tuple[object, ...]:
    if not table.round_names:
        return ()
    names = table.round_names
    scores = list(row.round_scores) + [None] * (len(names) - len(row.round_scores))
    reached = names[row.last_round - 1] if row.last_round <= len(names) else ""
    return (
        reached,
        *(None if v is None else round(v, 2) for v in scores[: len(names)]),
        None if row.defense is None else round(row.defense, 2),
    )


def _append(sheet: Worksheet, values: Sequence[object]) -> None:
    sheet.append([safe_cell(v) for v in values])


def _save(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _mark(row: EntryResult) -> str:
    if row.is_excluded:
        return f"{EXCLUDED}：{row.override_reason}"
    if row.is_overridden:
        return f"经调整（原{row.model_tier}）：{row.override_reason}"
    return ""


def computed_note(table: ResultsTable) -> str:
    """ "计算于 …" in Asia/Shanghai: which computation of the scores a file shows."""
    if table.computed_at is None:
        return ""
    return f"计算于 {table.computed_at.astimezone(SHANGHAI):%Y-%m-%d %H:%M}"


def award_list_title(competition: Competition) -> str:
    return f"{competition.title}获奖名单"


ORGANISATION_HEADERS = ("名次", "单位", "参评作品", "获奖作品", "积分", "备注")


def award_list_xlsx(
    table: ResultsTable, organisations: Sequence[OrganisationAward] = ()
) -> bytes:
    """获奖名单: by category ranked apart (if so), tier, then rank; code, title,
    category, authors, advisor, unit. The 优秀组织奖 follows on its own sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = "获奖名单"
    _append(sheet, (*AWARD_HEADERS, *round_headers(table)))
    for row in awarded_rows(table):
        e = row.entry
        _append(
            sheet,
            (
                heading(row),
                row.rank,
                entry_key(e),
                e.title,
                row.category,
                "、".join(e.author_names),
                e.advisor,
                e.unit.name,
                _mark(row),
                *round_cells(table, row),
            ),
        )
    if not table.is_frozen:
        _append(sheet, ())
        _append(sheet, (f"初步结果，尚未定稿。{computed_note(table)}",))
    if organisations:
        units = book.create_sheet("优秀组织奖")
        _append(units, ORGANISATION_HEADERS)
        for line in organisations:
            _append(
                units,
                (
                    line.rank,
                    line.unit.name,
                    line.entries,
                    line.awarded,
                    line.points,
                    f"经调整：{line.override_reason}" if line.override_reason else "",
                ),
            )
    return _save(book)


def award_list_pdf(
    table: ResultsTable, organisations: Sequence[OrganisationAward] = ()
) -> bytes:
    """The printable award list through `pdf_list.render_award_list`."""
    rows = [
        AwardListRow(
            tier=heading(r),
            rank=r.rank or 0,
            code=entry_key(r.entry),
            title=r.entry.title,
            category=r.category,
            authors=tuple(r.entry.author_names),
            advisor=r.entry.advisor or None,
            unit=r.entry.unit.name,
        )
        for r in awarded_rows(table)
    ]
    c = table.competition
    subtitle = " ".join(
        p for p in (c.issuer, f"{c.issued_on:%Y年%m月%d日}" if c.issued_on else "") if p
    )
    if not table.is_frozen:
        subtitle = f"{subtitle}（初步结果，尚未定稿，{computed_note(table)}）".strip()
    return render_award_list(
        rows,
        title=award_list_title(c),
        tier_order=list(dict.fromkeys(heading(r) for r in awarded_rows(table))),
        subtitle=subtitle or None,
        organisations=[line.unit.name for line in organisations],
    )


def score_sheet_xlsx(table: ResultsTable, reviews: Sequence[ReviewLine]) -> bytes:
    """评分总表: one row per review and criterion, and each method per entry."""
    c = table.competition
    criteria = list(c.criteria)
    own = _round_criteria(c) if table.round_names else []
    book = Workbook(write_only=True)  # streamed: 20,000 rows at national scale
    summary = book.create_sheet("汇总")
    methods = [m for m, _label in METHODS if any(m in r.scores for r in table.rows)]
    _append(
        summary,
        (
            "编号",
            "作品题目",
            "单位",
            "评审份数",
            *[dict(METHODS)[m] for m in methods],
            f"得分（{table.method_label}）",
            "下限",
            "上限",
            "名次",
            "奖项",
            "类别",
            "归属概率",
            "备注",
            *round_headers(table),
        ),
    )
    for row in table.rows:
        _append(
            summary,
            (
                entry_key(row.entry),
                row.entry.title,
                row.entry.unit.name,
                row.n_reviews,
                *[
                    round(row.scores[m], 2) if m in row.scores else None
                    for m in methods
                ],
                round(row.score, 2),
                round(row.low, 2),
                round(row.high, 2),
                row.rank,
                EXCLUDED if row.is_excluded else row.tier,
                row.category,
                None
                if row.tier_probability is None
                else round(row.tier_probability, 3),
                _mark(row),
                *round_cells(table, row),
            ),
        )
    if not table.is_frozen and table.computed_at is not None:
        _append(summary, ())
        _append(summary, (f"初步结果，尚未定稿。{computed_note(table)}",))
    detail = book.create_sheet("评分明细")
    _append(
        detail,
        (
            "编号",
            "作品题目",
            "评审专家",
            *(("轮次",) if table.round_names else ()),
            *[f"{cr.name}（{cr.max_points}）" for cr in criteria],
            *[f"{name}·{cr.name}（{cr.max_points}）" for cr, name in own],
            "总分",
            "评语",
            "来源",
        ),
    )
    entries = {r.entry.id: r.entry for r in table.rows}
    ordered = sorted(
        (r for r in reviews if r.entry_id in entries),
        key=lambda r: (entry_key(entries[r.entry_id]), r.judge_name),
    )
    for review in ordered:
        entry = entries[review.entry_id]
        _append(
            detail,
            (
                entry_key(entry),
                entry.title,
                review.judge_name,
                *((_round_name(table, review.round_no),) if table.round_names else ()),
                *[_number(review.points.get(cr.id)) for cr in criteria],
                *[_number(review.points.get(cr.id)) for cr, _name in own],
                _number(review.total),
                review.comment,
                "纸质录入" if review.source == "paper" else "在线",
            ),
        )
    return _save(book)


def _number(value: object) -> float | None:
    return None if value is None else float(value)


def _round_name(table: ResultsTable, number: int) -> str:
    names = table.round_names
    return names[number - 1] if 1 <= number <= len(names) else str(number)


def _round_criteria(competition: Competition) -> list[tuple[object, str]]:
    """The criteria of the rounds with a rubric of their own, with the round's
    name (their points sit in columns of their own on the score sheet)."""
    from judging.rounds.service import stored_rounds

    return [(cr, r.name) for r in stored_rounds(competition) for cr in r.criteria]
