"""The audit log's filter form (GET, so no CSRF token in the address)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import Length, Optional


class AuditFilterForm(FlaskForm):
    """Filters for the audit log; empty fields do not filter."""

    class Meta:
        csrf = False

    kind = SelectField(_l("类别"), choices=[], validate_choice=False)
    action = SelectField(_l("操作"), choices=[], validate_choice=False)
    competition = SelectField(_l("竞赛"), choices=[], validate_choice=False)
    actor = StringField(
        _l("操作人"),
        validators=[Optional(), Length(max=64, message=_l("操作人最多 64 个字。"))],
    )
    since = DateField(_l("起始日期"), validators=[Optional()])
    until = DateField(_l("截止日期（含）"), validators=[Optional()])
