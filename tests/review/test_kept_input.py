"""What a judge or a unit typed survives an expired session and a refusal.

A POST after the session expired used to answer a bare 400 (or an empty form
after the new login); a refused POST answered the form itself, so Back asked to
send it again. Now both keep the input and redirect (redirect-after-post).
"""

from __future__ import annotations

import re
import time

from sqlalchemy import func, select

from judging.accounts.models import Role
from judging.extensions import db
from judging.review.models import Review
from judging.submissions.models import Entry
from tests.conftest import PASSWORD, csrf_token, login
from tests.review.conftest import client_for, sheet_form
from tests.submissions.conftest import entry_form, fixture_bytes

KEPT = "您填写的内容已保留，重新登录后会自动恢复"
COMMENT = "论证充分，但第三节的数据来源需要补充说明。"


def _expire(app, client) -> None:  # noqa: ANN001
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    with client.session_transaction() as session:
        session["seen"] = time.time() - idle - 5


def _login_from(client, location: str, user) -> str:  # noqa: ANN001
    """Log in on the login page the redirect named, as a browser would."""
    html = client.get(location).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    after = re.search(r'name="next"[^>]*value="([^"]*)"', html).group(1)
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
            "csrf_token": token,
            "next": after,
        },
    )
    assert KEPT in html
    return response.headers["Location"]


def _values(html: str) -> list[str]:
    return re.findall(r'name="points_\d+"[^>]*value="([^"]*)"', html)


def test_sheet_posted_after_idle_timeout_comes_back_filled(app, reviewing):
    judge = reviewing.judges[0]
    client = client_for(app, judge)
    path = f"/judge/assignments/{reviewing.assignment(0, 0).id}"
    token = csrf_token(client, path)
    _expire(app, client)

    posted = client.post(
        path, data=sheet_form(token, reviewing, ["18", "20.5"], comment=COMMENT)
    )
    back = _login_from(client, posted.headers["Location"], judge)
    page = client.get(back).get_data(as_text=True)

    assert posted.headers["Location"].startswith("/login?next=/judge/assignments/")
    assert back == path
    assert _values(page)[:2] == ["18", "20.5"]
    assert f"{COMMENT}</textarea>" in page
    assert db.session.scalar(select(func.count(Review.id))) == 0  # not sent yet
    again = client.get(path).get_data(as_text=True)  # restored once only
    assert _values(again)[:2] == ["", ""]


def test_sheet_posted_without_session_cookie_kept_for_next_login(app, reviewing):
    judge = reviewing.judges[0]
    client = client_for(app, judge)
    path = f"/judge/assignments/{reviewing.assignment(0, 0).id}"
    token = csrf_token(client, path)
    client.delete_cookie("session")  # the browser dropped it

    posted = client.post(path, data=sheet_form(token, reviewing, ["17"]))
    back = _login_from(client, posted.headers["Location"], judge)
    page = client.get(back).get_data(as_text=True)

    assert posted.status_code == 302
    assert back == path
    assert _values(page)[0] == "17"


def test_input_kept_for_one_unit_not_shown_to_another(
    app, make_user, make_unit, make_competition
):
    first = make_user(Role.UNIT, unit=make_unit())
    second = make_user(Role.UNIT, unit=make_unit())
    competition = make_competition()
    client = app.test_client()
    login(client, first)
    path = f"/unit/competitions/{competition.id}/entries/new"
    token = csrf_token(client, path)
    _expire(app, client)
    client.post(
        path,
        data=entry_form(token, title="第一所学校的题目"),
        content_type="multipart/form-data",
    )

    login(client, second)  # the same browser, another unit's contact
    page = client.get(path).get_data(as_text=True)

    assert "第一所学校的题目" not in page


def test_refused_sheet_redirects_and_shows_input_and_error(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    path = f"/judge/assignments/{reviewing.assignment(0, 0).id}"
    token = csrf_token(client, path)

    posted = client.post(path, data=sheet_form(token, reviewing, ["18", "30"]))
    page = client.get(path).get_data(as_text=True)

    assert (posted.status_code, posted.headers["Location"]) == (302, path)
    assert "分数须在 0 到 25 之间（填写的是 30）" in page
    assert _values(page)[:2] == ["18", "30"]


def test_entry_form_after_timeout_comes_back_filled(
    app, make_user, make_unit, make_competition
):
    contact = make_user(Role.UNIT, unit=make_unit())
    competition = make_competition()
    client = app.test_client()
    login(client, contact)
    path = f"/unit/competitions/{competition.id}/entries/new"
    token = csrf_token(client, path)
    _expire(app, client)

    client.post(
        path,
        data=entry_form(
            token, file=(fixture_bytes("clean.pdf"), "a.pdf"), title="基层工会的数字化"
        ),
        content_type="multipart/form-data",
    )
    login(client, contact)
    page = client.get(path).get_data(as_text=True)

    assert 'value="基层工会的数字化"' in page
    assert 'value="张晓明"' in page
    assert "请选择作品文件。" in page  # the one thing a browser cannot keep
    assert db.session.scalar(select(func.count(Entry.id))) == 0


def test_refused_entry_redirects_and_asks_for_the_file_again(
    app, make_user, make_unit, make_competition
):
    contact = make_user(Role.UNIT, unit=make_unit())
    competition = make_competition()
    client = app.test_client()
    login(client, contact)
    path = f"/unit/competitions/{competition.id}/entries/new"
    token = csrf_token(client, path)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200

    posted = client.post(
        path,
        data=entry_form(token, file=(png, "论文.pdf"), title="第二稿"),
        content_type="multipart/form-data",
    )
    page = client.get(path).get_data(as_text=True)

    assert (posted.status_code, posted.headers["Location"]) == (302, path)
    assert "仅接受 PDF 或 Word（.docx）文件" in page
    assert "请重新选择作品文件" in page
    assert 'value="第二稿"' in page
