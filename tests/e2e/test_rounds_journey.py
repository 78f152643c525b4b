"""A two-round competition in a real browser: the organiser shortlists 初评 into
复评 with a senior panel, a 复评 judge scores without seeing 初评, 答辩 scores
are entered, the rounds combine 30/70 with 答辩, and the list is published."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from judging.accounts.models import Role
from judging.assignment.models import Assignment
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.publication import service as publication
from judging.results.demo import add_review
from judging.submissions.models import Author, Entry, StoredFile
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_workflows import watch

pytestmark = pytest.mark.e2e

# 初评: six entries, three judges, every judge the same mean.
FIRST = [88, 80, 80, 72, 65, 58]


def _first_round(make_user, make_unit, make_competition):  # noqa: ANN001, ANN202
    organiser = make_user(Role.ORGANISER)
    c = make_competition(phase=Phase.REVIEWING, actor=organiser, title="两轮评审征文")
    units = [make_unit(name="重庆大学"), make_unit(name="西南大学")]
    judges = [make_user(Role.JUDGE).judge for _ in range(3)]
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    stored = StoredFile(sha256="1" * 64, size=1, kind="pdf")
    db.session.add(stored)
    db.session.flush()
    for i, total in enumerate(FIRST):
        entry = Entry(
            competition_id=c.id,
            unit_id=units[i % 2].id,
            slot=i // 2 + 1,
            code=f"LL-{i + 1:03d}",
            title=f"技能形成研究之{i + 1}",
            category="理论研究",
            file_id=stored.id,
            file_name="a.pdf",
        )
        entry.authors.append(Author(position=1, name=f"作者{i + 1}"))
        db.session.add(entry)
        db.session.flush()
        for judge in judges:
            a = Assignment(entry_id=entry.id, judge_id=judge.id)
            db.session.add(a)
            db.session.flush()
            add_review(
                assignment=a,
                total=Decimal(total),
                criteria=list(c.criteria),
                comment="初评意见INITIAL",
                now=utcnow(),
            )
    db.session.commit()
    return organiser, c, senior


def test_two_rounds_with_defense_to_the_published_list(
    app, live_server, browser, page, make_user, make_unit, make_competition
):
    organiser, c, senior = _first_round(make_user, make_unit, make_competition)
    problems = watch(page)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, organiser.username, PASSWORD)

    # 初评 → 复评: top 2 of six, 80 ties at place 2, so three go on.
    page.goto(f"{live_server}/competitions/{c.id}")
    page.click("a.button:has-text('评审轮次')")
    page.select_option("select[name=cut]", "n")
    page.fill("input[name=value]", "2")
    page.select_option("select[name=method]", "mean")
    with page.expect_navigation():
        page.click("button:has-text('预览入围名单')")
    expect(page.locator("body")).to_contain_text("入围 3 篇（按规则 2 篇）")
    for judge in senior:
        page.check(f"input[name=judge][value='{judge.id}']")
    page.fill("input[name=reviews]", "2")
    with page.expect_navigation():
        page.click("button:has-text('以此名单开始下一轮')")
    expect(page.locator(".flash")).to_contain_text("下一轮已开始")
    expect(page.locator("body")).to_contain_text("本轮入围作品（3 篇）")

    # The solver assigns the 复评 panel only.
    page.click("a.button:has-text('分配评审（本轮）')")
    page.fill("input[name=k]", "2")
    with page.expect_navigation():
        page.click("button:has-text('预览分配方案')")
    with page.expect_navigation():
        page.click("button:has-text('按此方案分配')")
    db.session.rollback()
    second = db.session.scalars(
        select(Assignment).where(Assignment.round_no == 2)
    ).all()
    assert {a.judge_id for a in second} == {j.id for j in senior}

    # A 复评 judge scores in the browser and never sees 初评.
    judge_context = browser.new_context(locale="zh-CN")
    judge_page = judge_context.new_page()
    judge_problems = watch(judge_page)
    judge_page.on("dialog", lambda dialog: dialog.accept())
    log_in(judge_page, live_server, senior[0].user.username, PASSWORD)
    judge_page.goto(f"{live_server}/judge")
    rows = judge_page.locator("table tbody tr a")
    assert rows.count() == 3
    rows.first.click()
    assert "INITIAL" not in judge_page.content()
    for criterion in c.criteria:
        judge_page.fill(f"input[name=points_{criterion.id}]", "10")
    with judge_page.expect_navigation():
        judge_page.click("button:has-text('提交评分')")
    expect(judge_page.locator("body")).to_contain_text("评分已提交，只读。")
    assert judge_problems == []
    judge_context.close()
    db.session.rollback()
    for a in db.session.scalars(select(Assignment).where(Assignment.round_no == 2)):
        if a.review is None:
            add_review(
                assignment=a,
                total=Decimal(70 + a.entry_id),
                criteria=list(c.criteria),
                comment="复评意见",
                now=utcnow(),
            )
    db.session.commit()

    # Combination 30/70 with 答辩 20 %, then the 答辩 scores.
    page.goto(f"{live_server}/competitions/{c.id}/rounds")
    page.select_option("select[name=mode]", "weighted")
    page.fill("input[name=weight_1]", "30")
    page.fill("input[name=weight_2]", "70")
    page.fill("input[name=defense_weight]", "20")
    with page.expect_navigation():
        page.click("button:has-text('保存合成方式')")
    expect(page.locator(".flash")).to_contain_text("合成方式已保存")
    page.click("a.button:has-text('答辩成绩')")
    forms = page.locator("form:has(textarea[name=marks])")
    assert forms.count() == 3
    for i in range(3):
        form = page.locator("form:has(textarea[name=marks])").nth(i)
        form.locator("textarea").fill(f"评委甲 {80 + i}\n评委乙 {84 + i}")
        with page.expect_navigation():
            form.locator("button").click()
        expect(page.locator(".flash")).to_contain_text("答辩成绩")

    page.goto(f"{live_server}/competitions/{c.id}/results")
    expect(page.locator(".rounds-explained")).to_contain_text("初评 30% + 复评 70%")
    expect(page.locator(".rounds-explained")).to_contain_text("答辩/现场评审成绩占 20%")
    page.locator("form[data-confirm] select[name=method]").select_option("mean")
    with page.expect_navigation():
        page.click("button:text-is('定稿')")
    expect(page.locator(".flash")).to_contain_text("结果已定稿")
    db.session.rollback()
    publication.start_publicity(
        actor=organiser,
        competition=c,
        settings=publication.PublicitySettings(
            starts_on=date.today() - timedelta(days=9),
            ends_on=date.today() - timedelta(days=3),
            fields=("title", "unit", "tier"),
        ),
        now=utcnow() - timedelta(days=10),
    )
    db.session.commit()
    page.reload()
    with page.expect_navigation():
        page.click("button:has-text('公布最终名单')")
    expect(page.locator(".flash")).to_contain_text("获奖名单已公布")
    assert problems == []

    public = browser.new_context(locale="zh-CN")
    anonymous = public.new_page()
    anonymous.goto(f"{live_server}/awards/{c.id}")
    listed = anonymous.locator("body").inner_text()
    # Only 复评 entries can be awarded: 004–006 are not on the list.
    assert "技能形成研究之1" in listed
    assert "技能形成研究之4" not in listed
    public.close()
