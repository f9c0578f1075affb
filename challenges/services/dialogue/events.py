"""Dialogue events: creation, registration with a waiting list, reminders and the .ics invitation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from icalendar import Calendar, Event
from sqlalchemy import func, select, update

from auth.models import Organisation, User
from challenges.models import (
    Challenge,
    DialogueEvent,
    EventRegistration,
)
from challenges.notifications import dialogue as notify
from challenges.notifications import events as event_notify
from challenges.services.dialogue.common import (
    CANCELLED,
    REGISTERED,
    REMINDER_AHEAD,
    WAITING,
    S,
    _check_window,
    _require_acting_for,
    _require_company_view,
    _require_open,
    _require_recording,
    _require_running,
    set_versions,
)
from core import audit
from core.extensions import db
from core.models import lock_row, utcnow
from core.refusals import Refused, refuse_if

# --- events -----------------------------------------------------------------------------------

@dataclass
class EventFields:
    """What an officer types about an event (times aware UTC)."""

    kind: str
    title: str
    description: str | None
    starts_at: datetime
    ends_at: datetime
    online_url: str | None
    location: str | None
    capacity: int | None
    # The Swedish and English versions; the title and description above are the Finnish ones.
    title_sv: str | None = None
    title_en: str | None = None
    description_sv: str | None = None
    description_en: str | None = None


def _check_times(starts_at: datetime, ends_at: datetime, *, future: bool) -> None:
    """An event or slot must end after it starts, and a new one starts in the future."""
    refuse_if(future and starts_at <= utcnow(), _l("Choose a start time in the future."), "starts_at")
    refuse_if(ends_at <= starts_at, _l("The end must be after the start."), "ends_at")


def _check_event(fields: EventFields, *, future: bool) -> None:
    """An event needs sensible times and an online link or a place."""
    _check_times(fields.starts_at, fields.ends_at, future=future)
    refuse_if(not (fields.online_url or fields.location),
              _l("Give an online link, a place, or both."), "location")


def create_event(challenge: Challenge, fields: EventFields, actor: User) -> DialogueEvent:
    """Announce an info session, workshop or company day to every company."""
    _require_running(challenge)
    _check_event(fields, future=True)
    _check_window(challenge, fields.starts_at, fields.ends_at)
    event = DialogueEvent(challenge_id=challenge.id, **vars(fields))
    db.session.add(event)
    db.session.flush()
    audit.record("dialogue_event_created", event, actor, data={"challenge_id": challenge.id})
    return event


def _registered_count(event: DialogueEvent) -> int:
    """How many places of the event are taken."""
    return db.session.scalar(select(func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id, EventRegistration.status == REGISTERED))


# What registrants are told when it changes: the time and the place.
NOTIFIED_FIELDS = ("starts_at", "ends_at", "location", "online_url")


def update_event(event: DialogueEvent, fields: EventFields, actor: User) -> DialogueEvent:
    """Change an event; more places move the waiting list up, a new time re-arms the reminder.

    A new time or place is emailed to everyone registered or waiting, with what it was before.
    """
    _require_running(event.challenge)
    refuse_if(event.is_cancelled, EVENT_CANCELLED)
    _check_event(fields, future=fields.starts_at != event.starts_at)
    if (fields.starts_at, fields.ends_at) != (event.starts_at, event.ends_at):
        _check_window(event.challenge, fields.starts_at, fields.ends_at)
    lock_row(event)  # registrations wait, so the capacity check below stays true
    taken = _registered_count(event)
    refuse_if(fields.capacity is not None and fields.capacity < taken, ngettext(
        "%(num)d person is already registered: the capacity cannot be lower.",
        "%(num)d people are already registered: the capacity cannot be lower.", taken), "capacity")
    if fields.starts_at != event.starts_at:
        event.reminder_sent_at = None
    changes = {name: (getattr(event, name), getattr(fields, name)) for name in NOTIFIED_FIELDS
               if getattr(event, name) != getattr(fields, name)}
    for name, value in vars(fields).items():
        setattr(event, name, value)
    db.session.flush()
    audit.record("dialogue_event_updated", event, actor, data={"challenge_id": event.challenge_id})
    if changes:
        event_notify.event_changed(event, changes)
    _promote_waiting(event)
    return event


EVENT_CANCELLED = _l("This event has been cancelled.")


def cancel_event(event: DialogueEvent, reason: str, actor: User) -> DialogueEvent:
    """The city cancels an event that has not started; everyone registered or waiting is told why."""
    _require_running(event.challenge)
    lock_row(event)  # of simultaneous cancellations one is audited and emailed
    refuse_if(event.is_cancelled, EVENT_CANCELLED)
    refuse_if(event.starts_at <= utcnow(), _l("The event has already started: it can no longer be cancelled."))
    refuse_if(not (reason or "").strip(), _l("Say why the event is cancelled."), "reason")
    _cancel(event, reason.strip(), actor)
    return event


def _cancel(event: DialogueEvent, reason: str, actor: User | None, *, notify: bool = True) -> None:
    """Mark the event cancelled, audit it and (unless told otherwise) email its registrants after commit."""
    event.cancelled_at, event.cancel_reason = utcnow(), reason
    db.session.flush()
    audit.record("dialogue_event_cancelled", event, actor,
                 data={"challenge_id": event.challenge_id, "reason": reason})
    if notify:
        event_notify.event_cancelled(event, event_calendar(event, None).decode())


def cancel_events_ahead(challenge: Challenge, reason: str, actor: User | None, *,
                        notify: bool = True) -> list[DialogueEvent]:
    """Cancel the challenge's events that have not started (its dialogue has ended early)."""
    events = list(db.session.scalars(
        select(DialogueEvent).where(DialogueEvent.challenge_id == challenge.id, DialogueEvent.starts_at > utcnow(),
                                    DialogueEvent.cancelled_at.is_(None))
        .order_by(DialogueEvent.id).with_for_update(of=DialogueEvent)))
    for event in events:
        _cancel(event, reason, actor, notify=notify)
    return events


