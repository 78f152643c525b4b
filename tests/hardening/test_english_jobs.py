"""A job's or a message's failure is said in the reader's language, dates too.

A failed background job keeps its reason (a ``Said``) in the database, and the
job's page and the progress JSON say it in English to an English reader and in
Chinese to a Chinese one; so does the outbox for a message that could not be
sent. Rows written before reasons were kept so still show their text, and a bug
shows a fixed, translated message without its traceback.
"""

from __future__ import annotations

import json
import logging
import socket
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from judging import jobs
from judging.accounts.models import Role
from judging.certificates import jobs as certificate_jobs
from judging.certificates import service as certificates
from judging.competitions.models import Phase
from judging.extensions import db
from judging.i18n import (
    N_,
    Said,
    restored,
    restored_text,
    said,
    say,
    stored,
    stored_text,
)
from judging.messages.jobs import send_messages
from judging.messages.models import Message, MessageStatus
from tests.conftest import login

GLYPHS = N_("有 %(n)s 处文字含证书字体无法显示的字符（%(listed)s），请修正后再打印。")
EARLY = N_(
    "公布的截止时间尚未到（%(deadline)s），还有 %(missing)s 个单位未报送。"
    "提前截止后将通知所有参赛单位。"
)
ENGLISH = {
    EARLY: "The deadline (%(deadline)s) has not passed; %(missing)s units to go.",
    "{year} 年 {month} 月 {day} 日": "{dd} {mon} {year}",
    "{year} 年 {month} 月 {day} 日 {clock}": "{dd} {mon} {year}, {clock}",
}


def _english(msgid: str) -> str:
    return ENGLISH.get(msgid, msgid)


def _chinese(msgid: str) -> str:
    return msgid


# --- dates in said messages ------------------------------------------------------


def test_a_date_in_a_said_message_is_written_the_readers_way():
    day = said(EARLY, deadline=date(2026, 10, 7), missing=3)
    moment = said(EARLY, deadline=datetime(2026, 10, 7, 6, 30, tzinfo=UTC), missing=3)
    midnight = said(EARLY, deadline=datetime(2026, 10, 7, 16, 0, tzinfo=UTC), missing=1)

    assert str(day).startswith("公布的截止时间尚未到（2026 年 10 月 7 日），还有 3 个")
    assert say(day, _chinese) == str(day)
    assert say(day, _english) == (
        "The deadline (07 Oct 2026) has not passed; 3 units to go."
    )
    assert "（2026 年 10 月 7 日 14:30）" in moment  # on the Shanghai clock
    assert say(moment, _english).startswith("The deadline (07 Oct 2026, 14:30)")
    assert say(midnight, _english).startswith("The deadline (07 Oct 2026, 24:00)")
    assert "（2026 年 10 月 7 日 24:00）" in midnight


def test_dates_survive_stored_and_restored():
    moment = datetime(2026, 10, 7, 6, 30, tzinfo=UTC)
    inner = said(EARLY, deadline=date(2026, 10, 17), missing=2)
    outer = said("第 %(n)s 轮：%(text)s", n=1, text=inner)
    timed = said(EARLY, deadline=moment, missing=0)

    back = restored(json.loads(json.dumps(stored(outer), ensure_ascii=False)))
    back_timed = restored_text(stored_text(timed))

    assert isinstance(back, Said) and back == outer
    assert back.params["text"].params["deadline"] == date(2026, 10, 17)
    assert back_timed.params["deadline"] == moment
    assert say(back_timed, _english) == say(timed, _english)
    assert restored(stored(date(2026, 3, 1))) == date(2026, 3, 1)
    assert restored(stored(moment)) == moment
    assert restored({"date": "not a date"}) == {"date": "not a date"}


def test_stored_text_is_tolerant_of_old_rows_and_long_messages():
    long = said(GLYPHS, n=99, listed="字" * 600)

    assert restored_text("任务失败，请重试。") == "任务失败，请重试。"
    assert restored_text("{not json") == "{not json"
    assert restored_text('{"other": 1}') == '{"other": 1}'
    assert restored_text(None) == restored_text("") == ""
    assert stored_text("旧的说明") == "旧的说明"
    assert stored_text(long) == str(long)[:500]  # too long as JSON: its Chinese


