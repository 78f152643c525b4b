"""Finalised results keep the round each entry reached, its score in every
round and its 答辩 score: in the frozen rows, on the results page and in the
award list and score sheet."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook
from sqlalchemy import select

from judging.assignment import service as assignment
from judging.extensions import db
from judging.results import exports
from judging.results import service as results
from judging.results.models import Result
from judging.rounds import service as rounds
from tests.conftest import login
from tests.rounds.test_service import (  # noqa: F401
    NOW,
    _score_round_two,
    _start,
    first_round,
)


def _finalised(s, senior):  # noqa: ANN001, ANN202
    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    _score_round_two(s, {0: [60, 60], 1: [90, 90], 2: [75, 75]})
    rounds.set_combination(
        actor=s.organiser,
        competition=s.competition,
        mode="weighted",
        weights={1: "30", 2: "70"},
        defense_weight="40",
        defense_max="100",
    )
    for index, mark in ((0, "100"), (1, "50"), (2, "85")):
        rounds.save_defense(
            actor=s.organiser,
            competition=s.competition,
            entry=s.entries[index],
            marks=[("专家甲", mark)],
            now=NOW,
        )
    results.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )
    db.session.commit()


def test_frozen_results_keep_rounds_and_defense(first_round):  # noqa: F811
    s, senior = first_round
    _finalised(s, senior)
    frozen = {
        r.entry_id: r
        for r in db.session.scalars(
            select(Result).where(Result.competition_id == s.competition.id)
        )
    }
    code = {e.id: e.code for e in s.entries}
    got = {
        code[i]: (
            r.last_round,
            json.loads(r.round_scores),
            None if r.defense_score is None else float(r.defense_score),
            float(r.score),
        )
        for i, r in frozen.items()
    }
    # The README's worked example: 30/70 + 答辩 40 %.
    assert got == {
        "ZW-001": (2, [80.0, 60.0], 100.0, 79.6),
        "ZW-002": (2, [70.0, 90.0], 50.0, 70.4),
        "ZW-003": (2, [70.0, 75.0], 85.0, 78.1),
        "ZW-004": (1, [60.0, None], None, 60.0),
        "ZW-005": (1, [50.0, None], None, 50.0),
    }
    table = results.frozen_table(s.competition)
    assert table.round_names == ("初评", "复评")
    first = table.rows[0]
    assert (first.entry.code, first.last_round, first.round_scores) == (
        "ZW-001",
        2,
        (80.0, 60.0),
    )


def test_exports_and_page_show_the_rounds(app, first_round):  # noqa: F811
    s, senior = first_round
    _finalised(s, senior)
    table = results.frozen_table(s.competition)

    book = load_workbook(io.BytesIO(exports.award_list_xlsx(table)))
    rows = list(book["获奖名单"].values)
    header = list(rows[0])
    assert header[-4:] == ["到达轮次", "初评得分", "复评得分", "答辩成绩"]
    by_code = {r[2]: r for r in rows[1:] if r and r[2]}
    assert by_code["ZW-001"][-4:] == ("复评", 80, 60, 100)

    sheet = exports.score_sheet_xlsx(table, results.review_details(s.competition))
    book = load_workbook(io.BytesIO(sheet))
    summary = list(book["汇总"].values)
    assert list(summary[0][-4:]) == ["到达轮次", "初评得分", "复评得分", "答辩成绩"]
    fourth = next(r for r in summary if r[0] == "ZW-004")
    assert fourth[-4:] == ("初评", 60, None, None)
    detail = list(book["评分明细"].values)
    assert detail[0][3] == "轮次"
    assert {r[3] for r in detail[1:]} == {"初评", "复评"}

    client = app.test_client()
    login(client, s.organiser)
    page = client.get(f"/competitions/{s.competition.id}/results")
    text = page.get_data(as_text=True)
    assert "到达轮次" in text and "答辩成绩" in text
    assert "79.60" in text and "80.00" in text


def test_one_round_keeps_the_plain_columns(build_scored):
    s = build_scored([[80, 80, 80], [70, 70, 70]])
    results.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=NOW
    )
    db.session.commit()
    table = results.frozen_table(s.competition)
    assert table.round_names == ()
    assert {r.last_round for r in db.session.scalars(select(Result))} == {None}
    book = load_workbook(io.BytesIO(exports.award_list_xlsx(table)))
    assert list(book["获奖名单"].values)[0][-1] == "备注"
