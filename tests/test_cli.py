"""The command line: demo data, imports, organiser accounts, init-db."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select

from judging.accounts.models import Judge, Role, Unit, User
from judging.certificates.models import Certificate
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from judging.originality.models import SimilarPair
from judging.review.models import Review, ReviewStatus
from judging.submissions.models import Entry
from tests.conftest import UNITS_CSV


def test_demo_creates_every_stage_and_is_idempotent(runner, app):
    from tests.conftest import login

    first = runner.invoke(args=["demo", "--password", "demo-pass-1"])
    counts = _counts()
    second = runner.invoke(args=["demo", "--password", "demo-pass-2"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "admin / demo-pass-1" in first.output
    assert "已将 103 个已有演示账号的密码改为 demo-pass-2。" in second.output
    assert counts[:2] == (1 + 67 + 15 + 20, 5)
    assert _counts() == counts
    unit01 = db.session.scalar(select(User).where(User.username == "unit01"))
    assert (unit01.unit.name, unit01.must_change_password) == ("重庆大学", False)
    judges = db.session.scalars(select(Judge)).all()
    assert len(judges) == 20
    assert 0 < sum(j.unit_id is not None for j in judges) < 20
    phases = db.session.execute(
        select(Competition.phase, func.count(Entry.id))
        .join(Entry, Entry.competition_id == Competition.id)
        .where(Competition.kind == "competition")
        .group_by(Competition.id, Competition.phase)
        .order_by(Competition.id)
    ).all()
    assert [p for p, _n in phases] == [Phase.OPEN, Phase.REVIEWING, Phase.PUBLISHED]
    assert all(n > 20 for _p, n in phases)
    _assert_collections()
    assert (
        db.session.scalar(
            select(func.count(Review.id)).where(Review.status == ReviewStatus.SUBMITTED)
        )
        > 50
    )
    assert db.session.scalar(select(func.count(Certificate.id))) > 5
    # 查重: one essay sent by two universities, one sent again a year on
    pairs = db.session.scalars(select(SimilarPair).order_by(SimilarPair.id)).all()
    kinds = [
        (p.kind, p.entry_a.competition.phase, p.entry_b.competition.phase)
        for p in pairs
    ]
    assert kinds == [
        ("same_text", Phase.OPEN, Phase.OPEN),
        ("near_copy", Phase.PUBLISHED, Phase.OPEN),
    ]
    for username, home in (
        ("admin", "/competitions"),
        ("unit01", "/unit"),
        ("judge01", "/judge"),
    ):
        client = app.test_client()
        user = db.session.scalar(select(User).where(User.username == username))
        login(client, user, password="demo-pass-2")
        assert client.get("/").location == home


def _assert_collections() -> None:
    """The plan's two collections: every unit's summary, pilots' case reports."""
    from judging.accounts.models import Unit
    from judging.submissions.models import Attachment

    summary, cases = db.session.scalars(
        select(Competition)
        .where(Competition.kind == "collection")
        .order_by(Competition.id)
    ).all()
    by_unit = dict(
        db.session.execute(
            select(Entry.unit_id, func.count(Entry.id))
            .where(Entry.competition_id == cases.id)
            .group_by(Entry.unit_id)
        ).all()
    )
    pilots = set(db.session.scalars(select(Unit.id).where(Unit.is_pilot)))
    assert len(pilots) == 6
    assert set(by_unit) <= pilots and sorted(set(by_unit.values())) == [1, 2]
    kinds = set(
        db.session.scalars(
            select(Unit.kind)
            .join(Entry, Entry.unit_id == Unit.id)
            .where(Entry.competition_id == summary.id)
        )
    )
    assert {"本科院校", "医疗卫生机构", "文化单位"} <= kinds
    photos = db.session.scalar(
        select(func.count(Attachment.id))
        .join(Entry, Entry.id == Attachment.entry_id)
        .where(Entry.competition_id == cases.id)
    )
    assert photos >= len(by_unit)
    assert (summary.closes_at.month, cases.closes_at.month) == (11, 11)


def test_demo_refuses_a_database_with_real_users(runner, make_user):
    make_user(Role.ORGANISER, username="zhang.organiser")

    refused = runner.invoke(args=["demo"])

    assert refused.exit_code == 1
    assert "数据库中已有非演示数据，未添加演示账号" in refused.output
    assert db.session.scalar(select(User).where(User.username == "admin")) is None


def test_demo_refused_in_production(runner, app):
    app.config["ENV"] = "production"

    refused = runner.invoke(args=["demo"])

    assert refused.exit_code == 1
    assert "生产模式（JUDGING_ENV=production）不允许添加演示数据。" in refused.output
    assert db.session.scalar(select(func.count(User.id))) == 0


def _counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count(model.id)))
        for model in (User, Competition, Entry, Review, Certificate)
    )


def test_import_units_cli_writes_credentials(runner, tmp_path: Path):
    out = tmp_path / "accounts.xlsx"

    result = runner.invoke(
        args=["import-units", str(UNITS_CSV), "--credentials", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert "新增 67，更新 0，未变 0" in result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert len(rows) == 68
    assert rows[1][0] == "unit01"
    assert out.stat().st_mode & 0o777 == 0o600  # one-time passwords inside


def test_credentials_file_made_private_even_if_it_existed(runner, tmp_path: Path):
    out = tmp_path / "accounts.xlsx"
    out.write_bytes(b"old")
    out.chmod(0o644)

    result = runner.invoke(
        args=["import-units", str(UNITS_CSV), "--credentials", str(out)]
    )

    assert result.exit_code == 0, result.output
    assert out.stat().st_mode & 0o777 == 0o600
    assert len(list(load_workbook(out).active.iter_rows())) == 68


def test_import_judges_cli_bad_file_exits_nonzero(runner, tmp_path: Path):
    bad = tmp_path / "judges.csv"
    bad.write_bytes("姓名,工作单位\n张三,火星大学\n".encode("gbk"))

    result = runner.invoke(args=["import-judges", str(bad)])

    assert result.exit_code == 1
    assert "第 2 行：工作单位“火星大学”像是高校" in result.output
    assert db.session.scalar(select(func.count(Judge.id))) == 0


def test_create_organiser_cli(runner):
    result = runner.invoke(
        args=["create-organiser", "boss", "--password", "a-strong-pass"]
    )
    again = runner.invoke(
        args=["create-organiser", "boss", "--password", "a-strong-pass"]
    )

    user = db.session.scalar(select(User).where(User.username == "boss"))
    assert result.exit_code == 0
    assert (user.role, user.must_change_password) == (Role.ORGANISER, False)
    assert again.exit_code == 1
    assert "已存在" in again.output


def test_create_organiser_prompts_for_password(runner):
    result = runner.invoke(
        args=["create-organiser", "boss2"], input="a-strong-pass\na-strong-pass\n"
    )

    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(User).where(User.username == "boss2")) is not None


def test_init_db_is_repeatable(runner):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert db.session.scalar(select(func.count(Unit.id))) == 0


def test_migration_commands_load_when_asked_for(runner):
    runner.invoke(args=["init-db"])

    listed = runner.invoke(args=["db", "--help"])
    current = runner.invoke(args=["db", "current"])

    assert listed.exit_code == 0, listed.output
    assert "upgrade" in listed.output
    assert current.exit_code == 0, current.output


def test_numbers_on_the_command_line_are_plain_digits(runner):
    result = runner.invoke(args=["assign", "1", "--k", "1_5", "--dry-run"])

    assert result.exit_code == 2
    assert "“1_5”不是整数（只用数字 0–9）。" in result.output
