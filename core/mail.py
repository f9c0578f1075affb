"""Email through an outbox: recorded in the transaction, delivered by an idempotent job.

`queue_email()` renders templates/email/<event>.txt and .html in the
recipient's language, stores the message in `outbox_messages` and asks for
delivery after commit. `deliver_messages()` takes ids, claims each message
atomically and sends it once, over one SMTP session per job; `requeue_unsent()`
runs periodically and hands back anything Redis or SMTP failed to deliver.

An email to many (a call opened to every subscriber) is a fan-out: the request
records one `outbox_fanouts` row naming the event and its subject, and the
worker expands it into outbox messages in batches of recipients, so the request
costs the same for one recipient as for ten thousand (`fan_out()`,
`deliver_fanout()`). Packages say who the recipients are with `@audience`.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import JSON, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core import notifications
from core.extensions import db, mail
from core.jobs import enqueue, enqueue_after_commit, enqueue_batch_after_commit, periodic
from core.limits import single_line
from core.links import absolute_url
from core.models import utcnow

log = logging.getLogger(__name__)

CLAIM_TIMEOUT = timedelta(minutes=10)  # a claim older than this is taken to have died
CLAIM_CHUNK = 50  # messages claimed at once by a delivery job
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
    ics: Mapped[str | None] = mapped_column(Text)  # a calendar invitation sent as an attachment


def render_email(event: str, locale: str, **context: Any) -> tuple[str, str, str]:
    """Render (subject, text, html) for an event in a language.

    The text template sets `subject` with `{% set subject = ... %}`. A title or a name in it may hold
    line breaks or control characters; the subject is made one safe line here, for every email.
    """
    env = current_app.jinja_env
    if notifications.kind_of(event) is not None:  # a kind its reader may turn off says where
        context = {**context, "settings_link": absolute_url(notifications.SETTINGS_ENDPOINT) + "#notifications"}
    with force_locale(locale):
        template = env.get_template(f"email/{event}.txt")
        module = template.make_module(context)
        text = str(module).strip() + "\n"
        if "settings_link" in context:
            text += "\n-- \n" + env.get_template("email/_settings.txt").render(context).strip() + "\n"
        html = render_template(f"email/{event}.html", **context)
        subject = single_line(getattr(module, "subject", ""), SUBJECT_LENGTH) or "Kokeilu"
    return subject, text, html


@dataclass(frozen=True)
class Letter:
    """One email to be rendered: to whom, in which language, with what; `key` orders a fan-out's recipients."""

    to: str
    locale: str
    context: dict[str, Any] = field(default_factory=dict)
    key: int = 0
    ics: str | None = None  # an iCalendar text attached as invite.ics


def render_subject(event: str, locale: str, **context: Any) -> str:
    """Only the subject of an event's email (for a digest, which lists subjects)."""
    with force_locale(locale):
        module = current_app.jinja_env.get_template(f"email/{event}.txt").make_module(context)
        return single_line(getattr(module, "subject", ""), SUBJECT_LENGTH) or "Kokeilu"


def queue_emails(event: str, letters: Iterable[Letter]) -> list[OutboxMessage]:
    """Record emails of one event in the outbox (one flush) and send them after the transaction commits.

    Each reader's choice for the event's kind is honoured (core.notifications): an email
    they want in a daily digest is held for it, one they turned off is not sent.
    """
    letters = list(letters)
    choices = notifications.plan(event, [letter.to for letter in letters])
    messages = []
    for letter in letters:
        user_id, delivery = choices.get(letter.to, (None, notifications.Delivery.IMMEDIATE))
        if delivery is notifications.Delivery.OFF:
            continue
        if delivery is notifications.Delivery.DAILY:
            notifications.hold(event, user_id, render_subject(event, letter.locale, **letter.context),
                               notifications.link_of(letter.context))
            continue
        subject, text, html = render_email(event, letter.locale, **letter.context)
        messages.append(OutboxMessage(event=event, recipient=letter.to, locale=letter.locale, subject=subject,
                                      body_text=text, body_html=html, ics=letter.ics))
    db.session.add_all(messages)
    db.session.flush()
    for message in messages:  # one delivery job per transaction, whatever the number of messages
        enqueue_batch_after_commit(deliver_messages, message.id)
    return messages


def queue_email(event: str, to: str, locale: str, **context: Any) -> OutboxMessage | None:
    """Record an email in the outbox and send it after the transaction commits (None: held or turned off)."""
    messages = queue_emails(event, [Letter(to, locale, context)])
    return messages[0] if messages else None


def _claim(ids: list[int]) -> list[Any]:
    """Mark as being sent those of the messages nobody has sent or holds; returns what sending them needs.

    One statement for a chunk of messages, committed before anything is sent, so
    that another job skips them; a claim older than CLAIM_TIMEOUT is taken to have died.
    """
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.sent_at.is_(None),
               or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - CLAIM_TIMEOUT))
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .returning(OutboxMessage.id, OutboxMessage.recipient, OutboxMessage.subject, OutboxMessage.body_text,
                   OutboxMessage.body_html, OutboxMessage.ics)
    ).all()
    db.session.commit()
    return sorted(claimed, key=lambda message: message.id)


def _settle(message_id: int, **values: Any) -> None:
    """Record how sending a claimed message went, at once: a crash later must not send it again."""
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(**values))
    db.session.commit()


def calendar_content_type(ics: str) -> str:
    """The attachment's content type, naming the calendar's METHOD (REQUEST, CANCEL) as mail clients expect.

    Outlook and Gmail offer "add to calendar" (or remove it) only when the part says its method (RFC 6047).
    """
    found = _METHOD.search(ics)
    return "text/calendar; charset=utf-8" + (f"; method={found.group(1).upper()}" if found else "")