MESSAGES_PER_HOUR = 3  # a registrant gets at most this many messages about one event in an hour


def message_registrants(event: DialogueEvent, subject: str, body: str, include_waiting: bool,
                        actor: User) -> None:
    """Email everyone registered (and, if chosen, waiting) for the event once: one fan-out, audited."""
    _require_recording(event.challenge)
    refuse_if(not (subject or "").strip(), _l("Write a subject."), "subject")
    refuse_if(not (body or "").strip(), _l("Write the message."), "body")
    lock_row(event)  # simultaneous sends are counted one after another
    recent = db.session.scalar(select(func.count(audit.AuditEntry.id)).where(
        audit.AuditEntry.action == "dialogue_event_messaged", audit.AuditEntry.object_type == DialogueEvent.__tablename__,
        audit.AuditEntry.object_id == event.id, audit.AuditEntry.created_at > utcnow() - timedelta(hours=1)))
    refuse_if(recent >= MESSAGES_PER_HOUR, _l(
        "At most %(limit)d messages about one event can be sent in an hour: wait before sending another.",
        limit=MESSAGES_PER_HOUR), "body")
    audit.record("dialogue_event_messaged", event, actor, data={
        "challenge_id": event.challenge_id, "subject": subject.strip(), "waiting": include_waiting})
    event_notify.registrants_messaged(event, subject.strip(), body.strip(), include_waiting)


def record_event_outcome(event: DialogueEvent, material: str | None, minutes: str | None, publish: bool,
                         actor: User, versions: dict[str, str | None] | None = None) -> DialogueEvent:
    """Save an event's material and minutes (versions: their Swedish and English texts); publishing shows them."""
    lock_row(event)  # of simultaneous first publications, one is audited as the publication
    _require_recording(event.challenge)
    if publish:
        refuse_if(event.starts_at > utcnow(),
                  _l("Material and minutes are published after the event has started."), "minutes")
        refuse_if(not (material or minutes),
                  _l("Write the material or the minutes before publishing."), "minutes")
    event.material, event.minutes = material or None, minutes or None
    set_versions(event, versions, ("material", "minutes"))
    first = publish and event.published_at is None
    if first:
        event.published_at = utcnow()
    action = "dialogue_event_published" if first else "dialogue_event_record_saved"
    audit.record(action, event, actor, data={"challenge_id": event.challenge_id})
    return event


def waiting_place(registration: EventRegistration) -> int:
    """A waiting registration's place in the queue (1 is next)."""
    return db.session.scalar(select(func.count(EventRegistration.id)).where(
        EventRegistration.event_id == registration.event_id, EventRegistration.status == WAITING,
        EventRegistration.id <= registration.id))


def _own_registration(event: DialogueEvent, user: User) -> EventRegistration | None:
    """The user's registration row for the event, whatever its status."""
    return db.session.scalar(select(EventRegistration).where(
        EventRegistration.event_id == event.id, EventRegistration.user_id == user.id))


def register_for_event(event: DialogueEvent, user: User, organisation: Organisation) -> EventRegistration:
    """Take a place at the event, or a place on its waiting list when it is full."""
    challenge = event.challenge
    _require_company_view(challenge)
    _require_open(challenge)
    _require_acting_for(organisation, user)
    lock_row(event)  # simultaneous registrations count the places one after another
    refuse_if(event.is_cancelled, EVENT_CANCELLED)
    refuse_if(event.starts_at <= utcnow(), _l("The event has already started: registration is closed."))
    existing = _own_registration(event, user)
    if existing is not None and existing.status != CANCELLED:
        raise Refused(_l("You are already registered for this event.") if existing.status == REGISTERED
                            else _l("You are already on the waiting list of this event."))
    if existing is not None:  # registering again joins the end of the queue
        db.session.delete(existing)
        db.session.flush()
    queue = db.session.scalar(select(func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id, EventRegistration.status == WAITING))
    room = event.capacity is None or _registered_count(event) < event.capacity
    status = REGISTERED if room and not queue else WAITING
    registration = EventRegistration(event=event, user=user, organisation=organisation, status=status)
    db.session.add(registration)
    db.session.flush()
    audit.record("dialogue_event_registered" if status == REGISTERED else "dialogue_event_waitlisted", event,
                 user, data={"registration_id": registration.id, "organisation_id": organisation.id})
    if status == REGISTERED:
        notify.registration_confirmed(registration)
    else:
        notify.registration_waiting(registration, waiting_place(registration))
    return registration


