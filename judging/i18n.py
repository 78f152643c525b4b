"""Mark label strings for translation where they are defined.

Pure: no Flask, no database.

Labels kept in dictionaries (phases, states, kinds) are translated where they are
shown (`_(label)` in the templates); `N_` only marks them so that
`scripts/i18n.sh` extracts them into the catalogue. It returns its argument.
"""


def N_(text: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark `text` for extraction without translating it here."""
    return text
