"""The English catalogue is complete, compiled, and covers every source string."""

from __future__ import annotations

import gettext
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "judging/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
METHODS = [("judging/**.py", "python"), ("templates/**.html", "jinja2")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "_l": None,
    "N_": None,
}


def _catalogue():
    with PO.open("rb") as f:
        return read_po(f)


def test_every_message_is_translated():
    untranslated = [m.id for m in _catalogue() if m.id and not m.string]

    assert untranslated == []


def test_compiled_catalogue_matches_source():
    with MO.open("rb") as f:
        compiled = gettext.GNUTranslations(f)

    stale = [
        m.id
        for m in _catalogue()
        if m.id and isinstance(m.id, str) and compiled.gettext(m.id) != m.string
    ]

    assert stale == []


def test_every_source_string_is_in_the_catalogue():
    known = {m.id for m in _catalogue()}
    found = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT),
            METHODS,
            keywords=KEYWORDS,
            options_map={"templates/**.html": {"extensions": "jinja2.ext.i18n"}},
        )
    }

    assert len(found) > 400  # the extraction itself works
    assert sorted(found - known) == []
