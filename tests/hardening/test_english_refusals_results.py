"""The results and publication services refuse in the reader's language.

Award rules, tiers, the 优秀组织奖, finalising, 公示 and the final list raise
their reasons in Chinese (the command line prints ``str()``); each reason is a
``Said`` kept in the refusal's ``errors``, never joined into one string, so an
English page says every one of them in English. What the organiser wrote (a
category, a value) is quoted as it was written.
"""

from __future__ import annotations

import pickle
from datetime import date, timedelta
from pathlib import Path

import pytest
from babel.support import Translations

from judging.accounts.models import Role
from judging.dbtypes import utcnow
from judging.extensions import db
from judging.i18n import message_of, say
from judging.publication import service as publication
from judging.results import categories, organisation, rules_service
from judging.results import service as results
from judging.results.awards import AwardError, Tier, parse_shares
from tests.conftest import csrf_token, login
from tests.results import conftest as results_conftest

CATALOGUE = Path(__file__).parents[2] / "judging" / "translations"
TODAY = date.today()
build_scored = results_conftest.build_scored  # the results' fixture, used here too


@pytest.fixture(scope="module")
def english():
    return Translations.load(str(CATALOGUE), ["en"]).gettext


def _said(exc: BaseException, english) -> list[str]:  # noqa: ANN001
    return [say(m, english) for m in exc.errors]


def _rules(**fields) -> rules_service.AwardRules:  # noqa: ANN003
    values = {
        "by_category": False,
        "category_tiers": "",
        "org_rule": "",
        "org_min_entries": 3,
        "org_top": 10,
        "org_points": "5,3,1",
        "certificate_mode": "entry",
    }
    values.update(fields)
    return rules_service.AwardRules(**values)


def test_tier_and_category_refusals_in_english(english):
    scheme = (Tier("一等奖", share=10), Tier("二等奖", share=20))
    refusals = []
    for text in ("10,x", "60,50", "1,2,3,4,5,6,7"):
        with pytest.raises(AwardError) as refused:
            parse_shares(text)
        refusals.append(refused.value)
    for text in ("文学创作：1，2", "理论研究：10%，x", "理论研究 10%"):
        with pytest.raises(AwardError) as refused:
            categories.parse_category_schemes(
                text, scheme=scheme, categories=["理论研究"]
            )
        refusals.append(refused.value)

    assert [say(message_of(e), english) for e in refusals] == [
        "The award shares are not recognised: 10,x",
        "The award shares cannot add up to more than 100%",
        "The award shares must be 1 to 6 percentages, such as 10,20,30",
        "“文学创作” is not a category of this competition",
        "“x” for category “理论研究” is neither a share nor a number of places",
        "“理论研究 10%” is not recognised: write it as “category: 10%, 20%, 30%”",
    ]
    assert [str(e) for e in refusals[3:]] == [
        "类别“文学创作”不是本竞赛的类别",
        "类别“理论研究”的“x”不是比例或名额",
        "无法识别“理论研究 10%”：请写成“类别：10%，20%，30%”",
    ]


def test_organisation_rule_refusals_in_english(english):
    refusals = []
    for points in ("5,3,1", "5,-1"):
        with pytest.raises(organisation.OrganisationError) as refused:
            organisation.parse_points(points, tiers=["一等奖", "二等奖"])
        refusals.append(refused.value)
    with pytest.raises(organisation.OrganisationError) as refused:
        organisation.check_rule(organisation.Rule(kind="points", top=0))
    refusals.append(refused.value)

    assert [say(message_of(e), english) for e in refusals] == [
        "There are 3 points values but only 2 awards",
        "Points must be whole numbers of 0 or more: -1",
        "The number of units to award must be between 1 and 10000",
    ]
    assert str(refusals[0]) == "积分有 3 个，但只有 2 个奖项"


def test_award_rules_refused_with_every_reason_in_english(build_scored, english):
    s = build_scored()
    c = s.competition

    with pytest.raises(rules_service.RulesError) as refused:
        rules_service.set_award_rules(
            actor=s.organiser,
            competition=c,
            rules=_rules(
                by_category=True,
                category_tiers="文学创作：1，2，3",
                org_rule="points",
                org_points="5,x",
                certificate_mode="poster",
            ),
        )

    assert _said(refused.value, english) == [
        "“文学创作” is not a category of this competition",
        "Points must be whole numbers of 0 or more: x",
        "The way certificates are issued is not valid.",
    ]
    assert str(refused.value) == (
        "类别“文学创作”不是本竞赛的类别；积分须为不小于 0 的整数：x；证书颁发方式无效。"
    )
    again = pickle.loads(pickle.dumps(refused.value))
    assert _said(again, english) == _said(refused.value, english)