def test_the_early_close_warning_shows_its_deadline_in_english(
    app, make_user, make_competition
):
    organiser = make_user(Role.ORGANISER)
    closes = date.today() + timedelta(days=5)
    c = make_competition(phase=Phase.OPEN, closes_on=closes, actor=organiser)
    client = _reader(app, organiser, "en")

    html = client.get(f"/competitions/{c.id}").get_data(as_text=True)

    assert f"The published deadline ({closes:%d %b %Y})" in html
    assert closes.isoformat() not in html


# --- failed jobs ------------------------------------------------------------------


def _reader(app, user, lang: str):  # noqa: ANN001, ANN202
    client = app.test_client()
    login(client, user)
    client.get(f"/lang/{lang}")
    return client


def _failed_batch(organiser, competition) -> str:  # noqa: ANN001
    job_id = jobs.enqueue(
        certificate_jobs.TASK,
        owner_id=organiser.id,
        competition_id=competition.id,
        kind="pdf",
        filename="荣誉证书.pdf",
        prefix="https://example.cn/verify/",
    )
    db.session.commit()  # runs inline (JOBS_IMMEDIATE) and fails
    assert jobs.job_status(job_id).state == "failed"
    return job_id


def _job_texts(client, competition, job_id: str) -> tuple[str, str]:  # noqa: ANN001
    base = f"/competitions/{competition.id}/certificates/jobs/{job_id}"
    page = client.get(f"{base}/progress").get_data(as_text=True)
    progress = client.get(base).get_json()
    assert progress["state"] == "failed"
    return page, progress["message"]


@pytest.fixture()
def organiser_and_competition(app, make_user, make_competition):  # noqa: ANN201
    organiser = make_user(Role.ORGANISER)
    return organiser, make_competition(phase=Phase.OPEN, actor=organiser)