_METHOD = re.compile(r"^METHOD:([A-Za-z-]+)\r?$", re.MULTILINE)


class _SmtpSession:
    """One SMTP connection for a delivery job's messages, opened at the first and again after a failure.

    A connection per message would cost a TCP and SMTP handshake each: ten thousand of them for one call.
    """

    def __init__(self) -> None:
        self.connection: Any = None

    def send(self, message: Any) -> None:
        """Hand one claimed message to Flask-Mail (or to the log when no SMTP server is set)."""
        if not current_app.config.get("MAIL_SERVER"):
            log.info("email to %s: %s\n%s", message.recipient, message.subject, message.body_text)
        if self.connection is None:
            self.connection = mail.connect().__enter__()
        # Messages stored before subjects were made safe would otherwise fail on every attempt.
        email = Message(subject=single_line(message.subject, SUBJECT_LENGTH), recipients=[message.recipient],
                        body=message.body_text, html=message.body_html)
        if message.ics:
            email.attach("invite.ics", calendar_content_type(message.ics), message.ics.encode())
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

    Safe to run twice: messages are claimed atomically, a chunk at a time (so a
    chunk is sent well within CLAIM_TIMEOUT), and each is marked sent right after
    it is sent, so a retried or duplicate job skips it.
    """
    sent = 0
    smtp = _SmtpSession()
    try:
        for start in range(0, len(ids), CLAIM_CHUNK):
            for message in _claim(ids[start:start + CLAIM_CHUNK]):
                try:
                    smtp.send(message)
                except Exception as exc:  # SMTP down: release the claim, keep it for the re-queue
                    log.warning("email %s failed: %s", message.id, exc)
                    _settle(message.id, claimed_at=None, last_error=f"{type(exc).__name__}: {exc}"[:2000])
                else:
                    _settle(message.id, sent_at=utcnow(), last_error=None)
                    sent += 1
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
    """Queue delivery again for messages and fan-outs that Redis or SMTP failed to deliver."""
    ids = unsent_ids()
    if ids:
        enqueue(deliver_messages, ids)
    for fanout_id in unfinished_fanouts():
        enqueue(deliver_fanout, fanout_id)


# --- fan-out: one row in the request, the recipients' emails in the worker ------------------

FANOUT_BATCH = 200  # recipients per transaction of the worker
FANOUT_BATCHES_PER_JOB = 25  # then the job queues its sequel: no job runs long, others get their turn

Audience = Callable[[int, dict[str, Any], int, int], list[Letter]]
_audiences: dict[str, Audience] = {}


class MailFanOut(db.Model):
    """One event to be emailed to everyone an audience names, expanded by the worker batch by batch."""

    __tablename__ = "outbox_fanouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[int]
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The key of the last recipient whose email is in the outbox: a retried job carries on after it.
    done_through: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(index=True)


def audience(event: str) -> Callable[[Audience], Audience]:
    """Register who receives an event's fan-out.

    The function takes (subject_id, data, after, size) and returns at most `size`
    letters whose keys (recipient ids) are greater than `after`, in ascending key
    order; an empty list ends the fan-out.
    """

    def register(func: Audience) -> Audience:
        if _audiences.setdefault(event, func) is not func:
            raise ValueError(f"fan-out event {event!r} already has an audience")
        return func

    return register


def fan_out(event: str, subject_id: int, **data: Any) -> MailFanOut:
    """Email an event to its audience: one row now, the emails from the worker after commit."""
    if event not in _audiences:
        raise ValueError(f"no audience is registered for {event!r}")
    fanout = MailFanOut(event=event, subject_id=subject_id, data=data)
    db.session.add(fanout)
    db.session.flush()
    enqueue_after_commit(deliver_fanout, fanout.id)
    return fanout


def _next_batch(fanout_id: int, size: int) -> int | None:
    """Queue one batch of a fan-out's emails and commit; returns how many, or None once it is finished.

    The fan-out's row is locked while its batch is written, and the batch starts
    after the last recipient recorded, in the same transaction as the emails: a
    duplicate job waits, then carries on where this one stopped.
    """
    fanout = db.session.get(MailFanOut, fanout_id, with_for_update=True, populate_existing=True)
    if fanout is None or fanout.finished_at is not None:
        db.session.commit()
        return None
    letters = _audiences[fanout.event](fanout.subject_id, fanout.data, fanout.done_through, size)
    if letters:
        queue_emails(fanout.event, letters)
        fanout.done_through = letters[-1].key
    if len(letters) < size:
        fanout.finished_at = utcnow()
    db.session.commit()
    return len(letters)


def deliver_fanout(fanout_id: int, size: int = FANOUT_BATCH, batches: int = FANOUT_BATCHES_PER_JOB) -> int:
    """Expand a fan-out into outbox messages, batch by batch; returns how many this job queued.

    Each batch commits with its progress and hands its messages to a delivery job,
    so sending starts while later batches are written; after `batches` batches the
    job queues another for the rest. Safe to run twice, or to resume after a
    crash: nobody is emailed twice and nobody is left out.
    """
    queued = 0
    for _ in range(batches):
        count = _next_batch(fanout_id, size)
        if count is None:
            return queued
        queued += count
        if count < size:  # that batch was the last
            return queued
    enqueue(deliver_fanout, fanout_id)
    return queued


def unfinished_fanouts(older_than: timedelta = timedelta(minutes=1), limit: int = 100) -> list[int]:
    """Ids of fan-outs that should have been expanded by now: their job was lost or stopped."""
    stmt = (select(MailFanOut.id)
            .where(MailFanOut.finished_at.is_(None), MailFanOut.created_at < utcnow() - older_than)
            .order_by(MailFanOut.id).limit(limit))
    return list(db.session.scalars(stmt))
