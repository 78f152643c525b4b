"""The password rule, alone (pure) and on every path that sets a password."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from judging.accounts.models import Role, User
from judging.extensions import db
from judging.passwords import common_passwords, password_problems
from tests.conftest import PASSWORD, csrf_token, login

NAMES = ["judge01", "征文评审系统", "重庆大学", "重大"]
COMMON = "该密码是常见密码，很容易被猜中，请换一个。"
BUILT = "密码不能由用户名、系统名称或单位名称加数字构成。"


@pytest.mark.parametrize(
    ("password", "role", "problems"),
    [
        ("password", "judge", ["密码至少 10 位。"]),
        ("aaaaaaaa", "judge", ["密码至少 10 位。"]),
        ("Password1", "judge", ["密码至少 10 位。"]),
        ("demo-2026", "judge", ["密码至少 10 位。"]),
        ("correct-horse", "organiser", []),
        ("a-strong-p1", "organiser", ["密码至少 12 位。"]),
        ("aaaaaaaaaaaa", "judge", ["密码至少要含 5 个不同的字符。"]),
        ("qwertyuiop", "judge", [COMMON]),
        ("Password2026!", "judge", [COMMON]),
        ("1234567890", "unit", [COMMON]),
        ("judge01-2026", "judge", [BUILT]),
        ("JUDGE01judge01", "judge", [BUILT]),
        ("重庆大学2026!!", "unit", [BUILT]),
        ("征文评审系统2026", "judge", [BUILT]),
        ("我爱重庆大学的小猫咪", "unit", []),
        ("Tr0ub4dor&3x", "judge", []),
    ],
)
def test_password_rule(password, role, problems):
    assert password_problems(password, role=role, names=NAMES) == problems


def test_common_list_is_the_shipped_30000():
    assert len(common_passwords()) >= 29_000
    assert {"password", "qwertyuiop", "1qaz2wsx", "iloveyou"} <= common_passwords()


def _change(client, new: str) -> str:  # noqa: ANN001
    token = csrf_token(client, "/account/password")
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": new, "confirm": new, "csrf_token": token},
        follow_redirects=True,
    )
    return response.get_data(as_text=True)


def test_change_refuses_name_of_own_unit(client, make_user, make_unit):
    user = make_user(Role.UNIT, unit=make_unit(name="重庆工商大学"))
    login(client, user)
    before = db.session.get(User, user.id).password_hash

    html = _change(client, "重庆工商大学123456")

    assert BUILT in html
    db.session.expire_all()
    assert db.session.get(User, user.id).password_hash == before


def test_change_refuses_common_password(client, make_user):
    login(client, make_user(Role.JUDGE))

    assert COMMON in _change(client, "password123")


def test_change_page_explains_rule_before_typing(client, make_user):
    login(client, make_user(Role.ORGANISER))

    html = client.get("/account/password").get_data(as_text=True)

    assert "至少 12 位；不能是常见密码（如 password123、qwertyuiop）" in html


def test_create_organiser_cli_refuses_weak_passwords(runner):
    for weak in ("demo-2026", "Password2026!", "boss-2026-2026"):
        result = runner.invoke(args=["create-organiser", "boss", "--password", weak])
        assert result.exit_code == 1, weak

    assert db.session.scalar(select(User).where(User.username == "boss")) is None


def test_create_organiser_cli_explains_rule_before_prompt(runner):
    result = runner.invoke(
        args=["create-organiser", "boss"], input="a-strong-pass\na-strong-pass\n"
    )

    assert result.output.startswith("密码要求：至少 12 位；")
    assert result.exit_code == 0
