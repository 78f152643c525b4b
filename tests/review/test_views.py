"""The judge's portal and the organiser's review pages, through HTTP."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from sqlalchemy import func, select

from judging.assignment.models import Assignment, AssignmentStatus, Conflict
from judging.competitions.models import Phase
from judging.documents.inspection import LOCATIONS, inspect_document
from judging.extensions import db
from judging.review.models import Review, ReviewStatus, Score
from judging.submissions.files import load_file
from tests.conftest import csrf_token, same_page
from tests.review.conftest import (
    ABSTRACT,
    ADVISOR,
    AUTHORS,
    FILE_NAME,
    UNIT,
    UNIT_SHORT,
    client_for,
    sheet_form,
)

FULL = ["18", "20.5", "20", "15", "8"]


def _url(assignment) -> str:  # noqa: ANN001
    return f"/judge/assignments/{assignment.id}"


def _post_sheet(client, reviewing, assignment, values, **extra):  # noqa: ANN001
    token = csrf_token(client, _url(assignment))
    return client.post(
        _url(assignment),
        data=sheet_form(token, reviewing, values, **extra),
        follow_redirects=True,
    )


def test_home_and_nav_lead_to_dashboard(app, reviewing):
    client = client_for(app, reviewing.judges[0])

    home = client.get("/")
    html = client.get("/judge").get_data(as_text=True)

    assert home.location == "/judge"
    assert 'href="/judge">我的评审</a>' in html


def test_dashboard_lists_assignments_with_state_and_progress(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    _post_sheet(client, reviewing, reviewing.assignment(0, 0), FULL, action="submit")
    _post_sheet(client, reviewing, reviewing.assignment(0, 1), ["3"])

    html = client.get("/judge").get_data(as_text=True)

    rows = re.findall(
        r"<tr>\s*<td><code>([^<]+)</code></td>\s*<td>([^<]+)</td>"
        r'\s*<td><span class="state state-(\w+)">([^<]+)<',
        html,
    )
    assert rows == [
        (e.code, e.title, state, label)
        for e, state, label in sorted(
            zip(
                reviewing.entries,
                ("submitted", "draft"),
                ("已提交", "草稿"),
                strict=True,
            ),
            key=lambda t: t[0].code,
        )
    ]
    assert '<progress value="1" max="2"></progress>' in html
    assert "已完成 1/2" in html


def test_entry_page_shows_text_abstract_keywords_and_rubric(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    entry = reviewing.entries[0]

    html = client.get(_url(reviewing.assignment(0, 0))).get_data(as_text=True)

    assert entry.code in html and entry.title in html
    assert ABSTRACT in html
    assert "数字治理；基层实践" in html
    assert "<p>党中央作出重大部署,各地注重师资培养与人才引进。数字治理需要技术" in html
    assert "<iframe" not in html
    assert html.count('step="0.5"') == 5
    assert 'max="25"' in html and "理论基础扎实，观点准确，论述有深度。" in html
    assert "保存草稿" in html and "提交评分" in html


def test_copy_download_named_by_code(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    entry = reviewing.entries[1]

    response = client.get(f"{_url(reviewing.assignment(0, 1))}/copy")

    assert response.data == load_file(entry.review_file)
    assert response.data != load_file(entry.file)
    assert response.headers["Content-Disposition"] == (
        f"attachment; filename={entry.code}.docx"
    )
    assert response.headers["Cache-Control"] == "no-store"


def test_out_of_range_refused_and_typed_values_kept(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    assignment = reviewing.assignment(0, 0)

    response = _post_sheet(
        client, reviewing, assignment, ["18", "30", "abc"], action="submit"
    )

    html = response.get_data(as_text=True)
    assert "“调研与论证”的分数“abc”不是有效数字。" in html
    ids = reviewing.criteria_ids()
    assert f'name="points_{ids[1]}" value="30"' in html
    assert 'value="abc"' in html
    assert "论证充分。</textarea>" in html
    assert db.session.scalar(select(func.count(Review.id))) == 0

    response = _post_sheet(client, reviewing, assignment, ["18", "30"])

    html = response.get_data(as_text=True)
    assert "“理论深度”：分数须在 0 到 25 之间（填写的是 30）。" in html
    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_draft_saved_then_submit_locks_page(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    assignment = reviewing.assignment(0, 0)

    draft = _post_sheet(client, reviewing, assignment, ["18"])
    submitted = _post_sheet(client, reviewing, assignment, FULL, action="submit")
    again = _post_sheet(client, reviewing, assignment, ["1"] * 5)

    assert "草稿已保存。" in draft.get_data(as_text=True)
    html = submitted.get_data(as_text=True)
    assert "评分已提交。" in html and "评分已提交，只读。" in html
    assert '<form method="post" class="rubric"' not in html
    assert "81.50" in html or "81.5" in html
    assert "评分已提交，不能再修改" in again.get_data(as_text=True)
    review = db.session.scalar(select(Review))
    assert (review.status, review.total) == (ReviewStatus.SUBMITTED, Decimal("81.5"))
    assert sorted(db.session.scalars(select(Score.points))) == sorted(
        Decimal(v) for v in FULL
    )


def test_other_judges_assignment_is_404_like_missing(app, reviewing):
    client = client_for(app, reviewing.judges[2])
    own = reviewing.assignment(0, 0)

    foreign = client.get(_url(own))
    missing = client.get("/judge/assignments/99999")
    foreign_copy = client.get(f"{_url(own)}/copy")
    missing_copy = client.get("/judge/assignments/99999/copy")

    assert foreign.status_code == 404
    assert same_page(foreign, missing)
    assert same_page(foreign_copy, missing_copy)


def test_recused_assignment_is_404(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    reviewing.assignment(0, 0).status = AssignmentStatus.RECUSED
    db.session.commit()

    assert client.get(_url(reviewing.assignment(0, 0))).status_code == 404


def test_judge_cannot_save_when_not_reviewing(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    assignment = reviewing.assignment(0, 0)
    token = csrf_token(client, _url(assignment))
    reviewing.competition.phase = Phase.FINALISED
    db.session.commit()

    page = client.get(_url(assignment)).get_data(as_text=True)
    response = client.post(
        _url(assignment),
        data=sheet_form(token, reviewing, FULL, action="submit"),
        follow_redirects=True,
    )

    assert "当前不在评审阶段，评分只读。" in page
    assert "当前不在评审阶段，评分不能保存或提交。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_judge_pages_never_reveal_identity(app, reviewing, make_user):
    client = client_for(app, reviewing.judges[0])
    assignment = reviewing.assignment(0, 0)
    _post_sheet(client, reviewing, assignment, ["18", "30"])  # an error message

    pages = [
        client.get("/judge"),
        client.get(_url(assignment)),
        _post_sheet(client, reviewing, assignment, ["18", "30"], action="submit"),
        client.get("/judge/assignments/99999"),
        client.get(f"/entries/{reviewing.entries[0].id}/reviews"),
    ]
    copies = [client.get(f"{_url(reviewing.assignment(0, e))}/copy") for e in (0, 1)]

    secrets = [UNIT, UNIT_SHORT, *AUTHORS, ADVISOR, FILE_NAME]
    for response in pages:
        html = response.get_data(as_text=True)
        for secret in secrets:
            assert secret not in html, (secret, response.request.path)
    for response in copies:
        headers = str(response.headers)
        for secret in secrets:
            assert secret.encode() not in response.data
            assert secret.encode("utf-16-be") not in response.data
            assert secret not in headers
        assert response.data != load_file(reviewing.entries[0].file)
        document = inspect_document(response.data, max_bytes=10**8)
        text = "\n".join(document.text(loc) for loc in LOCATIONS)
        assert [s for s in secrets if s in text] == []


def test_declare_conflict_removes_entry_from_list(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    assignment = reviewing.assignment(0, 0)
    token = csrf_token(client, _url(assignment))

    response = client.post(
        f"{_url(assignment)}/conflict",
        data={"csrf_token": token, "reason": "作者是我指导过的学生"},
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert "已登记回避，该作品已从您的评审任务中移除。" in html
    assert reviewing.entries[0].code not in html
    assert reviewing.entries[1].code in html
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).status == AssignmentStatus.RECUSED
    conflict = db.session.scalar(select(Conflict))
    assert (conflict.entry_id, conflict.declared_by_judge) == (
        reviewing.entries[0].id,
        True,
    )
    assert client.get(_url(assignment)).status_code == 404


def test_declare_conflict_needs_reason(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    assignment = reviewing.assignment(0, 0)
    token = csrf_token(client, _url(assignment))

    response = client.post(
        f"{_url(assignment)}/conflict",
        data={"csrf_token": token, "reason": ""},
        follow_redirects=True,
    )

    assert "请填写回避原因。" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Conflict.id))) == 0


# --- organiser ------------------------------------------------------------------------


def test_organiser_sees_reviews_and_reopens(app, reviewing):
    judge = client_for(app, reviewing.judges[0])
    _post_sheet(judge, reviewing, reviewing.assignment(0, 0), FULL, action="submit")
    admin = client_for(app, reviewing.organiser)
    entry = reviewing.entries[0]
    url = f"/entries/{entry.id}/reviews"

    html = admin.get(url).get_data(as_text=True)
    progress = admin.get(f"/competitions/{reviewing.competition.id}/reviews")
    token = csrf_token(admin, url)
    refused = admin.post(
        f"/reviews/{db.session.scalar(select(Review.id))}/reopen",
        data={"csrf_token": token, "reason": ""},
        follow_redirects=True,
    )
    reopened = admin.post(
        f"/reviews/{db.session.scalar(select(Review.id))}/reopen",
        data={"csrf_token": token, "reason": "分数录入有误"},
        follow_redirects=True,
    )

    assert reviewing.judges[0].judge.name in html
    assert "81.50" in html and "20.50" in html and "已提交" in html
    assert entry.code in progress.get_data(as_text=True)
    assert "请填写重新开放的原因。" in refused.get_data(as_text=True)
    assert "评分已重新开放" in reopened.get_data(as_text=True)
    assert db.session.scalar(select(Review.status)) == ReviewStatus.DRAFT
    page = judge.get(_url(reviewing.assignment(0, 0))).get_data(as_text=True)
    assert "提交评分" in page and 'value="20.50"' in page


def _upload(client, competition, data: bytes, name: str):  # noqa: ANN001
    url = f"/competitions/{competition.id}/paper-scores"
    token = csrf_token(client, url)
    return client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    ).get_data(as_text=True)


def test_paper_scores_page_good_bad_and_gbk(app, reviewing):
    admin = client_for(app, reviewing.organiser)
    header = "作品编号,评审专家," + ",".join(
        c.name for c in reviewing.competition.criteria
    )
    code = reviewing.entries[0].code
    judge = reviewing.judges[0]
    bad = f"{header}\n{code},{judge.username},18,20,20,15,11\n"
    good = f"{header},评语\n{code},{judge.judge.name},18,20,20,15,8,结构清晰\n"

    refused = _upload(admin, reviewing.competition, bad.encode(), "s.csv")
    accepted = _upload(admin, reviewing.competition, good.encode("gbk"), "s.csv")
    template = admin.get(f"/competitions/{reviewing.competition.id}/paper-scores.xlsx")

    assert "文件有 1 处错误，未导入任何评分：" in refused
    assert "第 2 行：“写作规范”：分数须在 0 到 10 之间（填写的是 11）" in refused
    assert "新增 1，更新 0，未变 0。" in accepted
    review = db.session.scalar(select(Review))
    assert (review.source, review.total, review.comment) == (
        "paper",
        Decimal("81"),
        "结构清晰",
    )
    assert template.headers["Content-Disposition"].startswith("attachment")


def test_score_with_underscore_refused_not_stored_as_19(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    assignment = reviewing.assignment(0, 0)

    response = _post_sheet(client, reviewing, assignment, ["1_9", "２０"])

    html = response.get_data(as_text=True)
    assert "的分数“1_9”不是有效数字。" in html
    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_review_progress_filters_the_entries_still_waiting(app, reviewing):
    for j in (0, 1):  # both reviews of the first entry submitted
        judge = client_for(app, reviewing.judges[j])
        _post_sheet(judge, reviewing, reviewing.assignment(j, 0), FULL, action="submit")
    admin = client_for(app, reviewing.organiser)
    url = f"/competitions/{reviewing.competition.id}/reviews"
    first, second = (e.code for e in reviewing.entries)

    waiting = admin.get(f"{url}?state=waiting").get_data(as_text=True)
    done = admin.get(f"{url}?state=done").get_data(as_text=True)
    found = admin.get(f"{url}?q={second.lower()}").get_data(as_text=True)

    assert second in waiting and first not in waiting
    assert first in done and second not in done
    assert second in found and first not in found
    assert "共 1 条" in waiting and "2/2" in done
