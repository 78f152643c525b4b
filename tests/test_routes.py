"""Every route has a declared audience; everyone else gets a login redirect or 404.

The table below is the single list of who may use what. A new route without an
entry fails `test_every_route_is_declared`, so nothing ships unreviewed.
"""

from __future__ import annotations

import re

import pytest

from judging.accounts.models import Role

ANON, ORG, UNIT, JUDGE = "anonymous", Role.ORGANISER, Role.UNIT, Role.JUDGE
EVERYONE = {ANON, ORG, UNIT, JUDGE}
LOGGED_IN = {ORG, UNIT, JUDGE}

# endpoint -> roles that may GET it (for POST-only routes: who may POST)
ROUTES: dict[str, set[str]] = {
    "static": EVERYONE,
    "set_language": EVERYONE,
    "accounts.home": EVERYONE,
    "accounts.login": EVERYONE,
    "accounts.logout": LOGGED_IN,
    "accounts.change_password": LOGGED_IN,
    "accounts.glossary": LOGGED_IN,
    "accounts.users": {ORG},
    "accounts.reset_password": {ORG},
    "accounts.set_enabled": {ORG},
    "accounts.units": {ORG},
    "accounts.edit_unit": {ORG},
    "accounts.judges": {ORG},
    "accounts.import_people": {ORG},
    "accounts.credentials": {ORG},
    "competitions.index": {ORG},
    "competitions.create": {ORG},
    "competitions.detail": {ORG},
    "competitions.edit": {ORG},
    "competitions.advance": {ORG},
    "competitions.eligibility_page": {ORG},
    "competitions.eligibility_units": {ORG},
    "submissions.dashboard": {UNIT},
    "submissions.new_entry": {UNIT},
    "submissions.edit_entry": {UNIT},
    "submissions.withdraw": {UNIT},
    "submissions.own_file": {UNIT},
    "submissions.receipt": {UNIT},
    "submissions.own_attachment": {UNIT},
    "submissions.remove_attachment": {UNIT},
    "submissions.attachment_file": {ORG},
    "submissions.recommend": {ORG},
    "submissions.recommended_xlsx": {ORG},
    "submissions.missing_xlsx": {ORG},
    "submissions.unit_reminders": {ORG},
    "submissions.send_unit_reminders": {ORG},
    "submissions.overview": {ORG},
    "submissions.overview_xlsx": {ORG},
    "submissions.files_zip": {ORG},
    "submissions.grant_extension": {ORG},
    "submissions.grant_extensions": {ORG},
    "submissions.entry_detail": {ORG},
    "submissions.entry_file": {ORG},
    "anonymity.queue": {ORG},
    "anonymity.harmless": {ORG},
    "anonymity.harmless_bulk": {ORG},
    "anonymity.request_redaction": {ORG},
    "anonymity.upload_redacted": {ORG},
    "anonymity.redact_fields": {ORG},
    "anonymity.unit_redacted": {UNIT},
    "originality.index": {ORG},
    "originality.check": {ORG},
    "originality.progress": {ORG},
    "originality.pair": {ORG},
    "originality.settle": {ORG},
    "anonymity.check_file": {UNIT},
    "assignment.plan": {ORG},
    "rounds.index": {ORG},
    "rounds.start": {ORG},
    "rounds.add": {ORG},
    "rounds.remove": {ORG},
    "rounds.combination": {ORG},
    "rounds.defense": {ORG},
    "rounds.save_defense": {ORG},
    "rounds.import_defense": {ORG},
    "assignment.apply": {ORG},
    "assignment.conflicts": {ORG},
    "assignment.add_conflict": {ORG},
    "assignment.remove_conflict": {ORG},
    "assignment.entry": {ORG},
    "assignment.add_judge": {ORG},
    "assignment.swap_judge": {ORG},
    "assignment.remove_judge": {ORG},
    "assignment.progress": {ORG},
    "assignment.reminder_xlsx": {ORG},
    "assignment.notices": {ORG},
    "assignment.send_notices": {ORG},
    "assignment.disagreements": {ORG},
    "assignment.arbitrate": {ORG},
    "messages.inbox": LOGGED_IN,
    "messages.read": LOGGED_IN,
    "messages.outbox": {ORG},
    "messages.resend": {ORG},
    "messages.templates": {ORG},
    "publication.public": EVERYONE,
    "publication.object_to": {ANON, UNIT},
    "publication.mine": {UNIT},
    "publication.desk": {ORG},
    "publication.answer": {ORG},
    "publication.objection_file": {ORG},
    "publication.publish": {ORG},
    "publication.final_preview": {ORG},
    "publication.corrections": {ORG},
    "review.dashboard": {JUDGE},
    "review.sheet": {JUDGE},
    "review.copy": {JUDGE},
    "review.photo": {JUDGE},
    "review.declare_conflict": {JUDGE},
    "review.progress": {ORG},
    "review.entry_reviews": {ORG},
    "review.reopen": {ORG},
    "review.paper_scores": {ORG},
    "review.paper_template": {ORG},
    "results.index": {ORG},
    "results.why_score": {ORG},
    "results.progress": {ORG},
    "results.override": {ORG},
    "results.clear_override": {ORG},
    "results.extra_review": {ORG},
    "results.extra_reviews": {ORG},
    "results.send_extra_reviews": {ORG},
    "results.finalise": {ORG},
    "results.publish": {ORG},
    "results.reliability": {ORG},
    "results.award_list_xlsx": {ORG},
    "results.award_list_pdf": {ORG},
    "results.score_sheet": {ORG},
    "results.rules": {ORG},
    "results.organisation_override": {ORG},
    "results.clear_organisation_override": {ORG},
    "results.public": EVERYONE,
    "results.unit": {UNIT},
    "audit.index": {ORG},
    "audit.export": {ORG},
    "certificates.index": {ORG},
    "certificates.issue": {ORG},
    "certificates.revoke": {ORG},
    "certificates.settings": {ORG},
    "certificates.seal_image": {ORG},
    "certificates.correct": {ORG},
    "certificates.batch_pdf": {ORG},
    "certificates.batch_zip": {ORG},
    "certificates.start_job": {ORG},
    "certificates.job_page": {ORG},
    "certificates.job_status": {ORG},
    "certificates.job_file": {ORG},
    "certificates.unit_pdf": {UNIT},
    "downloads.start": {ORG},
    "downloads.page": {ORG},
    "downloads.status": {ORG},
    "downloads.file": {ORG},
    "certificates.verify": EVERYONE,
    "ops.healthz": EVERYONE,
}


