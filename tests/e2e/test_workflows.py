"""Workflows in a real browser: a unit submits, a judge scores, an organiser
reads the results, prints certificates and the public checks them.

Every journey goes through the real pages (clicks, form fills, uploads,
downloads) and asserts what the user sees; no page may raise a JavaScript
error or a CSP violation on the way.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader
from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.anonymity.service import close_submissions
from judging.assignment.models import Assignment
from judging.certificates.models import Certificate
from judging.competitions.models import Phase
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.publication import service as publication
from judging.results import service as results
from judging.results.demo import add_review
from judging.submissions import service as submissions
from judging.submissions.demo import essay_docx
from judging.submissions.models import Author, Entry, StoredFile
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.e2e

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
UNIT = "潜龙湾理工大学"
PARAGRAPH = "推进产业工人队伍建设改革，是实施制造强国战略的重要支撑。"
# Six entries, three judges (None: not assigned); every review submitted.
TOTALS = [
    [65, 81, None],
    [56, 69, None],
    [44, 60, None],
    [None, 81, 80],
    [None, 69, 69],
    [None, 60, 61],
]


def watch(page: Page) -> list[str]:
    """Collect uncaught JavaScript errors and console errors (CSP reports too)."""
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(f"pageerror: {exc}"))
    page.on(
        "console",
        lambda msg: (
            problems.append(f"console: {msg.text}") if msg.type == "error" else None
        ),
    )
    return problems


def pdf_text(path: str | Path) -> tuple[int, str]:
    reader = PdfReader(path)
    text = "".join(p.extract_text() or "" for p in reader.pages)
    return len(reader.pages), re.sub(r"\s+", "", text)


# --- 1. a unit contact submits an essay --------------------------------------


def test_unit_submits_essay_and_downloads_receipt(
    live_server, page, make_user, make_unit, make_competition, tmp_path
):
    competition = make_competition(title="产改主题征文", max_entries=5)
    contact = make_user(Role.UNIT, unit=make_unit(name="重庆大学"))
    problems = watch(page)
    log_in(page, live_server, contact.username, PASSWORD)

    page.click("a.button:has-text('提交作品')")
    expect(page.locator("h1")).to_have_text("提交作品")
    page.fill("input[name=title]", "新时代产业工人技能形成研究")
    page.select_option("select[name=category]", "调研报告")
    page.fill("input[name='authors-0-name']", "张晓明")
    page.set_input_files("input[name=file]", str(FIXTURES / "clean.docx"))
    with page.expect_navigation():
        page.click("form.card button[type=submit]")

    expect(page.locator(".flash")).to_contain_text("作品已提交")
    expect(page.locator(".submitted-count")).to_have_text("已提交 1/5 篇")
    expect(page.locator("table")).to_contain_text("新时代产业工人技能形成研究")
    with page.expect_download() as info:
        page.click("text=下载报送回执（PDF）")
    receipt = tmp_path / "receipt.pdf"
    info.value.save_as(receipt)
    _pages, text = pdf_text(receipt)
    assert "新时代产业工人技能形成研究" in text
    assert "重庆大学" in text

    fake = tmp_path / "x.pdf"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 200)
    page.click("a.button:has-text('提交作品')")
    page.fill("input[name=title]", "伪装成 PDF 的图片")
    page.fill("input[name='authors-0-name']", "李四")
    page.set_input_files("input[name=file]", str(fake))
    with page.expect_navigation():
        page.click("form.card button[type=submit]")

    expect(page.locator("body")).to_contain_text("仅接受 PDF 或 Word（.docx）文件")
    expect(page.locator("input[name=title]")).to_have_value("伪装成 PDF 的图片")
    page.click("nav.mainnav a:has-text('我的报送')")
    expect(page.locator(".submitted-count")).to_have_text("已提交 1/5 篇")
    db.session.rollback()
    assert (
        db.session.scalar(
            select(func.count(Entry.id)).where(Entry.competition_id == competition.id)
        )
        == 1
    )
    assert problems == []


# --- 2. a judge scores an entry -------------------------------------------------


def test_judge_scores_entry_without_seeing_the_unit(
    live_server, page, make_user, make_unit, make_competition
):
    organiser = make_user(Role.ORGANISER)
    competition = make_competition(phase=Phase.OPEN, actor=organiser)
    contact = make_user(Role.UNIT, unit=make_unit(name=UNIT))
    entry = submissions.create_entry(
        actor=contact,
        competition=competition,
        data=submissions.EntryInput(
            title="数字治理的三个维度",
            category="理论研究",
            authors=(submissions.AuthorInput(name="欧阳锦绣"),),
            advisor="上官明远",
            abstract="本文考察数字治理在基层的三个维度。",
            keywords="数字治理",
        ),
        upload=submissions.Upload(
            data=essay_docx("数字治理的三个维度", [PARAGRAPH]),
            filename="潜龙湾理工终稿.docx",
        ),
        now=utcnow(),
    )
    close_submissions(competition, organiser)
    competition.phase = Phase.REVIEWING
    judge = make_user(Role.JUDGE)
    db.session.add(Assignment(entry_id=entry.id, judge_id=judge.judge.id))
    db.session.commit()
    criteria = list(competition.criteria)
    problems = watch(page)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, judge.username, PASSWORD)

    page.goto(f"{live_server}/judge")
    row = page.locator("table.assignments tr", has_text=entry.code)
    row.locator("a").click()
    expect(page.locator("h1")).to_contain_text(entry.code)
    expect(page.locator(".review-text")).to_contain_text(PARAGRAPH)
    too_many = str(criteria[1].max_points + 5)
    for criterion in criteria:
        page.fill(f"input[name=points_{criterion.id}]", "10")
    page.fill(f"input[name=points_{criteria[1].id}]", too_many)
    page.fill("textarea[name=comment]", "论证充分。")
    expect(page.locator(".rubric-total")).to_have_text(
        str(10 * (len(criteria) - 1) + int(too_many))
    )
    with page.expect_navigation():
        page.click("button:has-text('保存草稿')")

    expect(page.locator("body")).to_contain_text(
        f"“{criteria[1].name}”：分数须在 0 到 {criteria[1].max_points} 之间"
        f"（填写的是 {too_many}）。"
    )
    expect(page.locator(f"input[name=points_{criteria[1].id}]")).to_have_value(too_many)
    expect(page.locator("textarea[name=comment]")).to_have_value("论证充分。")
    assert UNIT not in page.content()

    page.fill(f"input[name=points_{criteria[1].id}]", "12.5")
    with page.expect_navigation():
        page.click("button:has-text('提交评分')")

    expect(page.locator("table.rubric-readonly")).to_be_visible()
    expect(page.locator("body")).to_contain_text("评分已提交，只读。")
    expect(page.locator("form.rubric")).to_have_count(0)
    total = Decimal(10 * (len(criteria) - 1)) + Decimal("12.5")
    expect(page.locator("table.rubric-readonly tfoot")).to_contain_text(str(total))
    sheet = page.url
    for url in (f"{live_server}/judge", sheet):
        page.goto(url)
        assert UNIT not in page.content()
        assert "欧阳锦绣" not in page.content()
    assert problems == []


# --- 3. an organiser reads results and prints certificates ----------------------


def _scored_competition(make_user, make_unit, make_competition):  # noqa: ANN001, ANN202
    """A competition in review with every review submitted (one harsh judge)."""
    organiser = make_user(Role.ORGANISER)
    competition = make_competition(
        phase=Phase.REVIEWING, actor=organiser, title="产改调研专题征文"
    )
    competition.issuer = "重庆市教科文卫体工会"
    competition.issued_on = utcnow().date()
    units = [make_unit(name="重庆大学"), make_unit(name="西南大学")]
    judges = [make_user(Role.JUDGE).judge for _ in range(3)]
    stored = StoredFile(sha256="0" * 64, size=1, kind="pdf")
    db.session.add(stored)
    db.session.flush()
    criteria = list(competition.criteria)
    for i, row in enumerate(TOTALS):
        entry = Entry(
            competition_id=competition.id,
            unit_id=units[i % 2].id,
            slot=i // 2 + 1,
            code=f"ZW-{i + 1:03d}",
            title=f"产业工人技能形成研究之{i + 1}",
            category="理论研究",
            file_id=stored.id,
            file_name="a.pdf",
        )
        entry.authors.append(Author(position=1, name=f"作者{i + 1}"))
        db.session.add(entry)
        db.session.flush()
        for j, total in enumerate(row):
            if total is None:
                continue
            assignment = Assignment(entry_id=entry.id, judge_id=judges[j].id)
            db.session.add(assignment)
            db.session.flush()
            add_review(
                assignment=assignment,
                total=Decimal(total),
                criteria=criteria,
                comment="论点明确。",
                now=utcnow(),
            )
    db.session.commit()
    return organiser, competition


def test_organiser_reads_results_and_prints_certificates(
    app, live_server, browser, page, make_user, make_unit, make_competition, tmp_path
):
    organiser, competition = _scored_competition(make_user, make_unit, make_competition)
    problems = watch(page)
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, organiser.username, PASSWORD)

    page.goto(f"{live_server}/competitions/{competition.id}")
    page.click("a.button:has-text('评审结果')")
    headers = page.locator("table.results thead th").all_inner_texts()
    for label in results.METHOD_LABELS.values():
        assert label in headers
    expect(page.locator("table.results tbody tr")).to_have_count(len(TOTALS))
    page.click("a.button:has-text('评审一致性与图表')")
    expect(page.locator("h1")).to_contain_text("评审一致性与图表")
    expect(page.locator("section.chart svg").first).to_be_visible()
    assert page.locator("section.chart svg").count() == 2

    page.click("a.button:has-text('返回评审结果')")
    page.locator("form[data-confirm] select[name=method]").select_option("calibrated")
    with page.expect_navigation():
        page.click("button:text-is('定稿')")
    expect(page.locator(".flash")).to_contain_text("结果已定稿")
    # 公示 ran (off-screen) and its objection period is over.
    db.session.rollback()
    publication.start_publicity(
        actor=organiser,
        competition=competition,
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

    page.click("a.button:has-text('返回竞赛')")
    page.click("a.button:has-text('荣誉证书')")
    with page.expect_navigation():
        page.click("button:has-text('颁发荣誉证书')")
    expect(page.locator(".flash")).to_contain_text("已颁发")
    issued = page.locator("table tbody tr")
    count = issued.count()
    assert count > 0
    serial = issued.first.locator("code").inner_text()
    page.select_option("select[name=kind]", "pdf")
    with page.expect_navigation():
        page.click("button:has-text('后台生成（显示进度）')")
    link = page.locator("[data-progress-link]")
    expect(link).to_be_visible(timeout=20_000)
    expect(page.locator("[data-progress-label]")).to_have_text(f"{count}/{count}")
    assert page.locator("progress").evaluate("p => p.value === p.max")
    with page.expect_download() as info:
        link.click()
    batch = tmp_path / "batch.pdf"
    info.value.save_as(batch)
    pages, _text = pdf_text(batch)
    db.session.rollback()
    assert pages == count == db.session.scalar(select(func.count(Certificate.id)))
    assert problems == []

    public = browser.new_context(locale="zh-CN")
    anonymous = public.new_page()
    anonymous_problems = watch(anonymous)
    anonymous.goto(f"{live_server}/awards/{competition.id}")
    expect(anonymous.locator("h1")).to_contain_text("获奖名单")
    expect(anonymous.locator("body")).to_contain_text("重庆大学")
    anonymous.goto(f"{live_server}/verify/{serial}")
    expect(anonymous.locator(".verify-valid")).to_have_text("证书真实有效")
    expect(anonymous.locator("code")).to_have_text(serial)
    assert anonymous_problems == []
    public.close()


# --- 4. a phone-sized screen ------------------------------------------------------


def test_unit_dashboard_fits_a_phone_screen(
    live_server, browser, make_user, make_unit, make_competition
):
    competition = make_competition(title="理论强基促发展 我为产改作贡献")
    contact = make_user(Role.UNIT, unit=make_unit(name="重庆大学"))
    for n in range(3):
        submissions.create_entry(
            actor=contact,
            competition=competition,
            data=submissions.EntryInput(
                title=f"新时代产业工人队伍建设改革的实践路径与对策研究之{n + 1}",
                category="调研报告",
                authors=(
                    submissions.AuthorInput(name="欧阳锦绣"),
                    submissions.AuthorInput(name="司徒青云"),
                ),
                advisor="",
                abstract="",
                keywords="",
            ),
            upload=submissions.Upload(
                data=(FIXTURES / "clean.docx").read_bytes(),
                filename=f"一个相当长的原始文件名用来撑开表格第{n + 1}篇.docx",
            ),
            now=utcnow(),
        )
    db.session.commit()
    context = browser.new_context(
        locale="zh-CN", viewport={"width": 375, "height": 740}
    )
    page = context.new_page()
    problems = watch(page)
    log_in(page, live_server, contact.username, PASSWORD)

    expect(page.locator(".submitted-count")).to_have_text("已提交 3/5 篇")
    expect(page.locator(".table-wrap table tbody tr")).to_have_count(3)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375 + 1
    expect(page.locator("a.button:has-text('提交作品')")).to_be_in_viewport()
    page.click("a.button:has-text('提交作品')")
    expect(page.locator("h1")).to_have_text("提交作品")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    assert problems == []
    context.close()
