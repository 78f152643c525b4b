"""The entry form: essay details, authors in order, and the file."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    DateTimeLocalField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from judging.fields import MaxChars, Required
from judging.submissions.service import AuthorInput, EntryInput

AUTHOR_ROWS = 6


class AuthorRow(Form):
    name = StringField(_l("姓名"), validators=[Optional(), MaxChars(80)])
    department = StringField(_l("部门"), validators=[Optional(), MaxChars(120)])
    title = StringField(_l("职务/职称"), validators=[Optional(), MaxChars(80)])
    phone = StringField(_l("电话"), validators=[Optional(), MaxChars(40)])
    email = StringField(
        _l("邮箱"),
        validators=[Optional(), Email(message=_l("邮箱格式不正确")), MaxChars(120)],
    )


class EntryForm(FlaskForm):
    title = StringField(_l("作品题目"), validators=[Required(), MaxChars(300)])
    category = SelectField(_l("类别"), choices=[], validate_choice=False)
    authors = FieldList(
        FormField(AuthorRow), min_entries=AUTHOR_ROWS, max_entries=AUTHOR_ROWS
    )
    advisor = StringField(
        _l("指导教师（可选）"), validators=[Optional(), MaxChars(80)]
    )
    abstract = TextAreaField(_l("摘要"), validators=[Optional(), MaxChars(3000)])
    keywords = StringField(
        _l("关键词（用分号分隔）"), validators=[Optional(), MaxChars(300)]
    )
    file = FileField(_l("作品文件（PDF 或 DOCX）"))
    attachments = MultipleFileField(_l("附件（可多选）"))

    def configure(self, competition) -> None:  # noqa: ANN001  (a Competition)
        """Fit the form to the call: its categories, and whom it names."""
        self.category.choices = [SelectChoice(c, c) for c in competition.category_list]
        self.people_mode = competition.people

    def entry_input(self) -> EntryInput:
        authors = tuple(
            AuthorInput(
                name=(row.form.name.data or "").strip(),
                department=row.form.department.data or "",
                title=row.form.title.data or "",
                phone=row.form.phone.data or "",
                email=row.form.email.data or "",
            )
            for row in self.authors
            if (row.form.name.data or "").strip()
        )
        return EntryInput(
            title=self.title.data or "",
            category=self.category.data or "",
            authors=authors,
            advisor=self.advisor.data or "",
            abstract=self.abstract.data or "",
            keywords=self.keywords.data or "",
        )


class NewEntryForm(EntryForm):
    file = FileField(
        _l("作品文件（PDF 或 DOCX）"), validators=[FileRequired(_l("请选择作品文件。"))]
    )


class ExtensionForm(FlaskForm):
    unit_id = SelectField(_l("学校"), coerce=int)
    until = DateTimeLocalField(
        _l("延期至（北京时间）"), format="%Y-%m-%dT%H:%M", validators=[Required()]
    )
    reason = StringField(_l("原因"), validators=[Required(), MaxChars(500)])


class BulkExtensionForm(FlaskForm):
    """One later deadline, with one reason, for every unit ticked in the list."""

    unit_ids = SelectMultipleField(
        _l("所选单位"),
        coerce=int,
        validate_choice=False,
        validators=[DataRequired(_l("请先勾选要延期的单位。"))],
    )
    until = DateTimeLocalField(
        _l("延期至（北京时间）"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(_l("请填写延期时间。"))],
    )
    reason = StringField(
        _l("原因"),
        validators=[
            DataRequired(_l("请填写延期原因。")),
            Length(max=500, message=_l("原因最多 500 个字。")),
        ],
    )


class FileForm(FlaskForm):
    file = FileField(
        _l("文件（PDF 或 DOCX）"), validators=[FileRequired(_l("请选择文件。"))]
    )


class NoteForm(FlaskForm):
    note = StringField(_l("说明"), validators=[Required(), MaxChars(500)])


class RedactionForm(FlaskForm):
    until = DateTimeLocalField(
        _l("重新提交截止（北京时间）"),
        format="%Y-%m-%dT%H:%M",
        validators=[Required()],
    )
    note = StringField(_l("给学校的说明"), validators=[Optional(), MaxChars(500)])


class CheckForm(FlaskForm):
    """A draft to check for identity leaks without submitting it."""

    file = FileField(
        _l("文件（PDF 或 DOCX）"), validators=[FileRequired(_l("请选择文件。"))]
    )
    title = StringField(_l("作品题目"), validators=[Optional(), MaxChars(300)])
    abstract = TextAreaField(_l("摘要"), validators=[Optional(), MaxChars(3000)])
    keywords = StringField(_l("关键词"), validators=[Optional(), MaxChars(300)])
    people = StringField(
        _l("作者与指导教师姓名（用逗号分隔）"),
        validators=[Optional(), MaxChars(400)],
    )


class FieldsRedactionForm(FlaskForm):
    """The organiser's redaction of what a judge reads of the entry form."""

    title = StringField(_l("作品题目"), validators=[Required(), MaxChars(300)])
    abstract = TextAreaField(_l("摘要"), validators=[Optional(), MaxChars(3000)])
    keywords = StringField(_l("关键词"), validators=[Optional(), MaxChars(300)])


class RecommendForm(FlaskForm):
    """A collection's 优秀 / 推荐 mark with the organiser's note."""

    mark = SelectField(
        _l("推荐"),
        choices=[
            SelectChoice("", _l("不推荐")),
            SelectChoice("excellent", _l("优秀")),
            SelectChoice("recommended", _l("推荐")),
        ],
    )
    note = TextAreaField(_l("推荐说明"), validators=[Optional(), MaxChars(1000)])
