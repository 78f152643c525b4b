"""Forms for the assignment plan, conflicts, manual changes and notices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import AnyOf, InputRequired, NumberRange

from judging.fields import MaxChars, PlainIntegerField, Required, stripped


class PlanForm(FlaskForm):
    """k and seed for a preview: a GET form (it writes nothing), so no CSRF."""

    class Meta:
        csrf = False

    k = PlainIntegerField(
        _l("每篇评审人数"), validators=[InputRequired(), NumberRange(min=1, max=15)]
    )
    seed = PlainIntegerField(
        _l("随机种子"),
        validators=[InputRequired(), NumberRange(min=0, max=2**31 - 1)],
    )


class ApplyForm(FlaskForm):
    """The previewed k and seed, sent back to apply the very same plan."""

    k = PlainIntegerField(validators=[InputRequired(), NumberRange(min=1, max=15)])
    seed = PlainIntegerField(
        validators=[InputRequired(), NumberRange(min=0, max=2**31 - 1)]
    )


class ConflictForm(FlaskForm):
    judge_id = SelectField(_l("评审专家"), coerce=int, validators=[Required()])
    unit_id = SelectField(_l("回避单位"), coerce=int)
    entry = StringField(
        _l("或回避作品（编号）"), validators=[MaxChars(40)], filters=[stripped]
    )
    reason = StringField(_l("回避原因"), validators=[Required(), MaxChars(500)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("原因"), validators=[Required(), MaxChars(500)])


class JudgeForm(FlaskForm):
    judge_id = SelectField(_l("评审专家"), coerce=int, validators=[Required()])


class NoticeForm(FlaskForm):
    kind = HiddenField(validators=[AnyOf(("assignment", "reminder"))])
