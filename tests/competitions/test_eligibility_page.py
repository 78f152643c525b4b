"""The eligibility page as a long list: search, filters, pages, bulk add/remove."""

from __future__ import annotations

from sqlalchemy import insert

from judging.accounts.models import Role, Unit
from judging.competitions.models import Competition, EligibleUnit
from judging.extensions import db
from tests.conftest import csrf_token, login


def _units(n: int) -> None:
    """Many units in one statement (the page must work with thousands)."""
    db.session.execute(
        insert(Unit),
        [
            {
                "name": f"重庆第{i:04d}研究院" if i % 10 else f"重庆第{i:04d}医院",
                "short_name": f"院{i}",
                "aliases": "",
                "kind": "科研院所" if i % 10 else "医疗卫生机构",
                "is_pilot": i % 7 == 0,
                "groups": "",
            }
            for i in range(1, n + 1)
        ],
    )
    db.session.commit()


def _organiser(app, make_user):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, make_user(Role.ORGANISER))
    return client


def test_eligibility_units_are_searched_filtered_and_paged(
    app, make_user, make_competition
):
    c = make_competition()
    _units(2500)
    client = _organiser(app, make_user)
    base = f"/competitions/{c.id}/eligibility"

    first = client.get(base).get_data(as_text=True)
    found = client.get(f"{base}?q=第0420").get_data(as_text=True)
    hospitals = client.get(f"{base}?kind=医疗卫生机构&page=3").get_data(as_text=True)

    assert "单位列表" in first and "(2500)" in first
    assert "第 1 / 25 页" in first
    assert "重庆第0420医院" in found and "重庆第0421研究院" not in found
    assert "第 3 / 3 页" in hospitals and "研究院" not in hospitals.split("<tbody>")[1]
    assert "kind=%E5%8C%BB%E7%96%97%E5%8D%AB%E7%94%9F%E6%9C%BA%E6%9E%84" in hospitals


def test_ticked_units_join_and_leave_the_named_list(app, make_user, make_competition):
    c = make_competition()
    _units(150)
    client = _organiser(app, make_user)
    base = f"/competitions/{c.id}/eligibility"
    ids = [u.id for u in db.session.query(Unit).order_by(Unit.id).limit(3)]
    token = csrf_token(client, base)

    client.post(
        f"{base}/units?q=院",
        data={"csrf_token": token, "do": "add", "unit": [str(i) for i in ids]},
    )
    client.post(
        f"{base}/units", data={"csrf_token": token, "do": "remove", "unit": ids[0]}
    )
    listed = client.get(f"{base}?listed=yes").get_data(as_text=True)
    db.session.expire_all()
    competition = db.session.get(Competition, c.id)

    assert competition.eligibility_mode == "list"
    assert sorted(
        db.session.scalars(
            db.select(EligibleUnit.unit_id).where(EligibleUnit.competition_id == c.id)
        )
    ) == ids[1:]
    assert "名单目前有 2 个单位" in listed
    assert "共 2 条" in listed


def test_saving_the_rule_keeps_the_named_list(app, make_user, make_competition):
    c = make_competition()
    _units(5)
    client = _organiser(app, make_user)
    base = f"/competitions/{c.id}/eligibility"
    token = csrf_token(client, base)
    unit = db.session.query(Unit).order_by(Unit.id).all()[1].id
    client.post(f"{base}/units", data={"csrf_token": token, "do": "add", "unit": unit})

    saved = client.post(
        base, data={"csrf_token": token, "mode": "list"}, follow_redirects=True
    ).get_data(as_text=True)
    empty = client.post(
        f"{base}/units",
        data={"csrf_token": token, "do": "remove", "unit": unit},
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "参与单位已保存。" in saved
    assert "“指定名单”还没有单位" in empty
    assert [e.unit_id for e in db.session.get(Competition, c.id).eligible_units] == [
        unit
    ]
