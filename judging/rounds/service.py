"""Round use cases: the rounds of a competition, who is in each, the shortlist
that starts the next round, the organiser's additions and removals, the
combination settings and the 答辩 scores.

The rules of the shortlist and of the combination are the pure
``judging.results.rounds``; this module reads the rows they need, checks the
actor and the phase, writes and audits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, select

from judging.accounts.models import Judge, Role, User
from judging.assignment.models import Assignment, AssignmentStatus
from judging.audit.service import record
from judging.competitions.models import Competition, Criterion, Phase
from judging.competitions.service import guard
from judging.extensions import db
from judging.i18n import N_, message_of, said
from judging.results import rounds as pure
from judging.results.computed import counted_reviews, entry_key
from judging.results.methods import METHOD_LABELS
from judging.review.models import Review, ReviewStatus
from judging.rounds.columns import DEFENSE_COLUMNS
from judging.rounds.models import (
    ROUND_NAMES,
    DefenseScore,
    Round,
    RoundEntry,
    RoundJudge,
)
from judging.submissions.models import Entry, EntryStatus

MAX_ROUNDS = 5


class RoundError(ValueError):
    """A refused round change; the message is shown to the user in Chinese."""


@dataclass(frozen=True)
class RoundInfo:
    """One round as pages show it (round 1 may have no row yet)."""

    number: int
    name: str
    reviews_per_entry: int
    weight: Decimal
    deadline: datetime | None
    shortlist_rule: str
    row: Round | None


def _require_organiser(actor: User | None) -> None:
    if actor is not None and actor.role != Role.ORGANISER:
        raise RoundError(N_("只有主办方可以管理评审轮次。"))


def _require_reviewing(competition: Competition) -> None:
    if competition.is_collection:
        raise RoundError(N_("材料征集不评审，没有评审轮次。"))
    if competition.phase != Phase.REVIEWING:
        raise RoundError(N_("只有在评审阶段才能开始下一轮或调整入围名单。"))


def _actor_id(actor: User | None) -> int | None:
    return actor.id if actor is not None else None


def plain(value: object) -> str:
    """A decimal as people write it: 40, 12.5 (not 40.00, 1E+2)."""
    text = f"{Decimal(str(value)).normalize():f}"
    return text


def default_name(number: int) -> str:
    return ROUND_NAMES[number - 1] if number <= len(ROUND_NAMES) else f"第{number}轮"


def stored_rounds(competition: Competition) -> list[Round]:
    return list(
        db.session.scalars(
            select(Round)
            .where(Round.competition_id == competition.id)
            .order_by(Round.number)
        )
    )


def rounds(competition: Competition) -> list[RoundInfo]:
    """Every round of the competition, round 1 (初评) always among them."""
    rows = stored_rounds(competition)
    out = [
        RoundInfo(
            r.number,
            r.name,
            r.reviews_per_entry,
            Decimal(r.weight),
            r.deadline,
            _rule_said(r.shortlist_rule),
            r,
        )
        for r in rows
    ]
    if not rows or rows[0].number != 1:
        first = RoundInfo(
            1,
            default_name(1),
            competition.reviews_per_entry,
            Decimal("100") if not rows else Decimal("0"),
            None,
            "",
            None,
        )
        out.insert(0, first)
    return out


def current_round(competition: Competition) -> int:
    """The round now being judged: the highest stored number, else 1."""
    number = db.session.scalar(
        select(func.max(Round.number)).where(Round.competition_id == competition.id)
    )
    return int(number or 1)


def round_row(competition: Competition, number: int) -> Round | None:
    return db.session.scalar(
        select(Round).where(
            Round.competition_id == competition.id, Round.number == number
        )
    )


def reviews_per_entry(competition: Competition, number: int) -> int:
    """k of a round: the competition's for round 1, the round's own after."""
    if number == 1:
        return competition.reviews_per_entry
    row = round_row(competition, number)
    return row.reviews_per_entry if row else competition.reviews_per_entry


def criteria(competition: Competition, number: int) -> list[Criterion]:
    """The rubric of round `number`: its own criteria, else the competition's."""
    if number > 1:
        own = list(
            db.session.scalars(
                select(Criterion)
                .join(Round, Round.id == Criterion.round_id)
                .where(Round.competition_id == competition.id, Round.number == number)
                .order_by(Criterion.position)
            )
        )
        if own:
            return own
    return list(competition.criteria)