def _url_for_rule(rule) -> str:  # noqa: ANN001
    values = {}
    for arg in rule.arguments:
        values[arg] = {
            "filename": "app.css",
            "code": "zh",
            "kind": "units",
            "which": "original",
        }.get(arg, 1)
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^:<>]+:)?{name}(?:\([^)]*\))?>", str(value), path)
    return path


def test_every_route_is_declared(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}

    assert endpoints - set(ROUTES) == set()
    assert set(ROUTES) - endpoints == set()


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


@pytest.mark.parametrize("role", [ANON, ORG, UNIT, JUDGE])
def test_routes_refuse_other_roles(app, make_user, make_competition, role):
    make_competition()
    from tests.conftest import csrf_token, login

    client = app.test_client()
    if role != ANON:
        login(client, make_user(role))
    token = csrf_token(client, "/login" if role == ANON else "/account/password")
    for rule in _rules(app):
        if role in ROUTES[rule.endpoint]:
            continue
        path = _url_for_rule(rule)
        if "GET" in rule.methods:
            response = client.get(path)
        else:
            response = client.post(path, data={"csrf_token": token})
        if role == ANON:
            assert response.status_code == 302, (path, response.status_code)
            assert response.location.startswith("/login"), path
        else:
            assert response.status_code == 404, (path, role, response.status_code)


def test_missing_and_forbidden_look_the_same(app, make_user, make_competition):
    from tests.conftest import login, same_page

    make_competition()
    client = app.test_client()
    login(client, make_user(UNIT))

    forbidden = client.get("/competitions/1")
    missing = client.get("/competitions/999")

    assert forbidden.status_code == 404
    assert same_page(forbidden, missing)
