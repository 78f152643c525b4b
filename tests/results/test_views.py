"""Results pages: the organiser's table, charts and files; public and unit pages."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.assignment.models import Assignment
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.publication.service import (
    PublicitySettings,
    publish_after_publicity,
    start_publicity,
)
from judging.results.models import AwardOverride, Result
from tests.conftest import csrf_token, login


def _organiser(app, s):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, s.organiser)
    return client


def _page(s) -> str:  # noqa: ANN001
    return f"/competitions/{s.competition.id}/results"


def _publish(app, s):  # noqa: ANN001, ANN202
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))
    client.post(f"{_page(s)}/finalise", data={"csrf_token": token, "method": "mean"})
    db.session.rollback()
    publish_after_publicity(
        actor=s.organiser,
        competition=s.competition,
        started=utcnow() - timedelta(days=10),
        now=utcnow(),
    )
    db.session.commit()
    return client


def test_results_page_shows_methods_side_by_side(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)

    html = client.get(_page(s) + "?method=mean").get_data(as_text=True)

    for label in ("均值", "中位数", "截尾均值", "标准分", "校准"):
        assert f"{label}</th>" in html
    assert s.units[0].name in html
    assert "一等奖按 10% × 6 = 0.6，取整为 1 名" in html
    codes = re.findall(r"<td><a [^>]*>(ZW-\d{3})</a></td>", html)
    assert codes == ["ZW-004", "ZW-001", "ZW-005", "ZW-002", "ZW-006", "ZW-003"]


def test_results_page_default_method_is_calibrated(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)

    html = client.get(_page(s)).get_data(as_text=True)

    assert '<option value="calibrated" selected>' in html
    codes = re.findall(r"<td><a [^>]*>(ZW-\d{3})</a></td>", html)
    assert codes[:2] == ["ZW-004", "ZW-001"]


def test_results_page_missing_before_reviewing(app, make_competition, make_user):
    c = make_competition(phase=Phase.OPEN)
    client = app.test_client()
    login(client, make_user(Role.ORGANISER))

    assert client.get(f"/competitions/{c.id}/results").status_code == 404


def test_override_without_reason_is_refused(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))

    response = client.post(
        f"{_page(s)}/overrides",
        data={
            "csrf_token": token,
            "entry": s.entries[2].code,
            "target": "一等奖",
            "reason": "",
        },
        follow_redirects=True,
    )

    assert "调整奖项或取消资格必须填写理由。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AwardOverride.id))) == 0


def test_override_with_reason_is_marked(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))

    response = client.post(
        f"{_page(s)}/overrides",
        data={
            "csrf_token": token,
            "entry": s.entries[2].code,
            "target": "一等奖",
            "reason": "专家复议",
        },
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert "已记录调整及理由。" in html
    assert "已调整" in html
    assert "原为未获奖：专家复议" in html


def test_override_of_an_unknown_code_is_refused(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))

    response = client.post(
        f"{_page(s)}/overrides",
        data={
            "csrf_token": token,
            "entry": "ZW-999",
            "target": "一等奖",
            "reason": "专家复议",
        },
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert "本次征文没有编号为“ZW-999”的已报送作品" in html
    assert db.session.scalar(select(func.count(AwardOverride.id))) == 0


def test_override_code_is_read_in_any_case(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))

    client.post(
        f"{_page(s)}/overrides",
        data={
            "csrf_token": token,
            "entry": f"  {s.entries[2].code.lower()} ",
            "target": "一等奖",
            "reason": "专家复议",
        },
    )

    overrides = db.session.scalars(select(AwardOverride)).all()
    found = [(o.entry_id, o.tier_name) for o in overrides]
    assert found == [(s.entries[2].id, "一等奖")]


def test_results_page_has_no_select_of_entries(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)

    html = client.get(_page(s)).get_data(as_text=True)

    assert f'<option value="{s.entries[2].id}">' not in html
    assert 'name="entry"' in html


def test_extra_review_adds_a_judge(app, build_scored, make_user):
    s = build_scored()
    make_user(Role.JUDGE)
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))

    response = client.post(
        f"{_page(s)}/extra/{s.entries[0].id}",
        data={"csrf_token": token},
        follow_redirects=True,
    )

    assert "已为作品 ZW-001 增派 1 位评审专家。" in response.get_data(as_text=True)
    count = db.session.scalar(
        select(func.count(Assignment.id)).where(Assignment.entry_id == s.entries[0].id)
    )
    assert count == 3


def test_finalise_refused_lists_missing_reviews(app, build_scored):
    s = build_scored(pending=frozenset({(1, 1)}))
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))

    html = client.get(_page(s)).get_data(as_text=True)
    response = client.post(
        f"{_page(s)}/finalise",
        data={"csrf_token": token, "method": "mean"},
        follow_redirects=True,
    )

    assert "还有 1 份评审未提交，全部提交后才能定稿。" in html
    assert "还有 1 份评审未提交" in response.get_data(as_text=True)
    db.session.rollback()
    assert s.competition.phase == Phase.REVIEWING


def test_finalise_then_publish_shows_frozen_results(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))

    finalised = client.post(
        f"{_page(s)}/finalise",
        data={"csrf_token": token, "method": "mean"},
        follow_redirects=True,
    ).get_data(as_text=True)
    db.session.rollback()
    start_publicity(
        actor=s.organiser,
        competition=s.competition,
        settings=PublicitySettings(
            starts_on=date.today() - timedelta(days=9),
            ends_on=date.today() - timedelta(days=3),
            fields=("title", "tier"),
        ),
        now=utcnow() - timedelta(days=10),
    )
    db.session.commit()
    published = client.post(
        f"{_page(s)}/publish", data={"csrf_token": token}, follow_redirects=True
    ).get_data(as_text=True)

    db.session.rollback()
    assert "结果已定稿（均值）。" in finalised
    assert "以下为定稿结果" in finalised
    assert "获奖名单已公布。" in published
    assert (s.competition.phase, s.competition.ranking_method) == (
        Phase.PUBLISHED,
        "mean",
    )
    assert db.session.scalar(select(func.count(Result.id))) == 6


def test_public_page_missing_before_publishing(app, build_scored):
    s = build_scored()

    response = app.test_client().get(f"/awards/{s.competition.id}")

    assert response.status_code == 404


def test_public_page_lists_awards_without_scores(app, build_scored):
    s = build_scored(titles={3: "产业工人技能形成研究"})
    _publish(app, s)

    html = app.test_client().get(f"/awards/{s.competition.id}").get_data(as_text=True)

    assert "产业工人技能形成研究" in html
    assert "作者4" in html and "导师4" in html and s.units[1].name in html
    assert html.index("一等奖") < html.index("二等奖") < html.index("三等奖")
    assert "论文6" not in html and "论文3" not in html
    assert "80.5" not in html


def test_unit_sees_only_its_own_results(app, build_scored, make_user):
    s = build_scored()
    _publish(app, s)
    client = app.test_client()
    login(client, make_user(Role.UNIT, unit=s.units[0]))

    html = client.get(f"/unit/competitions/{s.competition.id}/results").get_data(
        as_text=True
    )

    assert ["论文1", "论文5", "论文3"] == re.findall(r"<td>(论文\d)</td>", html)
    assert "二等奖" in html and "未获奖" in html
    assert "论文4" not in html


def test_unit_results_missing_before_publishing(app, build_scored, make_user):
    s = build_scored()
    client = app.test_client()
    login(client, make_user(Role.UNIT, unit=s.units[0]))

    response = client.get(f"/unit/competitions/{s.competition.id}/results")

    assert response.status_code == 404


def test_reliability_page_draws_svg_without_styles(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)

    html = client.get(f"/competitions/{s.competition.id}/reliability").get_data(
        as_text=True
    )

    assert html.count("<svg") == 2
    assert "style=" not in html
    assert s.judges[0].name in html
    assert "Krippendorff α" in html


def test_award_list_xlsx_cells(app, build_scored):
    s = build_scored(titles={3: '=HYPERLINK("http://x")'})
    client = _publish(app, s)

    response = client.get(f"/competitions/{s.competition.id}/awards.xlsx")

    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        "奖项",
        "名次",
        "编号",
        "作品题目",
        "类别",
        "作者",
        "指导教师",
        "单位",
        "备注",
    ]
    assert rows[1] == [
        "一等奖",
        1,
        "ZW-004",
        '\'=HYPERLINK("http://x")',
        "理论研究",
        "作者4",
        "导师4",
        s.units[1].name,
        None,
    ]
    assert [r[2] for r in rows[1:]] == ["ZW-004", "ZW-001", "ZW-005", "ZW-002"]
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_award_list_pdf_text(app, build_scored):
    s = build_scored(titles={0: "新时代产业工人研究"})
    client = _publish(app, s)

    response = client.get(f"/competitions/{s.competition.id}/awards.pdf")

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "获奖名单" in text
    assert "新时代产业工人研究" in text
    assert "ZW-004" in text and "ZW-006" not in text


def test_score_sheet_has_every_review(app, build_scored):
    s = build_scored(titles={0: "@SUM(A1)"})
    client = _organiser(app, s)

    response = client.get(f"/competitions/{s.competition.id}/scores.xlsx?method=mean")

    book = load_workbook(io.BytesIO(response.data))
    summary = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    detail = [list(r) for r in book["评分明细"].iter_rows(values_only=True)]
    assert summary[0][:9] == [
        "编号",
        "作品题目",
        "单位",
        "评审份数",
        "均值",
        "中位数",
        "截尾均值",
        "标准分",
        "校准",
    ]
    assert summary[1][:5] == ["ZW-004", "论文4", s.units[1].name, 2, 80.5]
    assert len(detail) == 13
    first = detail[1]
    assert first[:3] == ["ZW-001", "'@SUM(A1)", s.judges[0].name]
    assert first[3:9] == [13.0, 16.5, 16.5, 13.0, 6.0, 65.0]
    assert first[9] == "评语1-1"


def test_unit_finds_its_results_and_certificates(app, build_scored, make_user):
    from judging.certificates.service import issue_certificates
    from judging.dbtypes import utcnow

    s = build_scored()
    _publish(app, s)
    issue_certificates(actor=None, competition=s.competition, now=utcnow())
    s.competition.issuer = "重庆市教科文卫体工会"
    db.session.commit()
    client = app.test_client()
    login(client, make_user(Role.UNIT, unit=s.units[0]))

    dashboard = client.get("/unit").get_data(as_text=True)
    results = client.get(f"/unit/competitions/{s.competition.id}/results")

    assert f"/unit/competitions/{s.competition.id}/results" in dashboard
    assert "下载本校荣誉证书（2 份）" in results.get_data(as_text=True)  # 论文1, 论文5


def test_results_and_reliability_pages_explain_their_numbers(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)

    results = client.get(_page(s)).get_data(as_text=True)
    reliability = client.get(f"/competitions/{s.competition.id}/reliability").get_data(
        as_text=True
    )

    assert "哪些奖项还不确定" in results
    assert re.search(r"奖项基本确定|奖项还不确定|每篇增派评审", results)
    assert "评审专家打分是否一致" in reliability
    assert re.search(r"（一致性 α = -?\d\.\d\d）", reliability)
    assert re.search(r"无明显差别|少给 \d+\.\d 分|多给 \d+\.\d 分", reliability)


def test_frozen_table_keeps_mean_and_median(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))
    client.post(
        f"{_page(s)}/finalise", data={"csrf_token": token, "method": "calibrated"}
    )

    html = client.get(_page(s)).get_data(as_text=True)
    head = html.split("<thead>")[1].split("</thead>")[0]

    assert "均值" in head and "中位数" in head and "校准" in head


def test_extra_reviews_page_plans_a_round_and_sends_it(app, build_scored, make_user):
    s = build_scored()
    make_user(Role.JUDGE)
    client = _organiser(app, s)
    page = f"{_page(s)}/extra-reviews"

    assert "额外评审（按预算分轮）" in client.get(_page(s)).get_data(as_text=True)
    html = client.get(page + "?share=20&rounds=1").get_data(as_text=True)

    assert "共 6 篇作品，预算 1 份额外评审，分 1 轮，每轮最多 1 份。" in html
    assert "预计本轮可使约" in html
    codes = re.findall(r"<td>(ZW-\d{3})</td>", html)
    assert len(codes) == 1
    before = db.session.scalar(select(func.count(Assignment.id)))
    response = client.post(
        page,
        data={"csrf_token": csrf_token(client, page), "share": "20", "rounds": "1"},
        follow_redirects=True,
    )
    after_html = response.get_data(as_text=True)
    assert "本轮已为 1 篇作品各增派 1 位评审专家。" in after_html
    assert db.session.scalar(select(func.count(Assignment.id))) == before + 1
    # The new review is not in yet: that entry waits, and is not planned again.
    assert "1 篇作品还有评审未提交，暂不列入" in after_html
    assert codes[0] not in re.findall(r"<td>(ZW-\d{3})</td>", after_html)


def test_extra_reviews_bad_choice_falls_back_and_bad_post_is_refused(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)
    page = f"{_page(s)}/extra-reviews"

    html = client.get(page + "?share=55&rounds=x").get_data(as_text=True)
    assert '<option selected value="20">' in html or 'value="20" selected' in html
    before = db.session.scalar(select(func.count(Assignment.id)))
    response = client.post(
        page, data={"csrf_token": csrf_token(client, page), "share": "55"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Assignment.id))) == before


def test_extra_reviews_page_missing_once_finalised(app, build_scored):
    s = build_scored()
    client = _publish(app, s)

    assert client.get(f"{_page(s)}/extra-reviews").status_code == 404


def test_why_page_explains_one_entry_by_judge_name(app, build_scored, make_user):
    s = build_scored()
    client = _organiser(app, s)
    results = client.get(_page(s)).get_data(as_text=True)
    first = s.entries[0]
    harsh = s.judges[0].name

    page = client.get(f"{_page(s)}/entries/{first.id}").get_data(as_text=True)

    assert f"{_page(s)}/entries/{first.id}" in results
    assert "得分说明 · ZW-001" in page
    assert "由 2 份评分得出，这几份评分的简单平均是 73.00" in page
    assert "校准比简单平均高" in page and "总体偏严" in page
    assert harsh in page and "平均比一般评审专家少给" in page
    assert [m in page for m in ("均值", "中位数", "标准分", "校准")] == [True] * 4


def test_why_page_is_not_for_judges_or_other_competitions(
    app, build_scored, make_competition, make_user
):
    s = build_scored()
    other = make_competition(phase=Phase.REVIEWING, actor=s.organiser)
    organiser = _organiser(app, s)
    judge = app.test_client()
    login(judge, make_user(Role.JUDGE))
    path = f"{_page(s)}/entries/{s.entries[0].id}"

    assert judge.get(path).status_code == 404
    assert (
        organiser.get(f"/competitions/{other.id}/results/entries/{s.entries[0].id}")
    ).status_code == 404


def test_notes_stored_with_the_results_are_said_in_english(app, build_scored):
    s = build_scored()
    client = _organiser(app, s)
    token = csrf_token(client, _page(s))
    client.post(
        f"{_page(s)}/overrides",
        data={
            "csrf_token": token,
            "entry": s.entries[2].code,
            "target": "一等奖",
            "reason": "专家复议",
        },
    )

    chinese = client.get(_page(s)).get_data(as_text=True)
    client.get("/lang/en")
    english = client.get(_page(s)).get_data(as_text=True)

    code = s.entries[2].code
    assert f"作品 {code} 由" in chinese
    assert f"Entry {code} moved from" in english
    assert "专家复议" in english  # what the organiser typed stays as typed
    assert "调整为" not in english
