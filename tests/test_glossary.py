"""One word for each thing: the glossary holds the templates and the catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from judging.accounts.models import Role
from judging.glossary import FORBIDDEN, TERMS
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
CATALOGUE = ROOT / "judging/translations/messages.pot"


@pytest.mark.parametrize("variant", sorted(FORBIDDEN))
def test_forbidden_variant_not_in_templates_or_catalogue(variant):
    with CATALOGUE.open("rb") as f:
        ids = [m.id for m in read_po(f) if m.id]
    in_templates = [
        p.relative_to(ROOT).as_posix()
        for p in TEMPLATES
        if variant in p.read_text(encoding="utf-8")
    ]
    in_catalogue = [i for i in ids if isinstance(i, str) and variant in i]

    assert (in_templates, in_catalogue) == ([], [])


def test_glossary_page_lists_every_term_in_english_too(app, make_user):
    client = app.test_client()
    login(client, make_user(Role.UNIT))

    chinese = client.get("/glossary").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/glossary").get_data(as_text=True)

    assert [t for t, _ in TERMS if t not in chinese] == []
    assert "Glossary" in english
    assert [t for t, _ in TERMS if f"<dt>{t}</dt>" in english] == []
