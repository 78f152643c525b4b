"""Mark label strings for translation where they are defined.

Pure: no Flask, no database.

Labels kept in dictionaries (phases, states, kinds) are translated where they are
shown (`_(label)` in the templates); `N_` only marks them so that
`scripts/i18n.sh` extracts them into the catalogue. It returns its argument.
"""

from __future__ import annotations

from collections.abc import Callable


def N_(text: str) -> str:  # noqa: N802 (the gettext convention)
    """Mark `text` for extraction without translating it here."""
    return text


class Said(str):
    """A message in Chinese that remembers its msgid and fields.

    Services raise their errors in Chinese (the command line and the tests read
    them so); a ``Said`` is that same Chinese text, and the page that shows it
    says it again in the reader's language with ``say``. The msgid is marked
    with ``N_`` where it is written, so it reaches the catalogue.
    """

    msgid: str
    params: dict[str, object]

    def __new__(cls, msgid: str, **params: object) -> Said:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid = msgid
        self.params = params
        return self

    def __reduce__(self):  # noqa: ANN204 (pickled inside exceptions by jobs)
        return (_said, (self.msgid, self.params))


def _said(msgid: str, params: dict[str, object]) -> Said:
    return Said(msgid, **params)


def said(msgid: str, **params: object) -> Said:
    """``Said(msgid, **params)``: a message to be said in the reader's language."""
    return Said(msgid, **params)


def stored(message: object) -> object:
    """``message`` as JSON keeps it: a ``Said`` as its msgid and fields (nested
    ones too), so a page can say it in its reader's language after a round trip
    through the database; anything else as it is."""
    if isinstance(message, Said):
        return {
            "msgid": message.msgid,
            "params": {k: _plain(v) for k, v in message.params.items()},
        }
    return message


def _plain(value: object) -> object:
    if isinstance(value, Said):
        return stored(value)
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    item = getattr(value, "item", None)  # a numpy number
    return item() if callable(item) else str(value)


def restored(value: object) -> object:
    """The inverse of ``stored``: a ``Said`` again from its JSON form."""
    if isinstance(value, dict) and "msgid" in value:
        params = {k: restored(v) for k, v in (value.get("params") or {}).items()}
        return Said(value["msgid"], **params)
    return value


def say(message: object, gettext: Callable[[str], str]) -> str:
    """``message`` in the reader's language: a ``Said`` through its msgid and
    fields, a plain string through the catalogue (a constant message marked with
    ``N_``), anything else as it prints. A field that is itself a label of the
    catalogue (a phase, a kind of file) is said in that language too; names and
    titles are not in the catalogue, so they stay as written."""
    if isinstance(message, Said):
        text = gettext(message.msgid)
        if not message.params:
            return text
        fields = {
            k: say(v, gettext) if isinstance(v, str) else v
            for k, v in message.params.items()
        }
        return text % fields
    if isinstance(message, str):
        return gettext(message) if message else message
    return str(message)


def message_of(exc: BaseException) -> object:
    """The message an exception was raised with, its ``Said`` kept (``str(exc)``
    would copy it to a plain string)."""
    if len(exc.args) == 1 and isinstance(exc.args[0], str):
        return exc.args[0]
    return str(exc)
