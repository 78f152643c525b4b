"""A two-round competition in a real browser, to the published list and the
certificates: the organiser sets per-category tiers, shortlists 初评 into 复评
per category with a senior panel, a 复评 judge scores without seeing 初评, the
organiser enters one 答辩 score by hand and imports the others, the rounds
combine 30/70 with 答辩, he finalises, runs the 公示, publishes and issues the
certificates.

Entries and the reviews of the experts who are not watched are seeded with
the services; every decision of the organiser goes through the pages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from judging.accounts.models import Role
from judging.assignment.models import Assignment
from judging.certificates.models import Certificate
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.publication.models import Publicity
from judging.results.demo import add_review
from judging.results.models import Result
from judging.submissions.models import Author, Entry, StoredFile
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_workflows import watch

pytestmark = pytest.mark.e2e

# 初评 (every judge the same total): 理论研究 LL-001…004, 调研报告 LL-005…008.
# Top 2 per category: 80 ties at place 2 in 理论研究, so 001–003 and 005–006 go on.
FIRST = {
    "理论研究": [88, 80, 80, 60],
    "调研报告": [85, 75, 70, 55],
}


def _first_round(make_user, make_unit, make_competition):  # noqa: ANN001, ANN202
    organiser = make_user(Role.ORGANISER)
    c = make_competition(phase=Phase.REVIEWING, actor=organiser, title="两轮评审征文")
    units = [make_unit(name="重庆大学"), make_unit(name="西南大学")]
    judges = [make_user(Role.JUDGE).judge for _ in range(3)]
    senior = [make_user(Role.JUDGE).judge for _ in range(2)]
    stored = StoredFile(sha256="1" * 64, size=1, kind="pdf")
    db.session.add(stored)
    db.session.flush()
    number = 0
    for category, totals in FIRST.items():
        for total in totals:
            number += 1
            entry = Entry(
                competition_id=c.id,
                unit_id=units[number % 2].id,
                slot=(number + 1) // 2,
                code=f"LL-{number:03d}",
                title=f"技能形成研究之{number}",
                category=category,
                file_id=stored.id,
                file_name="a.pdf",
                advisor="李老师" if number == 1 else "",
            )
            entry.authors.append(Author(position=1, name=f"作者{number}"))
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


def test_two_rounds_with_defense_and_categories_to_the_certificates(
    app, live_server, browser, page, make_user, make_unit, make_competition
):
    organiser, c, senior = _first_round(make_user, make_unit, make_competition)
    problems = watch(page)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, organiser.username, PASSWORD)

    # Tiers per category (调研报告 by counts), the 优秀组织奖 by threshold.
    page.goto(f"{live_server}/competitions/{c.id}/results/rules")
    page.check("input[name=by_category]")
    page.fill("textarea[name=category_tiers]", "调研报告：1，1，0")
    page.select_option("select[name=org_rule]", "threshold")
    page.fill("input[name=org_min_entries]", "4")
    with page.expect_navigation():
        page.click("button:has-text('保存评奖规则')")
    expect(page.locator(".flash")).to_contain_text("评奖规则已保存")

    # 初评 → 复评: top 2 per category; the tie at 80 takes three 理论研究 on.
    page.goto(f"{live_server}/competitions/{c.id}")
    page.click("a.button:has-text('评审轮次')")
    page.select_option("select[name=cut]", "n")
    page.fill("input[name=value]", "2")
    page.check("input[name=per_category]")
    page.select_option("select[name=method]", "mean")
    with page.expect_navigation():
        page.click("button:has-text('预览入围名单')")
    expect(page.locator("body")).to_contain_text("入围 5 篇（按规则 4 篇）")
    for judge in senior:
        page.check(f"input[name=judge][value='{judge.id}']")
    page.fill("input[name=reviews]", "2")
    with page.expect_navigation():
        page.click("button:has-text('以此名单开始下一轮')")
    expect(page.locator(".flash")).to_contain_text("下一轮已开始")
    expect(page.locator("body")).to_contain_text("本轮入围作品（5 篇）")

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
    assert len(second) == 10
    assert {a.judge_id for a in second} == {j.id for j in senior}

    # A 复评 judge scores in the browser and never sees 初评.
    judge_context = browser.new_context(locale="zh-CN")
    judge_page = judge_context.new_page()
    judge_problems = watch(judge_page)
    log_in(judge_page, live_server, senior[0].user.username, PASSWORD)
    judge_page.goto(f"{live_server}/judge")
    rows = judge_page.locator("table tbody tr a")
    assert rows.count() == 5
    rows.first.click()
    assert "INITIAL" not in judge_page.content()
    for criterion in c.criteria:
        judge_page.fill(f"input[name=points_{criterion.id}]", "10")
    judge_page.on("dialog", lambda dialog: dialog.accept())
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
                total=Decimal(60 + a.entry_id % 7 * 4),
                criteria=list(c.criteria),
                comment="复评意见",
                now=utcnow(),
            )
    db.session.commit()

    # Combination 30/70 with 答辩 20 %; one 答辩 score by hand, the rest imported.
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
    assert forms.count() == 5
    forms.first.locator("textarea").fill("专家甲 90\n专家乙 86")
    with page.expect_navigation():
        forms.first.locator("button").click()
    expect(page.locator(".flash")).to_contain_text("LL-001")
    lines = ["作品编号,评审专家,答辩分"]
    for i, code in enumerate(["LL-002", "LL-003", "LL-005", "LL-006"]):
        lines += [f"{code},专家甲,{80 + i}", f"{code},专家乙,{70 + i}"]
    page.set_input_files(
        "input[name=file]",
        files=[
            {
                "name": "答辩成绩.csv",
                "mimeType": "text/csv",
                "buffer": "\n".join(lines).encode("utf-8-sig"),
            }
        ],
    )
    with page.expect_navigation():
        page.click("button:has-text('导入')")
    expect(page.locator(".flash")).to_contain_text("已导入 4 篇作品的答辩成绩")

    # Results: the combination explained, tiers per category; finalise.
    page.goto(f"{live_server}/competitions/{c.id}/results")
    expect(page.locator(".rounds-explained")).to_contain_text("初评 30% + 复评 70%")
    expect(page.locator(".rounds-explained")).to_contain_text("答辩/现场评审成绩占 20%")
    body = page.locator("body")
    expect(body).to_contain_text("调研报告 · 一等奖：1 名")
    expect(body).to_contain_text("理论研究 · 一等奖：1 名")
    page.locator("form[data-confirm] select[name=method]").select_option("mean")
    with page.expect_navigation():
        page.click("button:text-is('定稿')")
    expect(page.locator(".flash")).to_contain_text("结果已定稿")
    db.session.rollback()
    frozen = {
        r.entry.code: r
        for r in db.session.scalars(
            select(Result).join(Entry).where(Entry.competition_id == c.id)
        )
    }
    awarded = {code for code, r in frozen.items() if r.tier_name}
    assert awarded == {"LL-001", "LL-002", "LL-003", "LL-005", "LL-006"}

    # 公示 through its page; then the period passes and the list is published.
    page.goto(f"{live_server}/competitions/{c.id}/publicity")
    today = page.locator("input[name=starts_on]").input_value()
    page.fill("input[name=ends_on]", today)
    with page.expect_navigation():
        page.click("button[value=start]")
    expect(page.locator(".flash")).to_contain_text("公示已开始")
    page.goto(f"{live_server}/publicity/{c.id}")
    expect(page.locator("body")).to_contain_text("技能形成研究之5")
    db.session.rollback()
    publicity = db.session.scalar(
        select(Publicity).where(Publicity.competition_id == c.id)
    )
    publicity.starts_at -= timedelta(days=8)  # eight days later, no objection
    publicity.ends_at -= timedelta(days=8)
    db.session.commit()
    page.goto(f"{live_server}/competitions/{c.id}/publicity")
    with page.expect_navigation():
        page.click("button:has-text('公布最终名单')")
    expect(page.locator(".flash")).to_contain_text("最终名单已公布")

    # Certificates: one per awarded entry and one per 优秀组织奖 unit.
    page.goto(f"{live_server}/competitions/{c.id}")
    page.click("a.button:has-text('荣誉证书')")
    with page.expect_navigation():
        page.click("button:has-text('颁发荣誉证书')")
    expect(page.locator(".flash")).to_contain_text("已颁发")
    db.session.rollback()
    issued = db.session.scalars(
        select(Certificate)
        .outerjoin(Entry, Entry.id == Certificate.entry_id)
        .where((Entry.competition_id == c.id) | (Certificate.competition_id == c.id))
    ).all()
    assert len([x for x in issued if x.entry_id]) == len(awarded)
    assert len([x for x in issued if x.kind == "organisation"]) == 2
    serial = next(x.serial for x in issued if x.entry_id == frozen["LL-001"].entry_id)
    assert problems == []

    public = browser.new_context(locale="zh-CN")
    anonymous = public.new_page()
    anonymous_problems = watch(anonymous)
    anonymous.goto(f"{live_server}/awards/{c.id}")
    listed = anonymous.locator("body").inner_text()
    assert "理论研究" in listed and "调研报告" in listed
    assert "技能形成研究之1" in listed and "李老师" in listed
    # Only 复评 entries can be awarded: 004, 007 and 008 are not on the list.
    assert "技能形成研究之4" not in listed
    assert "技能形成研究之7" not in listed
    assert "优秀组织奖" in listed
    anonymous.goto(f"{live_server}/verify/{serial}")
    expect(anonymous.locator(".verify-valid")).to_have_text("证书真实有效")
    assert anonymous_problems == []
    public.close()
