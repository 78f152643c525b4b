"""Forms for the rounds page: the shortlist, the next round, membership, 答辩."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from judging.fields import (
    MaxChars,
    PlainDecimalField,
    PlainIntegerField,
    Required,
    stripped,
)
from judging.results.methods import METHODS as METHODS_BY_NAME

CUTS = [SelectChoice("n", _l("前 N 篇")), SelectChoice("share", _l("前 X %"))]
METHODS = [SelectChoice(key, _l(label)) for key, label in reversed(METHODS_BY_NAME)]


class ShortlistForm(FlaskForm):
    """The cut for the preview: a GET form (it writes nothing), so no CSRF."""

    class Meta:
        csrf = False

    cut = SelectField(_l("入围方式"), choices=CUTS, default="share")
    value = PlainDecimalField(
        _l("篇数或百分比"),
        validators=[InputRequired(), NumberRange(min=0.01, max=10000)],
        default=30,
    )
    per_category = BooleanField(_l("各类别分别入围"))
    method = SelectField(_l("按哪种汇总方法排名"), choices=METHODS)


class StartForm(ShortlistForm):
    """Start the next round with the previewed cut (POST, with CSRF)."""

    class Meta:
        csrf = True

    name = StringField(_l("轮次名称"), validators=[MaxChars(40)])
    reviews = PlainIntegerField(
        _l("每篇评审人数"),
        validators=[InputRequired(), NumberRange(min=1, max=15)],
        default=3,
    )
    deadline = DateField(_l("本轮截止日期"), validators=[Optional()])
    rubric = TextAreaField(
        _l("本轮评分标准（可不填）"), validators=[Optional(), MaxChars(4000)]
    )


class MemberForm(FlaskForm):
    # A code typed in, not a <select> of every entry of the previous round
    # (5,000 options at a national competition); the view finds the entry and
    # refuses an unknown code, as the results page's override form does.
    entry = StringField(
        _l("作品编号"),
        filters=[stripped],
        validators=[Required(), MaxChars(64)],
    )
    reason = StringField(_l("原因"), validators=[Required(), MaxChars(500)])


class CombinationForm(FlaskForm):
    mode = SelectField(
        _l("合成方式"),
        choices=[
            SelectChoice("last", _l("最后一轮决定")),
            SelectChoice("weighted", _l("各轮加权")),
        ],
    )
    defense_weight = StringField(_l("答辩权重（%）"), validators=[MaxChars(10)])
    defense_max = StringField(_l("答辩满分"), validators=[MaxChars(10)])


class DefenseForm(FlaskForm):
    entry_id = PlainIntegerField(validators=[InputRequired()])
    marks = TextAreaField(
        _l("评审专家与分数（每行：姓名 分数）"), validators=[MaxChars(4000)]
    )


class DefenseImportForm(FlaskForm):
    file = FileField(
        _l("CSV 或 XLSX 文件"), validators=[FileRequired(_l("请选择文件。"))]
    )