def cancel_registration(event: DialogueEvent, user: User) -> EventRegistration:
    """Give up a place (the first on the waiting list moves up) or leave the waiting list."""
    refuse_if(event.starts_at <= utcnow(),
              _l("The event has already started: the registration can no longer be cancelled."))
    lock_row(event)
    refuse_if(event.is_cancelled, EVENT_CANCELLED)
    registration = _own_registration(event, user)
    refuse_if(registration is None or registration.status == CANCELLED,
              _l("You are not registered for this event."))
    was = registration.status
    registration.status = CANCELLED
    db.session.flush()
    audit.record("dialogue_event_registration_cancelled", event, user,
                 data={"registration_id": registration.id, "was": was})
    if was == REGISTERED:
        _promote_waiting(event)
    return registration


def _promote_waiting(event: DialogueEvent) -> list[EventRegistration]:
    """Move people from the waiting list into free places, in order, and tell them."""
    stmt = (select(EventRegistration)
            .where(EventRegistration.event_id == event.id, EventRegistration.status == WAITING)
            .order_by(EventRegistration.id))
    if event.capacity is not None:
        free = event.capacity - _registered_count(event)
        if free <= 0:
            return []
        stmt = stmt.limit(free)
    promoted = list(db.session.scalars(stmt))
    for registration in promoted:
        registration.status = REGISTERED
        audit.record("dialogue_event_waitlist_promoted", event, None,
                     data={"registration_id": registration.id, "user_id": registration.user_id})
        notify.waitlist_promoted(registration)
    db.session.flush()
    return promoted


def send_event_reminders(now: datetime | None = None) -> int:
    """Email registered people once, about 24 hours before their event starts; returns emails queued."""
    now = now or utcnow()
    due = db.session.scalars(
        select(DialogueEvent.id).join(Challenge, Challenge.id == DialogueEvent.challenge_id)
        .where(DialogueEvent.reminder_sent_at.is_(None), DialogueEvent.starts_at > now,
               DialogueEvent.starts_at <= now + REMINDER_AHEAD, DialogueEvent.cancelled_at.is_(None),
               Challenge.state != S.CANCELLED.value)).all()
    sent = 0
    for event_id in due:
        claimed = db.session.execute(
            update(DialogueEvent)
            .where(DialogueEvent.id == event_id, DialogueEvent.reminder_sent_at.is_(None))
            .values(reminder_sent_at=now).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:  # another scheduler run got there first
            continue
        registrations = list(db.session.scalars(select(EventRegistration).where(
            EventRegistration.event_id == event_id, EventRegistration.status == REGISTERED)))
        for registration in registrations:
            notify.event_reminder(registration)
        sent += len(registrations)
        audit.record("dialogue_event_reminder_sent", db.session.get(DialogueEvent, event_id), None,
                     data={"recipients": len(registrations)})
    return sent


def calendar_file(uid: str, starts_at: datetime, ends_at: datetime, summary: str, *, description: str = "",
                  location: str | None = None, url: str | None = None, cancelled: bool = False,
                  method: str = "PUBLISH") -> bytes:
    """One iCalendar (.ics) entry, times in UTC; a cancellation keeps the UID and says METHOD:CANCEL."""
    calendar = Calendar()
    calendar.add("prodid", "-//Kokeilu//Market dialogue//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else method)
    entry = Event()
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname or "kokeilu"
    entry.add("uid", f"{uid}@{host}")
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", starts_at)
    entry.add("dtend", ends_at)
    entry.add("summary", summary)
    entry.add("sequence", 1 if cancelled else 0)  # a cancellation outranks the invitation it cancels
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if description:
        entry.add("description", description)
    if location:
        entry.add("location", location)
    if url:
        entry.add("url", url)
    calendar.add_component(entry)
    return calendar.to_ical()


def event_calendar(event: DialogueEvent, url: str | None, *, with_link: bool = False) -> bytes:
    """The event as an iCalendar (.ics) file; the online link only for those registered (`with_link`)."""
    online = event.online_url if with_link else None
    return calendar_file(f"dialogue-event-{event.id}", event.starts_at, event.ends_at,
                         f"{event.title} ({event.challenge.title})",
                         description="\n\n".join(p for p in (event.description, online, url) if p),
                         location=event.location or online, url=url, cancelled=event.is_cancelled)
