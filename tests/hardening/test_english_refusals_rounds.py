"""Assignment and round refusals are said in the reader's language.

The services raise in Chinese (the command line prints ``str``); every message
is a ``Said``, and where one refusal joins several reasons into a line the
exception keeps them as ``errors``, so a page says each reason in English.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.support import Translations
from sqlalchemy import select

from judging.accounts.models import Role
from judging.assignment import service, solver
from judging.assignment.models import Assignment
from judging.extensions import db
from judging.i18n import message_of, say
from judging.results import rounds as pure
from judging.rounds import service as rounds
from tests.assignment.conftest import make_world  # noqa: F401 (a fixture)
from tests.conftest import csrf_token, login
from tests.hardening.test_english import untranslated
from tests.results.conftest import build_scored  # noqa: F401 (a fixture)

CATALOGUE = Path(__file__).parents[2] / "judging" / "translations"
NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)
FLAT = [[80, 80, 80], [70, 70, 70], [70, 70, 70], [60, 60, 60], [50, 50, 50]]


@pytest.fixture(scope="module")
def english():
    return Translations.load(str(CATALOGUE), ["en"]).gettext


# --- assignment ----------------------------------------------------------------


def test_plan_check_problems_said_in_english(english):
    entries = [
        solver.EntryInput(id=1, unit_id=1),
        solver.EntryInput(id=2, unit_id=2),
    ]
    judges = [
        solver.JudgeInput(id=1, affiliation=1, unit_id=1),
        solver.JudgeInput(id=2, affiliation="研究所", capacity=1),
    ]

    problems = solver.verify_plan(
        pairs=[(1, 1), (9, 1), (2, 2), (2, 2)],
        entries=entries,
        judges=judges,
        k=1,
    )

    assert [say(p, english) for p in problems] == [
        "Entry 1 and judge 1 have a conflict of interest: "
        "the judge and the entry are from the same unit",
        "Unknown entry 9",
        "Entry 2 is assigned to judge 2 twice",
    ]
    assert problems[0] == "作品 1 与评审专家 1 存在回避关系：评审专家与作品来自同一单位"


def test_infeasible_plan_reasons_said_in_english(english):
    entries = [
        solver.EntryInput(id=1, unit_id=1),
        solver.EntryInput(id=2, unit_id=2),
    ]
    judges = [solver.JudgeInput(id=1, affiliation=1, unit_id=1)]

    with pytest.raises(solver.AssignmentInfeasible) as caught:
        solver.build_plan(entries=entries, judges=judges, k=2, seed=1)

    assert [say(m, english) for m in caught.value.errors] == [
        "Entry 1 has only 0 judges without a conflict of interest, "
        "fewer than the 2 each entry needs",
        "Entry 2 has only 1 judges without a conflict of interest, "
        "fewer than the 2 each entry needs",
    ]
    assert str(caught.value) == (
        "作品 1 只有 0 位无回避关系的评审专家，少于每篇所需的 2 位；"
        "作品 2 只有 1 位无回避关系的评审专家，少于每篇所需的 2 位"
    )


def test_no_judge_to_add_said_reason_by_reason(english, make_world):  # noqa: F811
    w = make_world(units=3, per_unit=1, outside=1)  # 4 judges, k = 2
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=2, seed=1, now=NOW
    )
    entry = w.entries[0]
    on_entry = {a.judge_id for a in service.entry_assignments(entry)}
    free = [j for j in w.judges[1:] if j.id not in on_entry]
    service.add_conflict(
        actor=w.organiser, judge=free[0], entry=entry, reason="合作者", now=NOW
    )

    with pytest.raises(service.AssignmentError) as caught:
        service.add_extra_judges(actor=w.organiser, entry=entry, now=NOW)

    said = [say(m, english) for m in caught.value.errors]
    assert said[0] == "There is no judge to add:"
    assert said[1].startswith(f"Entry {entry.id} ")
    assert untranslated(" ".join(said), []) == []
    assert str(caught.value).startswith(f"没有可增加的评审专家：作品 {entry.id} ")


def test_existing_judge_in_conflict_said_in_english(english, make_world):  # noqa: F811
    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=2, now=NOW
    )
    assignment = db.session.scalar(select(Assignment).limit(1))
    service.add_conflict(
        actor=w.organiser,
        judge=assignment.judge,
        entry=assignment.entry,
        reason="新发现的合作关系",
        now=NOW,
    )

    with pytest.raises(service.AssignmentError) as caught:
        service.preview_plan(competition=w.competition, k=3, seed=2)

    name, code = assignment.judge.name, assignment.entry.code
    assert [say(m, english) for m in caught.value.errors] == [
        f"{name}, already a judge of entry {code}, has a conflict of interest with "
        "it (a recorded conflict of interest); replace the judge on the entry’s "
        "judges page first."
    ]
    assert str(caught.value) == (
        f"作品 {code} 的现有评审专家 {name} 存在回避关系（已登记的回避关系），"
        "请先在作品的评审专家页更换。"
    )


def test_entries_short_of_judges_said_in_english(english, make_world):  # noqa: F811
    from judging.competitions import service as competitions
    from judging.competitions.models import Phase

    w = make_world()
    service.apply_plan(
        actor=w.organiser, competition=w.competition, k=3, seed=8, now=NOW
    )
    first, second = db.session.scalars(select(Assignment).limit(2)).all()
    service.remove_judge(actor=w.organiser, assignment=first, now=NOW)
    service.remove_judge(actor=w.organiser, assignment=second, now=NOW)

    problems = competitions.transition_problems(w.competition, Phase.REVIEWING)

    short = 1 if first.entry_id == second.entry_id else 2
    assert [say(p, english) for p in problems] == [
        f"{short} entries still have fewer than 3 judges (2 missing in all); "
        "assign judges first."
    ]


# --- rounds --------------------------------------------------------------------


def _start(s, senior, **options):  # noqa: ANN001, ANN202
    return rounds.start_next_round(
        actor=s.organiser,
        competition=s.competition,
        name=options.pop("name", "复评"),
        reviews=options.pop("reviews", 2),
        deadline=None,
        judge_ids=[j.id for j in senior],
        now=NOW,
        **({"top_n": 2, "method": "mean"} | options),
    )


def test_next_round_refused_in_english_while_reviews_are_open(
    english, build_scored, make_user  # noqa: F811
):
    s = build_scored(FLAT, pending=frozenset({(4, 2)}))
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]

    with pytest.raises(rounds.RoundError) as pending:
        _start(s, senior)

    assert say(message_of(pending.value), english) == (
        "1 reviews of this round are not submitted yet; the next round can start "
        "once all are submitted."
    )
    assert str(pending.value) == "本轮还有 1 份评审未提交，全部提交后才能开始下一轮。"


def test_next_round_refusals_said_in_english(english, build_scored, make_user):  # noqa: F811
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    with pytest.raises(rounds.RoundError) as too_many:
        _start(s, senior, reviews=16)
    with pytest.raises(rounds.RoundError) as few_judges:
        _start(s, senior, reviews=3)
    with pytest.raises(rounds.RoundError) as rubric:
        _start(s, senior, rubric="观点创新 四十")

    assert say(message_of(too_many.value), english) == (
        "The number of judges per entry must be between 1 and 15."
    )
    assert say(message_of(few_judges.value), english) == (
        "This round has only 2 judges, fewer than the 3 reviews per entry."
    )
    assert say(message_of(rubric.value), english) == (
        "Line 1 of the rubric is not understood: “观点创新 四十”; write it as "
        "“criterion full-marks guidance”."
    )


def test_shortlist_and_combination_refusals_said_in_english(english):
    with pytest.raises(pure.RoundsError) as neither:
        pure.shortlist([], top_n=None, top_share=None)
    with pytest.raises(pure.RoundsError) as weights:
        pure.combine([{}, {}], mode="weighted", weights=[1.0])
    listed = pure.shortlist(
        [pure.Ranked("a", 80.0, "理论研究"), pure.Ranked("b", 80.0, "理论研究")],
        top_n=1,
        per_category=True,
        categories=["理论研究", "调研报告"],
    )

    assert say(message_of(neither.value), english) == (
        "Give either the number of entries to shortlist or the share (one of the two)."
    )
    assert say(message_of(weights.value), english) == "Weighted rounds need 2 weights."
    assert [say(n, english) for n in listed.notes] == [
        "In “理论研究”, 2 entries tie for place 1 (80.00); by the tie rule all of "
        "them are shortlisted, 2 in all.",
        "“调研报告” has no entries to shortlist.",
    ]
    assert listed.notes[1] == "“调研报告”没有可入围的作品。"


def _two_rounds(s, senior):  # noqa: ANN001, ANN202
    from judging.assignment import service as assignment

    _start(s, senior)
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    db.session.commit()


def test_defense_refusals_said_in_english(english, build_scored, make_user):  # noqa: F811
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _two_rounds(s, senior)
    finalist = rounds.finalists(s.competition)[0]

    with pytest.raises(rounds.RoundError) as weight:
        rounds.set_combination(
            actor=s.organiser,
            competition=s.competition,
            mode="last",
            weights={},
            defense_weight="很多",
            defense_max="100",
        )
    with pytest.raises(rounds.RoundError) as points:
        rounds.save_defense(
            actor=s.organiser,
            competition=s.competition,
            entry=finalist,
            marks=[("专家甲", "120")],
            now=NOW,
        )
    count, problems = rounds.import_defense(
        actor=s.organiser,
        competition=s.competition,
        data="作品编号,评审专家,答辩分\nZW-005,专家甲,80\nZW-001,专家甲,x\n"
        "ZW-001,专家甲,90\nZW-002,专家乙,300\n".encode(),
        filename="d.csv",
        now=NOW,
    )

    assert say(message_of(weight.value), english) == (
        "Defence weight is not a number: “很多”"
    )
    assert str(weight.value) == "答辩权重不是数字：很多"
    assert say(message_of(points.value), english) == (
        "The defence score of panel member “专家甲” must be between 0 and 100."
    )
    assert count == 0
    assert [say(p, english) for p in problems] == [
        "Row 2: entry code “ZW-005” is not an entry of the last round.",
        "Row 3: the defence score is not a number: “x”",
        "Row 4: panel member “专家甲” scores entry ZW-001 more than once.",
        "Row 5: the defence score must be between 0 and 100 (the file says “300”).",
    ]
    assert [str(p) for p in problems][:2] == [
        "第 2 行：作品编号“ZW-005”不是最后一轮的作品。",
        "第 3 行：答辩分不是数字：x",
    ]


def test_english_organiser_gets_the_defense_import_refused_in_english(
    app, build_scored, make_user  # noqa: F811
):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _two_rounds(s, senior)
    client = app.test_client()
    login(client, s.organiser)
    client.get("/lang/en")
    defense = f"/competitions/{s.competition.id}/defense"
    token = csrf_token(client, defense)

    bad = "作品编号,评委,答辩分\nZW-005,评委甲,80\n".encode()

    page = client.post(
        defense + "/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad), "d.csv")},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "Row 2: entry code “ZW-005” is not an entry of the last round." in page
    assert "不是最后一轮的作品" not in page


def test_english_organiser_reads_why_no_plan_exists(app, make_world):  # noqa: F811
    w = make_world()  # 7 judges, each entry in conflict with its unit's judge
    client = app.test_client()
    login(client, w.organiser)
    client.get("/lang/en")

    page = client.get(
        f"/competitions/{w.competition.id}/assignment?k=7&seed=1"
    ).get_data(as_text=True)

    first = w.entries[0].id
    assert (
        f"Entry {first} has only 6 judges without a conflict of interest, "
        "fewer than the 7 each entry needs"
    ) in page
    assert "无回避关系" not in page


def test_how_rounds_combine_said_in_english(english, build_scored, make_user):  # noqa: F811
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    preview = rounds.preview_shortlist(s.competition, top_n=2, method="mean")
    _two_rounds(s, senior)
    rounds.set_combination(
        actor=s.organiser,
        competition=s.competition,
        mode="weighted",
        weights={1: "30", 2: "70"},
        defense_weight="40",
        defense_max="100",
    )

    lines = rounds.explanation(s.competition)

    assert say(preview.rule, english) == (
        "The top 2 of all entries (ranked by Mean; every entry tied at the cut "
        "goes on)"
    )
    assert preview.rule == "全部作品中取前 2 篇（按均值得分，同分并列全部入围）"
    assert [say(line, english) for line in lines] == [
        "This competition has 2 review rounds (First round, Second round); each "
        "round’s scores are combined within that round (calibration too).",
        "How the rounds combine: weighted (First round 30% + Second round 70%); an "
        "entry that did not reach a round is weighted by the rounds it took part in.",
        "Entries that reached “Second round” rank above every entry that did not; "
        "awards are given only among the entries of “Second round”.",
        "The defence / live review score counts 40% (full marks 100, the panel "
        "members’ mean, converted), the review score 60%.",
    ]
    assert lines[0].startswith("本竞赛共 2 轮评审（初评、复评），")


def test_english_rounds_page_says_the_rule_and_the_combination(
    app, build_scored, make_user  # noqa: F811
):
    from judging.assignment import service as assignment

    s = build_scored(FLAT)
    for _ in range(2):  # judges new to the entries, for the second round's plan
        make_user(Role.JUDGE)
    _start(s, [])  # no panel of its own: the first round's judges are listed too
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    db.session.commit()
    finalist = rounds.finalists(s.competition)[0]
    client = app.test_client()
    login(client, s.organiser)
    client.get("/lang/en")

    page = client.get(f"/competitions/{s.competition.id}/rounds").get_data(
        as_text=True
    )
    judges = client.get(f"/entries/{finalist.id}/judges").get_data(as_text=True)

    assert (
        "The top 2 of all entries (ranked by Mean; every entry tied at the cut "
        "goes on)"
    ) in page
    assert "This competition has 2 review rounds (First round, Second round)" in page
    assert "同分并列" not in page
    assert "本竞赛共" not in page
    assert "reviewed this entry in an earlier round" in judges
    assert "已在前一轮评审过该作品" not in judges
