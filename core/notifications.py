"""Which emails people get and when: kinds of notification, each person's choice per kind, the daily digest.

Every email event (templates/email/<event>) belongs to one `Kind`, or is
ESSENTIAL (a password reset, an address to confirm, an invitation: always sent
at once, nobody can turn them off). Each person chooses per kind to get its
emails at once (the default, no row stored), in one daily digest, or not at all
(`NotificationPreference`). `core.mail.queue_emails` asks `plan()` once per batch
of letters: a held email becomes a `DigestItem` (its subject and link), a dropped
one nothing. `send_digests()`, run by `flask scheduler`, sends each person one
digest a day, after DIGEST_HOUR on the Helsinki clock, of what was held before it.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, time, timedelta, timezone
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.dates import HELSINKI, to_helsinki
from core.enums import LabelledEnum
from core.extensions import db
from core.jobs import periodic
from core.models import sql_values, utcnow


class Kind(LabelledEnum):
    """What an email is about, as people choose how to get it."""

    QUESTIONS = "questions", _l("New questions from companies (to the city's officers)")
    ANSWERS = "answers", _l("Answers to questions")
    EVENTS = "events", _l("Events you have registered for")
    MEETINGS = "meetings", _l("One-to-one meetings")
    CHALLENGES = "challenges", _l("Changes to challenges you follow")
    CALLS = "calls", _l("Open calls for proposals")
    APPROVALS = "approvals", _l("Challenges sent for approval, approved or returned")


class Delivery(LabelledEnum):
    """When a person gets the emails of one kind."""

    IMMEDIATE = "immediate", _l("At once")
    DAILY = "daily", _l("Daily digest")
    OFF = "off", _l("Never")


# The page where a signed-in person makes these choices (auth's account page); a non-essential email links to it.
SETTINGS_ENDPOINT = "auth.account"
ESSENTIAL = "essential"  # account and security emails: always sent at once

# Every email event and what it is about: the one place to look (a test checks every template is here).
EVENT_KINDS: dict[str, Kind | str] = {
    "accessibility_feedback": ESSENTIAL,  # to the site's feedback address, not to a user
    "accessibility_feedback_receipt": ESSENTIAL,
    "host_invitation": ESSENTIAL,
    "invitation": ESSENTIAL,
    "join_request": ESSENTIAL,  # a company's owner decides who acts for it
    "join_request_approved": ESSENTIAL,
    "join_request_rejected": ESSENTIAL,
    "notification_digest": ESSENTIAL,  # the digest itself
    "password_reset": ESSENTIAL,
    "proposal_submitted": ESSENTIAL,  # a receipt must always arrive (pilots/proposals)
    "registration_attempt": ESSENTIAL,
    "verify_email": ESSENTIAL,
    "challenge_submitted": Kind.APPROVALS,
    "challenge_approved": Kind.APPROVALS,
    "challenge_returned": Kind.APPROVALS,
    "challenge_call_opened": Kind.CALLS,
    "challenge_changed": Kind.CHALLENGES,
    "challenge_cancelled": Kind.CHALLENGES,
    "challenge_dialogue_started": Kind.CHALLENGES,
    "dialogue_started": Kind.CHALLENGES,
    "dialogue_ended": Kind.CHALLENGES,
    "dialogue_ended_early": Kind.CHALLENGES,
    "dialogue_questions_arrived": Kind.QUESTIONS,
    "dialogue_question_answered": Kind.ANSWERS,
    "dialogue_answer_published": Kind.ANSWERS,
    "dialogue_registration_confirmed": Kind.EVENTS,
    "dialogue_registration_waiting": Kind.EVENTS,
    "dialogue_waitlist_promoted": Kind.EVENTS,
    "dialogue_event_reminder": Kind.EVENTS,
    "dialogue_event_changed": Kind.EVENTS,
    "dialogue_event_cancelled": Kind.EVENTS,
    "dialogue_message": Kind.EVENTS,
    "dialogue_meeting_booked": Kind.MEETINGS,
    "dialogue_meeting_cancelled": Kind.MEETINGS,
}
# Where a letter's context keeps the link a digest lists beside its subject, in order of preference.
LINK_KEYS = ("link", "event_link", "questions_link", "meeting_link")
DIGEST_HOUR = time(7, 0)  # Helsinki time: the day's digest goes out early in the working day
DIGEST_BATCH = 200  # people per transaction of the digest job


def kind_of(event: str) -> Kind | None:
    """The kind of an email event; None for an essential one. An event nobody mapped counts as essential."""
    kind = EVENT_KINDS.get(event, ESSENTIAL)
    return kind if isinstance(kind, Kind) else None


class NotificationPreference(db.Model):
    """A person's choice for one kind of email, when it is not the default (at once)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(Kind)})", name="kind"),
        CheckConstraint(f"delivery IN ({sql_values(Delivery)})", name="delivery"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery: Mapped[str] = mapped_column(String(16))


class DigestItem(db.Model):
    """An email held for its reader's daily digest: what it was about and where to read more."""

    __tablename__ = "digest_items"
    __table_args__ = (Index("ix_digest_items_unsent", "sent_at", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(300))
    link: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]


# --- choosing ------------------------------------------------------------------------------

def preferences_of(user_id: int) -> dict[Kind, Delivery]:
    """A person's choice for every kind (at once where they chose nothing)."""
    rows = db.session.execute(select(NotificationPreference.kind, NotificationPreference.delivery)
                              .where(NotificationPreference.user_id == user_id))
    chosen = {kind: delivery for kind, delivery in rows}
    return {kind: Delivery(chosen.get(kind.value, Delivery.IMMEDIATE.value)) for kind in Kind}


def save_preferences(user_id: int, choices: dict[str, str]) -> list[str]:
    """Store a person's choices (kind value -> delivery value); returns the kinds that changed."""
    before = preferences_of(user_id)
    changed = []
    for kind in Kind:
        delivery = Delivery(choices.get(kind.value, before[kind].value))
        if delivery is before[kind]:
            continue
        changed.append(kind.value)
        row = db.session.get(NotificationPreference, (user_id, kind.value))
        if delivery is Delivery.IMMEDIATE:
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(NotificationPreference(user_id=user_id, kind=kind.value, delivery=delivery.value))
        else:
            row.delivery = delivery.value
    db.session.flush()
    return changed


# --- sorting an event's letters ----------------------------------------------------------------

def plan(event: str, recipients: Sequence[str]) -> dict[str, tuple[int, Delivery]]:
    """The recipients (by address) whose choice for this event's kind is not "at once": (user id, delivery).

    One query for a whole batch of letters; none for an essential event.
    """
    kind = kind_of(event)
    if kind is None or not recipients:
        return {}
    from auth.models import User  # imported here: auth imports core

    rows = db.session.execute(
        select(User.email, User.id, NotificationPreference.delivery)
        .join(NotificationPreference, NotificationPreference.user_id == User.id)
        .where(NotificationPreference.kind == kind.value, User.email.in_(set(recipients))))
    return {email: (user_id, Delivery(delivery)) for email, user_id, delivery in rows}


def link_of(context: dict[str, Any]) -> str | None:
    """The link an email's context points its reader to, for the digest."""
    return next((str(context[key]) for key in LINK_KEYS if context.get(key)), None)


def hold(event: str, user_id: int, subject: str, link: str | None) -> DigestItem:
    """Keep an email for its reader's next daily digest (added to the session; the caller flushes)."""
    item = DigestItem(user_id=user_id, kind=str(kind_of(event)), event=event, subject=subject, link=link)
    db.session.add(item)
    return item


# --- one email for what one action did, however many steps it took ------------------------------

AT_COMMIT = "kokeilu_notify_at_commit"


def notify_at_commit(func: Callable[[list[Any]], Any], item: Any) -> None:
    """Collect item; just before the transaction commits, call func once with everything it collected.

    An action that both answers and publishes a question tells its asker once: the
    notice is written from the final state, in the same transaction. Dropped on rollback.
    """
    items = db.session().info.setdefault(AT_COMMIT, {}).setdefault(func, [])
    if item not in items:
        items.append(item)


@event.listens_for(Session, "before_commit")
def _notify_collected(session: Session) -> None:
    """Write the collected notices (their emails go to the outbox, in this transaction)."""
    while pending := session.info.pop(AT_COMMIT, None):
        for func, items in pending.items():
            func(items)


@event.listens_for(Session, "after_soft_rollback")
def _drop_collected(session: Session, previous_transaction: Any) -> None:
    """Nothing is told of a transaction that rolled back."""
    if not session.in_transaction():
        session.info.pop(AT_COMMIT, None)


# --- the daily digest ------------------------------------------------------------------------

def digest_cutoff(now: datetime) -> datetime:
    """The latest DIGEST_HOUR on the Helsinki clock at or before now, in UTC: what was held before it is due."""
    local = to_helsinki(now)
    day = local.date() if local.time() >= DIGEST_HOUR else local.date() - timedelta(days=1)
    return datetime.combine(day, DIGEST_HOUR, tzinfo=HELSINKI).astimezone(timezone.utc)


def _due_users(cutoff: datetime, after: int, limit: int) -> list[int]:
    """The next people, by id, with held emails due for a digest."""
    return list(db.session.scalars(
        select(DigestItem.user_id).where(DigestItem.sent_at.is_(None), DigestItem.created_at < cutoff,
                                         DigestItem.user_id > after)
        .group_by(DigestItem.user_id).order_by(DigestItem.user_id).limit(limit)))


def _claim(user_ids: Iterable[int], cutoff: datetime, now: datetime) -> dict[int, list[Any]]:
    """Mark the due items of these people sent, in one statement; returns them per person, oldest first.

    A second run of the job finds them claimed and sends nothing.
    """
    claimed = db.session.execute(
        update(DigestItem).where(DigestItem.user_id.in_(list(user_ids)), DigestItem.sent_at.is_(None),
                                 DigestItem.created_at < cutoff)
        .values(sent_at=now)
        .returning(DigestItem.id, DigestItem.user_id, DigestItem.kind, DigestItem.subject, DigestItem.link)
        .execution_options(synchronize_session=False)).all()
    items: dict[int, list[Any]] = defaultdict(list)
    for item in sorted(claimed, key=lambda row: row.id):
        items[item.user_id].append(item)
    return items


def _digest_letters(items: dict[int, list[Any]]) -> list[Any]:
    """One digest letter per active person, in their language, its items grouped by kind in Kind's order."""
    from auth.models import User
    from core.links import absolute_url
    from core.mail import Letter

    people = db.session.scalars(select(User).where(User.id.in_(list(items)), User.active.is_(True),
                                                   User.anonymised_at.is_(None)))
    settings = absolute_url("auth.account") + "#notifications"
    letters = []
    for person in sorted(people, key=lambda p: p.id):
        groups = [(kind, [i for i in items[person.id] if i.kind == kind.value]) for kind in Kind]
        letters.append(Letter(person.email, person.locale, {
            "recipient": person, "groups": [(kind, group) for kind, group in groups if group],
            "count": len(items[person.id]), "settings_link": settings}, key=person.id))
    return letters


def send_digests(now: datetime | None = None, batch: int = DIGEST_BATCH) -> int:
    """Queue each person's digest of the emails held before today's DIGEST_HOUR; returns digests queued.

    Commits after each batch of people. Safe to run twice: items are claimed as
    they are read, so each is in one digest only.
    """
    from core.mail import queue_emails

    now = now or utcnow()
    cutoff = digest_cutoff(now)
    sent, after = 0, 0
    while user_ids := _due_users(cutoff, after, batch):
        after = user_ids[-1]
        letters = _digest_letters(_claim(user_ids, cutoff, now))
        queue_emails("notification_digest", letters)
        db.session.commit()
        sent += len(letters)
    return sent


@periodic(every=timedelta(minutes=15))
def send_daily_digests() -> int:
    """Send the daily digests that are due (the scheduler's clock decides; safe to run twice)."""
    return send_digests()
