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
from wtforms.validators import NumberRange, Optional

from judging.competitions.rules import (
    ATTACHMENT_LABELS,
    KIND_LABELS,
    OPTIONAL_FIELDS,
    PEOPLE_LABELS,
    CriterionSpec,
    Settings,
    TierSpec,
)
from judging.fields import MaxChars, PlainDecimalField, PlainIntegerField, Required

BLANK_ROWS = 2


class CriterionRow(Form):
    name = StringField(_l("评分项"), validators=[Optional(), MaxChars(80)])
    max_points = PlainIntegerField(_l("满分"), validators=[Optional()])
    guidance = StringField(_l("评分说明"), validators=[Optional(), MaxChars(500)])


class TierRow(Form):
    name = StringField(_l("奖项"), validators=[Optional(), MaxChars(40)])
    amount = PlainDecimalField(_l("数量"), places=2, validators=[Optional()])
    unit = SelectField(
        _l("单位"),
        default="share",
        choices=[SelectChoice("share", "%"), SelectChoice("count", _l("名"))],
    )


class CheckboxList(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


def split_categories(text: str) -> tuple[str, ...]:
    """Categories typed one per line or separated by 、 , ; (blank ones dropped)."""
    for sep in ("、", "，", ",", "；", ";", "\r"):
        text = text.replace(sep, "\n")
    return tuple(c.strip() for c in text.split("\n") if c.strip())


class CompetitionForm(FlaskForm):
    kind = SelectField(
        _l("征集类型"),
        default="competition",
        choices=[SelectChoice(k, _l(v)) for k, v in KIND_LABELS.items()],
    )
    title = StringField(_l("名称"), validators=[Required(), MaxChars(200)])
    confirm_total = BooleanField(_l("确认评分细则总分不是 100 分"))
    theme = TextAreaField(_l("主题说明"), validators=[Optional(), MaxChars(5000)])
    code_prefix = StringField(
        _l("作品编号前缀"),
        default="ZW",
        validators=[Required(), MaxChars(12)],
    )
    opens_on = DateField(_l("开始日期"), validators=[Required()])
    closes_on = DateField(
        _l("截止日期（当天 24:00 截止）"), validators=[Required()]
    )
    min_entries = PlainIntegerField(
        _l("每个单位最少件数"), default=1, validators=[NumberRange(min=0, max=100)]
    )
    max_entries = PlainIntegerField(
        _l("每个单位最多件数"), default=5, validators=[NumberRange(min=1, max=100)]
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
    categories = TextAreaField(
        _l("作品类别（每行一个；留空表示不分类别）"),
        default="理论研究\n调研报告",
        validators=[Optional(), MaxChars(500)],
    )
    people = SelectField(
        _l("需要填写的人员"),
        default="authors",
        choices=[SelectChoice(k, _l(v)) for k, v in PEOPLE_LABELS.items()],
    )
    required_fields = CheckboxList(
        _l("必填项"),
        choices=[SelectChoice(k, _l(v)) for k, v in OPTIONAL_FIELDS.items()],
    )
    attachment_kinds = CheckboxList(
        _l("允许的附件"),
        choices=[SelectChoice(k, _l(v)) for k, v in ATTACHMENT_LABELS.items()],
    )
    max_attachments = PlainIntegerField(
        _l("每件作品最多附件数"), default=9, validators=[NumberRange(min=0, max=50)]
    )
    max_video_mb = PlainIntegerField(
        _l("视频大小上限（MB）"), default=200, validators=[NumberRange(min=1, max=2000)]
    )
    max_entry_mb = PlainIntegerField(
        _l("每件作品文件总大小上限（MB）"),
        default=500,
        validators=[NumberRange(min=1, max=5000)],
    )
    attachments_to_judges = BooleanField(_l("评审专家可查看照片附件（已去除元数据）"))
    issuer = StringField(_l("颁发单位"), validators=[Optional(), MaxChars(120)])
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
            kind=self.kind.data or "competition",
            categories=split_categories(self.categories.data or ""),
            people=self.people.data or "authors",
            required_fields=frozenset(self.required_fields.data or ()),
            attachment_kinds=frozenset(self.attachment_kinds.data or ()),
            max_attachments=self.max_attachments.data,
            max_video_mb=self.max_video_mb.data,
            max_entry_mb=self.max_entry_mb.data,
            attachments_to_judges=bool(self.attachments_to_judges.data),
        )


class EligibilityForm(FlaskForm):
    """Who may take part in a call."""

    mode = SelectField(_l("参与单位范围"), default="all")
    kinds = CheckboxList(_l("单位类型"))
    group = SelectField(_l("分组"), validators=[Optional()])
