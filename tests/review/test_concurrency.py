"""Parallel saves and double submissions never lose or duplicate a score."""

from __future__ import annotations

import threading
from decimal import Decimal

from flask.testing import FlaskClient
from sqlalchemy import func, select

from judging.extensions import db
from judging.review.models import Review, ReviewStatus, Score
from tests.conftest import csrf_token
from tests.review.conftest import client_for, sheet_form


def _run(jobs) -> None:  # noqa: ANN001
    threads = [threading.Thread(target=job) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.rollback()  # end the test's own snapshot to see the threads' rows


def _poster(app, client, path: str, data: dict, results: list[int]):  # noqa: ANN001
    cookie = client.get_cookie("session").value

    def post() -> None:
        own = FlaskClient(app, use_cookies=True)
        own.set_cookie("session", cookie, domain="localhost")
        results.append(own.post(path, data=data).status_code)

    return post


def test_twenty_parallel_submits_make_one_review(app, reviewing):
    client = client_for(app, reviewing.judges[0])
    assignment = reviewing.assignment(0, 0)
    path = f"/judge/assignments/{assignment.id}"
    data = sheet_form(
        csrf_token(client, path), reviewing, ["18", "20.5", "20", "15", "8"],
        action="submit",
    )  # fmt: skip
    results: list[int] = []

    _run([_poster(app, client, path, data, results) for _ in range(20)])

    assert results == [302] * 20
    reviews = db.session.scalars(select(Review)).all()
    assert [(r.status, r.total) for r in reviews] == [
        (ReviewStatus.SUBMITTED, Decimal("81.5"))
    ]
    assert db.session.scalar(select(func.count(Score.id))) == 5


def test_two_judges_saving_ten_times_keep_every_score(app, reviewing):
    results: list[int] = []
    jobs = []
    for j in (0, 1):
        client = client_for(app, reviewing.judges[j])
        path = f"/judge/assignments/{reviewing.assignment(j, 0).id}"
        token = csrf_token(client, path)
        for i in range(10):
            value = str(i + j * 0.5)
            data = sheet_form(token, reviewing, [value] * 5, comment=f"第{i}次")
            jobs.append(_poster(app, client, path, data, results))

    _run(jobs)

    assert results == [302] * 20
    reviews = db.session.scalars(select(Review).order_by(Review.id)).all()
    assert len(reviews) == 2
    for review in reviews:
        points = {s.criterion_id: s.points for s in review.scores}
        assert sorted(points) == reviewing.criteria_ids()
        assert len(set(points.values())) == 1  # all five from the same save
        value = next(iter(points.values()))
        assert review.total == value * 5
        assert review.comment == f"第{int(value)}次"
    assert db.session.scalar(select(func.count(Score.id))) == 10