def test_organisation_override_refused_in_english(build_scored, english):
    s = build_scored()

    with pytest.raises(rules_service.RulesError) as refused:
        rules_service.set_organisation_override(
            actor=s.organiser,
            competition=s.competition,
            unit=s.units[0],
            is_awarded=True,
            reason="",
            now=utcnow(),
        )

    assert _said(refused.value, english) == [
        "Organisation awards can be adjusted once the results are final and "
        "until the list is published."
    ]
    assert say(message_of(refused.value), english) == _said(refused.value, english)[0]
    assert str(refused.value) == "优秀组织奖在结果定稿后、名单公布前可以调整。"


def test_finalise_refused_in_english(build_scored, english):
    s = build_scored(pending=frozenset({(1, 1)}))

    with pytest.raises(results.ResultsError) as refused:
        results.finalise(
            actor=s.organiser, competition=s.competition, method="mean", now=utcnow()
        )

    assert _said(refused.value, english) == [
        "Reviews not submitted yet: 1; the results can be finalised once all are in."
    ]
    assert str(refused.value) == "还有 1 份评审未提交，全部提交后才能定稿。"
    again = pickle.loads(pickle.dumps(refused.value))
    assert _said(again, english) == _said(refused.value, english)


def _finalised(build_scored, make_user):  # noqa: ANN001, ANN202
    s = build_scored()
    for unit in s.units:
        make_user(Role.UNIT, unit=unit)
    results.finalise(
        actor=s.organiser, competition=s.competition, method="mean", now=utcnow()
    )
    db.session.commit()
    return s


def _settings(**fields) -> publication.PublicitySettings:  # noqa: ANN003
    values = {
        "starts_on": TODAY,
        "ends_on": TODAY + timedelta(days=6),
        "fields": ("title", "unit", "tier"),
    }
    values.update(fields)
    return publication.PublicitySettings(**values)


def test_start_publicity_refused_with_every_reason_in_english(
    build_scored, make_user, english
):
    s = _finalised(build_scored, make_user)

    with pytest.raises(publication.PublicationError) as refused:
        publication.start_publicity(
            actor=s.organiser,
            competition=s.competition,
            settings=_settings(ends_on=TODAY - timedelta(days=1), note="字" * 2001),
            now=utcnow(),
        )

    assert _said(refused.value, english) == [
        "The end of the public notice period cannot be before its start.",
        "The end of the public notice period cannot be before today.",
        "The notice text is at most 2000 characters.",
    ]
    assert str(refused.value) == (
        "公示结束日期不能早于开始日期。公示结束日期不能早于今天。公示说明最多 2000 字。"
    )


def test_publish_final_refused_in_english(build_scored, make_user, english):
    s = _finalised(build_scored, make_user)
    publication.start_publicity(
        actor=s.organiser, competition=s.competition, settings=_settings(), now=utcnow()
    )
    db.session.commit()

    with pytest.raises(publication.PublicationError) as refused:
        publication.publish_final(
            actor=s.organiser, competition=s.competition, now=utcnow()
        )

    end = TODAY + timedelta(days=6)  # a day, written each reader's way
    assert _said(refused.value, english) == [
        f"The public notice period ends on {end:%d} {end:%b} {end.year}; the final "
        "list can be published after that."
    ]
    day = f"{end.year} 年 {end.month} 月 {end.day} 日"
    assert str(refused.value) == f"公示期至 {day} 结束，结束后才能公布最终名单。"


def test_english_organiser_gets_english_refusals_on_the_pages(app, build_scored):
    s = build_scored(pending=frozenset({(1, 1)}))
    client = app.test_client()
    login(client, s.organiser)
    client.get("/lang/en")
    page = f"/competitions/{s.competition.id}/results"
    rules = f"{page}/rules"

    finalised = client.post(
        f"{page}/finalise",
        data={"csrf_token": csrf_token(client, page), "method": "mean"},
        follow_redirects=True,
    ).get_data(as_text=True)
    saved = client.post(
        rules,
        data={
            "csrf_token": csrf_token(client, rules),
            "by_category": "y",
            "category_tiers": "文学创作：1，2，3",
            "org_rule": "",
            "org_min_entries": "3",
            "org_top": "10",
            "org_points": "5,3,1",
            "certificate_mode": "entry",
        },
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "Reviews not submitted yet: 1" in finalised
    assert "还有 1 份评审未提交" not in finalised
    assert "“文学创作” is not a category of this competition" in saved
    assert "不是本竞赛的类别" not in saved


def test_english_organiser_gets_an_english_publicity_refusal(
    app, build_scored, make_user
):
    s = _finalised(build_scored, make_user)
    client = app.test_client()
    login(client, s.organiser)
    client.get("/lang/en")
    page = f"/competitions/{s.competition.id}/publicity"

    html = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "starts_on": TODAY.isoformat(),
            "ends_on": (TODAY + timedelta(days=90)).isoformat(),
            "fields": ["title", "tier"],
            "action": "start",
        },
        follow_redirects=True,
    ).get_data(as_text=True)

    assert "The public notice period is at most 60 days." in html
    assert "公示期最长" not in html
