"""Forms for certificate settings, revoking, corrections and batch jobs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from judging.fields import MaxChars, Required


class SettingsForm(FlaskForm):
    issuer = StringField(_l("颁发单位"), validators=[Optional(), MaxChars(120)])
    issued_on = DateField(_l("颁发日期"), validators=[Optional()])
    seal = FileField(_l("印章图片（PNG，透明背景，不超过 2 MB，可选）"))
    remove_seal = BooleanField(_l("不使用印章（打印后手工盖章）"))


class RevokeForm(FlaskForm):
    reason = StringField(_l("撤销原因"), validators=[Required(), MaxChars(500)])


class CorrectionForm(FlaskForm):
    title = StringField(_l("作品题目"), validators=[Required(), MaxChars(300)])
    authors = TextAreaField(
        _l("作者（每行一位，按署名顺序）"), validators=[Required(), MaxChars(600)]
    )

    def author_list(self) -> list[str]:
        return [n.strip() for n in (self.authors.data or "").splitlines() if n.strip()]


class JobForm(FlaskForm):
    kind = SelectField(
        _l("文件"),
        choices=[
            SelectChoice("pdf", _l("全部证书合为一个 PDF（打印用）")),
            SelectChoice("zip", _l("每篇一个 PDF，打包为 ZIP")),
        ],
    )
