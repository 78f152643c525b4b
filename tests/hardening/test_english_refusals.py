"""A refused import or file is refused in the reader's language.

The imports and the file checks are pure and raise their reasons in Chinese
(the command line prints them so); each reason is a ``Said`` that the page says
again in English for an English reader. What the reader wrote (a unit's name,
a value from the file) is quoted as it was written.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.support import Translations

from judging.accounts.imports import validate_units
from judging.accounts.models import Role
from judging.documents.inspection import DocumentRejected, accept_document
from judging.documents.media import MediaRejected, check_name
from judging.i18n import message_of, say
from judging.review.imports import RubricItem, validate_paper_scores
from judging.tables import TableError, read_table
from tests.conftest import csrf_token, login
from tests.hardening.test_english import untranslated
from tests.submissions.conftest import entry_form

CATALOGUE = Path(__file__).parents[2] / "judging" / "translations"


@pytest.fixture(scope="module")
def english():
    return Translations.load(str(CATALOGUE), ["en"]).gettext


def _table(text: str, columns: dict[str, str], required: set[str]):
    return read_table(
        text.encode(), filename="a.csv", columns=columns, required=required
    )


def test_unit_rows_refused_in_english_with_the_values_as_written(english):
    from judging.accounts.imports import UNIT_COLUMNS

    table = _table(
        "name,email,kind,is_pilot\n重庆大学,not-an-email,火星学院,maybe\n",
        UNIT_COLUMNS,
        {"name"},
    )

    _rows, errors = validate_units(table)

    assert [say(e.said, english) for e in errors] == [
        "Row 2: the e-mail address is not valid (not-an-email)",
        "Row 2: kind of unit “火星学院” is not recognised (write one of the values "
        "listed under “Values the kind-of-unit column takes”)",
        "Row 2: pilot unit takes yes or no, not “maybe”",
    ]
    assert [str(e) for e in errors][0] == "第 2 行：电子邮箱格式不正确（not-an-email）"


def test_unreadable_table_refused_in_english(english):
    from judging.accounts.imports import JUDGE_COLUMNS

    with pytest.raises(TableError) as missing:
        _table("title\n教授\n", JUDGE_COLUMNS, {"name", "affiliation"})
    with pytest.raises(TableError) as empty:
        read_table(b"", filename="a.csv", columns=JUDGE_COLUMNS, required=set())

    assert say(message_of(missing.value), english) == (
        "Required columns are missing: affiliation, name."
    )
    assert str(missing.value) == "缺少必需的列：单位（affiliation）、姓名（name）。"
    assert say(message_of(empty.value), english) == "The file is empty."


def test_paper_score_rows_refused_in_english(english):
    from judging.review.imports import score_columns

    rubric = [RubricItem(1, "选题", 20)]
    table = _table(
        "作品编号,评审专家,选题\nZW-1,张三,21\n",
        score_columns(rubric),
        {"entry_code", "judge"},
    )
    from judging.review.imports import KnownAssignment, KnownJudge

    _rows, errors = validate_paper_scores(
        table,
        rubric=rubric,
        judges=[KnownJudge(7, "judge01", "张三")],
        assignments=[KnownAssignment(3, "ZW-1", 7)],
    )

    assert [say(e.said, english) for e in errors] == [
        "Row 2: “选题”: the score must be between 0 and 20 (21 was given)."
    ]
    assert [str(e) for e in errors] == [
        "第 2 行：“选题”：分数须在 0 到 20 之间（填写的是 21）"
    ]


def test_wrong_files_refused_in_english(english):
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200

    with pytest.raises(DocumentRejected) as wrong_type:
        accept_document(png, max_bytes=1024, allowed=frozenset({"pdf"}))
    with pytest.raises(DocumentRejected) as too_big:
        accept_document(png * 20, max_bytes=1024)
    with pytest.raises(MediaRejected) as renamed:
        check_name("照片.png", "jpeg")

    assert [say(message_of(e.value), english) for e in (wrong_type, too_big)] == [
        "This competition accepts PDF files only; please save the file as PDF and "
        "submit again.",
        "The file is 4 KB, over the limit of 1 KB; please make it smaller and submit "
        "again.",
    ]
    assert say(message_of(renamed.value), english) == (
        "File “照片.png” is named .png but holds a JPEG photo; please correct the "
        "extension or choose the right file."
    )


def _errors(html: str) -> str:
    found = re.search(r'<ul class="import-errors">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def test_english_organiser_gets_an_english_import_refusal(client, make_user):
    login(client, make_user(Role.ORGANISER))
    client.get("/lang/en")
    token = csrf_token(client, "/admin/units/import")
    bad = "name,email,is_pilot\n重庆大学,not-an-email,maybe\n".encode("gbk")

    response = client.post(
        "/admin/units/import",
        data={"csrf_token": token, "file": (io.BytesIO(bad), "units.csv")},
        content_type="multipart/form-data",
    )

    listed = _errors(response.get_data(as_text=True))
    assert "Row 2: the e-mail address is not valid (not-an-email)" in listed
    assert "Row 2: pilot unit takes yes or no, not “maybe”" in listed
    assert untranslated(listed, ["重庆大学"]) == []


def test_english_unit_gets_an_english_refusal_for_a_wrong_file(
    unit_client, make_competition
):
    competition = make_competition()
    unit_client.get("/lang/en")
    path = f"/unit/competitions/{competition.id}/entries/new"
    token = csrf_token(unit_client, path)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200

    response = unit_client.post(
        path,
        data=entry_form(token, file=(png, "essay.pdf")),
        content_type="multipart/form-data",
        follow_redirects=True,
    )

    html = response.get_data(as_text=True)
    assert "Only PDF or Word (.docx) files are accepted" in html
    assert "仅接受" not in html
