"""The organiser's template editor."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length


class TemplateForm(FlaskForm):
    kind = HiddenField()
    language = HiddenField()
    subject = StringField(_l("主题"), validators=[DataRequired(), Length(max=300)])
    body = TextAreaField(_l("正文"), validators=[DataRequired(), Length(max=20000)])
    action = HiddenField(default="preview")
