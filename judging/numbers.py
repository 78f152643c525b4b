"""Numbers as people type them: plain decimal digits only, full-width allowed.

Pure: no Flask, no database.

Python's own parsers are lenient in ways a score sheet must not be:
``int("1_9")`` and ``Decimal("1_9")`` are 19, ``Decimal("1e1")`` is 10,
``int("١٢")`` (Arabic-Indic digits) is 12 and ``Decimal(" 7 ")`` strips blanks.
Every number typed into a form or read from an imported file goes through
here instead: ASCII digits, at most one decimal point, an optional leading
minus where the caller allows it. Full-width digits, point and minus (what a
Chinese input method types: ``１９．５``) are read as their ASCII forms.
"""

from __future__ import annotations

import re
from decimal import Decimal

_FULL_WIDTH = str.maketrans("０１２３４５６７８９．－", "0123456789.-")
_INTEGER = re.compile(r"-?[0-9]+")
_DECIMAL = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


class NotANumber(ValueError):
    """The text is not a plain decimal number; args[0] is the text as typed."""


def normalise_digits(text: str) -> str:
    """Full-width digits, point and minus as ASCII; surrounding blanks removed."""
    return text.strip().translate(_FULL_WIDTH)


def parse_int(text: str, *, negative: bool = False) -> int | None:
    """A whole number typed as plain digits; None for an empty text.

    Raises NotANumber for anything else ("1_9", "1e3", "12.0", "+3", "²").
    """
    plain = normalise_digits(text)
    if not plain:
        return None
    if not _INTEGER.fullmatch(plain) or (plain.startswith("-") and not negative):
        raise NotANumber(text)
    return int(plain)


def parse_decimal(text: str, *, negative: bool = False) -> Decimal | None:
    """An exact decimal typed as digits with an optional point; None when empty.

    Raises NotANumber for anything else ("1_9", "1e1", "NaN", "7,5", ".5").
    """
    plain = normalise_digits(text)
    if not plain:
        return None
    if not _DECIMAL.fullmatch(plain) or (plain.startswith("-") and not negative):
        raise NotANumber(text)
    return Decimal(plain)