def all_criteria(competition: Competition) -> list[Criterion]:
    """Every criterion a review of the competition may be scored on: the
    competition's rubric, then each round's own (by their positions)."""
    return list(
        db.session.scalars(
            select(Criterion)
            .where(Criterion.competition_id == competition.id)
            .order_by(Criterion.position)
        )
    )


def round_maxima(competition: Competition) -> dict[int, int]:
    """Round number → the total of its own rubric, for the rounds that have one
    (the others use the competition's rubric)."""
    return {
        int(n): int(total)
        for n, total in db.session.execute(
            select(Round.number, func.sum(Criterion.max_points))
            .join(Criterion, Criterion.round_id == Round.id)
            .where(Round.competition_id == competition.id)
            .group_by(Round.number)
        )
    }


def members(competition: Competition, number: int) -> set[int] | None:
    """The entry ids in round `number`; None for round 1 (every submitted entry)."""
    if number == 1:
        return None
    return set(
        db.session.scalars(
            select(RoundEntry.entry_id)
            .join(Round, Round.id == RoundEntry.round_id)
            .where(Round.competition_id == competition.id, Round.number == number)
        )
    )


def panel(competition: Competition, number: int) -> set[int] | None:
    """The judge ids of round `number`'s panel; None: every enabled judge."""
    ids = set(
        db.session.scalars(
            select(RoundJudge.judge_id)
            .join(Round, Round.id == RoundJudge.round_id)
            .where(Round.competition_id == competition.id, Round.number == number)
        )
    )
    return ids or None


def earlier_pairs(competition: Competition, number: int) -> set[tuple[int, int]]:
    """(judge, entry) pairs of earlier rounds, whatever their status: a judge
    reads an entry in one round only, so a later panel judges it afresh."""
    rows = db.session.execute(
        select(Assignment.judge_id, Assignment.entry_id)
        .join(Entry, Entry.id == Assignment.entry_id)
        .where(
            Entry.competition_id == competition.id,
            Assignment.round_no < number,
        )
    )
    return {(j, e) for j, e in rows}


# --- scores of a round and the shortlist -------------------------------------------


def round_totals(
    competition: Competition, number: int
) -> list[tuple[int, int, Decimal]]:
    """(entry, judge, total) of the counted reviews of one round, the total in
    points of the competition's rubric (`judging.results.rounds.rescale`)."""
    maxima = round_maxima(competition)
    top = competition.max_total
    return [
        (e, j, pure.rescale(t, own=maxima.get(number), top=top))
        for e, j, t in db.session.execute(
            select(Assignment.entry_id, Assignment.judge_id, Review.total)
            .join(Assignment, Assignment.id == Review.assignment_id)
            .join(Entry, Entry.id == Assignment.entry_id)
            .where(*counted_reviews(competition.id), Assignment.round_no == number)
            .order_by(Review.id)
        )
    ]


def round_scores(
    competition: Competition, number: int, *, method: str
) -> dict[int, float]:
    """Each entry's aggregated score in one round by `method` (calibration
    within the round: its judges are calibrated on its reviews only).

    Read from the stored live results when they are current (computed once per
    change of the scores); computed here otherwise.
    """
    from judging.results import aggregate as agg
    from judging.results import computed

    if computed.status(competition).is_current:
        found = computed.stored_data(competition.id, method)
        parts = found[0].get("round_scores") if found else None
        if parts is not None and number <= len(parts):
            return {int(k): float(v) for k, v in parts[number - 1].items()}

    items = [
        agg.Review(entry_id=e, judge_id=j, total=t)
        for e, j, t in round_totals(competition, number)
    ]
    if not items:
        return {}
    result = agg.aggregate(items, method=method, max_total=float(competition.max_total))
    return {s.entry_id: s.score for s in result.entries}


@dataclass(frozen=True)
class ShortlistRow:
    entry: Entry
    score: float | None
    rank: int | None
    is_selected: bool


@dataclass(frozen=True)
class ShortlistPreview:
    rows: list[ShortlistRow]
    selected: list[Entry]
    planned: int
    notes: tuple[str, ...]
    rule: str


def _in_round(competition: Competition, number: int) -> list[Entry]:
    wanted = members(competition, number)
    entries = db.session.scalars(
        select(Entry)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
        )
        .order_by(Entry.code, Entry.id)
    )
    return [e for e in entries if wanted is None or e.id in wanted]


