"""The competition settings form, with its rubric and award rows."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from judging.competitions.rules import CriterionSpec, Settings, TierSpec
from judging.fields import PlainDecimalField, PlainIntegerField

BLANK_ROWS = 2


class CriterionRow(Form):
    name = StringField(_l("评分项"), validators=[Optional(), Length(max=80)])
    max_points = PlainIntegerField(_l("满分"), validators=[Optional()])
    guidance = StringField(_l("评分说明"), validators=[Optional(), Length(max=500)])


class TierRow(Form):
    name = StringField(_l("奖项"), validators=[Optional(), Length(max=40)])
    amount = PlainDecimalField(_l("数量"), places=2, validators=[Optional()])
    unit = SelectField(
        _l("单位"),
        choices=[SelectChoice("share", "%"), SelectChoice("count", _l("名"))],
    )


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class CompetitionForm(FlaskForm):
    title = StringField(_l("竞赛名称"), validators=[DataRequired(), Length(max=200)])
    confirm_total = BooleanField(_l("确认评分细则总分不是 100 分"))
    theme = TextAreaField(_l("主题说明"), validators=[Optional(), Length(max=5000)])
    code_prefix = StringField(
        _l("作品编号前缀"),
        default="ZW",
        validators=[DataRequired(), Length(max=12)],
    )
    opens_on = DateField(_l("开始日期"), validators=[DataRequired()])
    closes_on = DateField(
        _l("截止日期（当天 24:00 截止）"), validators=[DataRequired()]
    )
    min_entries = PlainIntegerField(
        _l("每校最少篇数"), default=1, validators=[NumberRange(min=0, max=100)]
    )
    max_entries = PlainIntegerField(
        _l("每校最多篇数"), default=5, validators=[NumberRange(min=1, max=100)]
    )
    file_types = CheckboxList(
        _l("接受的文件类型"),
        default=["pdf", "docx"],
        choices=[SelectChoice("pdf", "PDF"), SelectChoice("docx", "DOCX")],
    )
    max_file_mb = PlainIntegerField(
        _l("文件大小上限（MB）"), default=20, validators=[NumberRange(min=1, max=100)]
    )
    min_words = PlainIntegerField(_l("字数下限"), validators=[Optional()])
    max_words = PlainIntegerField(_l("字数上限"), validators=[Optional()])
    reviews_per_entry = PlainIntegerField(
        _l("每篇评审专家人数"), default=3, validators=[NumberRange(min=1, max=15)]
    )
    disagreement_threshold = PlainDecimalField(
        _l("分歧阈值（总分差）"),
        default=Decimal("20"),
        places=1,
        validators=[NumberRange(min=0, max=1000)],
    )
    similarity_percent = PlainIntegerField(
        _l("查重阈值（%）"),
        default=30,
        validators=[NumberRange(min=1, max=100)],
    )
    issuer = StringField(_l("颁发单位"), validators=[Optional(), Length(max=120)])
    issued_on = DateField(_l("颁发日期"), validators=[Optional()])
    criteria = FieldList(FormField(CriterionRow), min_entries=1)
    tiers = FieldList(FormField(TierRow), min_entries=1)

    def fill_rows(self, criteria: list, tiers: list) -> None:
        """Show the current rows plus a few blank ones to add more."""
        while len(self.criteria) > 0:
            self.criteria.pop_entry()
        while len(self.tiers) > 0:
            self.tiers.pop_entry()
        for c in criteria:
            self.criteria.append_entry(
                {"name": c.name, "max_points": c.max_points, "guidance": c.guidance}
            )
        for t in tiers:
            share = t.share_percent
            self.tiers.append_entry(
                {
                    "name": t.name,
                    "amount": share if share is not None else t.count,
                    "unit": "share" if share is not None else "count",
                }
            )
        for _ in range(BLANK_ROWS):
            self.criteria.append_entry()
            self.tiers.append_entry()

    def settings(self) -> Settings:
        criteria = tuple(
            CriterionSpec(
                r.form.name.data.strip(),
                r.form.max_points.data or 0,
                (r.form.guidance.data or "").strip(),
            )
            for r in self.criteria
            if (r.form.name.data or "").strip() or r.form.max_points.data
        )
        tiers = []
        for r in self.tiers:
            name = (r.form.name.data or "").strip()
            amount = r.form.amount.data
            if not name and amount is None:
                continue
            if r.form.unit.data == "count":
                tiers.append(TierSpec(name, count=int(amount) if amount else 0))
            else:
                tiers.append(TierSpec(name, share_percent=amount or Decimal(0)))
        return Settings(
            title=self.title.data or "",
            opens_on=self.opens_on.data,
            closes_on=self.closes_on.data,
            min_entries=self.min_entries.data,
            max_entries=self.max_entries.data,
            file_types=frozenset(self.file_types.data or ()),
            max_file_mb=self.max_file_mb.data,
            min_words=self.min_words.data,
            max_words=self.max_words.data,
            reviews_per_entry=self.reviews_per_entry.data,
            criteria=criteria,
            tiers=tuple(tiers),
        )
