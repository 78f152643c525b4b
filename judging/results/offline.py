"""Rank a competition from CSV files alone: SCORES.csv + RUBRIC.csv → RANKING.csv.

Pure: no Flask, no database.

Formats (UTF-8 with or without BOM, or GB18030 as saved by Excel on Chinese
Windows; the header row is row 1):

- RUBRIC.csv: ``criterion,max_points`` — one row per criterion.
- SCORES.csv: ``entry,judge,criterion,points`` — one row per review and
  criterion; a review is one (entry, judge) pair and must score every criterion.
- RANKING.csv (written UTF-8 with BOM so Excel opens it):
  ``entry,score,low,high,rank,tier,tier_probability`` in ranking order.

Every problem is reported at once, each with its row number, in Chinese.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from judging.i18n import N_, message_of, said
from judging.numbers import NotANumber, parse_decimal
from judging.results.aggregate import METHOD_LABELS, Aggregation, Review, aggregate
from judging.results.awards import AwardAllocation, allocate_awards, parse_shares
from judging.tables import TableError, decode_text

RANKING_COLUMNS = ("entry", "score", "low", "high", "rank", "tier", "tier_probability")


class ScoresFileError(ValueError):
    """The CSV files are invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: Sequence[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = tuple(errors)


@dataclass(frozen=True)
class OfflineRanking:
    """The aggregation, the award allocation and the RANKING.csv text."""

    aggregation: Aggregation
    allocation: AwardAllocation
    csv_text: str


def decode_csv(data: bytes) -> str:
    """Decode CSV bytes in an encoding they prove (see ``tables.decode_text``)."""
    try:
        return decode_text(data)
    except TableError as exc:
        raise ScoresFileError([message_of(exc)]) from exc


def _rows(
    text: str, *, columns: Sequence[str], label: str
) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration as exc:
        raise ScoresFileError([said(N_("%(file)s是空文件"), file=label)]) from exc
    missing = [c for c in columns if c not in header]
    if missing:
        raise ScoresFileError(
            [
                said(
                    N_("%(file)s第 1 行：缺少列 %(missing)s（应为 %(columns)s）"),
                    file=label,
                    missing="、".join(missing),
                    columns=",".join(columns),
                )
            ]
        )
    rows: list[tuple[int, dict[str, str]]] = []
    for values in reader:
        if not any(v.strip() for v in values):
            continue
        padded = values + [""] * (len(header) - len(values))
        row = {h: padded[i].strip() for i, h in enumerate(header)}
        rows.append((reader.line_num, row))
    return rows


def _number(text: str) -> Decimal | None:
    """A plain decimal number ("1_9" and "1e1" are not), or None."""
    try:
        return parse_decimal(text, negative=True)
    except NotANumber:
        return None


def read_rubric(data: bytes) -> dict[str, Decimal]:
    """Parse RUBRIC.csv into {criterion: max_points}; max_points must be > 0."""
    rubric: dict[str, Decimal] = {}
    seen: dict[str, int] = {}
    errors: list[str] = []
    label = N_("评分细则文件")
    for line, row in _rows(
        decode_csv(data), columns=("criterion", "max_points"), label=label
    ):
        name, raw = row["criterion"], row["max_points"]
        if not name:
            errors.append(
                said(
                    N_("%(file)s第 %(line)s 行：评分项名称为空"), file=label, line=line
                )
            )
            continue
        value = _number(raw)
        if value is None or value <= 0:
            errors.append(
                said(
                    N_("%(file)s第 %(line)s 行：满分“%(value)s”须为正数"),
                    file=label,
                    line=line,
                    value=raw,
                )
            )
            continue
        if name in seen:
            errors.append(
                said(
                    N_(
                        "%(file)s第 %(line)s 行：评分项“%(criterion)s”"
                        "与第 %(first)s 行重复"
                    ),
                    file=label,
                    line=line,
                    criterion=name,
                    first=seen[name],
                )
            )
            continue
        seen[name] = line
        rubric[name] = value
    if not rubric and not errors:
        errors.append(said(N_("%(file)s没有任何评分项"), file=label))
    if errors:
        raise ScoresFileError(errors)
    return rubric


def read_scores(data: bytes, *, rubric: dict[str, Decimal]) -> list[Review]:
    """Parse and validate SCORES.csv; return one ``Review`` per (entry, judge).

    Rules checked, each reported with its row number: the criterion is in the
    rubric; points are a number within 0..max_points; no duplicate
    (entry, judge, criterion) row; every review scores every criterion.
    Totals are exact (Decimal sums).
    """
    label = N_("评分文件")
    errors: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    reviews: dict[tuple[str, str], dict[str, Decimal]] = {}
    lines: dict[tuple[str, str], list[int]] = {}
    for line, row in _rows(
        decode_csv(data),
        columns=("entry", "judge", "criterion", "points"),
        label=label,
    ):
        entry, judge, criterion, raw = (
            row["entry"],
            row["judge"],
            row["criterion"],
            row["points"],
        )
        where = {"file": label, "line": line}
        if not entry or not judge:
            errors.append(
                said(N_("%(file)s第 %(line)s 行：作品编号或评审专家为空"), **where)
            )
            continue
        if criterion not in rubric:
            errors.append(
                said(
                    N_("%(file)s第 %(line)s 行：评分项“%(criterion)s”不在评分细则中"),
                    criterion=criterion,
                    **where,
                )
            )
            continue
        points = _number(raw)
        if points is None:
            errors.append(
                said(
                    N_("%(file)s第 %(line)s 行：分数“%(value)s”不是数字"),
                    value=raw,
                    **where,
                )
            )
            continue
        top = rubric[criterion]
        if not Decimal(0) <= points <= top:
            errors.append(
                said(
                    N_(
                        "%(file)s第 %(line)s 行：评分项“%(criterion)s”的分数 %(value)s"
                        " 超出范围 0–%(top)s"
                    ),
                    criterion=criterion,
                    value=raw,
                    top=str(top),
                    **where,
                )
            )
            continue
        key = (entry, judge, criterion)
        if key in seen:
            errors.append(
                said(
                    N_(
                        "%(file)s第 %(line)s 行：与第 %(first)s 行重复"
                        "（作品 %(entry)s、评审专家 %(judge)s、评分项 %(criterion)s）"
                    ),
                    first=seen[key],
                    entry=entry,
                    judge=judge,
                    criterion=criterion,
                    **where,
                )
            )
            continue
        seen[key] = line
        reviews.setdefault((entry, judge), {})[criterion] = points
        lines.setdefault((entry, judge), []).append(line)
    for (entry, judge), scored in reviews.items():
        absent = [c for c in rubric if c not in scored]
        if absent:
            rows = "、".join(str(n) for n in lines[(entry, judge)])
            errors.append(
                said(
                    N_(
                        "%(file)s第 %(line)s 行（作品 %(entry)s、评审专家 %(judge)s）"
                        "缺少评分项：%(missing)s"
                    ),
                    file=label,
                    line=rows,
                    entry=entry,
                    judge=judge,
                    missing="、".join(absent),
                )
            )
    if not reviews and not errors:
        errors.append(said(N_("%(file)s没有任何评分"), file=label))
    if errors:
        raise ScoresFileError(errors)
    return [
        Review(entry_id=entry, judge_id=judge, total=sum(scored.values(), Decimal(0)))
        for (entry, judge), scored in reviews.items()
    ]


def rank_scores(
    *,
    scores: bytes,
    rubric: bytes,
    method: str = "calibrated",
    tiers: str = "10,20,30",
    seed: int = 0,
    draws: int = 1000,
) -> OfflineRanking:
    """Validate, aggregate with ``method``, allocate tiers by percent ``tiers``.

    The maximum total is the sum of the rubric's max_points. Awards follow the
    ROUNDING and TIE rules of ``judging.results.awards``.
    """
    if method not in METHOD_LABELS:
        raise ScoresFileError(
            [
                said(
                    N_("未知的汇总方法：%(method)s（可选 %(methods)s）"),
                    method=method,
                    methods="、".join(METHOD_LABELS),
                )
            ]
        )
    criteria = read_rubric(rubric)
    reviews = read_scores(scores, rubric=criteria)
    max_total = float(sum(criteria.values(), Decimal(0)))
    aggregation = aggregate(reviews, method=method, max_total=max_total)
    allocation = allocate_awards(
        aggregation, scheme=parse_shares(tiers), draws=draws, seed=seed
    )
    return OfflineRanking(
        aggregation=aggregation,
        allocation=allocation,
        csv_text=ranking_csv(allocation),
    )


def ranking_csv(allocation: AwardAllocation) -> str:
    """RANKING.csv text in ranking order: scores 2 decimals, probability 3."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RANKING_COLUMNS)
    for award in allocation.awards:
        probability = award.tier_probability
        writer.writerow(
            (
                award.entry_id,
                f"{award.score:.2f}",
                f"{award.low:.2f}",
                f"{award.high:.2f}",
                "" if award.rank is None else award.rank,
                award.tier,
                "" if probability is None else f"{probability:.3f}",
            )
        )
    return out.getvalue()


def rank_files(
    *,
    scores_path: Path,
    rubric_path: Path,
    out_path: Path,
    method: str = "calibrated",
    tiers: str = "10,20,30",
    seed: int = 0,
) -> OfflineRanking:
    """Read the two CSV files, rank, and write RANKING.csv (UTF-8 with BOM)."""
    result = rank_scores(
        scores=Path(scores_path).read_bytes(),
        rubric=Path(rubric_path).read_bytes(),
        method=method,
        tiers=tiers,
        seed=seed,
    )
    Path(out_path).write_text(result.csv_text, encoding="utf-8-sig")
    return result