def _rule_text(
    *, top_n: int | None, top_share: float | None, per_category: bool, method: str
) -> str:
    label = METHOD_LABELS.get(method, method)
    if top_n is not None:
        msgid = (
            N_("各类别分别取前 %(n)s 篇（按%(label)s得分，同分并列全部入围）")
            if per_category
            else N_("全部作品中取前 %(n)s 篇（按%(label)s得分，同分并列全部入围）")
        )
        return said(msgid, n=top_n, label=label)
    msgid = (
        N_("各类别分别取前 %(share)s%%（按%(label)s得分，同分并列全部入围）")
        if per_category
        else N_("全部作品中取前 %(share)s%%（按%(label)s得分，同分并列全部入围）")
    )
    return said(msgid, share=f"{top_share:g}", label=label)


_STORED_RULE = re.compile(
    r"^(各类别分别取|全部作品中取)前 (?:(\d+) 篇|([0-9.e+-]+)%)"
    r"（按(.+)得分，同分并列全部入围）$"
)


def _rule_said(text: str) -> str:
    """A round's shortlist rule as stored (Chinese words) said again as the
    ``Said`` that wrote it, so a page says it in its reader's language; any
    other text (older or hand-written) as it is."""
    match = _STORED_RULE.match(text or "")
    if match is None:
        return text
    where, count, share, label = match.groups()
    methods = {v: k for k, v in METHOD_LABELS.items()}
    try:
        again = _rule_text(
            top_n=int(count) if count else None,
            top_share=float(share) if share else None,
            per_category=where == "各类别分别取",
            method=methods.get(label, label),
        )
    except ValueError:
        return text
    return again if again == text else text


def preview_shortlist(
    competition: Competition,
    *,
    top_n: int | None = None,
    top_share: float | None = None,
    per_category: bool = False,
    method: str = "calibrated",
) -> ShortlistPreview:
    """Who would go on to the next round; nothing is written."""
    number = current_round(competition)
    entries = _in_round(competition, number)
    scores = round_scores(competition, number, method=method)
    try:
        result = pure.shortlist(
            [
                pure.Ranked(e.id, scores[e.id], e.category or "")
                for e in entries
                if e.id in scores
            ],
            top_n=top_n,
            top_share=top_share,
            per_category=per_category,
            categories=competition.category_list if per_category else (),
        )
    except pure.RoundsError as exc:
        raise RoundError(message_of(exc)) from exc
    rows = _ranked_rows(entries, scores, set(result.entry_ids))
    by_id = {e.id: e for e in entries}
    return ShortlistPreview(
        rows=rows,
        selected=[by_id[i] for i in result.entry_ids],
        planned=result.planned,
        notes=result.notes,
        rule=_rule_text(
            top_n=top_n, top_share=top_share, per_category=per_category, method=method
        ),
    )


def _ranked_rows(
    entries: list[Entry], scores: dict[int, float], chosen: set[int]
) -> list[ShortlistRow]:
    """Entries by score (rounded to 2 decimals, equal scores share a rank)."""
    ordered = sorted(
        entries, key=lambda e: (-round(scores.get(e.id, -1e9), 2), e.code or "")
    )
    rows = []
    rank = 0
    previous = None
    for position, e in enumerate(ordered, start=1):
        score = scores.get(e.id)
        if score is not None and (previous is None or round(score, 2) != previous):
            rank = position
            previous = round(score, 2)
        rows.append(
            ShortlistRow(e, score, rank if score is not None else None, e.id in chosen)
        )
    return rows


def round_ranking(
    competition: Competition, number: int, *, method: str
) -> list[ShortlistRow]:
    """An earlier or the current round's own ranking; `is_selected`: the entry
    went on to the next round."""
    if not 1 <= number <= current_round(competition):
        raise RoundError(N_("没有这一轮。"))
    entries = _in_round(competition, number)
    scores = round_scores(competition, number, method=method)
    following = members(competition, number + 1) or set()
    return _ranked_rows(entries, scores, following)


