"""Numbers typed or imported: plain decimal digits only, full-width read as ASCII."""

from __future__ import annotations

from decimal import Decimal

import pytest

from judging.numbers import NotANumber, parse_decimal, parse_int

LENIENT = ["1_9", "1e1", "1E+1", "+5", "١٢", "²", "0x10", "NaN", "Infinity", "7,5",
           ".5", "5.", "1 9", "--1", "1.2.3", "十"]  # fmt: skip


@pytest.mark.parametrize(
    ("text", "value"),
    [("", None), (" ", None), ("19", 19), (" 7 ", 7), ("１９", 19), ("007", 7)],
)
def test_parse_int_reads_plain_digits(text, value):
    assert parse_int(text) == value


@pytest.mark.parametrize("text", [*LENIENT, "12.0", "-3"])
def test_parse_int_refuses_what_int_accepts(text):
    with pytest.raises(NotANumber):
        parse_int(text)


@pytest.mark.parametrize(
    ("text", "value"),
    [("19.5", Decimal("19.5")), ("１９．５", Decimal("19.5")), ("0", Decimal(0))],
)
def test_parse_decimal_reads_plain_decimals(text, value):
    assert parse_decimal(text) == value


@pytest.mark.parametrize("text", [*LENIENT, "-3"])
def test_parse_decimal_refuses_what_decimal_accepts(text):
    with pytest.raises(NotANumber):
        parse_decimal(text)


def test_negative_only_where_allowed():
    assert (parse_int("-3", negative=True), parse_decimal("－1.5", negative=True)) == (
        -3,
        Decimal("-1.5"),
    )
