"""Races through a real multi-worker gunicorn: the login throttle and the public
verification page under concurrent writers.

Run on SQLite by default and on PostgreSQL when JUDGING_TEST_DATABASE_URL is
set (the throttle race was seen on PostgreSQL only; SQLite serialises every
POST's transaction, so there the test shows the same count holds).
"""

from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from judging.accounts.models import LoginAttempt, Role
from judging.extensions import db
from tests.hardening.test_live_concurrency import (  # noqa: F401 (fixture)
    Browser,
    _run,
    server,
)

PARALLEL = 16
FLASH = re.compile(r'class="flash flash-error"[^>]*>([^<]+)<')


def test_parallel_wrong_passwords_checked_exactly_limit_times(app, server, make_user):  # noqa: F811
    user = make_user(Role.JUDGE)
    username = user.username
    browsers = [Browser(server) for _ in range(PARALLEL)]
    tokens = [b.token("/login") for b in browsers]
    start = threading.Barrier(PARALLEL)
    answers: list[str] = []

    def attempt(i: int):  # noqa: ANN202
        def run() -> None:
            start.wait()
            status, html = browsers[i].request(
                "POST",
                "/login",
                (
                    f"username={username}&password=wrong-password-{i}"
                    f"&csrf_token={tokens[i]}"
                ).encode(),
                "application/x-www-form-urlencoded",
            )
            assert status == 200
            answers.append(FLASH.search(html).group(1))

        return run

    _run([attempt(i) for i in range(PARALLEL)])

    limit = app.config["LOGIN_MAX_FAILURES"]
    minutes = app.config["LOGIN_LOCK_MINUTES"]
    assert sorted(answers) == sorted(
        ["用户名或密码错误。"] * limit
        + [f"登录失败次数过多，请 {minutes} 分钟后再试。"] * (PARALLEL - limit)
    )
    assert db.session.scalar(select(func.count(LoginAttempt.id))) == limit