def unfinished_reviews(competition: Competition, number: int) -> int:
    """Active assignments of a round without a submitted review."""
    return int(
        db.session.scalar(
            select(func.count(Assignment.id))
            .join(Entry, Entry.id == Assignment.entry_id)
            .outerjoin(Review, Review.assignment_id == Assignment.id)
            .where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
                Assignment.status == AssignmentStatus.ACTIVE,
                Assignment.round_no == number,
                (Review.id.is_(None)) | (Review.status != ReviewStatus.SUBMITTED),
            )
        )
        or 0
    )


def start_next_round(
    *,
    actor: User | None,
    competition: Competition,
    name: str,
    reviews: int,
    deadline: datetime | None,
    judge_ids: list[int],
    now: datetime,
    top_n: int | None = None,
    top_share: float | None = None,
    per_category: bool = False,
    method: str = "calibrated",
    rubric: str = "",
) -> Round:
    """Close the current round and open the next with its shortlist and panel.

    Refused until every review of the current round is submitted (the shortlist
    rests on them). The shortlist follows the SHORTLIST and TIE rules of
    ``judging.results.rounds``; the organiser may then add or remove entries.
    """
    _require_organiser(actor)
    _require_reviewing(competition)
    number = current_round(competition)
    if number >= MAX_ROUNDS:
        raise RoundError(said(N_("最多 %(n)s 轮评审。"), n=MAX_ROUNDS))
    missing = unfinished_reviews(competition, number)
    if missing:
        raise RoundError(said(
            N_("本轮还有 %(n)s 份评审未提交，全部提交后才能开始下一轮。"), n=missing
        ))
    if not 1 <= reviews <= 15:
        raise RoundError(N_("每篇评审人数应在 1–15 之间。"))
    try:
        own_rubric = pure.parse_rubric(rubric)
    except pure.RoundsError as exc:
        raise RoundError(message_of(exc)) from exc
    name = name.strip() or default_name(number + 1)
    if len(name) > 40:
        raise RoundError(N_("轮次名称不超过 40 字。"))
    preview = preview_shortlist(
        competition,
        top_n=top_n,
        top_share=top_share,
        per_category=per_category,
        method=method,
    )
    if not preview.selected:
        raise RoundError(N_("本轮还没有已提交的评分，无法确定入围名单。"))
    judges = list(
        db.session.scalars(select(Judge).where(Judge.id.in_(judge_ids or [-1])))
    )
    if len(judges) != len(set(judge_ids)):
        raise RoundError(N_("评审专家名单中有不存在的专家。"))
    if judge_ids and len(judges) < reviews:
        raise RoundError(said(
            N_("本轮评审专家只有 %(n)s 位，少于每篇评审人数 %(reviews)s。"),
            n=len(judges),
            reviews=reviews,
        ))
    if number == 1 and round_row(competition, 1) is None:
        db.session.add(
            Round(
                competition_id=competition.id,
                number=1,
                name=default_name(1),
                reviews_per_entry=competition.reviews_per_entry,
                weight=Decimal("30"),
                created_at=now,
            )
        )
    new = Round(
        competition_id=competition.id,
        number=number + 1,
        name=name,
        reviews_per_entry=reviews,
        weight=Decimal("70"),
        deadline=deadline,
        shortlist_rule=str(preview.rule),
        created_at=now,
    )
    db.session.add(new)
    db.session.flush()
    for judge in judges:
        db.session.add(RoundJudge(round_id=new.id, judge_id=judge.id))
    for position, line in enumerate(own_rubric, start=1):
        db.session.add(
            Criterion(
                competition_id=competition.id,
                round_id=new.id,
                position=new.number * 100 + position,
                name=line.name,
                guidance=line.guidance,
                max_points=line.max_points,
            )
        )
    for entry in preview.selected:
        db.session.add(RoundEntry(round_id=new.id, entry_id=entry.id))
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="round.start",
        obj=new,
        competition_id=competition.id,
        number=new.number,
        name=name,
        rule=preview.rule,
        notes=list(preview.notes),
        entries=[entry_key(e.id, e.code) for e in preview.selected],
        judges=[j.name for j in judges],
        reviews=reviews,
        rubric=[f"{r.name} {r.max_points}" for r in own_rubric],
    )
    _scores_changed(competition)
    return new


def _scores_changed(competition: Competition) -> None:
    from judging.results import jobs as results_jobs

    results_jobs.scores_changed(competition)


