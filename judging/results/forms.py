"""Forms of the results page: the method to freeze, and an override with a reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from judging.fields import MaxChars, PlainIntegerField, stripped
from judging.results.methods import METHODS
from judging.results.rules_service import CERTIFICATE_MODES, RULE_LABELS, AwardRules

EXCLUDE = "__exclude__"


class FinaliseForm(FlaskForm):
    method = SelectField(
        _l("排名方法"),
        choices=[SelectChoice(k, v) for k, v in METHODS],
        default="calibrated",
    )


class OverrideForm(FlaskForm):
    # A code typed in, not a <select> of every entry (5,000 options made the
    # results page 610 KB); the view finds the entry and refuses an unknown code.
    entry = StringField(
        _l("作品编号"),
        filters=[stripped],
        validators=[
            DataRequired(message=_l("请填写要调整的作品编号。")),
            Length(max=64, message=_l("作品编号过长。")),
        ],
    )
    target = SelectField(_l("调整为"), validate_choice=True)
    reason = TextAreaField(
        _l("理由（必填）"),
        validators=[
            DataRequired(message=_l("调整奖项或取消资格必须填写理由。")),
            MaxChars(2000),
        ],
    )

    def fill(self, *, tiers: list[str]) -> None:
        """Choices from the competition: its tiers, 未获奖, exclusion."""
        self.target.choices = [SelectChoice(t, t) for t in tiers] + [
            SelectChoice("未获奖", _l("未获奖")),
            SelectChoice(EXCLUDE, _l("取消资格（不参与排名）")),
        ]


class ExtraReviewsForm(FlaskForm):
    """A budget of extra reviews (share of the entries) sent in rounds."""

    share = SelectField(
        _l("额外评审预算"),
        coerce=int,
        choices=[
            SelectChoice(10, _l("作品数的 10%")),
            SelectChoice(20, _l("作品数的 20%")),
        ],
        default=20,
    )
    rounds = SelectField(
        _l("分几轮发出"),
        coerce=int,
        choices=[SelectChoice(1, "1"), SelectChoice(2, "2"), SelectChoice(3, "3")],
        default=2,
    )


class AwardRulesForm(FlaskForm):
    """Tiers per category or overall, the 优秀组织奖 rule, the certificates."""

    by_category = BooleanField(_l("各类别分别排名、分别评奖"))
    category_tiers = TextAreaField(
        _l("各类别的奖项比例或名额（可不填）"),
        validators=[Optional(), MaxChars(2000)],
    )
    org_rule = SelectField(
        _l("优秀组织奖"),
        choices=[SelectChoice(k, _l(v)) for k, v in RULE_LABELS.items()],
        default="",
    )
    org_min_entries = PlainIntegerField(
        _l("达标制：参评作品不少于（篇）"),
        default=3,
        validators=[NumberRange(min=1, max=1000)],
    )
    org_top = PlainIntegerField(
        _l("积分制：获奖单位数（前 M 名）"),
        default=10,
        validators=[NumberRange(min=1, max=10000)],
    )
    org_points = StringField(
        _l("积分制：各奖项积分（按奖项顺序，如 5,3,1）"),
        default="5,3,1",
        validators=[Optional(), MaxChars(60)],
    )
    certificate_mode = SelectField(
        _l("荣誉证书"),
        choices=[SelectChoice(k, _l(v)) for k, v in CERTIFICATE_MODES.items()],
        default="entry",
    )

    def rules(self) -> AwardRules:
        return AwardRules(
            by_category=bool(self.by_category.data),
            category_tiers=self.category_tiers.data or "",
            org_rule=self.org_rule.data or "",
            org_min_entries=self.org_min_entries.data or 0,
            org_top=self.org_top.data or 0,
            org_points=self.org_points.data or "",
            certificate_mode=self.certificate_mode.data or "entry",
        )


class OrganisationOverrideForm(FlaskForm):
    """Give or withhold one unit's 优秀组织奖, with a reason."""

    unit_id = SelectField(_l("单位"), coerce=int, validate_choice=True)
    target = SelectField(
        _l("调整为"),
        choices=[
            SelectChoice("1", _l("授予优秀组织奖")),
            SelectChoice("0", _l("不授予优秀组织奖")),
        ],
    )
    reason = TextAreaField(
        _l("理由（必填）"),
        validators=[
            DataRequired(message=_l("调整优秀组织奖必须填写理由。")),
            MaxChars(2000),
        ],
    )
