"""A round with its own rubric: the judge's sheet, the checks on his points and
the round's totals, converted to the competition's scale, in the results."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from judging.assignment import service as assignment
from judging.assignment.models import Assignment
from judging.extensions import db
from judging.results import computed
from judging.results import rounds as pure
from judging.review.service import ReviewError, judge_sheet, rubric, save_review
from judging.rounds import service as rounds
from tests.rounds.test_service import NOW, _start, first_round  # noqa: F401

OWN = "观点与创新 30 观点新颖\n论证：20"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("观点 40 说明\n\n论证，60分", (("观点", 40, "说明"), ("论证", 60, ""))),
        ("写作：10：结构合理", (("写作", 10, "结构合理"),)),
    ],
)
def test_parse_rubric(text, expected):
    got = pure.parse_rubric(text)
    assert [(r.name, r.max_points, r.guidance) for r in got] == list(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("观点", "无法识别"),
        ("观点 0", "1–1000"),
        ("观点 12.5", "1–1000"),
        ("观点 10\n观点 20", "重复"),
        ("\n".join(f"项{i} 5" for i in range(21)), "最多 20"),
    ],
)
def test_parse_rubric_refuses(text, message):
    with pytest.raises(pure.RoundsError, match=message):
        pure.parse_rubric(text)


@pytest.mark.parametrize(
    ("total", "own", "top", "expected"),
    [(40, 50, 100, 80), (40, None, 100, 40), (40, 100, 100, 40), (15, 20, 50, 37.5)],
)
def test_rescale(total, own, top, expected):
    assert pure.rescale(Decimal(total), own=own, top=top) == Decimal(str(expected))


def test_round_with_its_own_rubric(first_round):  # noqa: F811
    s, senior = first_round
    _start(s, senior, rubric=OWN)
    own = rounds.criteria(s.competition, 2)
    assert [(c.name, c.max_points) for c in own] == [("观点与创新", 30), ("论证", 20)]
    assert rounds.criteria(s.competition, 1) == list(s.competition.criteria)
    assert len(s.competition.criteria) == 5  # the competition's rubric is untouched
    assert [i.name for i in rubric(s.competition, 2)] == ["观点与创新", "论证"]
    assert rounds.round_maxima(s.competition) == {2: 50}
    assert any("满分 50 分" in line for line in rounds.explanation(s.competition))

    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    db.session.commit()
    second = db.session.scalars(
        select(Assignment).where(Assignment.round_no == 2).order_by(Assignment.id)
    ).all()
    a = second[0]
    sheet = judge_sheet(a.judge, a.id)
    assert [line.name for line in sheet.lines] == ["观点与创新", "论证"]
    assert sheet.max_total == 50
    first, second_criterion = own
    with pytest.raises(ReviewError):  # 25 is above the 20 of 论证
        save_review(
            actor=a.judge.user,
            assignment=a,
            points={first.id: Decimal(30), second_criterion.id: Decimal(25)},
            comment="",
            submit=True,
            now=NOW,
        )
    db.session.rollback()
    # Every 复评 review: 30 + 10 = 40 of 50, i.e. 80 of the competition's 100.
    for a in db.session.scalars(select(Assignment).where(Assignment.round_no == 2)):
        save_review(
            actor=a.judge.user,
            assignment=a,
            points={first.id: Decimal(30), second_criterion.id: Decimal(10)},
            comment="好",
            submit=True,
            now=NOW,
        )
    db.session.commit()
    assert {e: float(t) for e, _j, t in rounds.round_totals(s.competition, 2)} == {
        e.id: 80.0 for e in s.entries[:3]
    }
    computed.compute_and_store(s.competition)
    data, _ = computed.stored_data(s.competition.id, "mean")
    finalists = [r for r in data["rows"] if r[16] == 2]
    assert [round(r[1], 2) for r in finalists] == [80.0, 80.0, 80.0]


def test_a_bad_round_rubric_starts_nothing(first_round):  # noqa: F811
    s, senior = first_round
    with pytest.raises(rounds.RoundError, match="无法识别"):
        _start(s, senior, rubric="只有名称")
    db.session.rollback()
    assert rounds.current_round(s.competition) == 1


def test_own_rubric_through_the_pages(app, first_round):  # noqa: F811
    from tests.conftest import csrf_token, login

    s, senior = first_round
    client = app.test_client()
    login(client, s.organiser)
    page = f"/competitions/{s.competition.id}/rounds"
    token = csrf_token(client, page)
    form = {
        "csrf_token": token,
        "cut": "n",
        "value": "2",
        "method": "mean",
        "name": "复评",
        "reviews": "2",
        "judge": [str(j.id) for j in senior],
    }
    client.post(page + "/start", data=form | {"rubric": "只有名称"})
    db.session.rollback()
    assert rounds.current_round(s.competition) == 1
    assert "无法识别" in client.get(page).get_data(as_text=True)
    client.post(page + "/start", data=form | {"rubric": OWN})
    db.session.rollback()
    assert rounds.current_round(s.competition) == 2
    text = client.get(page).get_data(as_text=True)
    assert "观点与创新 30、论证 20" in text and "竞赛评分细则" in text
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    db.session.commit()
    a = db.session.scalars(select(Assignment).where(Assignment.round_no == 2)).first()
    first, second = rounds.criteria(s.competition, 2)
    judge = app.test_client()
    login(judge, a.judge.user)
    sheet = f"/judge/assignments/{a.id}"
    body = judge.get(sheet).get_data(as_text=True)
    assert "观点与创新" in body and f"points_{first.id}" in body
    assert "选题与政治方向" not in body
    judge.post(
        sheet,
        data={
            "csrf_token": csrf_token(judge, sheet),
            f"points_{first.id}": "25",
            f"points_{second.id}": "15",
            "comment": "论证扎实",
            "action": "submit",
        },
    )
    db.session.rollback()
    db.session.refresh(a)
    assert a.review is not None and a.review.total == Decimal(40)


def test_organiser_pages_show_the_round_rubric(app, first_round):  # noqa: F811
    import io

    from openpyxl import load_workbook

    from tests.conftest import login

    s, senior = first_round
    _start(s, senior, rubric=OWN)
    client = app.test_client()
    login(client, s.organiser)
    cid = s.competition.id
    paper = client.get(f"/competitions/{cid}/paper-scores").get_data(as_text=True)
    assert "观点与创新、论证" in paper
    template = client.get(f"/competitions/{cid}/paper-scores.xlsx").data
    header = next(load_workbook(io.BytesIO(template)).active.values)
    assert list(header) == ["作品编号", "评审专家", "观点与创新", "论证", "评语"]
    detail = client.get(f"/entries/{s.entries[0].id}/reviews").get_data(as_text=True)
    assert "选题与政治方向（20）" in detail and "观点与创新（30）" in detail


def test_start_round_with_a_rubric_file(first_round, runner, tmp_path):  # noqa: F811
    s, senior = first_round
    path = tmp_path / "复评标准.txt"
    path.write_text(OWN, encoding="utf-8")
    judges = [a for j in senior for a in ("--judge", str(j.id))]
    args = ["start-round", str(s.competition.id), "--top", "2", "--k", "2"]
    bad = tmp_path / "bad.txt"
    bad.write_text("只有名称", encoding="utf-8")
    refused = runner.invoke(args=[*args, *judges, "--rubric-file", str(bad)])
    assert refused.exit_code == 1 and "无法识别" in refused.output
    done = runner.invoke(args=[*args, *judges, "--rubric-file", str(path)])
    assert done.exit_code == 0, done.output
    db.session.rollback()
    assert rounds.round_maxima(s.competition) == {2: 50}