def _current_row(competition: Competition) -> Round:
    number = current_round(competition)
    row = round_row(competition, number)
    if number == 1 or row is None:
        raise RoundError(
            N_("初评包含全部作品，不能增减；请在开始下一轮后调整入围名单。")
        )
    return row


def add_entry(
    *, actor: User | None, competition: Competition, entry: Entry, reason: str
) -> RoundEntry:
    """The organiser puts an entry of the previous round into the current one."""
    _require_organiser(actor)
    _require_reviewing(competition)
    row = _current_row(competition)
    if not reason.strip():
        raise RoundError(N_("请填写增补入围的原因。"))
    if entry.competition_id != competition.id:
        raise RoundError(N_("该作品不属于本竞赛。"))
    if entry.status != EntryStatus.SUBMITTED:
        raise RoundError(N_("该作品已撤回，不能入围。"))
    before = members(competition, row.number - 1)
    if before is not None and entry.id not in before:
        raise RoundError(N_("只能增补上一轮的作品。"))
    if db.session.get(RoundEntry, (row.id, entry.id)) is not None:
        raise RoundError(N_("该作品已在本轮。"))
    member = RoundEntry(
        round_id=row.id, entry_id=entry.id, source="added", reason=reason.strip()
    )
    db.session.add(member)
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="round.add",
        obj=entry,
        competition_id=competition.id,
        round=row.number,
        entry=entry_key(entry.id, entry.code),
        reason=reason.strip(),
    )
    _scores_changed(competition)
    return member


def remove_entry(
    *, actor: User | None, competition: Competition, entry: Entry, reason: str
) -> None:
    """The organiser takes an entry out of the current round (with a reason);
    its judges of this round are withdrawn. Refused once one of them scored."""
    _require_organiser(actor)
    _require_reviewing(competition)
    row = _current_row(competition)
    if not reason.strip():
        raise RoundError(N_("请填写移出入围的原因。"))
    member = db.session.get(RoundEntry, (row.id, entry.id))
    if member is None:
        raise RoundError(N_("该作品不在本轮。"))
    assignments = list(
        db.session.scalars(
            select(Assignment).where(
                Assignment.entry_id == entry.id,
                Assignment.round_no == row.number,
                Assignment.status == AssignmentStatus.ACTIVE,
            )
        )
    )
    for a in assignments:
        if a.review is not None and a.review.status == ReviewStatus.SUBMITTED:
            raise RoundError(N_("该作品本轮已有专家提交评分，不能移出。"))
    for a in assignments:
        a.status = AssignmentStatus.RECUSED
    db.session.delete(member)
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="round.remove",
        obj=entry,
        competition_id=competition.id,
        round=row.number,
        entry=entry_key(entry.id, entry.code),
        reason=reason.strip(),
        withdrawn_assignments=len(assignments),
    )
    _scores_changed(competition)


# --- how rounds combine, and 答辩 ---------------------------------------------------


def _decimal(text: object, label: str) -> Decimal:
    """``text`` as a number; `label` (marked with ``N_`` or a ``Said``) names
    it in the refusal."""
    refusal = said(N_("%(label)s不是数字：%(text)s"), label=label, text=str(text))
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError) as exc:
        raise RoundError(refusal) from exc
    if not value.is_finite():
        raise RoundError(refusal)
    return value


def set_combination(
    *,
    actor: User | None,
    competition: Competition,
    mode: str,
    weights: dict[int, str],
    defense_weight: str,
    defense_max: str,
) -> None:
    """How the rounds combine (`judging.results.rounds`), until finalising."""
    _require_organiser(actor)
    if competition.phase not in (Phase.CLOSED, Phase.REVIEWING):
        raise RoundError(N_("结果定稿后不能再修改合成方式。"))
    if mode not in pure.MODES:
        raise RoundError(said(N_("未知的合成方式：%(mode)s"), mode=mode))
    dw = _decimal(defense_weight or "0", N_("答辩权重"))
    dm = _decimal(defense_max or "100", N_("答辩满分"))
    if not 0 <= dw < 100:
        raise RoundError(N_("答辩权重应在 0 到 100 之间（不含 100）。"))
    if dm <= 0 or dm > 1000:
        raise RoundError(N_("答辩满分应大于 0、不超过 1000。"))
    rows = {r.number: r for r in stored_rounds(competition)}
    parsed = {
        n: _decimal(w, said(N_("第 %(n)s 轮权重"), n=n)) for n, w in weights.items()
    }
    if any(v < 0 or v > 100 for v in parsed.values()):
        raise RoundError(N_("各轮权重应在 0 到 100 之间。"))
    if mode == "weighted" and rows:
        last = max(rows)
        if parsed.get(last, rows[last].weight) <= 0:
            raise RoundError(N_("最后一轮的权重须大于 0。"))
    for n, value in parsed.items():
        if n in rows:
            rows[n].weight = value
    competition.round_mode = mode
    competition.defense_weight = dw
    competition.defense_max = dm
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="round.combination",
        obj=competition,
        competition_id=competition.id,
        mode=mode,
        weights={str(n): str(v) for n, v in parsed.items()},
        defense_weight=str(dw),
        defense_max=str(dm),
    )
    _scores_changed(competition)


