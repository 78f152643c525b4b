"""Mark label strings for translation where they are defined.

Pure: no Flask, no database.

Labels kept in dictionaries (phases, states, kinds) are translated where they are
shown (`_(label)` in the templates); `N_` only marks them so that
`scripts/i18n.sh` extracts them into the catalogue. It returns its argument.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")  # the competition's clock


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
        chinese = {k: _in_chinese(v) for k, v in params.items()}
        self = super().__new__(cls, msgid % chinese if params else msgid)
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


# One format per kind of date, in the catalogue (str.format fields, so that a
# language may leave some out: English writes the month's name, Chinese its
# number). Pages use them through judging.web's ``day``/``deadline`` filters.
DAY_FORMAT = N_("{year} 年 {month} 月 {day} 日")
MOMENT_FORMAT = N_("{year} 年 {month} 月 {day} 日 {clock}")
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def _fields(day: date) -> dict[str, object]:
    return {
        "year": day.year,
        "month": day.month,
        "day": day.day,
        "dd": f"{day.day:02d}",
        "mon": _MONTHS[day.month - 1],
    }


def day_text(value: date, gettext: Callable[[str], str]) -> str:
    """A calendar day ("2026 年 10 月 17 日", "17 Oct 2026"); an instant is
    first put on the Shanghai clock (a naive one is taken as it is)."""
    if isinstance(value, datetime):
        value = value.astimezone(SHANGHAI).date() if value.tzinfo else value.date()
    return gettext(DAY_FORMAT).format(**_fields(value))


def moment_text(value: datetime, gettext: Callable[[str], str]) -> str:
    """An instant on the Shanghai clock, with its time ("2026 年 10 月 17 日
    14:00"); local midnight is the end of the day before ("… 17 日 24:00")."""
    local = _local(value)
    clock = f"{local:%H:%M}"
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        local, clock = local - timedelta(days=1), "24:00"
    return gettext(MOMENT_FORMAT).format(clock=clock, **_fields(local))


def _local(value: datetime) -> datetime:
    """A stored instant (naive ones are UTC) in Asia/Shanghai."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(SHANGHAI)


def _dated(value: object, gettext: Callable[[str], str]) -> object:
    if isinstance(value, datetime):
        return moment_text(value, gettext)
    if isinstance(value, date):
        return day_text(value, gettext)
    return value


def _in_chinese(value: object) -> object:
    return _dated(value, _chinese)


def _chinese(msgid: str) -> str:
    return msgid


def stored(message: object) -> object:
    """``message`` as JSON keeps it: a ``Said`` as its msgid and fields (nested
    ones too), so a page can say it in its reader's language after a round trip
    through the database; a date as tagged ISO text (``{"date": …}``, or
    ``{"datetime": …}``); anything else as it is."""
    if isinstance(message, Said):
        return {
            "msgid": message.msgid,
            "params": {k: _plain(v) for k, v in message.params.items()},
        }
    if isinstance(message, date):
        return _plain(message)
    return message


def _plain(value: object) -> object:
    if isinstance(value, Said):
        return stored(value)
    if isinstance(value, datetime):  # before date: a datetime is a date too
        return {"datetime": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    item = getattr(value, "item", None)  # a numpy number
    return item() if callable(item) else str(value)


def restored(value: object) -> object:
    """The inverse of ``stored``: a ``Said`` again from its JSON form."""
    if isinstance(value, dict) and "msgid" in value:
        params = {k: restored(v) for k, v in (value.get("params") or {}).items()}
        return Said(value["msgid"], **params)
    if isinstance(value, dict) and len(value) == 1:
        try:
            if isinstance(value.get("datetime"), str):
                return datetime.fromisoformat(value["datetime"])
            if isinstance(value.get("date"), str):
                return date.fromisoformat(value["date"])
        except ValueError:
            return value
    return value


def stored_text(message: object, limit: int = 500) -> str:
    """``message`` for a text column of `limit` characters: a ``Said`` as the
    JSON of ``stored`` (read back with ``restored_text``), or, when that would
    not fit, as its Chinese; anything else as its text, cut to fit."""
    if isinstance(message, Said):
        text = json.dumps(stored(message), ensure_ascii=False)
        if len(text) <= limit:
            return text
    return str(message)[:limit]


def restored_text(text: str | None) -> object:
    """The message ``stored_text`` kept: a ``Said`` again, or the plain text of
    a row written before messages were kept so (or of a mail server)."""
    if not text or not text.startswith("{"):
        return text or ""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return restored(value) if isinstance(value, dict) and "msgid" in value else text


def say(message: object, gettext: Callable[[str], str]) -> str:
    """``message`` in the reader's language: a ``Said`` through its msgid and
    fields, a plain string through the catalogue (a constant message marked with
    ``N_``), anything else as it prints. A field that is itself a label of the
    catalogue (a phase, a kind of file) is said in that language too; names and
    titles are not in the catalogue, so they stay as written. A date is written
    the reader's way (``day_text``, ``moment_text``)."""
    if isinstance(message, Said):
        text = gettext(message.msgid)
        if not message.params:
            return text
        fields = {
            k: say(v, gettext) if isinstance(v, str) else _dated(v, gettext)
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


def errors_of(exc: BaseException) -> list[object]:
    """What a refusing service said, its ``Said`` kept: its list of ``errors``
    if it has one, else its message."""
    return list(getattr(exc, "errors", None) or [message_of(exc)])


class Refusal(ValueError):
    """A refused action; ``errors`` are its Chinese sentences for the user, each
    a ``Said`` or a marked constant that a page says again in the reader's
    language.

    ``str()`` is the sentences joined by ``sep`` (the command line prints it);
    a single sentence is the exception's message as it was given, its ``Said``
    kept (``message_of``). Pickled with every ``Said`` (jobs raise them)."""

    def __init__(self, errors: list[str] | str, sep: str = "；") -> None:
        self.errors = [errors] if isinstance(errors, str) else list(errors)
        self.sep = sep
        one = self.errors[0] if len(self.errors) == 1 else sep.join(self.errors)
        super().__init__(one)

    def __reduce__(self):  # noqa: ANN204
        return (type(self), (self.errors, self.sep))
