"""Form fields for plain numbers, and validators that name the field they refuse."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField
from wtforms.validators import StopValidation, ValidationError

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


def _label(field) -> str:  # noqa: ANN001
    return str(field.label.text).strip() if field.label else ""


class Required:
    """The field must be filled in; the message names it ("请填写「作品题目」。").

    WTForms' DataRequired says only "该字段是必填字段。" (and in English); this
    says which box, in our words, and still sets the ``required`` flag.
    """

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:  # noqa: ANN001
        data = field.data
        if data and (not isinstance(data, str) or data.strip()):
            return
        field.errors[:] = []
        raise StopValidation(_l("请填写「%(label)s」。", label=_label(field)))


class MaxChars:
    """At most ``n`` characters, said with the field's name and the count typed.

    Replaces WTForms' generic Length message; still renders ``maxlength``.
    """

    def __init__(self, n: int) -> None:
        self.max = n
        self.field_flags = {"maxlength": n}

    def __call__(self, form, field) -> None:  # noqa: ANN001
        length = len(field.data or "")
        if length > self.max:
            raise ValidationError(
                _l(
                    "「%(label)s」最多 %(n)d 个字，现在是 %(m)d 个。",
                    label=_label(field),
                    n=self.max,
                    m=length,
                )
            )


def stripped(value: object) -> object:
    """A field filter: text without its surrounding spaces (None stays None)."""
    return value.strip() if isinstance(value, str) else value