def finalists(competition: Competition) -> list[Entry]:
    """The entries of the last round (those given award tiers and 答辩)."""
    return _in_round(competition, current_round(competition))


def defense_marks(competition: Competition) -> dict[int, list[tuple[str, Decimal]]]:
    """Entry id → the 答辩 panel members' scores (member, points)."""
    marks: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
    for entry_id, member, points in db.session.execute(
        select(DefenseScore.entry_id, DefenseScore.member, DefenseScore.points)
        .join(Entry, Entry.id == DefenseScore.entry_id)
        .where(Entry.competition_id == competition.id)
        .order_by(DefenseScore.entry_id, DefenseScore.member)
    ):
        marks[entry_id].append((member, Decimal(points)))
    return dict(marks)


def save_defense(
    *,
    actor: User | None,
    competition: Competition,
    entry: Entry,
    marks: list[tuple[str, str]],
    now: datetime,
) -> list[DefenseScore]:
    """Replace one finalist's 答辩 scores by the panel members' `marks`."""
    _require_organiser(actor)
    _require_reviewing(competition)
    if entry.competition_id != competition.id:
        raise RoundError(N_("该作品不属于本竞赛。"))
    if entry.id not in {e.id for e in finalists(competition)}:
        raise RoundError(N_("只有最后一轮的作品参加答辩。"))
    top = Decimal(competition.defense_max)
    clean: dict[str, Decimal] = {}
    for member, text in marks:
        member = member.strip()
        if not member and not str(text).strip():
            continue
        if not member:
            raise RoundError(N_("请填写答辩评审专家的姓名或编号。"))
        if len(member) > 80:
            raise RoundError(N_("评审专家姓名不超过 80 字。"))
        if member in clean:
            raise RoundError(said(N_("评审专家“%(member)s”重复。"), member=member))
        value = _decimal(
            text, said(N_("评审专家“%(member)s”的答辩分"), member=member)
        )
        if not 0 <= value <= top:
            raise RoundError(said(
                N_("评审专家“%(member)s”的答辩分应在 0 到 %(top)s 之间。"),
                member=member,
                top=plain(top),
            ))
        clean[member] = value.quantize(Decimal("0.01"))
    db.session.execute(delete(DefenseScore).where(DefenseScore.entry_id == entry.id))
    rows = [
        DefenseScore(entry_id=entry.id, member=m, points=p, created_at=now)
        for m, p in clean.items()
    ]
    db.session.add_all(rows)
    db.session.flush()
    record(
        actor_id=_actor_id(actor),
        action="defense.save",
        obj=entry,
        competition_id=competition.id,
        entry=entry_key(entry.id, entry.code),
        marks={m: str(p) for m, p in clean.items()},
    )
    _scores_changed(competition)
    return rows


@guard(Phase.FINALISED)
def _last_round_complete(competition: Competition) -> list[str]:
    """From round 2 on, every finalist needs a review of the last round; with a
    答辩 weight, a 答辩 score too."""
    number = current_round(competition)
    problems = []
    with_defense = bool(
        competition.defense_weight and Decimal(competition.defense_weight) > 0
    )
    if number == 1 and not with_defense:
        return problems  # nothing to check: no need to load every entry
    entries = finalists(competition)
    if number > 1:
        scored = {e for e, _j, _t in round_totals(competition, number)}
        missing = [e for e in entries if e.id not in scored]
        if missing:
            codes = "、".join(entry_key(e.id, e.code) for e in missing[:10])
            problems.append(
                said(
                    N_("作品 %(codes)s 还没有本轮（第 %(n)s 轮）的评分。"),
                    codes=codes,
                    n=number,
                )
            )
    if with_defense:
        marks = defense_marks(competition)
        missing = [e for e in entries if not marks.get(e.id)]
        if missing:
            codes = "、".join(entry_key(e.id, e.code) for e in missing[:10])
            problems.append(said(N_("作品 %(codes)s 还没有答辩成绩。"), codes=codes))
    return problems