def test_a_refused_job_says_its_reason_in_each_readers_language(
    app, organiser_and_competition, monkeypatch
):
    organiser, c = organiser_and_competition

    def refuse(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise certificates.CertificateError(said(GLYPHS, n=2, listed="作者“𠀀”"))

    monkeypatch.setattr(certificates, "printable_items", refuse)
    job_id = _failed_batch(organiser, c)

    page_en, json_en = _job_texts(_reader(app, organiser, "en"), c, job_id)
    page_zh, json_zh = _job_texts(_reader(app, organiser, "zh"), c, job_id)

    english = "2 texts contain characters the certificate font cannot show (作者“𠀀”)"
    assert english in page_en and json_en.startswith(english)
    assert "证书字体无法显示" not in page_en
    chinese = "有 2 处文字含证书字体无法显示的字符（作者“𠀀”）"
    assert chinese in page_zh and json_zh.startswith(chinese)


def test_a_constant_refusal_of_a_real_job_is_translated_too(
    app, organiser_and_competition
):
    organiser, c = organiser_and_competition  # still open: nothing to print yet
    job_id = _failed_batch(organiser, c)

    page_en, json_en = _job_texts(_reader(app, organiser, "en"), c, job_id)
    _, json_zh = _job_texts(_reader(app, organiser, "zh"), c, job_id)

    english = "Certificates can be issued and printed only after the results are"
    assert english in page_en and json_en.startswith(english)
    assert json_zh == "评审结果定稿后才能颁发和打印荣誉证书。"


def test_a_crashing_job_shows_a_fixed_translated_message_and_logs_the_bug(
    app, organiser_and_competition, monkeypatch, caplog
):
    organiser, c = organiser_and_competition

    def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("a bug: secret detail")

    monkeypatch.setattr(certificates, "printable_items", crash)
    with caplog.at_level(logging.ERROR, logger="judging.jobs"):
        job_id = _failed_batch(organiser, c)

    page_en, json_en = _job_texts(_reader(app, organiser, "en"), c, job_id)
    _, json_zh = _job_texts(_reader(app, organiser, "zh"), c, job_id)

    assert json_en == "The task failed. Please try again." and json_en in page_en
    assert json_zh == jobs.FAILED_MESSAGE
    assert "secret detail" not in page_en + json_en + json_zh
    assert "Traceback" not in page_en
    assert any("secret detail" in r.exc_text for r in caplog.records if r.exc_text)


def test_an_old_plain_text_error_row_still_shows(app, organiser_and_competition):
    organiser, c = organiser_and_competition
    job_id = _failed_batch(organiser, c)
    client = _reader(app, organiser, "en")

    def written(error: str) -> tuple[str, str]:
        row = update(jobs.Job).where(jobs.Job.id == job_id).values(error=error)
        db.session.execute(row)
        db.session.commit()
        return _job_texts(client, c, job_id)

    page, message = written("旧任务的错误说明")  # as rows were written before
    assert message == "旧任务的错误说明" and message in page
    page, message = written("任务多次中断，已停止，请重新开始。")  # a constant one
    assert message.startswith("The task was interrupted") and message in page


# --- failed messages --------------------------------------------------------------


def _queued_message(competition, user) -> Message:  # noqa: ANN001
    m = Message(
        kind="entry_received",
        competition_id=competition.id,
        user_id=user.id,
        name="联络员",
        email="contact@example.cn",
        subject="【作品已收到】",
        body="正文",
        status=MessageStatus.QUEUED,
    )
    db.session.add(m)
    db.session.commit()
    return m


def _outbox(client, competition) -> str:  # noqa: ANN001
    return client.get(f"/competitions/{competition.id}/messages").get_data(as_text=True)


def test_a_message_the_server_could_not_take_says_why_in_each_language(
    app, organiser_and_competition, make_user
):
    organiser, c = organiser_and_competition
    m = _queued_message(c, make_user(Role.UNIT))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": closed, "MAIL_SENDER": "a@b.cn"}

    with pytest.raises(jobs.JobError) as refused:
        send_messages([m.id], config)
    db.session.expire_all()

    assert m.status == MessageStatus.FAILED
    assert isinstance(m.error, Said) and m.error.startswith("邮件服务器 127.0.0.1")
    assert "（已发送 0 封）" in str(refused.value)
    english = _outbox(_reader(app, organiser, "en"), c)
    chinese = _outbox(_reader(app, organiser, "zh"), c)
    assert "The mail server 127.0.0.1 could not send: " in english
    assert "邮件服务器 127.0.0.1 发送失败：" not in english
    assert "邮件服务器 127.0.0.1 发送失败：" in chinese
    assert '"msgid"' not in english + chinese


def test_an_old_plain_text_message_error_still_shows(
    app, organiser_and_competition, make_user
):
    organiser, c = organiser_and_competition
    m = _queued_message(c, make_user(Role.UNIT))
    m.status, m.error = MessageStatus.FAILED, ""
    m.error_text = "550 mailbox unavailable（旧记录）"
    db.session.commit()

    english = _outbox(_reader(app, organiser, "en"), c)

    assert "550 mailbox unavailable（旧记录）" in english


def test_a_refused_download_job_says_why_in_english(app, organiser_and_competition):
    from judging.downloads import jobs as downloads

    organiser, c = organiser_and_competition  # still open: no results yet
    job_id = jobs.enqueue(
        downloads.TASK,
        owner_id=organiser.id,
        competition_id=c.id,
        kind="scores",
        method="",
        filename="评分总表.xlsx",
    )
    db.session.commit()
    client = _reader(app, organiser, "en")
    base = f"/competitions/{c.id}/downloads/{job_id}"

    page = client.get(f"{base}/progress").get_data(as_text=True)
    progress = client.get(base).get_json()

    english = "There are results only once reviewing has started."
    assert progress == {**progress, "state": "failed", "message": english}
    assert english in page and "评审开始后才有评审结果" not in page
