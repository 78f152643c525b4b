"""Guarantees 1 and 7: every route × method × role × object is authorised, a
denial writes nothing, and every allowed change carries its audit event.

The matrix is generated from `app.url_map` and the ROUTES table (the single
list of who may use what). Each rule is requested as every role (anonymous,
organiser, unit A, unit B, judge A, judge B, and a deactivated organiser,
unit contact and judge) on its own object, on someone else's object and on a
missing id. Expectations:

- allowed role, own object: GET answers 2xx or a redirect that is not the login
  page; POST also may answer 400 (a form it finds incomplete) — never 404;
- allowed role, someone else's object: a 404 identical to the missing id's;
- logged-in role not allowed: a 404 identical to any unknown page;
- anonymous or deactivated: a redirect to /login (public routes excepted);
- every denial (and every GET) writes nothing: no INSERT/UPDATE/DELETE reaches
  the database, the per-table row counts and max ids are unchanged, and the
  upload and job folders keep the same files.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event, func, select, text

from judging import create_app
from judging.accounts.models import Role, User
from judging.audit.models import AuditEvent
from judging.competitions.models import Competition, Phase
from judging.competitions.service import ACTIONS, CompetitionError
from judging.extensions import db
from judging.submissions.demo import essay_docx
from judging.submissions.models import Entry
from tests.conftest import RequestClient, _config, _truncate, csrf_token, same_page
from tests.hardening.world import (
    BODY,
    PASSWORD,
    World,
    build_world,
    deactivate,
    submit,
)
from tests.test_routes import ANON, ROUTES

MISSING = 999999
MISSING_JOB = "A" * 22
MISSING_SERIAL = "0000-0000-0000-0000"

# client name -> (role in ROUTES terms, deactivated)
CLIENTS: dict[str, tuple[str, bool]] = {
    "anonymous": (ANON, False),
    "organiser": (Role.ORGANISER, False),
    "unit-a": (Role.UNIT, False),
    "unit-b": (Role.UNIT, False),
    "judge-a": (Role.JUDGE, False),
    "judge-b": (Role.JUDGE, False),
    "organiser-off": (Role.ORGANISER, True),
    "unit-off": (Role.UNIT, True),
    "judge-off": (Role.JUDGE, True),
}

# GETs that write by design: the verification page counts lookups per address
# (its rate limit lives in the database so every worker sees it). The results
# pages queue a recomputation when the scores changed; the world's stored
# results are current, so here they write nothing.
WRITING_GETS = {"certificates.verify", "messages.read"}  # read: marks it read

# Organiser routes aimed at the competition in review (the rest: the published
# one), so that the allowed POSTs below do real work.
ON_REVIEWING = {
    "assignment.plan",
    "assignment.apply",
    "assignment.conflicts",
    "assignment.add_conflict",
    "assignment.progress",
    "assignment.notices",
    "assignment.send_notices",
    "assignment.disagreements",
    "assignment.reminder_xlsx",
    "rounds.index",
    "rounds.start",
    "rounds.add",
    "rounds.remove",
    "rounds.combination",
    "rounds.defense",
    "rounds.save_defense",
    "rounds.import_defense",
    "review.progress",
    "review.paper_scores",
    "review.paper_template",
    "results.index",
    "results.progress",
    "results.override",
    "results.clear_override",
    "results.extra_review",
    "results.extra_reviews",
    "results.send_extra_reviews",
    "results.finalise",
    "results.rules",
    "submissions.overview",
    "submissions.grant_extension",
    "anonymity.queue",
}
ON_DRAFT = {"competitions.advance", "competitions.edit"}


@dataclass
class Setting:
    app: Flask
    world: World
    clients: dict[str, RequestClient]
    tokens: dict[str, str]
    not_found: dict[str, object]
    folders: list[Path]
    writes: list[str] = field(default_factory=list)


def _login(client: RequestClient, username: str) -> None:
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 302, username


def _open_clients(app: Flask, world: World) -> dict[str, RequestClient]:
    clients = {}
    for name in CLIENTS:
        client = app.test_client()
        if name != "anonymous":
            _login(client, name)
        clients[name] = client
    deactivate([world.users[n] for n in ("organiser-off", "unit-off", "judge-off")])
    return clients


@pytest.fixture(scope="module")
def setting(_schema: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """One world for the module: denials write nothing, so it stays valid."""
    folder = tmp_path_factory.mktemp("authz")
    config = _config(_schema, folder)
    app = create_app(config)
    app.test_client_class = RequestClient
    with app.app_context():
        _truncate()
        world = build_world()
        clients = _open_clients(app, world)
        tokens = {
            name: csrf_token(
                c,
                "/account/password"
                if not CLIENTS[name][1] and name != "anonymous"
                else "/login",
            )
            for name, c in clients.items()
        }
        not_found = {name: c.get("/no-such-page") for name, c in clients.items()}
        s = Setting(
            app,
            world,
            clients,
            tokens,
            not_found,
            [folder / "uploads", folder / "jobs"],
        )
        listener = _spy(s)
        event.listen(db.engine, "before_cursor_execute", listener)
        yield s
        event.remove(db.engine, "before_cursor_execute", listener)
        db.session.remove()
        _truncate()
        db.engine.dispose()


def _spy(s: Setting):  # noqa: ANN202
    def listener(conn, cursor, statement, params, context, many):  # noqa: ANN001, ARG001
        head = statement.lstrip().split(None, 1)[0].upper() if statement else ""
        if head in ("INSERT", "UPDATE", "DELETE", "REPLACE"):
            s.writes.append(statement.split("\n", 1)[0][:120])

    return listener


# --- targets -------------------------------------------------------------------


def _competition(endpoint: str) -> str:
    if endpoint in ON_DRAFT:
        return "draft"
    return "reviewing" if endpoint in ON_REVIEWING else "published"


def targets(endpoint: str, arg: str, client: str, w: World) -> dict[str, object]:
    """The URL value of `arg` for this client: own, someone else's, missing."""
    role = CLIENTS[client][0]
    mine = client[-1] if client in ("unit-a", "unit-b", "judge-a", "judge-b") else ""
    theirs = {"a": "b", "b": "a"}.get(mine, "")
    comp = _competition(endpoint)
    suffix = "" if comp == "reviewing" else "-pub"
    if arg == "competition_id":
        if role == Role.UNIT:
            return {
                "own": w.competitions["published"],
                "other": w.competitions["draft"],
                "missing": MISSING,
            }
        if role == ANON and endpoint == "results.public":
            return {
                "own": w.competitions["published"],
                "other": w.competitions["reviewing"],
                "missing": MISSING,
            }
        return {"own": w.competitions[comp], "missing": MISSING}
    if arg == "entry_id":
        if role == Role.UNIT and mine:
            return {
                "own": w.entries[f"{mine}-pub"],
                "other": w.entries[f"{theirs}-pub"],
                "missing": MISSING,
            }
        return {"own": w.entries[f"a{suffix}"], "missing": MISSING}
    if arg == "assignment_id":
        if role == Role.JUDGE and mine:
            return {
                "own": w.assignments[mine],
                "other": w.assignments[theirs],
                "missing": MISSING,
            }
        return {"own": w.assignments["a"], "missing": MISSING}
    if arg == "attachment_id":
        if role == Role.UNIT and mine:
            return {
                "own": w.attachments[mine],
                "other": w.attachments[theirs],
                "missing": MISSING,
            }
        return {"own": w.attachments["a"], "missing": MISSING}
    if arg == "job_id":
        own, other = (
            ("file", "file-other")
            if endpoint.startswith("downloads.")
            else (
                "own",
                "other",
            )
        )
        return {"own": w.jobs[own], "other": w.jobs[other], "missing": MISSING_JOB}
    if arg == "message_id":
        if client in w.messages:
            other = {"unit-a": "unit-b", "unit-b": "unit-a", "judge-a": "judge-b"}
            options = {"own": w.messages[client], "missing": MISSING}
            if client in other:
                options["other"] = w.messages[other[client]]
            elif client == "judge-b":
                options["other"] = w.messages["judge-a"]
            return options
        return {"own": w.messages["organiser"], "missing": MISSING}
    if arg == "serial":
        return {"own": w.serial, "missing": MISSING_SERIAL}
    ids = {
        "review_id": w.reviews["submitted"],
        "finding_id": w.finding,
        "pair_id": w.pair,
        "conflict_id": w.conflict,
        "certificate_id": w.certificates["a"],
        "user_id": w.users["spare"],
        "unit_id": w.units["a"],
        "objection_id": w.objection,
    }
    if arg in ids:
        return {"own": ids[arg], "missing": MISSING}
    fixed = {"kind": "units", "which": "original", "code": "zh", "position": 1}
    return {"own": fixed[arg]}


