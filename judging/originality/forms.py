"""The organiser's decision on a similar pair."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from judging.originality.models import PairStatus


class SettleForm(FlaskForm):
    decision = RadioField(
        _l("处理方式"),
        choices=[
            SelectChoice(PairStatus.CLEARED.value, _l("无问题（如正常引用）")),
            SelectChoice(PairStatus.ASKED.value, _l("请单位说明")),
            SelectChoice(PairStatus.EXCLUDED.value, _l("取消其中一篇的评奖资格")),
        ],
        validators=[DataRequired(message=_l("请选择处理方式。"))],
    )
    exclude_entry_id = IntegerField(_l("取消资格的作品"), validators=[Optional()])
    reason = TextAreaField(
        _l("理由"),
        validators=[
            DataRequired(message=_l("请写明处理理由。")),
            Length(max=2000, message=_l("理由不超过 2000 字。")),
        ],
    )
