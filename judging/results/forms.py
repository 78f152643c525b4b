"""Forms of the results page: the method to freeze, and an override with a reason."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from judging.fields import MaxChars
from judging.results.methods import METHODS

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
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
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
