"""Each message kind: who receives it, what it says, and how it is sent."""

from __future__ import annotations

import email
import email.policy
import io
import socket
from datetime import date, timedelta

from sqlalchemy import select

from judging.accounts.models import Role
from judging.competitions import service as competitions
from judging.competitions.models import Competition, Phase
from judging.extensions import db
from judging.messages import notices, service
from judging.messages.models import Message, MessageStatus
from judging.submissions.models import Entry
from tests.conftest import csrf_token, login
from tests.submissions.conftest import fixture_bytes
from tests.submissions.test_views import _post_entry


def _messages(kind: str | None = None) -> list[Message]:
    query = select(Message).order_by(Message.id)
    if kind:
        query = query.where(Message.kind == kind)
    return list(db.session.scalars(query))


def _organiser(app, make_user):  # noqa: ANN001, ANN202
    client = app.test_client()
    user = make_user(Role.ORGANISER)
    login(client, user)
    client.user = user
    return client


def test_entry_received_reaches_the_units_inbox_with_the_receipt(
    unit_client, make_competition
):
    competition = make_competition()

    _post_entry(unit_client, competition)

    [m] = _messages("entry_received")
    assert (m.user_id, m.status) == (unit_client.user.id, MessageStatus.INBOX)
    assert (
        m.subject
        == f"【报送回执】{competition.title}：新时代产业工人队伍建设改革的实践路径"
    )
    assert f"http://localhost/unit/competitions/{competition.id}/receipt" in m.body
    assert m.body.startswith("重庆大学：")


def test_inbox_badge_counts_unread_and_reading_marks_read(
    unit_client, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition)
    [m] = _messages()

    before = unit_client.get("/unit").get_data(as_text=True)
    page = unit_client.get(f"/inbox/{m.id}").get_data(as_text=True)
    after = unit_client.get("/unit").get_data(as_text=True)

    assert 'aria-label="未读">1</span>' in before
    assert "回执可在此下载" in page
    assert 'aria-label="未读"' not in after
    assert db.session.get(Message, m.id).read_at is not None


def test_someone_elses_message_is_not_found(
    app, unit_client, make_competition, make_user, make_unit
):
    competition = make_competition()
    _post_entry(unit_client, competition)
    [m] = _messages()
    other = app.test_client()
    login(other, make_user(Role.UNIT, unit=make_unit()))

    response = other.get(f"/inbox/{m.id}")

    assert response.status_code == 404
    assert db.session.get(Message, m.id).read_at is None


def test_redaction_request_carries_the_note_the_finding_and_the_deadline(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition, file=("leaky.docx", "论文.docx"))
    entry = db.session.scalar(select(Entry))
    admin = _organiser(app, make_user)
    competition.closes_at = competition.opens_at + timedelta(days=1)
    competitions.advance_phase(
        actor=admin.user, competition=competition, target=Phase.CLOSED
    )
    db.session.commit()
    until = date.today() + timedelta(days=3)
    token = csrf_token(admin, f"/competitions/{competition.id}/anonymity")

    admin.post(
        f"/entries/{entry.id}/redaction-request",
        data={
            "csrf_token": token,
            "until": f"{until}T12:00",
            "note": "请删去页眉中的校名",
        },
    )

    [m] = _messages("redaction_requested")
    assert m.user_id == unit_client.user.id
    assert "主办方说明：请删去页眉中的校名" in m.body
    assert "页眉页脚" in m.body
    assert f"请在 {until} 12:00 前上传处理后的文件" in m.body
    assert f"/unit/entries/{entry.id}/redacted" in m.body

    token = csrf_token(unit_client, f"/unit/entries/{entry.id}/redacted")
    unit_client.post(
        f"/unit/entries/{entry.id}/redacted",
        data={
            "csrf_token": token,
            "file": (io.BytesIO(fixture_bytes("clean.docx")), "干净.docx"),
        },
        content_type="multipart/form-data",
    )

    [accepted] = _messages("redaction_accepted")
    assert accepted.user_id == unit_client.user.id
    assert "检查结果：未发现问题" in accepted.body


def test_closing_early_needs_confirmation_and_tells_every_unit(
    app, unit_client, make_user, make_unit, make_competition
):
    competition = make_competition()
    _post_entry(unit_client, competition)
    silent = make_user(Role.UNIT, unit=make_unit(name="乙单位"))
    admin = _organiser(app, make_user)
    page = f"/competitions/{competition.id}"

    shown = admin.get(page).get_data(as_text=True)
    refused = admin.post(
        f"{page}/phase",
        data={"csrf_token": csrf_token(admin, page), "target": "closed"},
        follow_redirects=True,
    ).get_data(as_text=True)
    db.session.rollback()
    phase_after_refusal = db.session.get(Competition, competition.id).phase
    admin.post(
        f"{page}/phase",
        data={
            "csrf_token": csrf_token(admin, page),
            "target": "closed",
            "confirm_early": "1",
        },
    )

    assert "还有 1 个单位未报送" in shown
    assert "请勾选“确认提前截止”" in refused
    assert phase_after_refusal == Phase.OPEN
    told = {m.user_id: m for m in _messages("submission_closed")}
    assert set(told) == {unit_client.user.id, silent.id}
    assert "主办方提前截止了报送" in told[silent.id].body
    assert "贵单位共报送 0 篇" in told[silent.id].body
    assert "贵单位共报送 1 篇" in told[unit_client.user.id].body


