"""Score sheets: drafts, submission, locking, totals, reopening and paper scores."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.assignment.models import AssignmentStatus, Conflict
from judging.audit.models import AuditEvent
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.review import service
from judging.review.models import Review, ReviewStatus, Score
from tests.review.conftest import ADVISOR, AUTHORS, UNIT


def _save(reviewing, judge=0, entry=0, points=None, submit=False, comment="好"):
    return service.save_review(
        actor=reviewing.judges[judge],
        assignment=reviewing.assignment(judge, entry),
        points=points if points is not None else reviewing.full_points(),
        comment=comment,
        submit=submit,
        now=utcnow(),
    )


def _count(model) -> int:  # noqa: ANN001
    return db.session.scalar(select(func.count(model.id)))


def test_draft_accepts_missing_scores(reviewing):
    first = reviewing.criteria_ids()[0]

    review = _save(reviewing, points={first: Decimal("12.5")})

    assert (review.status, review.total, review.source) == (
        ReviewStatus.DRAFT,
        Decimal("12.5"),
        "online",
    )
    assert [(s.criterion_id, s.points) for s in review.scores] == [
        (first, Decimal("12.5"))
    ]


def test_submit_requires_every_criterion(reviewing):
    first = reviewing.criteria_ids()[0]

    with pytest.raises(service.ReviewError) as exc:
        _save(reviewing, points={first: Decimal("12")}, submit=True)

    assert "“理论深度”：请填写分数。" in str(exc.value)
    db.session.rollback()
    assert _count(Review) == 0


def test_total_is_exact_sum_of_scores(reviewing):
    values = ["19.5", "24.5", "0.5", "20", "9.5"]
    points = dict(zip(reviewing.criteria_ids(), map(Decimal, values), strict=True))

    review = _save(reviewing, points=points, submit=True)
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(Review, review.id).total == Decimal("74.00")
    assert review.submitted_at is not None


def test_out_of_range_stores_nothing(reviewing):
    _save(reviewing, points=reviewing.full_points("5"))
    db.session.commit()
    bad = reviewing.full_points("5") | {reviewing.criteria_ids()[-1]: Decimal("11")}

    with pytest.raises(service.ReviewError) as exc:
        _save(reviewing, points=bad)
    db.session.rollback()

    assert str(exc.value) == "“写作规范”：分数须在 0 到 10 之间（填写的是 11）。"
    assert {s.points for s in db.session.scalars(select(Score))} == {Decimal("5")}


def test_submitted_review_is_locked(reviewing):
    _save(reviewing, submit=True)
    db.session.commit()

    with pytest.raises(service.ReviewError) as exc:
        _save(reviewing, points=reviewing.full_points("1"))

    assert "评分已提交，不能再修改" in str(exc.value)


def test_second_identical_submit_changes_nothing(reviewing):
    first = _save(reviewing, submit=True)
    db.session.commit()

    again = _save(reviewing, submit=True)

    assert again.id == first.id
    assert _count(Review) == 1
    assert _count(Score) == 5
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("review.submit") == 1


def test_draft_clears_a_score_left_empty(reviewing):
    _save(reviewing)
    db.session.commit()
    first = reviewing.criteria_ids()[0]

    review = _save(reviewing, points=reviewing.full_points() | {first: None})

    assert sorted(s.criterion_id for s in review.scores) == reviewing.criteria_ids()[1:]
    assert review.total == Decimal("40")


def test_other_judge_cannot_save(reviewing):
    with pytest.raises(service.ReviewError) as exc:
        service.save_review(
            actor=reviewing.judges[2],
            assignment=reviewing.assignment(0, 0),
            points=reviewing.full_points(),
            comment="",
            submit=False,
            now=utcnow(),
        )

    assert str(exc.value) == "只能填写分配给您本人的评审任务。"


@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.FINALISED, Phase.PUBLISHED])
def test_saving_outside_reviewing_refused(reviewing, phase):
    reviewing.competition.phase = phase
    db.session.commit()

    with pytest.raises(service.ReviewError) as exc:
        _save(reviewing)

    assert str(exc.value) == "当前不在评审阶段，评分不能保存或提交。"


def test_recused_assignment_cannot_be_scored(reviewing):
    reviewing.assignment(0, 0).status = AssignmentStatus.RECUSED
    db.session.commit()

    with pytest.raises(service.ReviewError) as exc:
        _save(reviewing)

    assert str(exc.value) == "该评审任务已撤销（回避），不能再评分。"


def test_reopen_by_organiser_is_audited(reviewing):
    review = _save(reviewing, submit=True)
    db.session.commit()

    service.reopen_review(
        actor=reviewing.organiser, review=review, reason="漏看附录", now=utcnow()
    )
    db.session.commit()
    changed = _save(reviewing, points=reviewing.full_points("8"), submit=True)

    assert changed.total == Decimal("40")
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "review.reopen")
    )
    assert (event.actor_id, json.loads(event.detail)["reason"]) == (
        reviewing.organiser.id,
        "漏看附录",
    )


def test_reopen_needs_organiser_reason_and_submission(reviewing):
    review = _save(reviewing)
    db.session.commit()
    attempts = [
        (reviewing.judges[0], "理由", "只有主办方可以重新开放评分。"),
        (reviewing.organiser, " ", "请填写重新开放的原因。"),
        (reviewing.organiser, "理由", "该评分尚未提交，无需重新开放。"),
    ]

    for actor, reason, message in attempts:
        with pytest.raises(service.ReviewError) as exc:
            service.reopen_review(
                actor=actor, review=review, reason=reason, now=utcnow()
            )
        assert str(exc.value) == message


def test_dashboard_lists_only_own_active_assignments(reviewing):
    reviewing.assignment(0, 1).status = AssignmentStatus.RECUSED
    db.session.commit()

    groups = service.judge_dashboard(reviewing.judges[0].judge)
    others = service.judge_dashboard(reviewing.judges[2].judge)

    assert [[r.assignment_id for r in g.rows] for g in groups] == [
        [reviewing.assignment(0, 0).id]
    ]
    assert others == []


# --- paper scores ---------------------------------------------------------------------


def _csv(reviewing, rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    header = ["作品编号", "评审专家"]
    header += [c.name for c in reviewing.competition.criteria] + ["评语"]
    lines = [",".join(header)] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def _row(reviewing, judge: int, entry: int, values: list[str], comment: str = ""):
    return [
        reviewing.entries[entry].code,
        reviewing.judges[judge].username,
        *values,
        comment,
    ]


def _import(reviewing, data: bytes, filename: str = "scores.csv"):
    return service.import_paper_scores(
        actor=reviewing.organiser,
        competition=reviewing.competition,
        data=data,
        filename=filename,
        now=utcnow(),
    )


def test_paper_import_creates_submitted_reviews(reviewing):
    data = _csv(
        reviewing,
        [
            _row(reviewing, 0, 0, ["18", "20.5", "20", "15", "8"], "纸质评语"),
            _row(reviewing, 1, 0, ["10", "10", "10", "10", "5"]),
        ],
    )

    result = _import(reviewing, data)
    db.session.commit()

    assert (result.created, result.updated, result.errors) == (2, 0, [])
    reviews = db.session.scalars(select(Review).order_by(Review.id)).all()
    assert [(r.status, r.source, r.total, r.comment) for r in reviews] == [
        (ReviewStatus.SUBMITTED, "paper", Decimal("81.50"), "纸质评语"),
        (ReviewStatus.SUBMITTED, "paper", Decimal("45.00"), ""),
    ]
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("review.paper_import") == 2


def test_paper_import_again_changes_nothing(reviewing):
    data = _csv(reviewing, [_row(reviewing, 0, 0, ["18", "20", "20", "15", "8"])])
    _import(reviewing, data)
    db.session.commit()

    result = _import(reviewing, data)

    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)


def test_paper_import_gbk_csv_with_judge_name(reviewing):
    judge = reviewing.judges[1].judge
    row = _row(reviewing, 1, 1, ["18", "20", "20", "15", "8"], "论证扎实")
    row[1] = judge.name

    result = _import(reviewing, _csv(reviewing, [row], encoding="gbk"))

    assert (result.created, result.errors) == (1, [])
    review = db.session.scalar(select(Review))
    assert (review.comment, review.assignment.judge_id) == ("论证扎实", judge.id)


def test_paper_import_xlsx(reviewing):
    book = Workbook()
    sheet = book.active
    sheet.append(
        ["作品编号", "评审专家", *(c.name for c in reviewing.competition.criteria)]
    )
    sheet.append(
        [reviewing.entries[0].code, reviewing.judges[0].username, 18, 20.5, 20, 15, 8]
    )
    out = io.BytesIO()
    book.save(out)

    result = _import(reviewing, out.getvalue(), "scores.xlsx")

    assert (result.created, result.errors) == (1, [])
    assert db.session.scalar(select(Review.total)) == Decimal("81.5")


def test_paper_import_bad_row_imports_nothing(reviewing):
    data = _csv(
        reviewing,
        [
            _row(reviewing, 0, 0, ["18", "20", "20", "15", "8"]),
            _row(reviewing, 2, 0, ["18", "20", "20", "15", "8"]),
            _row(reviewing, 1, 1, ["18", "26", "20", "15", ""]),
        ],
    )

    result = _import(reviewing, data)
    db.session.rollback()

    assert [str(e) for e in result.errors] == [
        f"第 3 行：评审专家“{reviewing.judges[2].username}”未被分配评审作品 "
        f"{reviewing.entries[0].code}",
        "第 4 行：“理论深度”：分数须在 0 到 25 之间（填写的是 26）",
        "第 4 行：“写作规范”：请填写分数",
    ]
    assert _count(Review) == 0


def test_paper_import_refuses_conflict_and_online_submission(reviewing):
    judge = reviewing.judges[1].judge
    db.session.add(
        Conflict(judge_id=judge.id, entry_id=reviewing.entries[1].id, reason="亲属")
    )
    _save(reviewing, judge=0, entry=0, submit=True)
    db.session.commit()
    data = _csv(
        reviewing,
        [
            _row(reviewing, 0, 0, ["18", "20", "20", "15", "8"]),
            _row(reviewing, 1, 1, ["18", "20", "20", "15", "8"]),
        ],
    )

    result = _import(reviewing, data)

    code0, code1 = reviewing.entries[0].code, reviewing.entries[1].code
    assert [str(e) for e in result.errors] == [
        f"第 2 行：该专家已在线提交作品 {code0} 的评分；"
        "如需以纸质评分为准，请先重新开放该评分",
        f"第 3 行：评审专家与作品 {code1} 存在回避关系（已登记的回避关系）",
    ]


def test_paper_import_outside_reviewing_refused(reviewing):
    reviewing.competition.phase = Phase.FINALISED
    db.session.commit()

    with pytest.raises(service.ReviewError) as exc:
        _import(reviewing, _csv(reviewing, []))

    assert str(exc.value) == "只有在评审阶段才能导入纸质评分。"


def test_paper_template_lists_active_assignments(reviewing):
    data = service.paper_template_xlsx(reviewing.competition)

    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))
    assert rows[0] == (
        "作品编号",
        "评审专家",
        *(c.name for c in reviewing.competition.criteria),
        "评语",
    )
    assert len(rows) == 5
    assert {r[1] for r in rows[1:]} == {u.username for u in reviewing.judges[:2]}


def test_judge_role_cannot_import(reviewing):
    with pytest.raises(service.ReviewError):
        service.import_paper_scores(
            actor=reviewing.judges[0],
            competition=reviewing.competition,
            data=b"",
            filename="x.csv",
            now=utcnow(),
        )
    assert Role.JUDGE == reviewing.judges[0].role


def test_demo_reviews_disagree_and_rerun_changes_nothing(reviewing):
    from judging.review.demo import add_reviews

    add_reviews(competition=reviewing.competition, seed=7)
    db.session.commit()
    first = _count(Review), _count(Score)
    add_reviews(competition=reviewing.competition, seed=7)

    assert (_count(Review), _count(Score)) == first
    spreads = []
    for e in (0, 1):
        ids = [reviewing.assignment(j, e).id for j in (0, 1)]
        totals = db.session.scalars(
            select(Review.total).where(
                Review.status == ReviewStatus.SUBMITTED, Review.assignment_id.in_(ids)
            )
        ).all()
        if len(totals) == 2:
            spreads.append(abs(totals[0] - totals[1]))
    assert max(spreads) > reviewing.competition.disagreement_threshold


def test_pdf_lines_joined_into_paragraphs():
    full = "产" * 39
    lines = ["标题", full + "。", full, "末行较短。", full, "最后一段结束。"]

    assert service.join_lines(lines) == [
        "标题",
        full + "。" + full + "末行较短。",
        full + "最后一段结束。",
    ]


def _visible(reviewing) -> dict:  # noqa: ANN001
    """(judge, assignment id) → (judge_sheet found, own_assignment found)."""
    return {
        (j, a.id): (
            service.judge_sheet(judge.judge, a.id) is not None,
            service.own_assignment(judge.judge, a.id) is not None,
        )
        for j, judge in enumerate(reviewing.judges)
        for a in reviewing.assignments.values()
    }


@pytest.mark.parametrize("change", ["none", "recused", "closed", "withdrawn"])
def test_judge_sheet_sees_exactly_what_own_assignment_sees(reviewing, change):
    if change == "recused":
        reviewing.assignment(0, 0).status = AssignmentStatus.RECUSED
    elif change == "closed":
        reviewing.competition.phase = Phase.CLOSED
    elif change == "withdrawn":
        reviewing.entries[1].status = "withdrawn"
    db.session.commit()

    visible = _visible(reviewing)

    assert all(sheet == own for sheet, own in visible.values())
    assert sum(sheet for sheet, _own in visible.values()) == {
        "none": 4,
        "recused": 3,
        "closed": 0,
        "withdrawn": 2,
    }[change]


def test_judge_sheet_carries_the_draft_and_no_identity(reviewing):
    first, second = reviewing.criteria_ids()[:2]
    _save(reviewing, points={first: Decimal("12.5")}, comment="论证充分")
    db.session.commit()
    judge = reviewing.judges[0].judge

    sheet = service.judge_sheet(judge, reviewing.assignment(0, 0).id)

    assert sheet.state == "draft" and sheet.editable
    assert sheet.values() == {f"points_{first}": "12.50", "comment": "论证充分"}
    assert [line.points for line in sheet.lines][:2] == [Decimal("12.5"), None]
    assert sheet.max_total == reviewing.competition.max_total
    assert sheet.copy.sha256 == reviewing.entries[0].review_file.sha256
    fields = " ".join(str(v) for v in vars(sheet).values())
    assert UNIT not in fields and ADVISOR not in fields
    assert not any(name in fields for name in AUTHORS)
