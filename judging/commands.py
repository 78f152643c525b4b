"""What every command-line command shares: failing with a Chinese message,
naming a competition by id, code or title, and never showing a traceback."""

from __future__ import annotations

import errno
import functools
import logging
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

import click
from flask import Flask, has_app_context
from sqlalchemy import or_, select
from sqlalchemy.exc import OperationalError, ProgrammingError

from judging.competitions.models import Competition
from judging.extensions import db
from judging.numbers import NotANumber, parse_int

log = logging.getLogger(__name__)

COMPETITION_HELP = "竞赛：编号（见 competitions 命令）、代码前缀（如 ZW2026）或标题开头"


class PlainInt(click.ParamType):
    """A whole number as plain digits: click's ``int`` takes "1_9" as 19."""

    name = "integer"

    def convert(self, value, param, ctx):  # noqa: ANN001, ANN201
        if isinstance(value, int):
            return value
        try:
            number = parse_int(str(value))
        except NotANumber:
            number = None
        if number is None:
            self.fail(f"“{value}”不是整数（只用数字 0–9）。", param, ctx)
        return number


PLAIN_INT = PlainInt()


def fail(lines: str | Sequence[str]) -> NoReturn:
    """Print the message(s) to stderr, undo the session's changes, exit 1."""
    for line in [lines] if isinstance(lines, str) else lines:
        click.echo(line, err=True)
    if has_app_context():  # outside it, the context's teardown rolled back
        db.session.rollback()
    sys.exit(1)


def competition_argument(function: Callable) -> Callable:
    """The COMPETITION argument of a command (a string resolved by
    :func:`find_competition` inside the command)."""
    return click.argument("competition", metavar="COMPETITION")(function)


def find_competition(ref: str) -> Competition:
    """The competition a user named: its id, its code prefix, or a prefix of its
    code or title that fits exactly one competition (a number that is no id,
    such as a year, is tried as a prefix). Anything else fails with the
    candidates listed."""
    ref = ref.strip()
    is_number = ref.isascii() and ref.isdigit()
    if is_number and (found := db.session.get(Competition, int(ref))) is not None:
        return found
    exact = db.session.scalars(
        select(Competition).where(Competition.code_prefix == ref)
    ).all()
    if len(exact) == 1:
        return exact[0]
    like = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = (
        exact
        or db.session.scalars(
            select(Competition)
            .where(
                or_(
                    Competition.code_prefix.like(like, escape="\\"),
                    Competition.title.like(like, escape="\\"),
                )
            )
            .order_by(Competition.id)
        ).all()
    )
    if len(matches) == 1:
        return matches[0]
    if not matches and is_number:
        fail(f"没有编号为 {ref} 的竞赛。用 competitions 命令查看全部竞赛。")
    if not matches:
        fail(f"没有与“{ref}”相符的竞赛。用 competitions 命令查看全部竞赛。")
    fail(
        [f"“{ref}”与 {len(matches)} 个竞赛相符，请用编号指定："]
        + [f"  {c.id}\t{c.code_prefix}\t{c.title}" for c in matches]
    )


#: The reasons a file cannot be read or written, as a user reads them.
OS_ERRORS = {
    errno.ENOENT: "文件或其所在的文件夹不存在",
    errno.EACCES: "没有读写权限",
    errno.EPERM: "没有读写权限",
    errno.EISDIR: "这是一个文件夹，请给出文件名",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "所在的磁盘只读",
}


def _guarded(callback: Callable) -> Callable:
    @functools.wraps(callback)
    def run(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        try:
            return callback(*args, **kwargs)
        except (click.exceptions.ClickException, click.exceptions.Exit):
            raise
        except click.exceptions.Abort:
            raise
        except OSError as exc:
            name = exc.filename or ""
            why = OS_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))
            fail(f"无法读写文件 {name}：{why}".replace("  ", " "))
        except (OperationalError, ProgrammingError) as exc:
            # expected on a new instance: the message says what to do; the
            # traceback only with FLASK_DEBUG (the app's logger writes stderr)
            log.debug("command failed on the database", exc_info=True)
            fail(
                "数据库无法使用（尚未初始化或无法连接）："
                f"{type(exc.orig).__name__ if exc.orig else type(exc).__name__}。"
                "新的实例请先运行 init-db。"
            )
        except Exception:  # noqa: BLE001 (the last guard: no traceback for users)
            log.exception("command failed")
            fail("命令执行失败（内部错误），未写入任何数据；详细信息已记入日志。")

    return run


def guard_commands(app: Flask) -> None:
    """Wrap every registered command so that no traceback reaches the user:
    file errors, a missing or unreachable database and unexpected errors end
    with a Chinese message and exit status 1, the session rolled back."""
    for command in app.cli.commands.values():
        if command.callback is not None and not getattr(command, "_guarded", False):
            command.callback = _guarded(command.callback)
            command._guarded = True  # type: ignore[attr-defined]
