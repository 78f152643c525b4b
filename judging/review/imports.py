"""Check score-sheet values against the rubric, typed online or imported on paper.

Pure: no Flask, no database. The same rules hold for the judge's web form and the
organiser's paper-score import: every score is a number from 0 to the criterion's
maximum in steps of 0.5, and a submitted sheet scores every criterion. An import
file with any bad row imports nothing, so every problem is collected with its
spreadsheet row number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from judging.accounts.imports import RowError
from judging.i18n import N_, Said, said
from judging.numbers import parse_decimal
from judging.tables import Table

STEP = Decimal("0.5")

SCORE_COLUMNS = {
    "作品编号": "entry_code", "编号": "entry_code", "匿名编号": "entry_code",
    "entry_code": "entry_code", "code": "entry_code",
    "评审专家": "judge", "专家": "judge", "评委": "judge", "评审人": "judge",
    "judge": "judge",
    "评语": "comment", "评审意见": "comment", "comment": "comment",
}  # fmt: skip


@dataclass(frozen=True)
class RubricItem:
    id: int
    name: str
    max_points: int


@dataclass(frozen=True)
class KnownJudge:
    id: int
    username: str
    name: str


@dataclass(frozen=True)
class KnownAssignment:
    """An active assignment in the competition: who reviews which entry code."""

    id: int
    entry_code: str
    judge_id: int


@dataclass(frozen=True)
class PaperRow:
    row: int
    assignment_id: int
    entry_code: str
    judge_id: int
    points: dict[int, Decimal] = field(hash=False)
    comment: str = ""


def parse_points(text: str) -> Decimal | None:
    """A typed score as an exact Decimal; None when left empty.

    Raises ValueError for anything that is not a plain decimal number ("abc",
    "NaN", "7,5", "1_9", "1e1"); full-width digits are read as ASCII. Binary
    floats never enter, so 0.1 + 0.2 is exactly 0.3.
    """
    return parse_decimal(text, negative=True)  # -1 gets the range message


def point_errors(
    rubric: Iterable[RubricItem],
    points: Mapping[int, Decimal | None],
    *,
    complete: bool,
) -> list[Said]:
    """Why these scores break the rubric (empty when they are fine), each said
    in the reader's language where it is shown.

    Rule: 0 ≤ score ≤ the criterion's maximum, in steps of 0.5; a submitted sheet
    (`complete`) must score every criterion, a draft may leave some empty.
    """
    items = list(rubric)
    known = {item.id for item in items}
    errors = [
        said(N_("评分项（编号 %(key)s）不属于本竞赛的评分细则。"), key=key)
        for key in points
        if key not in known
    ]
    for item in items:
        value = points.get(item.id)
        if value is None:
            if complete:
                errors.append(said(N_("“%(name)s”：请填写分数。"), name=item.name))
        elif not 0 <= value <= item.max_points:
            errors.append(
                said(
                    N_(
                        "“%(name)s”：分数须在 0 到 %(max)s 之间（填写的是 %(value)s）。"
                    ),
                    name=item.name,
                    max=item.max_points,
                    value=str(value),
                )
            )
        elif value % STEP != 0:
            errors.append(
                said(
                    N_("“%(name)s”：分数须为 0.5 的整数倍（填写的是 %(value)s）。"),
                    name=item.name,
                    value=str(value),
                )
            )
    return errors


def total_points(points: Iterable[Decimal]) -> Decimal:
    """The exact sum of the scores (Decimal arithmetic, no rounding)."""
    return sum(points, Decimal(0))


def criterion_column(name: str) -> str:
    """A criterion's name as `read_table` normalises a header cell."""
    return re.sub(r"\s+", " ", name).strip().lower().replace(" ", "_")


def score_columns(rubric: Iterable[RubricItem]) -> dict[str, str]:
    """Accepted headers: the fixed columns plus one column per criterion name."""
    columns = dict(SCORE_COLUMNS)
    for item in rubric:
        columns[criterion_column(item.name)] = criterion_column(item.name)
    return columns


def _find_judge(
    text: str, judges: list[KnownJudge]
) -> tuple[KnownJudge | None, Said | None]:
    by_username = [j for j in judges if j.username == text]
    if by_username:
        return by_username[0], None
    by_name = [j for j in judges if j.name == text]
    if len(by_name) == 1:
        return by_name[0], None
    if len(by_name) > 1:
        return None, said(N_("评审专家“%(judge)s”有重名，请改填其用户名"), judge=text)
    return None, said(N_("评审专家“%(judge)s”不存在（请填写姓名或用户名）"), judge=text)


def validate_paper_scores(
    table: Table,
    *,
    rubric: list[RubricItem],
    judges: list[KnownJudge],
    assignments: list[KnownAssignment],
) -> tuple[list[PaperRow], list[RowError]]:
    """Check every row of a paper score file against the rubric and the assignments.

    A row names an entry code and a judge (user name or name) who must be actively
    assigned to that entry, and scores every criterion within its range; the same
    judge and entry may appear only once.
    """
    errors: list[RowError] = []
    missing = [i.name for i in rubric if criterion_column(i.name) not in table.header]
    if missing:
        names = "、".join(missing)
        return [], [
            RowError(
                1,
                said(
                    N_("缺少评分项列：%(names)s（列名须与评分细则一致）"), names=names
                ),
            )
        ]
    by_pair = {(a.entry_code, a.judge_id): a for a in assignments}
    codes = {a.entry_code for a in assignments}
    seen: dict[int, int] = {}
    rows: list[PaperRow] = []
    for number, cells in table.rows:
        code = cells.get("entry_code", "").strip().upper()
        judge_text = cells.get("judge", "").strip()
        if not code or not judge_text:
            errors.append(RowError(number, N_("作品编号和评审专家都必须填写")))
            continue
        judge, problem = _find_judge(judge_text, judges)
        if judge is None:
            errors.append(RowError(number, problem or ""))
            continue
        assignment = by_pair.get((code, judge.id))
        if assignment is None:
            message = (
                said(N_("作品编号“%(code)s”不存在"), code=code)
                if code not in codes
                else said(
                    N_("评审专家“%(judge)s”未被分配评审作品 %(code)s"),
                    judge=judge_text,
                    code=code,
                )
            )
            errors.append(RowError(number, message))
            continue
        if assignment.id in seen:
            errors.append(
                RowError(
                    number,
                    said(
                        N_(
                            "作品 %(code)s 与评审专家“%(judge)s”的评分"
                            "与第 %(row)s 行重复"
                        ),
                        code=code,
                        judge=judge_text,
                        row=seen[assignment.id],
                    ),
                )
            )
            continue
        seen[assignment.id] = number
        points: dict[int, Decimal | None] = {}
        for item in rubric:
            text = cells.get(criterion_column(item.name), "")
            try:
                points[item.id] = parse_points(text)
            except ValueError:
                errors.append(
                    RowError(
                        number,
                        said(
                            N_("“%(name)s”的分数“%(text)s”不是有效数字"),
                            name=item.name,
                            text=text,
                        ),
                    )
                )
                points[item.id] = Decimal(0)
        for message in point_errors(rubric, points, complete=True):
            errors.append(RowError(number, message, quoted=True))
        rows.append(
            PaperRow(
                row=number,
                assignment_id=assignment.id,
                entry_code=code,
                judge_id=judge.id,
                points={k: v for k, v in points.items() if v is not None},
                comment=cells.get("comment", ""),
            )
        )
    return rows, errors