def _path(rule, values: dict[str, object]) -> str:  # noqa: ANN001
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}(?:\([^)]*\))?>", str(value), path)
    return path


def cases(rule, client: str, w: World) -> list[tuple[str, str]]:  # noqa: ANN001
    """(object kind, path) for this rule and client: own, other, missing."""
    args = sorted(rule.arguments, key=lambda a: rule.rule.index(a))
    own = {a: targets(rule.endpoint, a, client, w)["own"] for a in args}
    found = [("own", _path(rule, own))]
    if args:
        primary = args[-1]
        options = targets(rule.endpoint, primary, client, w)
        for kind in ("other", "missing"):
            if kind in options:
                found.append((kind, _path(rule, own | {primary: options[kind]})))
    return found


# --- forms ---------------------------------------------------------------------


def _sheet(w: World) -> dict[str, object]:
    c = db.session.get(Competition, w.competitions["reviewing"])
    data: dict[str, object] = {f"points_{k.id}": "10" for k in c.criteria}
    return data | {"comment": "论点明确。", "action": "save"}


def forms(endpoint: str, w: World) -> dict[str, object]:
    """Complete, valid form data for a POST (denials must refuse even these)."""
    docx = essay_docx("替换稿", BODY)
    until = "2030-01-01T10:00"
    data: dict[str, dict[str, object]] = {
        "accounts.login": {"username": "organiser", "password": PASSWORD},
        "accounts.change_password": {
            "current": PASSWORD,
            "new": "another-pass-7",
            "confirm": "another-pass-7",
        },
        "accounts.set_enabled": {"enabled": "0"},
        "accounts.import_people": {
            "file": (
                io.BytesIO(
                    "name,short_name,aliases,kind\n丙测试学院,丙院,,本科\n".encode()
                ),
                "units.csv",
            )
        },
        "accounts.credentials": {"rows-0": "x\ty\tz\tw\tv"},
        "competitions.advance": {"target": Phase.OPEN},
        "competitions.eligibility_page": {"mode": "all"},
        "competitions.eligibility_units": {"unit": str(w.units["a"]), "do": "add"},
        "submissions.recommend": {"mark": "excellent", "note": "好"},
        "submissions.edit_entry": {
            "title": "改过的题目",
            "category": "理论研究",
            "authors-0-name": "张一",
        },
        "submissions.grant_extensions": {
            "unit_ids": [w.units["a"], w.units["b"]],
            "until": until,
            "reason": "网络故障",
        },
        "submissions.grant_extension": {
            "unit_id": w.units["a"],
            "until": until,
            "reason": "网络故障",
        },
        "anonymity.harmless": {"note": "无碍。"},
        "anonymity.harmless_bulk": {"note": "无碍。", "finding": [w.finding]},
        "originality.settle": {"decision": "cleared", "reason": "同一单位的正常引用。"},
        "anonymity.request_redaction": {"until": until, "note": "请删去校名。"},
        "anonymity.upload_redacted": {"file": (io.BytesIO(docx), "r.docx")},
        "anonymity.unit_redacted": {"file": (io.BytesIO(docx), "r.docx")},
        "anonymity.check_file": {"file": (io.BytesIO(docx), "r.docx")},
        "anonymity.redact_fields": {
            "title": "某高校论文",
            "abstract": "",
            "keywords": "",
        },
        "accounts.edit_unit": {"short_name": "甲大", "english_names": "Jia Univ"},
        "assignment.apply": {"k": "1", "seed": "7"},
        "assignment.add_conflict": {
            "judge_id": _judge(w, "judge-c"),
            "unit_id": w.units["a"],
            "entry_id": 0,
            "reason": "合作过",
        },
        "assignment.remove_conflict": {"reason": "误登记"},
        "assignment.add_judge": {"judge_id": _judge(w, "judge-c")},
        "assignment.swap_judge": {"judge_id": _judge(w, "judge-c")},
        "assignment.send_notices": {"kind": "assignment"},
        "rounds.start": {
            "cut": "n",
            "value": "1",
            "method": "mean",
            "name": "复评",
            "reviews": "1",
        },
        "rounds.add": {"entry_id": w.entries["a"], "reason": "专家复议"},
        "rounds.remove": {"entry_id": w.entries["a"], "reason": "撤稿"},
        "rounds.combination": {
            "mode": "weighted",
            "defense_weight": "0",
            "defense_max": "100",
        },
        "rounds.save_defense": {"entry_id": w.entries["a"], "marks": "评委甲 80"},
        "rounds.import_defense": {
            "file": (io.BytesIO("作品编号,评委,答辩分\n".encode()), "d.csv")
        },
        "review.sheet": _sheet(w),
        "review.declare_conflict": {"reason": "认识作者"},
        "review.reopen": {"reason": "分数录错"},
        "results.override": {
            "entry": db.session.get(Entry, w.entries["a"]).code,
            "target": "一等奖",
            "reason": "评审会决定",
        },
        "results.finalise": {"method": "mean"},
        "results.send_extra_reviews": {"share": "20", "rounds": "1"},
        "results.rules": {
            "by_category": "y",
            "category_tiers": "",
            "org_rule": "threshold",
            "org_min_entries": "1",
            "org_top": "10",
            "org_points": "5,3,1",
            "certificate_mode": "entry",
        },
        "results.organisation_override": {
            "unit_id": w.units["a"],
            "target": "1",
            "reason": "组织发动得力",
        },
        "publication.object_to": {
            "entry_id": w.entries["a-pub"],
            "name": "王五",
            "phone": "13800000000",
            "reasons": "请复核该作品的计分情况。",
        },
        "publication.answer": {"decision": "rejected", "reply": "计分无误。"},
        "publication.corrections": {
            "entry_id": w.entries["a-pub"],
            "tier": "二等奖",
            "reason": "复核发现计分错误",
        },
        "publication.desk": {
            "starts_on": "2030-01-01",
            "ends_on": "2030-01-07",
            "fields": "title",
        },
        "messages.templates": {
            "kind": "entry_received",
            "language": "zh",
            "subject": "收到",
            "body": "{unit}",
            "action": "save",
        },
        "certificates.revoke": {"reason": "信息有误"},
        "certificates.settings": {"issuer": "重庆市总工会", "issued_on": "2026-12-01"},
        "certificates.correct": {"title": "更正后的题目", "authors": "张一"},
        "certificates.start_job": {"kind": "pdf"},
        "downloads.start": {"kind": "awards-xlsx"},
    }
    return dict(data.get(endpoint, {}))


