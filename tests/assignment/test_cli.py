"""`flask assign` and `flask remind`, and the reviewing-phase demo."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from judging.assignment import service
from judging.assignment.demo import REVIEWING_TITLE, build_reviewing
from judging.assignment.models import Assignment, AssignmentStatus
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from tests.assignment.conftest import World


def _count() -> int:
    return db.session.scalar(
        select(func.count(Assignment.id)).where(
            Assignment.status == AssignmentStatus.ACTIVE
        )
    )


def test_assign_dry_run_prints_stats_and_writes_nothing(runner, make_world):
    w: World = make_world()

    result = runner.invoke(
        args=["assign", str(w.competition.id), "--seed", "9", "--dry-run"]
    )

    assert result.exit_code == 0, result.output
    assert "随机种子 9，每篇 3 位评审专家。" in result.output
    assert "评审量 最少 5，最多 6" in result.output
    assert "回避冲突 0" in result.output
    assert "所有评审专家都通过共同评阅的作品相连" in result.output
    assert "预览（--dry-run），未写入。" in result.output
    assert _count() == 0


def test_assign_applies_same_plan_as_preview(runner, make_world):
    w: World = make_world()
    preview = service.preview_plan(competition=w.competition, k=2, seed=5)

    result = runner.invoke(
        args=["assign", str(w.competition.id), "--seed", "5", "--k", "2"]
    )

    pairs = set(
        db.session.execute(select(Assignment.entry_id, Assignment.judge_id)).all()
    )
    assert result.exit_code == 0, result.output
    assert "已写入分配（随机种子 5）。" in result.output
    assert pairs == set(preview.plan.pairs)


def test_assign_infeasible_prints_reasons_and_exits_1(runner, make_world):
    w: World = make_world(units=2, per_unit=2, outside=0)

    result = runner.invoke(args=["assign", str(w.competition.id), "--seed", "1"])

    assert result.exit_code == 1
    assert "无法生成满足规则的方案，未写入任何数据：" in result.output
    assert "  作品" in result.output
    assert _count() == 0


def test_assign_refused_while_open_exits_1(runner, make_world):
    w: World = make_world(phase=Phase.OPEN)

    result = runner.invoke(args=["assign", str(w.competition.id)])

    assert result.exit_code == 1
    assert "只有在征集截止后" in result.output


def test_assign_unknown_competition_exits_1(runner, app):
    result = runner.invoke(args=["assign", "999"])

    assert (result.exit_code, result.output.strip()) == (
        1,
        "没有编号为 999 的竞赛。用 competitions 命令查看全部竞赛。",
    )


def test_remind_prints_messages_without_smtp(runner, make_world):
    w: World = make_world()
    service.apply_plan(
        actor=None, competition=w.competition, k=3, seed=2, now=w.competition.closes_at
    )
    db.session.commit()

    result = runner.invoke(args=["remind", str(w.competition.id)])

    assert result.exit_code == 0, result.output
    assert "未配置邮件服务器（MAIL_SERVER）" in result.output
    assert result.output.count("收件人：") == len(w.judges)
    assert [s.name for s in w.units if s.name in result.output] == []


def test_remind_says_public_base_url_is_unset_and_how_to_set_it(runner, make_world):
    w: World = make_world()
    service.apply_plan(
        actor=None, competition=w.competition, k=3, seed=2, now=w.competition.closes_at
    )
    db.session.commit()

    result = runner.invoke(args=["remind", str(w.competition.id)])

    assert result.exit_code == 0, result.output
    assert "注意：未设置 PUBLIC_BASE_URL" in result.output
    assert 'PUBLIC_BASE_URL = "https://评审系统的网址"' in result.output
    assert "JUDGING_PUBLIC_BASE_URL=" in result.output


def test_remind_sends_no_mail_with_a_localhost_link(app, runner, make_world):
    w: World = make_world()
    service.apply_plan(
        actor=None, competition=w.competition, k=3, seed=2, now=w.competition.closes_at
    )
    db.session.commit()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens

    result = runner.invoke(args=["remind", str(w.competition.id)])

    assert result.exit_code == 1
    assert "未发送任何邮件。" in result.output
    assert "未设置 PUBLIC_BASE_URL" in result.output


def test_remind_links_to_public_base_url(app, runner, make_world):
    w: World = make_world()
    service.apply_plan(
        actor=None, competition=w.competition, k=3, seed=2, now=w.competition.closes_at
    )
    db.session.commit()
    app.config["PUBLIC_BASE_URL"] = "https://pingshen.example.cn/"

    result = runner.invoke(args=["remind", str(w.competition.id)])

    assert result.exit_code == 0, result.output
    assert "https://pingshen.example.cn/login" in result.output
    assert "PUBLIC_BASE_URL" not in result.output


def test_build_reviewing_demo_assigns_three_judges_and_is_idempotent(app):
    from judging.accounts import service as accounts
    from judging.demo import UNITS_CSV, judges_csv

    # The demo's units and judges, without build_demo's open competition (slow).
    admin = accounts.create_organiser(username="admin", password="assign-cli-pass-1")
    shared = ("demo-pass-1", accounts.hash_password("demo-pass-1"))
    accounts.import_units(
        actor=admin, data=UNITS_CSV.read_bytes(), filename="s.csv", shared=shared
    )
    accounts.import_judges(
        actor=admin, data=judges_csv(), filename="j.csv", shared=shared
    )

    first = build_reviewing(admin=admin, today=date.today())
    again = build_reviewing(admin=admin, today=date.today())

    entries = service.submitted_entries(first)
    assert again.id == first.id
    assert (first.title, first.phase) == (REVIEWING_TITLE, Phase.REVIEWING)
    assert 30 <= len(entries) <= 50
    assert service.understaffed(first) == []
    assert service.conflicting_assignments(first) == []
    assert (
        db.session.scalar(
            select(func.count(Competition.id)).where(
                Competition.title == REVIEWING_TITLE
            )
        )
        == 1
    )


def test_assign_names_separate_judge_groups_in_plain_words():
    from judging.assignment.cli import _groups

    said = _groups(6)

    assert said == (
        "有 6 组评审专家之间没有共同评阅的作品，无法比较宽严，建议增派评审使各组相连。"
        "可用更大的 --k 重新生成方案，或在网页的分配方案页为各组增派评审专家。"
    )
    assert "连通分量" not in said