# --- what the organiser's pages show ----------------------------------------------


@dataclass(frozen=True)
class RoundSummary:
    info: RoundInfo
    entries: int
    assigned: int
    submitted: int
    judges: int | None  # panel size; None: every enabled judge


def summaries(competition: Competition) -> list[RoundSummary]:
    """Each round with its entries, active assignments and submitted reviews
    (three light queries whatever the number of rounds)."""
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for number, active, submitted in db.session.execute(
        select(
            Assignment.round_no,
            func.count(Assignment.id),
            func.count(Review.id).filter(Review.status == ReviewStatus.SUBMITTED),
        )
        .join(Entry, Entry.id == Assignment.entry_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(
            Entry.competition_id == competition.id,
            Entry.status == EntryStatus.SUBMITTED,
            Assignment.status == AssignmentStatus.ACTIVE,
        )
        .group_by(Assignment.round_no)
    ):
        counts[number] = [active, submitted]
    sizes = dict(
        db.session.execute(
            select(Round.number, func.count(RoundEntry.entry_id))
            .join(RoundEntry, RoundEntry.round_id == Round.id)
            .join(Entry, Entry.id == RoundEntry.entry_id)
            .where(
                Round.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
            .group_by(Round.number)
        ).all()
    )
    panels = dict(
        db.session.execute(
            select(Round.number, func.count(RoundJudge.judge_id))
            .join(RoundJudge, RoundJudge.round_id == Round.id)
            .where(Round.competition_id == competition.id)
            .group_by(Round.number)
        ).all()
    )
    everyone = int(
        db.session.scalar(
            select(func.count(Entry.id)).where(
                Entry.competition_id == competition.id,
                Entry.status == EntryStatus.SUBMITTED,
            )
        )
        or 0
    )
    return [
        RoundSummary(
            info,
            everyone if info.number == 1 else int(sizes.get(info.number, 0)),
            counts[info.number][0],
            counts[info.number][1],
            panels.get(info.number),
        )
        for info in rounds(competition)
    ]


def current_members(competition: Competition) -> list[tuple[Entry, RoundEntry]]:
    """The entries of the current round (from 2 on) with how they got in."""
    number = current_round(competition)
    if number == 1:
        return []
    rows = db.session.execute(
        select(Entry, RoundEntry)
        .join(RoundEntry, RoundEntry.entry_id == Entry.id)
        .join(Round, Round.id == RoundEntry.round_id)
        .where(Round.competition_id == competition.id, Round.number == number)
        .order_by(Entry.code, Entry.id)
    ).all()
    return [(entry, member) for entry, member in rows]


def addable(competition: Competition) -> list[Entry]:
    """Entries of the previous round not in the current one (to add by hand)."""
    number = current_round(competition)
    if number == 1:
        return []
    inside = members(competition, number) or set()
    return [e for e in _in_round(competition, number - 1) if e.id not in inside]


def _joined(items: list[str], msgid: str) -> str:
    """``items`` joined by ``msgid`` ("%(first)s、%(rest)s"), a ``Said`` within a
    ``Said``, so a page says the names and the separator in its language."""
    if len(items) == 1:
        return items[0]
    return said(msgid, first=items[0], rest=_joined(items[1:], msgid))


def explanation(competition: Competition) -> list[str]:
    """How this competition's rounds combine, in sentences for the results page."""
    info = rounds(competition)
    if len(info) == 1 and not competition.defense_weight:
        return []
    names = _joined([r.name for r in info], N_("%(first)s、%(rest)s"))
    lines = [
        said(
            N_("本竞赛共 %(n)s 轮评审（%(names)s），"
               "每轮的得分在本轮内单独汇总（校准只在本轮内进行）。"),
            n=len(info),
            names=names,
        )
    ]
    if len(info) > 1:
        last = info[-1].name
        if competition.round_mode == "weighted":
            total = sum(r.weight for r in info) or Decimal(1)
            parts = _joined(
                [
                    said(
                        N_("%(name)s %(share)s%%"),
                        name=r.name,
                        share=f"{r.weight / total * 100:.0f}",
                    )
                    for r in info
                ],
                N_("%(first)s + %(rest)s"),
            )
            lines.append(said(
                N_("合成方式：各轮加权（%(parts)s）；"
                   "未进入某轮的作品按其已参加各轮的权重计。"),
                parts=parts,
            ))
        else:
            lines.append(said(
                N_("合成方式：最后一轮决定（%(last)s得分即最终得分）。"), last=last
            ))
        lines.append(said(
            N_("进入%(last)s的作品排在所有未入围作品之前，奖项只在%(last)s作品中评定。"),
            last=last,
        ))
    maxima = round_maxima(competition)
    top = competition.max_total
    for r in info:
        own = maxima.get(r.number)
        if own and own != top:
            lines.append(said(
                N_("%(name)s使用本轮评分标准（满分 %(own)s 分），"
                   "每份评分按 %(top)s/%(own)s 折算为 %(top)s 分制后再汇总。"),
                name=r.name,
                own=own,
                top=top,
            ))
    weight = Decimal(competition.defense_weight or 0)
    if weight > 0:
        lines.append(said(
            N_("答辩/现场评审成绩占 %(weight)s%%"
               "（满分 %(top)s 分，按评审专家平均分折算），"
               "评审得分占 %(rest)s%%。"),
            weight=plain(weight),
            top=plain(competition.defense_max),
            rest=plain(100 - weight),
        ))
    return lines


def import_defense(
    *,
    actor: User | None,
    competition: Competition,
    data: bytes,
    filename: str,
    now: datetime,
) -> tuple[int, list[str]]:
    """Read the 答辩 scores on paper (CSV/XLSX: 作品编号, 评审专家, 答辩分, one row per
    member and entry) and replace the scores of every entry named in the file.

    A file with any bad row imports nothing; the problems come back with their
    spreadsheet row numbers. Returns (entries imported, problems).
    """
    from judging.accounts.imports import RowError
    from judging.tables import TableError, read_table

    _require_organiser(actor)
    _require_reviewing(competition)
    try:
        table = read_table(
            data,
            filename=filename,
            columns=DEFENSE_COLUMNS,
            required={"entry_code", "member", "points"},
        )
    except TableError as exc:
        raise RoundError(message_of(exc)) from exc
    by_code = {e.code: e for e in finalists(competition) if e.code}
    top = Decimal(competition.defense_max)
    errors: list[RowError] = []
    marks: dict[int, list[tuple[str, str]]] = defaultdict(list)
    seen: set[tuple[str, str]] = set()
    for number, cells in table.rows:
        code = cells.get("entry_code", "").strip()
        member = cells.get("member", "").strip()
        text = cells.get("points", "").strip()
        if not code and not member and not text:
            continue
        entry = by_code.get(code)
        if entry is None:
            errors.append(RowError(number, said(
                N_("作品编号“%(code)s”不是最后一轮的作品。"), code=code
            )))
            continue
        if not member or len(member) > 80:
            errors.append(
                RowError(number, N_("请填写答辩评审专家（不超过 80 字）。"))
            )
            continue
        if (code, member) in seen:
            errors.append(
                RowError(number, said(
                    N_("评审专家“%(member)s”对作品 %(code)s 重复打分。"),
                    member=member,
                    code=code,
                ))
            )
            continue
        seen.add((code, member))
        try:
            value = _decimal(text, N_("答辩分"))
        except RoundError:
            errors.append(
                RowError(number, said(N_("答辩分不是数字：%(text)s"), text=text))
            )
            continue
        if not 0 <= value <= top:
            errors.append(
                RowError(number, said(
                    N_("答辩分应在 0 到 %(top)s 之间（填写的是 %(text)s）。"),
                    top=plain(top),
                    text=text,
                ))
            )
            continue
        marks[entry.id].append((member, text))
    if errors:
        # each the row and its problem (a ``Said``: Chinese as ``str``)
        return 0, [e.said for e in errors]
    entries = {e.id: e for e in by_code.values()}
    for entry_id, given in marks.items():
        save_defense(
            actor=actor,
            competition=competition,
            entry=entries[entry_id],
            marks=given,
            now=now,
        )
    return len(marks), []
