"""公示 settings, the objection form, answers and corrections."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class PublicityForm(FlaskForm):
    starts_on = DateField(_l("公示开始日期"), validators=[DataRequired()])
    ends_on = DateField(_l("公示结束日期（含当天）"), validators=[DataRequired()])
    fields = SelectMultipleField(
        _l("公示内容"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    allow_public = BooleanField(_l("允许公众（填写姓名和电话）提出异议"))
    note = TextAreaField(_l("公示说明"), validators=[Optional(), Length(max=2000)])


class ObjectionForm(FlaskForm):
    entry_id = SelectField(_l("作品"), coerce=int, choices=[])
    name = StringField(_l("姓名"), validators=[DataRequired(), Length(max=80)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=40)])
    email = StringField(
        _l("电子邮箱（用于接收答复，可不填）"),
        validators=[Optional(), Email(), Length(max=120)],
    )
    reasons = TextAreaField(
        _l("异议理由"), validators=[DataRequired(), Length(min=10, max=3000)]
    )
    file = FileField(_l("证明材料（可选，PDF/Word/图片，≤ 10 MB）"))


class AnswerForm(FlaskForm):
    decision = SelectField(
        _l("处理结果"),
        choices=[
            SelectChoice("rejected", _l("异议不成立")),
            SelectChoice("upheld", _l("异议成立")),
        ],
    )
    reply = TextAreaField(_l("答复"), validators=[DataRequired(), Length(max=3000)])
    new_tier = SelectField(_l("调整该作品的结果（可选）"), choices=[])
    change_reason = StringField(
        _l("调整理由"), validators=[Optional(), Length(max=500)]
    )


class CorrectionForm(FlaskForm):
    entry_id = SelectField(_l("作品"), coerce=int, choices=[])
    tier = SelectField(_l("更正后的结果"), choices=[])
    reason = TextAreaField(
        _l("更正原因"), validators=[DataRequired(), Length(min=4, max=1000)]
    )
