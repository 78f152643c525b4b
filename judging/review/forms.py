"""The score sheet, built from the competition's rubric, and the review actions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import Optional

from judging.competitions.models import Criterion
from judging.fields import MaxChars, Required
from judging.i18n import N_, Said, said
from judging.review.imports import parse_points


class RubricForm(FlaskForm):
    """Base of the generated score sheet; one text field per criterion is added.

    Points are text fields so that what the judge typed, right or wrong, is
    shown back unchanged when the sheet is refused.
    """

    comment = TextAreaField(_l("总体评语"), validators=[Optional(), MaxChars(5000)])
    criteria: Sequence[Criterion] = ()

    def points_field(self, criterion: Criterion) -> StringField:
        return self[f"points_{criterion.id}"]

    def parse(self) -> tuple[dict[int, Decimal | None], list[Said]]:
        """criterion id → Decimal points (None when empty), and Chinese errors for
        values that are not numbers at all."""
        points: dict[int, Decimal | None] = {}
        errors: list[Said] = []
        for criterion in self.criteria:
            text = self.points_field(criterion).data or ""
            try:
                points[criterion.id] = parse_points(text)
            except ValueError:
                errors.append(
                    said(
                        N_("“%(name)s”的分数“%(text)s”不是有效数字。"),
                        name=criterion.name,
                        text=text.strip(),
                    )
                )
        return points, errors


def rubric_form(criteria: Sequence[Criterion]) -> type[RubricForm]:
    """A score-sheet form class for this rubric, to validate a posted sheet.

    The inputs themselves (number, 0..max, step 0.5) are written out in
    templates/review/sheet.html.
    """

    class Sheet(RubricForm):
        pass

    Sheet.criteria = tuple(criteria)
    for criterion in criteria:
        setattr(Sheet, f"points_{criterion.id}", StringField(criterion.name))
    return Sheet


class ReasonForm(FlaskForm):
    reason = StringField(_l("原因"), validators=[Required(), MaxChars(500)])


class PaperScoresForm(FlaskForm):
    file = FileField(
        _l("CSV 或 XLSX 文件"), validators=[FileRequired(_l("请选择文件。"))]
    )
