"""Form fields for numbers that accept plain decimal digits only (see numbers)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField

from judging.numbers import NotANumber, parse_decimal, parse_int


class PlainIntegerField(IntegerField):
    """An IntegerField that refuses "1_9", "1e3" and "+3" (int() takes them).

    Full-width digits are read as ASCII; an empty box is None, for
    ``Optional`` or a range validator to judge.
    """

    def process_formdata(self, valuelist: list) -> None:
        if not valuelist:
            return
        try:
            self.data = parse_int(str(valuelist[0]), negative=True)
        except NotANumber as exc:
            self.data = None
            raise ValueError(_l("请填写整数，只用数字 0–9。")) from exc


class PlainDecimalField(DecimalField):
    """A DecimalField that refuses "1_9", "1e1" and "NaN" (Decimal() takes them)."""

    def process_formdata(self, valuelist: list) -> None:
        if not valuelist:
            return
        try:
            self.data = parse_decimal(str(valuelist[0]), negative=True)
        except NotANumber as exc:
            self.data = None
            raise ValueError(_l("请填写数字，只用数字 0–9 和小数点。")) from exc
