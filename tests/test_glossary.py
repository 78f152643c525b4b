"""One word for each thing: the glossary holds the templates and the catalogue."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from judging.accounts.models import Role
from judging.glossary import FORBIDDEN, TERMS
from tests.conftest import login

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = sorted((ROOT / "templates").rglob("*.html"))
CATALOGUE = ROOT / "judging/translations/messages.pot"
# Python files whose strings reach users: messages built outside the catalogue
# (aggregation warnings, command-line output, import errors) hold the glossary too.
SOURCES = sorted(
    p
    for folder in ("judging", "scripts")
    for p in (ROOT / folder).rglob("*.py")
    if "translations" not in p.parts
)
# Where a forbidden word is read, never written: the glossary itself, and the
# column headings an import accepts ("评委" is read as the judge column).
READS_ONLY = {
    "judging/glossary.py",
    "judging/review/imports.py",
    "judging/rounds/columns.py",
}


def _literals(path: Path) -> list[str]:
    """Every string constant in a module, f-string pieces included."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]


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


@pytest.mark.parametrize("variant", sorted(FORBIDDEN))
def test_forbidden_variant_not_in_python_strings(variant):
    found = [
        p.relative_to(ROOT).as_posix()
        for p in SOURCES
        if p.relative_to(ROOT).as_posix() not in READS_ONLY
        and any(variant in text for text in _literals(p))
    ]

    assert found == []


def test_forbidden_variant_check_sees_f_strings(tmp_path):
    module = tmp_path / "m.py"
    module.write_text('x = 1\nw = f"评委 {x} 的分数"\n', encoding="utf-8")

    assert any("评委" in text for text in _literals(module))


def test_glossary_page_lists_every_term_in_english_too(app, make_user):
    client = app.test_client()
    login(client, make_user(Role.UNIT))

    chinese = client.get("/glossary").get_data(as_text=True)
    client.get("/lang/en")
    english = client.get("/glossary").get_data(as_text=True)

    assert [t for t, _ in TERMS if t not in chinese] == []
    assert "Glossary" in english
    assert [t for t, _ in TERMS if f"<dt>{t}</dt>" in english] == []
