"""The shared list helper: search, sort, filters and pages from the query string."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event, select

from judging.accounts.models import Role, Unit
from judging.extensions import db
from judging.listing import ListSpec, listing, read_state
from tests.conftest import login

SPEC = ListSpec(
    sorts={"id": Unit.id, "name": Unit.name, "kind": Unit.kind},
    default="id",
    tiebreak=Unit.id,
    search=(Unit.name, Unit.short_name),
    filters={"kind": lambda v: Unit.kind == v if v != "junk" else None},
    per_page=3,
)


@pytest.fixture()
def units(app, make_unit):
    names = ["重庆大学", "西南大学", "重庆医科大学", "重庆市第一人民医院", "重庆图书馆"]
    kinds = ["c-uni", "c-uni", "c-uni", "a-hospital", "b-culture"]
    made = []
    for name, kind in zip(names, kinds, strict=True):
        unit = make_unit(name=name)
        unit.kind = kind
        made.append(unit)
    db.session.commit()
    return made


def _names(app, query_string: str) -> tuple[list[str], int]:
    with app.test_request_context(f"/admin/units?{query_string}"):
        result = listing(select(Unit), SPEC)
        return [u.name for u in result.items], result.page.page


def test_listing_searches_every_word(app, units):
    assert _names(app, "q=重庆 大学") == (["重庆大学", "重庆医科大学"], 1)


def test_listing_search_escapes_wildcards(app, units):
    assert _names(app, "q=%25") == ([], 1)


def test_listing_sorts_by_whitelisted_column_both_ways(app, units):
    ascending, _ = _names(app, "sort=kind&q=重庆")
    descending, _ = _names(app, "sort=-kind&q=重庆")
    assert ascending == ["重庆市第一人民医院", "重庆图书馆", "重庆大学"]
    assert descending[0] == "重庆医科大学"


def test_listing_ignores_an_unknown_sort_column(app, units):
    assert _names(app, "sort=password_hash") == _names(app, "")
    assert _names(app, "sort=-id;drop")[0] == ["重庆大学", "西南大学", "重庆医科大学"]


def test_listing_filters_and_ignores_a_filter_it_refuses(app, units):
    assert _names(app, "kind=c-uni&sort=-id") == (
        ["重庆医科大学", "西南大学", "重庆大学"],
        1,
    )
    assert _names(app, "kind=junk") == _names(app, "")


def test_listing_pages_and_beyond_the_end_shows_the_last(app, units):
    assert _names(app, "page=2") == (["重庆市第一人民医院", "重庆图书馆"], 2)
    assert _names(app, "page=99") == (["重庆市第一人民医院", "重庆图书馆"], 2)
    assert _names(app, "page=abc") == _names(app, "page=1")


def test_listing_state_round_trips_through_the_query_string(app):
    state = read_state(SPEC, {"q": "  重庆   大学 ", "sort": "-name", "kind": "c-uni"})

    assert state.args(page=2) == {
        "q": "重庆 大学",
        "sort": "-name",
        "kind": "c-uni",
        "page": 2,
    }


def test_units_page_keeps_search_and_sort_in_its_pager(client, make_user, make_unit):
    login(client, make_user(Role.ORGANISER))
    for i in range(60):
        make_unit(name=f"重庆单位{i:02d}")
    db.session.commit()

    page = client.get("/admin/units?q=重庆单位&sort=-name").get_data(as_text=True)

    assert "重庆单位59" in page and "重庆单位09" not in page
    nxt = re.search(r'href="([^"]+)" rel="next"', page).group(1).replace("&amp;", "&")
    second = client.get(nxt).get_data(as_text=True)
    assert "重庆单位09" in second and "重庆单位59" not in second


def _count(client, path: str) -> int:
    statements: list[str] = []

    def listen(*args):  # noqa: ANN002
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    return len(statements)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/units?q=单位&sort=-accounts",
        "/admin/judges?q=专家&affiliated=0",
        "/admin/users?role=unit&sort=-login",
    ],
)
def test_paginated_list_statements_do_not_grow_with_rows(
    client, make_user, make_unit, path
):
    login(client, make_user(Role.ORGANISER))

    def grow(n: int) -> None:
        for _ in range(n):
            unit = make_unit(name=None)
            unit.name = f"单位{unit.id}"
            make_user(Role.UNIT, unit=unit)
            make_user(Role.JUDGE).judge.name = "专家"
        db.session.commit()

    grow(5)
    small = _count(client, path)
    grow(120)
    large = _count(client, path)

    assert large == small
