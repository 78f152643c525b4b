"""The English interface is complete: no Chinese outside names and titles.

Every page an organiser, a unit contact and a judge may open is requested in
English on the hardening world. What the people wrote (names, titles, essays,
rubric and award names: every string stored in the database) is taken out of
the page first; any Chinese character left is the interface's own, untranslated.
The refusals the services raise are checked the same way, as they are flashed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import String, Text, select

from judging import create_app
from judging.accounts.models import Role, Unit
from judging.anonymity.service import identity
from judging.downloads.jobs import KINDS as DOWNLOAD_KINDS
from judging.extensions import db
from tests.conftest import RequestClient, _config, _truncate, csrf_token
from tests.hardening.test_authorization import CLIENTS, _login, cases
from tests.hardening.world import World, build_world
from tests.test_routes import ROUTES

_HAN = re.compile(r"[\u3400-\u9fff]+")
_SKIP_TAGS = re.compile(r"<(script|style)\b.*?</\1>", re.S)
# What a form sends, not what it shows (a kind's value stays 本科院校 in English).
_VALUES = re.compile(r'\svalue="[^"]*"')
# People who open pages, by their client name in the authorisation matrix.
READERS = ("organiser", "unit-a", "judge-a")
# Pages whose body is a document in the entry's own language (the review copy
# shown as text) or a file; they are not interface.
NOT_INTERFACE = {"review.review_copy_text", "static"}
# Requests that would change the reader rather than show a page.
NOT_CRAWLED = {"set_language", "accounts.logout"}
# Chinese shown as data, not as interface: an element marked lang="zh" (a value
# a file's column takes, a message that is sent in Chinese, the text of an essay)
# is what the page quotes, with English words around it. Only elements inside
# the body qualify: a page whose <html> says zh is not in English.
_DATA = re.compile(
    r'<(?!html\b|body\b)(\w+)\b[^>]*\slang="zh(?:-CN)?"[^>]*>.*?</\1>', re.S
)
# The language switch names Chinese in Chinese, as every switch does.
ENDONYMS = ("中文",)
# Examples of what to type, which is Chinese whatever the interface's language
# (the hints of the unit form).
EXAMPLES = ("卫生系统", "重医大", "重庆大学经济与管理学院")
# The names of the files the background exports save (a file is named in Chinese,
# as the organiser files it, whatever the interface's language).
FILE_NAMES = tuple(k.suffix for k in DOWNLOAD_KINDS.values())


@dataclass
class English:
    app: Flask
    world: World
    clients: dict[str, RequestClient]
    data: list[str]


def _stored_strings() -> list[str]:
    """Every Chinese string in the database, longest first (so a title is taken
    out before a name inside it)."""
    found: set[str] = set()
    for table in db.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)):
            for value in row:
                if isinstance(value, str) and _HAN.search(value):
                    found.add(value)
                    found.update(p.strip() for p in re.split(r"[|\n]", value))
    # A unit's names also come from the identity list shipped with the system.
    for unit in db.session.scalars(select(Unit)):
        found.update(n for n in identity(unit).all_names() if _HAN.search(n))
    return sorted((s for s in found if s), key=len, reverse=True)


@pytest.fixture(scope="module")
def english(_schema: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    folder = tmp_path_factory.mktemp("english")
    app = create_app(_config(_schema, folder))
    app.test_client_class = RequestClient
    with app.app_context():
        _truncate()
        world = build_world()
        clients = {}
        for name in READERS:
            client = app.test_client()
            _login(client, name)
            client.get("/lang/en")
            clients[name] = client
        yield English(app, world, clients, _stored_strings())
        db.session.remove()
        _truncate()
        db.engine.dispose()


def untranslated(html: str, data: list[str]) -> list[str]:
    """The Chinese left in a page once what people wrote is taken out."""
    text = _VALUES.sub(" ", _DATA.sub(" ", _SKIP_TAGS.sub(" ", html)))
    text = text.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&")
    for value in (*data, *ENDONYMS, *EXAMPLES, *FILE_NAMES):
        text = text.replace(value, " ")
    return sorted(set(_HAN.findall(text)))


def _pages(s: English, client: str) -> Iterator[tuple[str, str]]:
    role = CLIENTS[client][0]
    for rule in s.app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_INTERFACE | NOT_CRAWLED:
            continue
        if role not in ROUTES.get(rule.endpoint, set()):
            continue
        for kind, path in cases(rule, client, s.world):
            if kind == "own":
                yield rule.endpoint, path


@pytest.mark.parametrize("client", READERS)
def test_english_pages_hold_no_chinese_but_names_and_titles(english, client):
    found = {}
    for endpoint, path in _pages(english, client):
        response = english.clients[client].get(path)
        if not response.mimetype == "text/html" or response.status_code >= 300:
            continue
        left = untranslated(response.get_data(as_text=True), english.data)
        if left:
            found[endpoint] = left

    assert found == {}


def test_service_refusals_are_flashed_in_english(english):
    client = english.clients["organiser"]
    token = csrf_token(client, "/account/password")

    response = client.post(
        "/account/password",
        data={
            "current": "not-my-password",
            "new": "another-good-pass-7",
            "confirm": "another-good-pass-7",
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)

    assert "The current password is wrong." in html
    assert untranslated(html, english.data) == []


def test_unchanged_chinese_is_found(english):
    assert untranslated("<p>Score 当前密码不正确 王</p>", ["王"]) == ["当前密码不正确"]
    assert untranslated('<p>Kind <code lang="zh">本科院校</code> 否</p>', []) == ["否"]
    assert untranslated('<html lang="zh-CN"><p>是</p></html>', []) == ["是"]
    assert english.clients["judge-a"] is not None
    assert Role.JUDGE == CLIENTS["judge-a"][0]


def test_new_competition_offers_its_default_rubric_and_awards_in_english(english):
    # What a form offers is in its value attributes, which the crawl leaves out.
    html = english.clients["organiser"].get("/competitions/new").get_data(as_text=True)

    offered = re.findall(
        r'name="(?:criteria|tiers)-\d+-name"[^>]*value="([^"]*)"', html
    )
    assert offered[:3] == [
        "Topic and political direction",
        "Theoretical depth",
        "Research and argument",
    ]
    assert "First prize" in offered
    assert not [v for v in offered if _HAN.search(v)]