def _judge(w: World, name: str) -> int:
    return db.session.get(User, w.users[name]).judge.id


# --- the state we compare --------------------------------------------------------


def fingerprint(folders: list[Path]) -> tuple:
    """Row count and max id of every table, and the files (name, size) on disk."""
    parts = []
    for table in db.metadata.sorted_tables:
        has_id = "id" in table.c
        # as text: some ids are strings (job), and PostgreSQL's UNION wants one type
        top = "CAST(max(id) AS TEXT)" if has_id else "''"
        parts.append(
            f"SELECT {table.name!r}, count(*), {top} "  # noqa: S608
            f'FROM "{table.name}"'
        )
    query = text(" UNION ALL ".join(parts))
    rows = tuple(db.session.execute(query).all())
    files = []
    for folder in folders:
        for root, _dirs, names in os.walk(folder):
            for name in names:
                path = Path(root) / name
                files.append((str(path), path.stat().st_size))
    return rows, tuple(sorted(files))


# --- the matrix -----------------------------------------------------------------


def _request(s: Setting, client: str, method: str, path: str, endpoint: str):  # noqa: ANN202
    c = s.clients[client]
    if method == "GET":
        return c.get(path)
    data = forms(endpoint, s.world) | {"csrf_token": s.tokens[client]}
    return c.post(path, data=data, content_type="multipart/form-data")


