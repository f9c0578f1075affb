"""Email through an outbox: recorded in the transaction, delivered by an idempotent job.

`queue_email()` renders templates/email/<event>.txt and .html in the
recipient's language, stores the message in `outbox_messages` and asks for
delivery after commit. `deliver_messages()` takes ids, claims each message
atomically and sends it once, over one SMTP session per job; `requeue_unsent()`
runs periodically and hands back anything Redis or SMTP failed to deliver.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.extensions import db, mail
from core.jobs import enqueue, enqueue_batch_after_commit, periodic
from core.limits import single_line
from core.models import utcnow

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this is taken to have died
MAX_ATTEMPTS = 8
SUBJECT_LENGTH = 300


class OutboxMessage(db.Model):
    """An email, stored before it is queued so that nothing is lost."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(SUBJECT_LENGTH))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


def render_email(event: str, locale: str, **context: Any) -> tuple[str, str, str]:
    """Render (subject, text, html) for an event in a language.

    The text template sets `subject` with `{% set subject = ... %}`. A title or a name in it may hold
    line breaks or control characters; the subject is made one safe line here, for every email.
    """
    env = current_app.jinja_env
    with force_locale(locale):
        template = env.get_template(f"email/{event}.txt")
        module = template.make_module(context)
        text = str(module).strip() + "\n"
        html = render_template(f"email/{event}.html", **context)
        subject = single_line(getattr(module, "subject", ""), SUBJECT_LENGTH) or "Kokeilu"
    return subject, text, html


@dataclass(frozen=True)
class Letter:
    """One email to be rendered: to whom, in which language, with what."""

    to: str
    locale: str
    context: dict[str, Any] = field(default_factory=dict)


def queue_emails(event: str, letters: Iterable[Letter]) -> list[OutboxMessage]:
    """Record emails of one event in the outbox (one flush) and send them after the transaction commits."""
    messages = []
    for letter in letters:
        subject, text, html = render_email(event, letter.locale, **letter.context)
        messages.append(OutboxMessage(event=event, recipient=letter.to, locale=letter.locale, subject=subject,
                                      body_text=text, body_html=html))
    db.session.add_all(messages)
    db.session.flush()
    for message in messages:  # one delivery job per transaction, whatever the number of messages
        enqueue_batch_after_commit(deliver_messages, message.id)
    return messages


def queue_email(event: str, to: str, locale: str, **context: Any) -> OutboxMessage:
    """Record an email in the outbox and send it after the transaction commits."""
    return queue_emails(event, [Letter(to, locale, context)])[0]


def _claim(message_id: int) -> bool:
    """Mark a message as being sent; False when it is sent or another job holds it."""
    now = utcnow()
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.sent_at.is_(None),
               or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT))
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return result.rowcount == 1


class _SmtpSession:
    """One SMTP connection for a delivery job's messages, opened at the first and again after a failure.

    A connection per message would cost a TCP and SMTP handshake each: ten thousand of them for one call.
    """

    def __init__(self) -> None:
        self.connection: Any = None

    def send(self, message: OutboxMessage) -> None:
        """Hand one message to Flask-Mail (or to the log when no SMTP server is set)."""
        if not current_app.config.get("MAIL_SERVER"):
            log.info("email to %s: %s\n%s", message.recipient, message.subject, message.body_text)
        if self.connection is None:
            self.connection = mail.connect().__enter__()
        # Messages stored before subjects were made safe would otherwise fail on every attempt.
        email = Message(subject=single_line(message.subject, SUBJECT_LENGTH), recipients=[message.recipient],
                        body=message.body_text, html=message.body_html)
        try:
            self.connection.send(email)
        except Exception:
            self.close()  # the server may have dropped us: the next message starts afresh
            raise

    def close(self) -> None:
        """End the SMTP session, if one is open; a server that has gone away is no error here."""
        connection, self.connection = self.connection, None
        if connection is not None and connection.host is not None:
            try:
                connection.host.quit()
            except Exception as exc:  # already closed by the server
                log.debug("SMTP session did not close cleanly: %s", exc)


def deliver_messages(ids: list[int]) -> int:
    """Send the given outbox messages that are still unsent; returns how many were sent.

    Safe to run twice: each message is claimed atomically before it is sent and
    marked sent right after, so a retried or duplicate job skips it.
    """
    sent = 0
    smtp = _SmtpSession()
    try:
        for message_id in ids:
            if not _claim(message_id):
                continue
            message = db.session.get(OutboxMessage, message_id)
            try:
                smtp.send(message)
            except Exception as exc:  # SMTP down: release the claim, keep it for the re-queue
                log.warning("email %s failed: %s", message_id, exc)
                message.claimed_at = None
                message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            else:
                message.sent_at = utcnow()
                message.last_error = None
                sent += 1
            db.session.commit()
    finally:
        smtp.close()
    return sent


def unsent_ids(older_than: timedelta = timedelta(minutes=1), limit: int = 500) -> list[int]:
    """Ids of messages that should have gone out by now and may be tried again."""
    now = utcnow()
    stmt = (
        select(OutboxMessage.id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.attempts < MAX_ATTEMPTS,
               OutboxMessage.created_at < now - older_than,
               or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT))
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


@periodic(every=timedelta(minutes=5))
def requeue_unsent() -> None:
    """Queue delivery again for messages that Redis or SMTP failed to deliver."""
    ids = unsent_ids()
    if ids:
        enqueue(deliver_messages, ids)
