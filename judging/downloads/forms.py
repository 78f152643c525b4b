"""The form that starts a file's job: which file, and the ranking method shown."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired

from judging.downloads.jobs import KINDS


class StartForm(FlaskForm):
    kind = HiddenField(validators=[DataRequired(), AnyOf(list(KINDS))])
    method = HiddenField()