def _expect(role: str, off: bool, endpoint: str, kind: str) -> str:
    """'login', 'not_found', 'allowed' or 'same_as_missing'."""
    allowed = ROUTES[endpoint]
    if role == ANON or off:
        if ANON not in allowed:
            return "login"
    elif role not in allowed:
        return "not_found"
    return {"own": "allowed", "other": "same_as_missing", "missing": "not_found"}[kind]


def _methods(rule) -> list[str]:  # noqa: ANN001
    return [m for m in ("GET", "POST") if m in rule.methods]


# Pages whose "not found" is their own page, not the generic 404.
OWN_NOT_FOUND = {"certificates.verify"}


def run_matrix(s: Setting, client: str) -> tuple[int, list[str]]:
    """Request every rule as `client`; return the count and the failures."""
    role, off = CLIENTS[client]
    failures: list[str] = []
    count = 0
    for rule in s.app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in _methods(rule):
            responses = {}
            for kind, path in cases(rule, client, s.world):
                expect = _expect(role, off, rule.endpoint, kind)
                if expect == "allowed" and method == "POST":
                    continue  # changes the world: see test_allowed_posts_*
                count += 1
                before = fingerprint(s.folders)
                s.writes.clear()
                response = _request(s, client, method, path, rule.endpoint)
                responses[kind] = response
                label = f"{client} {method} {path} ({kind})"
                problem = _check(s, client, expect, rule.endpoint, response)
                if problem:
                    failures.append(f"{label}: {problem}")
                writes_by_design = rule.endpoint in WRITING_GETS and method == "GET"
                if s.writes and not writes_by_design:
                    failures.append(f"{label}: wrote {s.writes[:3]}")
                if expect != "allowed" and not writes_by_design:
                    if fingerprint(s.folders) != before:
                        failures.append(f"{label}: tables or files changed")
            expect = _expect(role, off, rule.endpoint, "other")
            if expect == "same_as_missing" and {"other", "missing"} <= set(responses):
                if not same_page(responses["other"], responses["missing"]):
                    failures.append(
                        f"{client} {method} {rule.rule}: someone else's object "
                        f"answers {responses['other'].status_code}, unlike a missing id"
                    )
    return count, failures


