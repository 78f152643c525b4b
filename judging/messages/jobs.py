"""Sending the outbox by SMTP, as a background job (a slow server holds no page)."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import current_app
from sqlalchemy import select

from judging import jobs
from judging.extensions import db
from judging.i18n import N_, said
from judging.messages.models import Message, MessageStatus
from judging.messages.service import SEND_TASK, set_outcome


def email_message(message: Message, sender: str) -> EmailMessage:
    """The e-mail for one message; the display name is encoded by the library
    (never pasted into the header by hand), the subject is one line."""
    mail = EmailMessage()
    mail["From"] = sender
    try:
        mail["To"] = Address(display_name=message.name, addr_spec=message.email)
    except (ValueError, IndexError):
        mail["To"] = formataddr(("", message.email))
    mail["Subject"] = " ".join(message.subject.split())
    mail["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    mail.set_content(message.body, cte="base64")
    return mail


def send_messages(message_ids: list[int], config: Mapping[str, Any]) -> dict:
    """Send the queued messages among `message_ids` over one connection.

    Each outcome is written as it happens: sent, or failed with the server's
    reason. If the server cannot be reached at all, every message still
    queued fails with that reason (the organiser may send them again).
    """
    rows = list(
        db.session.scalars(
            select(Message)
            .where(Message.id.in_(message_ids), Message.status == MessageStatus.QUEUED)
            .order_by(Message.id)
        )
    )
    sent: list[int] = []
    failed: list[str] = []
    pending = {m.id for m in rows}
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25), timeout=30
        ) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
            for m in rows:
                try:
                    smtp.send_message(email_message(m, config["MAIL_SENDER"]))
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                    # the server's own words, as it said them
                    set_outcome(m.id, status=MessageStatus.FAILED, error=str(exc))
                    failed.append(m.name)
                else:
                    set_outcome(m.id, status=MessageStatus.SENT)
                    sent.append(m.id)
                pending.discard(m.id)
                db.session.commit()
    except (OSError, smtplib.SMTPException) as exc:
        reason = said(
            N_("邮件服务器 %(server)s 发送失败：%(reason)s"),
            server=config["MAIL_SERVER"],
            reason=str(exc)[:200],  # the server's or the system's own words
        )
        for message_id in pending:
            set_outcome(message_id, status=MessageStatus.FAILED, error=reason)
        db.session.commit()
        raise jobs.JobError(
            said(N_("%(reason)s（已发送 %(sent)s 封）"), reason=reason, sent=len(sent))
        ) from exc
    return {"sent": len(sent), "failed": failed}


@jobs.task(SEND_TASK)
def run_send(progress: jobs.Progress, *, message_ids: list[int]) -> dict:
    progress.update(0, len(message_ids))
    result = send_messages(message_ids, current_app.config)
    progress.update(len(message_ids), len(message_ids))
    return result
