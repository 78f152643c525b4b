"""The command line for a newcomer: competitions named by id, code or title, and a
Chinese message with exit status 1 instead of a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from judging import create_app
from judging.competitions.models import Phase
from tests.conftest import _config


def test_competitions_lists_id_code_phase_and_title(runner, make_competition):
    assert runner.invoke(args=["competitions"]).output == "还没有任何竞赛或征集。\n"
    first = make_competition(title="2026 年征文", phase=Phase.OPEN)

    result = runner.invoke(args=["competitions"])

    assert (result.exit_code, result.output) == (
        0,
        "编号\t代码\t类型\t阶段\t标题\n"
        f"{first.id}\tZW2026\t评审竞赛\t征集中\t2026 年征文\n",
    )


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("{id}", "found"),
        ("ZW2026", "ambiguous"),
        ("2026 年理论", "found"),
        ("调研", "found"),
        ("2026", "found"),  # no such id: a prefix of the first title
        ("999", "没有编号为 999 的竞赛。"),
        ("不存在的竞赛", "没有与“不存在的竞赛”相符的竞赛。"),
    ],
)
def test_results_accepts_id_code_or_title_prefix(
    runner, make_competition, ref, expected
):
    theory = make_competition(title="2026 年理论征文", phase=Phase.DRAFT)
    make_competition(title="调研报告征文", phase=Phase.DRAFT)

    result = runner.invoke(args=["results", ref.format(id=theory.id)])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    if expected == "found":  # found, and refused for its phase (not yet in review)
        assert "处于草稿阶段，进入评审阶段后才有评审结果。" in result.output
    elif expected == "ambiguous":
        assert "个竞赛相符，请用编号指定：" in result.output
        assert f"{theory.id}\tZW2026\t2026 年理论征文" in result.output
    else:
        assert expected in result.output


def test_uninitialised_instance_gets_a_message(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    runner = create_app(_config(url, tmp_path)).test_cli_runner()

    result = runner.invoke(args=["competitions"])

    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "数据库无法使用（尚未初始化或无法连接）" in result.output
    assert "新的实例请先运行 init-db。" in result.output


def test_uninitialised_instance_shows_no_traceback_on_stderr(tmp_path: Path):
    import os
    import subprocess
    import sys

    essay = tmp_path / "essay.txt"
    essay.write_text("正文", encoding="utf-8")
    env = dict(os.environ, JUDGING_INSTANCE_PATH=str(tmp_path / "instance"))
    env.pop("FLASK_DEBUG", None)
    flask = Path(sys.executable).with_name("flask")

    done = subprocess.run(
        [
            str(flask),
            "--app",
            "judging",
            "anonymity-check",
            str(essay),
            "--unit",
            "重大",
        ],
        env=env,
        capture_output=True,
        text=True,
    )

    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    assert "新的实例请先运行 init-db。" in done.stdout + done.stderr


def test_init_db_says_what_it_did(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    runner = create_app(_config(url, tmp_path)).test_cli_runner()

    created = runner.invoke(args=["init-db"])
    again = runner.invoke(args=["init-db"])

    assert created.exit_code == again.exit_code == 0
    # (Alembic's own log lines come first)
    assert created.output.splitlines()[-1].startswith("已创建数据库（结构版本 ")
    last = again.output.splitlines()[-1]
    assert last.startswith("数据库已是最新结构（版本 ")
    assert last.endswith("），未作改动。")


def test_assign_refuses_k_below_one(runner, make_competition):
    competition = make_competition(phase=Phase.CLOSED)

    result = runner.invoke(args=["assign", str(competition.id), "--k", "0"])

    assert (result.exit_code, result.output) == (
        1,
        "每篇评审人数 --k 至少为 1（填写的是 0）。\n",
    )


def test_remind_without_assignments_says_so(runner, make_competition):
    make_competition(title="尚未分配的征文", phase=Phase.REVIEWING)

    result = runner.invoke(args=["remind", "尚未分配"])

    assert (result.exit_code, result.output) == (
        1,
        "竞赛“尚未分配的征文”还没有分配评审，无需催评。\n",
    )


def test_every_systemd_unit_runs_a_command_that_exists(app):
    """deploy/*.service start `flask --app judging <command>`: each must exist,
    or the daily reminders (or the worker) would fail only in production."""
    from pathlib import Path

    units = sorted(Path(__file__).resolve().parent.parent.glob("deploy/*.service"))
    commands = {}
    for unit in units:
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart=") and "--app judging" in line:
                commands[unit.name] = line.split("--app judging", 1)[1].split()[0]

    assert commands == {
        "judging-reminders.service": "remind-deadlines",
        "judging-worker.service": "worker",
    }
    assert set(commands.values()) <= set(app.cli.list_commands(None))