def _check(s: Setting, client: str, expect: str, endpoint: str, response) -> str:  # noqa: ANN001
    status, location = response.status_code, response.location or ""
    if expect == "login":
        if status != 302 or not location.startswith("/login"):
            return f"expected login redirect, got {status} {location}"
        return ""
    if expect in ("not_found", "same_as_missing"):
        if status != 404:
            return f"expected 404, got {status} {location}"
        if endpoint not in OWN_NOT_FOUND and not same_page(
            response, s.not_found[client]
        ):
            return "404 differs from an unknown page"
        return ""
    to_login = status in (301, 302, 303) and location.startswith("/login")
    if status == 404 or (to_login and endpoint != "accounts.home"):
        return f"expected access, got {status} {location}"
    if status >= 500:
        return f"server error {status}"
    return ""


@pytest.mark.parametrize("client", list(CLIENTS))
def test_authorization_matrix_denies_without_writing(setting, client):
    before = fingerprint(setting.folders)
    audit = db.session.scalar(select(func.count(AuditEvent.id)))

    count, failures = run_matrix(setting, client)

    assert "\n".join(failures) == ""
    assert count > 0
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audit
    rows, _files = fingerprint(setting.folders)
    verify_hits = [r for r in rows if r[0] == "verify_hit"]
    assert [r for r in rows if r[0] != "verify_hit"] == [
        r for r in before[0] if r[0] != "verify_hit"
    ]
    assert len(verify_hits) == 1


def test_authorization_matrix_covers_every_rule(setting):
    rules = [r for r in setting.app.url_map.iter_rules() if r.endpoint != "static"]
    combos = sum(
        len(cases(r, c, setting.world)) * len(_methods(r))
        for r in rules
        for c in CLIENTS
    )

    assert {r.endpoint for r in rules} | {"static"} == set(ROUTES)
    assert combos > 1500