def test_deadline_reminders_3_and_1_days_before_to_units_below_minimum(
    app, unit_client, make_user, make_unit, make_competition
):
    today = date.today()
    competition = make_competition(closes_on=today + timedelta(days=3))
    _post_entry(unit_client, competition)
    behind = make_user(Role.UNIT, unit=make_unit(name="丙单位"))
    now = competitions.utcnow()

    sent = notices.deadline_reminders(competition, now=now)
    again = notices.deadline_reminders(competition, now=now)
    none_at_two = notices.deadline_reminders(competition, now=now + timedelta(days=1))
    db.session.commit()

    [m] = _messages("deadline_approaching")
    assert (sent, again, none_at_two) == (1, 0, 0)
    assert m.user_id == behind.id
    assert m.subject == f"【截止提醒】{competition.title} 还有 3 天截止"
    assert "贵单位已报送 0 篇，至少需报送 1 篇" in m.body


def test_remind_deadlines_command(runner, make_user, make_unit, make_competition):
    make_competition(closes_on=date.today() + timedelta(days=1))
    make_user(Role.UNIT, unit=make_unit(name="丁单位"))

    result = runner.invoke(args=["remind-deadlines"])

    assert result.exit_code == 0, result.output
    assert "共发出 1 条截止提醒。" in result.output
    assert [m.subject for m in _messages()] == ["【截止提醒】测试征文 还有 1 天截止"]


def test_judge_gets_only_judge_kinds(app, make_user, make_competition):
    judge = make_user(Role.JUDGE)
    competition = make_competition()

    try:
        service.compose(
            kind="entry_received", competition=competition, users=[judge], values={}
        )
    except service.MessageError as exc:
        refused = str(exc)
    else:
        refused = ""

    assert refused == "消息“作品报送回执”不能发送给该用户。"


def test_english_user_receives_english(app, unit_client, make_competition):
    unit_client.get("/lang/en", headers={"Referer": "http://localhost/unit"})
    competition = make_competition()

    _post_entry(unit_client, competition)

    [m] = _messages("entry_received")
    assert m.subject.startswith("[Receipt] ")
    assert "We received your entry" in m.body


def test_organiser_template_is_used_and_bad_placeholders_refused(
    app, unit_client, make_user, make_competition
):
    competition = make_competition()
    admin = _organiser(app, make_user)
    page = f"/competitions/{competition.id}/messages/templates?kind=entry_received"
    form = {"kind": "entry_received", "language": "zh"}

    preview = admin.post(
        page,
        data=form
        | {
            "csrf_token": csrf_token(admin, page),
            "subject": "收到《{title}》",
            "body": "{unit}您好，已收到。{receipt_url}",
            "action": "preview",
        },
    ).get_data(as_text=True)
    bad = admin.post(
        page,
        data=form
        | {
            "csrf_token": csrf_token(admin, page),
            "subject": "收到",
            "body": "{author}",
            "action": "save",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    admin.post(
        page,
        data=form
        | {
            "csrf_token": csrf_token(admin, page),
            "subject": "收到《{title}》",
            "body": "{unit}您好，已收到。",
            "action": "save",
        },
    )
    _post_entry(unit_client, competition)

    assert "示例单位您好，已收到。" in preview
    assert "未知的占位符：author" in bad
    [m] = _messages("entry_received")
    assert (m.subject, m.body) == (
        "收到《新时代产业工人队伍建设改革的实践路径》",
        "重庆大学您好，已收到。",
    )


def test_outbox_sends_by_smtp_records_refusals_and_resends(
    app, unit_client, make_user, make_unit, make_competition, smtp_server
):
    unit_client.user.unit.contact_email = "contact@cqu.example.cn"
    other = make_unit(name="戊单位")
    other.contact_email = "nobody@wu.example.cn"
    make_user(Role.UNIT, unit=other)
    db.session.commit()
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_server.server_address[1],
        MAIL_SENDER="judging@example.cn",
    )
    smtp_server.refuse.add("nobody@wu.example.cn")
    competition = make_competition()
    admin = _organiser(app, make_user)

    competitions.advance_phase(
        actor=admin.user, competition=competition, target=Phase.CLOSED
    )
    db.session.commit()

    states = {m.email: (m.status, m.error) for m in _messages("submission_closed")}
    assert states["contact@cqu.example.cn"] == (MessageStatus.SENT, "")
    assert states["nobody@wu.example.cn"][0] == MessageStatus.FAILED
    assert "550" in states["nobody@wu.example.cn"][1]
    [(recipients, raw)] = smtp_server.messages
    mail = email.message_from_bytes(raw, policy=email.policy.default)
    assert recipients == ["contact@cqu.example.cn"]
    assert mail["Subject"] == f"【报送已截止】{competition.title}"
    assert "贵单位共报送 0 篇" in mail.get_content()

    page = f"/competitions/{competition.id}/messages"
    listing = admin.get(page).get_data(as_text=True)
    smtp_server.refuse.clear()
    admin.post(f"{page}/resend", data={"csrf_token": csrf_token(admin, page)})

    assert "发送失败" in listing and "550" in listing
    assert {m.status for m in _messages("submission_closed")} == {MessageStatus.SENT}
    assert len(smtp_server.messages) == 2


def test_unreachable_server_fails_each_message_with_the_reason(
    app, unit_client, make_competition
):
    unit_client.user.unit.contact_email = "contact@cqu.example.cn"
    db.session.commit()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=closed)
    competition = make_competition()

    response = _post_entry(unit_client, competition)

    [m] = _messages("entry_received")
    assert response.status_code == 200
    assert m.status == MessageStatus.FAILED
    assert m.error.startswith("邮件服务器 127.0.0.1 发送失败")
    assert db.session.scalar(select(Entry.id)) is not None
