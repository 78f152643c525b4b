"""The organiser's rounds pages, and what a round-2 judge can see."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import select

from judging.accounts.models import Role
from judging.assignment import service as assignment
from judging.assignment.models import Assignment
from judging.extensions import db
from judging.results import computed
from judging.results.demo import add_review
from judging.rounds import service as rounds
from judging.rounds.models import DefenseScore
from tests.conftest import csrf_token, login

NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)
FLAT = [[80, 80, 80], [70, 70, 70], [70, 70, 70], [60, 60, 60], [50, 50, 50]]


def _organiser(app, s):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, s.organiser)
    return client


def _page(s) -> str:  # noqa: ANN001
    return f"/competitions/{s.competition.id}/rounds"


def test_rounds_page_previews_then_starts_the_next_round(app, build_scored, make_user):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    client = _organiser(app, s)

    page = client.get(_page(s)).get_data(as_text=True)
    assert "初评" in page and "全部评审专家" in page
    preview = client.get(_page(s) + "?cut=n&value=2&method=mean").get_data(as_text=True)
    assert "入围 3 篇（按规则 2 篇）" in preview
    assert "按并列规则全部入围" in preview
    token = csrf_token(client, _page(s))
    response = client.post(
        _page(s) + "/start",
        data={
            "csrf_token": token,
            "cut": "n",
            "value": "2",
            "method": "mean",
            "name": "复评",
            "reviews": "2",
            "deadline": "2026-12-20",
            "judge": [str(j.id) for j in senior],
        },
    )
    assert response.headers["Location"].endswith(_page(s))
    db.session.rollback()
    assert rounds.current_round(s.competition) == 2
    assert rounds.panel(s.competition, 2) == {j.id for j in senior}
    page = client.get(_page(s)).get_data(as_text=True)
    assert "本轮入围作品（3 篇）" in page
    assert "2 位指定专家" in page


def test_bad_cut_is_refused_in_chinese_and_writes_nothing(app, build_scored):
    s = build_scored(FLAT)
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))
    response = client.post(
        _page(s) + "/start",
        data={
            "csrf_token": token,
            "cut": "share",
            "value": "150",
            "method": "mean",
            "reviews": "2",
        },
        follow_redirects=True,
    )
    assert "入围比例应大于 0、不超过 100%" in response.get_data(as_text=True)
    db.session.rollback()
    assert rounds.current_round(s.competition) == 1


def _two_rounds(s, senior):  # noqa: ANN001, ANN202
    rounds.start_next_round(
        actor=s.organiser,
        competition=s.competition,
        name="复评",
        reviews=2,
        deadline=None,
        judge_ids=[j.id for j in senior],
        now=NOW,
        top_n=2,
        method="mean",
    )
    assignment.apply_plan(
        actor=s.organiser, competition=s.competition, k=2, seed=7, now=NOW
    )
    db.session.commit()


def test_add_remove_combination_and_defense_through_the_pages(
    app, build_scored, make_user
):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _two_rounds(s, senior)
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))
    fourth, third = s.entries[3], s.entries[2]
    client.post(
        _page(s) + "/add",
        data={"csrf_token": token, "entry": fourth.code, "reason": "专家复议"},
    )
    refused = client.post(
        _page(s) + "/remove",
        data={"csrf_token": token, "entry": third.code, "reason": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "请填写作品编号和原因" in refused
    client.post(
        _page(s) + "/combination",
        data={
            "csrf_token": token,
            "mode": "weighted",
            "weight_1": "30",
            "weight_2": "70",
            "defense_weight": "40",
            "defense_max": "100",
        },
    )
    db.session.rollback()
    assert rounds.members(s.competition, 2) == {e.id for e in s.entries[:4]}
    assert (s.competition.round_mode, s.competition.defense_weight) == (
        "weighted",
        Decimal("40"),
    )
    defense = f"/competitions/{s.competition.id}/defense"
    assert s.entries[0].code in client.get(defense).get_data(as_text=True)
    client.post(
        defense,
        data={
            "csrf_token": token,
            "entry_id": s.entries[0].id,
            "marks": "评委甲 85\n评委乙：90",
        },
    )
    bad = client.post(
        defense,
        data={"csrf_token": token, "entry_id": s.entries[0].id, "marks": "评委甲 abc"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "不是数字" in bad
    db.session.rollback()
    marks = db.session.execute(
        select(DefenseScore.member, DefenseScore.points).order_by(DefenseScore.member)
    ).all()
    assert [(m, str(p)) for m, p in marks] == [("评委乙", "90.00"), ("评委甲", "85.00")]
    computed.compute_and_store(s.competition)
    db.session.commit()
    results = client.get(f"/competitions/{s.competition.id}/results").get_data(
        as_text=True
    )
    assert "多轮评审的合成方式" in results
    assert "初评 30% + 复评 70%" in results
    assert "答辩/现场评审成绩占 40%" in results


def test_round_two_judge_never_sees_round_one_scores_or_comments(
    app, build_scored, make_user
):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _two_rounds(s, senior)
    judge = senior[0]
    client = app.test_client()
    login(client, judge.user)
    mine = db.session.scalars(
        select(Assignment).where(Assignment.judge_id == judge.id)
    ).all()
    assert mine and {a.round_no for a in mine} == {2}
    pages = [client.get("/judge").get_data(as_text=True)]
    pages += [
        client.get(f"/judge/assignments/{a.id}").get_data(as_text=True) for a in mine
    ]
    for text in pages:
        # round 1 comments are "评语<i>-<j>" (tests/results/conftest.py)
        assert not any(f"评语{i}-" in text for i in range(1, 6))
        for other in s.judges:
            assert other.name not in text
    # Round 1's sheets are not his: not found, like any other judge's.
    for a in s.assignments.values():
        assert client.get(f"/judge/assignments/{a.id}").status_code == 404
    # Round 2 scores a submitted entry afresh: its sheet starts empty.
    sheet = client.get(f"/judge/assignments/{mine[0].id}").get_data(as_text=True)
    assert 'value="80' not in sheet


def test_round_two_reviews_then_results_put_finalists_first(
    app, build_scored, make_user
):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _two_rounds(s, senior)
    for a in db.session.scalars(select(Assignment).where(Assignment.round_no == 2)):
        add_review(
            assignment=a,
            total=Decimal(55),
            criteria=list(s.competition.criteria),
            comment="",
            now=NOW,
        )
    db.session.commit()
    client = _organiser(app, s)
    computed.compute_and_store(s.competition)
    db.session.commit()
    page = client.get(f"/competitions/{s.competition.id}/results").get_data(
        as_text=True
    )
    # ZW-004 (60 in 初评) ranks below the finalists' 55: it was not shortlisted.
    assert page.index("ZW-003") < page.index("ZW-004")


def test_defense_scores_imported_from_paper(app, build_scored, make_user):
    import io

    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _two_rounds(s, senior)
    client = _organiser(app, s)
    defense = f"/competitions/{s.competition.id}/defense"
    token = csrf_token(client, defense)

    def send(text: str) -> str:
        return client.post(
            defense + "/import",
            data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "d.csv")},
            follow_redirects=True,
        ).get_data(as_text=True)

    bad = send(
        "作品编号,评委,答辩分\nZW-001,评委甲,85\nZW-005,评委甲,80\nZW-002,评委甲,x\n"
    )
    assert "第 3 行：作品编号“ZW-005”不是最后一轮的作品。" in bad
    assert "第 4 行：答辩分不是数字：x" in bad
    assert "未导入任何成绩" in bad
    db.session.rollback()
    assert db.session.scalars(select(DefenseScore)).all() == []
    good = send(
        "作品编号,评委,答辩分\nZW-001,评委甲,85\nZW-001,评委乙,90\nZW-002,评委甲,70\n"
    )
    assert "已导入 2 篇作品的答辩成绩" in good
    db.session.rollback()
    assert len(db.session.scalars(select(DefenseScore)).all()) == 3


def test_per_round_pages_say_which_round(app, build_scored, make_user):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    client = _organiser(app, s)
    plan = f"/competitions/{s.competition.id}/assignment"
    assert "当前为第" not in client.get(plan).get_data(as_text=True)
    _two_rounds(s, senior)
    for path in ("assignment", "progress", "disagreements", "reviews"):
        page = client.get(f"/competitions/{s.competition.id}/{path}")
        text = page.get_data(as_text=True)
        assert "当前为第 2 轮 · 复评（3 篇作品）：本页只涉及本轮。" in text, path


def test_an_earlier_round_ranking_marks_who_went_on(app, build_scored, make_user):
    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _two_rounds(s, senior)
    client = _organiser(app, s)
    page = client.get(_page(s) + "?round=1&by=mean").get_data(as_text=True)
    table = page[page.index('class="round-ranking"') :]
    assert table.count("<td>是</td>") == 3
    assert table.index("ZW-001") < table.index("ZW-005")


def test_add_and_remove_take_a_typed_code(app, build_scored, make_user):
    from judging.audit.models import AuditEvent

    s = build_scored(FLAT)
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    _two_rounds(s, senior)
    client = _organiser(app, s)
    page = client.get(_page(s)).get_data(as_text=True)
    # a text field, not a <select> listing every entry of the previous round
    assert 'name="entry" type="text"' in page
    assert f'<option value="{s.entries[3].id}"' not in page
    token = csrf_token(client, _page(s))
    unknown = client.post(
        _page(s) + "/add",
        data={"csrf_token": token, "entry": "ZW-999", "reason": "专家复议"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "没有编号为“ZW-999”的已报送作品" in unknown
    inside = client.post(
        _page(s) + "/add",
        data={"csrf_token": token, "entry": s.entries[0].code, "reason": "再议"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "该作品已在本轮" in inside
    added = client.post(
        _page(s) + "/add",
        data={"csrf_token": token, "entry": " zw-004 ", "reason": "专家复议"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已增补入围" in added and "主办方增补：专家复议" in added
    removed = client.post(
        _page(s) + "/remove",
        data={"csrf_token": token, "entry": s.entries[2].code, "reason": "重复投稿"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "已移出本轮" in removed
    db.session.rollback()
    assert rounds.members(s.competition, 2) == {
        s.entries[0].id,
        s.entries[1].id,
        s.entries[3].id,
    }
    events = {
        e.action: e
        for e in db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action.in_(["round.add", "round.remove"])
            )
        )
    }
    assert set(events) == {"round.add", "round.remove"}
    assert "专家复议" in str(events["round.add"].detail)
