"""Forms for login, passwords and imports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    FieldList,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import EqualTo, Optional

from judging.fields import MaxChars, Required


class LoginForm(FlaskForm):
    username = StringField(_l("用户名"), validators=[Required(), MaxChars(64)])
    password = PasswordField(_l("密码"), validators=[Required(), MaxChars(128)])
    next = HiddenField()


class PasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[Required()])
    new = PasswordField(_l("新密码"), validators=[Required(), MaxChars(128)])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[
            Required(),
            EqualTo("new", message=_l("两次输入的新密码不一致。")),
        ],
    )


class ImportForm(FlaskForm):
    file = FileField(
        _l("CSV 或 XLSX 文件"), validators=[FileRequired(_l("请选择文件。"))]
    )


class ActionForm(FlaskForm):
    """A bare form: CSRF protection for POST-only buttons."""


class CredentialsForm(FlaskForm):
    rows = FieldList(StringField(), max_entries=20_000)


class UnitNamesForm(FlaskForm):
    """Name forms of a unit for the anonymity scanner; one item per line."""

    short_name = StringField(_l("简称"), validators=[Optional(), MaxChars(40)])
    kind = SelectField(_l("单位类型"), validate_choice=False)
    is_pilot = BooleanField(_l("试点单位"))
    groups = StringField(
        _l("分组（用顿号或逗号分隔）"), validators=[Optional(), MaxChars(400)]
    )
    aliases = TextAreaField(_l("别名"), validators=[MaxChars(2000)])
    english_names = TextAreaField(_l("英文名称"), validators=[MaxChars(2000)])
    abbreviations = TextAreaField(_l("英文缩写"), validators=[MaxChars(1000)])
    domains = TextAreaField(_l("网站与邮箱域名"), validators=[MaxChars(2000)])
    institutes = TextAreaField(_l("二级学院"), validators=[MaxChars(8000)])