# --- allowed POSTs: the change and its audit event, together ---------------------

# Allowed POSTs that may change rows without an audit event, and why.
UNAUDITED = {
    "accounts.login": "login attempts and last-login time are their own log",
}


def _posts(app: Flask) -> list:
    return [r for r in app.url_map.iter_rules() if "POST" in r.methods]


@pytest.fixture()
def fresh(setting) -> Iterator[Setting]:
    """A new world: the allowed POSTs below change it for real."""
    s = setting
    _truncate()
    world = build_world()
    s.world = world
    s.clients = _open_clients(s.app, world)
    s.tokens = {
        n: csrf_token(
            c, "/login" if n == "anonymous" or CLIENTS[n][1] else "/account/password"
        )
        for n, c in s.clients.items()
    }
    return s


def _content(folders: list[Path]) -> tuple:
    tables = []
    for table in db.metadata.sorted_tables:
        if table.name in ("audit_event", "login_attempt", "verify_hit"):
            continue
        rows = db.session.execute(select(table)).all()
        tables.append((table.name, sorted(map(repr, rows))))
    return tuple(tables)


def test_allowed_posts_write_their_audit_event_in_the_same_transaction(fresh):
    s = fresh
    changed, unaudited = [], []
    for rule in _posts(s.app):
        for name, (role, off) in CLIENTS.items():
            if off or role not in ROUTES[rule.endpoint] or name.endswith("-b"):
                continue
            if rule.endpoint == "accounts.logout":
                continue  # its own test below: it ends the session we reuse
            path = cases(rule, name, s.world)[0][1]
            before = _content(s.folders)
            audit = db.session.scalar(select(func.count(AuditEvent.id)))
            response = _request(s, name, "POST", path, rule.endpoint)
            assert response.status_code in (200, 302, 400), (path, name, response)
            assert not (response.location or "").startswith("/login"), (path, name)
            if _content(s.folders) == before:
                continue
            changed.append(rule.endpoint)
            after = db.session.scalar(select(func.count(AuditEvent.id)))
            if after == audit and rule.endpoint not in UNAUDITED:
                unaudited.append(rule.endpoint)
            if rule.endpoint == "accounts.change_password":
                s.tokens[name] = csrf_token(s.clients[name], "/account/password")

    assert unaudited == []
    assert len(changed) >= 20, changed


def test_logout_is_audited(fresh):
    s = fresh
    audit = db.session.scalar(select(func.count(AuditEvent.id)))

    response = s.clients["judge-a"].post(
        "/logout", data={"csrf_token": s.tokens["judge-a"]}
    )

    assert response.location == "/login"
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audit + 1


def test_failed_phase_step_keeps_neither_change_nor_event(fresh):
    """Closing writes codes and an audit event, then a later step fails: the
    view rolls back, so neither the codes nor any event persist."""
    s = fresh
    c = db.session.get(Competition, s.world.competitions["draft"])
    c.phase = Phase.OPEN
    db.session.commit()
    entry = submit(
        db.session.get(User, s.world.users["unit-a"]),
        c,
        title="将被关闭的论文",
        author="孙五",
    )
    db.session.commit()
    audit = db.session.scalar(select(func.count(AuditEvent.id)))

    def refuse(competition: Competition, actor) -> None:  # noqa: ANN001
        raise CompetitionError(["测试：后续步骤失败。"])

    ACTIONS[Phase.CLOSED].append(refuse)
    try:
        response = s.clients["organiser"].post(
            f"/competitions/{c.id}/phase",
            data={
                "target": Phase.CLOSED,
                "confirm_early": "1",
                "csrf_token": s.tokens["organiser"],
            },
        )
    finally:
        ACTIONS[Phase.CLOSED].remove(refuse)

    db.session.expire_all()
    assert response.status_code == 302
    assert db.session.get(Competition, c.id).phase == Phase.OPEN
    assert db.session.get(Entry, entry.id).code is None
    assert db.session.scalar(select(func.count(AuditEvent.id))) == audit
