"""The market dialogue (DESIGN.md section 3): events, one-to-one meetings, Q&A, RFI and the summary.

Everything one company is told, every company is told: answers are released to
everyone at once with the asker anonymised, meeting slots are offered to all
alike, RFI responses stay with the city and only an anonymised synthesis is
published. Functions here take domain objects and the acting user, flush but
never commit, and audit what they change.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as _n
from icalendar import Calendar, Event
from sqlalchemy import func, null, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, lazyload, raiseload

from auth.models import Organisation, User
from challenges.models import (Challenge, ChallengeState, DialogueEvent, EventRegistration, MeetingSlot,
                               Question, RegistrationStatus, RfiQuestion, RfiResponse)
from challenges.notifications import dialogue as notify
from challenges.permissions import company_ids
from challenges.services.following import followers_of
from core import audit
from core.extensions import db
from core.models import utcnow

S = ChallengeState
REGISTERED, WAITING, CANCELLED = (RegistrationStatus.REGISTERED.value, RegistrationStatus.WAITING.value,
                                  RegistrationStatus.CANCELLED.value)
DIALOGUE_STATES = (S.APPROVED.value, S.MARKET_DIALOGUE.value)  # events, slots and the RFI run
RECORD_STATES = (*DIALOGUE_STATES, S.OPEN.value)  # minutes, material, synthesis and summary are written
QUESTION_STATES = (S.MARKET_DIALOGUE.value, S.OPEN.value)  # questions are asked and answers published
ANSWER_CUTOFF = timedelta(days=6)  # directive 2014/24 art. 53: answers at least six days before the deadline
ANSWER_WARNING = timedelta(days=3)  # the answer page warns this long before the cutoff
REMINDER_AHEAD = timedelta(hours=24)
PAGE_SIZE = 50


class DialogueError(Exception):
    """A dialogue rule refused the action; `message` is safe to show, `field` names the form field."""

    def __init__(self, message: Any, field: str | None = None, status: int = 400) -> None:
        super().__init__(str(message))
        self.message, self.field, self.status = message, field, status


def _refuse(condition: bool, message: Any, field: str | None = None, status: int = 400) -> None:
    """Raise DialogueError when condition holds."""
    if condition:
        raise DialogueError(message, field, status)


# --- windows, derived from dates and states ---------------------------------------------------

def dialogue_running(challenge: Challenge) -> bool:
    """Events, meeting slots and the RFI run while a dialogue challenge is approved or in dialogue."""
    return challenge.has_dialogue and challenge.state in DIALOGUE_STATES


def questions_open(challenge: Challenge, now: datetime | None = None) -> bool:
    """Questions are asked during the dialogue and the call, until the question deadline."""
    return (challenge.state in QUESTION_STATES and challenge.questions_close_at is not None
            and (now or utcnow()) < challenge.questions_close_at)


def answer_deadline(challenge: Challenge) -> datetime | None:
    """The last moment an answer may be published: six days before the proposal deadline."""
    return challenge.proposals_close_at - ANSWER_CUTOFF if challenge.proposals_close_at else None


def answers_publishable(challenge: Challenge, now: datetime | None = None) -> bool:
    """False once it is less than six days before the proposal deadline."""
    deadline = answer_deadline(challenge)
    return deadline is None or (now or utcnow()) <= deadline


def answer_deadline_near(challenge: Challenge, now: datetime | None = None) -> bool:
    """True when the answer page should warn that the publishing cutoff is close or past."""
    deadline = answer_deadline(challenge)
    return deadline is not None and (now or utcnow()) > deadline - ANSWER_WARNING


def rfi_open(challenge: Challenge, now: datetime | None = None) -> bool:
    """Companies answer the RFI until the dialogue ends."""
    ends = challenge.dialogue_ends_at
    return dialogue_running(challenge) and (ends is None or (now or utcnow()) < ends)


def _require_running(challenge: Challenge, field: str | None = None) -> None:
    """Refuse unless the dialogue of the challenge is running (or approved to start)."""
    _refuse(not dialogue_running(challenge),
            _l("The market dialogue of this challenge is not running."), field)


def _require_recording(challenge: Challenge, field: str | None = None) -> None:
    """Refuse unless the dialogue's records may still be written."""
    _refuse(not (challenge.has_dialogue and challenge.state in RECORD_STATES),
            _l("The market dialogue of this challenge can no longer be changed."), field)


def _require_company_view(challenge: Challenge) -> None:
    """Companies take part only in published challenges."""
    _refuse(not challenge.is_public, _l("This challenge is not published."), status=404)


# --- reading ----------------------------------------------------------------------------------

def meetings_without_minutes(challenge: Challenge) -> list[MeetingSlot]:
    """Booked one-to-one meetings of the challenge whose minutes are still missing."""
    return list(db.session.scalars(
        select(MeetingSlot)
        .where(MeetingSlot.challenge_id == challenge.id, MeetingSlot.booked_by_org_id.is_not(None),
               MeetingSlot.minutes_recorded_at.is_(None))
        .order_by(MeetingSlot.starts_at, MeetingSlot.id)
        .options(lazyload(MeetingSlot.challenge))))


def acting_companies(user: Any) -> list[Organisation]:
    """The organisations the user may act for as a company, by name (no query: memberships are loaded)."""
    ids = company_ids(user)
    if not ids:
        return []
    orgs = {m.organisation_id: m.organisation for m in user.active_memberships() if m.organisation_id in ids}
    return sorted(orgs.values(), key=lambda o: (o.name, o.id))


@dataclass
class EventStatus:
    """An event as one reader sees it: places taken, the queue, and the reader's own registration."""

    event: DialogueEvent
    registered: int = 0
    waiting: int = 0
    mine: str | None = None
    place: int | None = None

    @property
    def is_full(self) -> bool:
        """True when every place is taken."""
        return self.event.capacity is not None and self.registered >= self.event.capacity

    @property
    def places_left(self) -> int | None:
        """Free places, None when there is no limit."""
        return None if self.event.capacity is None else max(0, self.event.capacity - self.registered)

    @property
    def has_started(self) -> bool:
        """Registration closes when the event starts."""
        return self.event.starts_at <= utcnow()


def _count(status: str):
    """A correlated count of an event's registrations in one status."""
    return (select(func.count(EventRegistration.id))
            .where(EventRegistration.event_id == DialogueEvent.id, EventRegistration.status == status)
            .correlate(DialogueEvent).scalar_subquery())


def _own(user_id: int | None):
    """Correlated (status, waiting place) of one user's registration for each event."""
    if user_id is None:
        return null(), null()
    mine, ahead = aliased(EventRegistration), aliased(EventRegistration)
    own = (mine.event_id == DialogueEvent.id, mine.user_id == user_id, mine.status != CANCELLED)
    status = select(mine.status).where(*own).correlate(DialogueEvent).scalar_subquery()
    own_id = select(mine.id).where(*own).correlate(DialogueEvent).scalar_subquery()
    place = (select(func.count(ahead.id))
             .where(ahead.event_id == DialogueEvent.id, ahead.status == WAITING, ahead.id <= own_id)
             .correlate(DialogueEvent).scalar_subquery())
    return status, place


def event_statuses(challenge: Challenge, user: Any = None, event_id: int | None = None) -> list[EventStatus]:
    """The challenge's events (or one) with places taken, the queue and the user's own status: one query."""
    user_id = user.id if getattr(user, "is_authenticated", False) else None
    stmt = (select(DialogueEvent, _count(REGISTERED), _count(WAITING), *_own(user_id))
            .where(DialogueEvent.challenge_id == challenge.id)
            .order_by(DialogueEvent.starts_at, DialogueEvent.id).options(lazyload(DialogueEvent.challenge)))
    if event_id is not None:
        stmt = stmt.where(DialogueEvent.id == event_id)
    return [EventStatus(event, registered, waiting, mine, place if mine == WAITING else None)
            for event, registered, waiting, mine, place in db.session.execute(stmt)]


def published_questions(challenge: Challenge) -> list[Question]:
    """Published questions and answers; the asker cannot be reached from them (raiseload)."""
    return list(db.session.scalars(
        select(Question).where(Question.challenge_id == challenge.id, Question.published_at.is_not(None))
        .order_by(Question.published_at, Question.id)
        .options(lazyload(Question.challenge), raiseload(Question.organisation))))


def meeting_slots(challenge: Challenge, *, with_bookers: bool = False) -> list[MeetingSlot]:
    """The challenge's meeting slots by time; who booked is loaded only for the city's staff."""
    stmt = (select(MeetingSlot).where(MeetingSlot.challenge_id == challenge.id)
            .order_by(MeetingSlot.starts_at, MeetingSlot.id).options(lazyload(MeetingSlot.challenge)))
    if not with_bookers:  # companies see "booked", never by whom
        stmt = stmt.options(raiseload(MeetingSlot.booked_by_org))
    return list(db.session.scalars(stmt))


@dataclass
class PublicDialogue:
    """What the public challenge page shows of the dialogue to one reader, and what they may do."""

    challenge: Challenge
    events: list[EventStatus]
    questions: list[Question]
    slots: list[MeetingSlot]
    my_booking: MeetingSlot | None
    companies: list[Organisation]
    has_rfi: bool
    now: datetime = default(default_factory=utcnow)

    @property
    def running(self) -> bool:
        """Events, slots and the RFI are open."""
        return dialogue_running(self.challenge)

    @property
    def can_act(self) -> bool:
        """The reader acts for at least one company."""
        return bool(self.companies)

    @property
    def can_register(self) -> bool:
        """The reader may register for events."""
        return self.can_act and self.running

    @property
    def can_book(self) -> bool:
        """The reader's company may book a one-to-one meeting (one per company)."""
        return self.can_act and self.running and self.my_booking is None

    @property
    def can_ask(self) -> bool:
        """The reader may ask a question now."""
        return self.can_act and questions_open(self.challenge)

    @property
    def can_answer_rfi(self) -> bool:
        """The reader may answer the request for information."""
        return self.can_act and self.has_rfi and rfi_open(self.challenge)

    @property
    def questions_open(self) -> bool:
        """Questions are accepted now."""
        return questions_open(self.challenge)

    @property
    def is_empty(self) -> bool:
        """Nothing of the dialogue to show yet."""
        return not (self.events or self.questions or self.slots or self.challenge.rfi_synthesis_published_at
                    or self.challenge.dialogue_summary_published_at or self.can_ask or self.can_answer_rfi)


def public_dialogue(challenge: Challenge, user: Any = None) -> PublicDialogue:
    """The public side of a challenge's dialogue for one reader, in at most four queries."""
    companies = acting_companies(user)
    questions = published_questions(challenge)
    if not challenge.has_dialogue:
        return PublicDialogue(challenge, [], questions, [], None, companies, False)
    events = event_statuses(challenge, user if companies else None)
    slots = meeting_slots(challenge)
    own = {c.id for c in companies}
    my_booking = next((s for s in slots if s.booked_by_org_id in own), None)
    has_rfi = bool(companies) and db.session.scalar(
        select(func.count(RfiQuestion.id)).where(RfiQuestion.challenge_id == challenge.id)) > 0
    return PublicDialogue(challenge, events, questions, slots, my_booking, companies, has_rfi)


@dataclass
class Page:
    """One page of a list, with whether there is another after it."""

    items: list[Any]
    number: int
    has_next: bool

    @property
    def offset(self) -> int:
        """How many rows come before this page."""
        return (self.number - 1) * PAGE_SIZE


def _page(stmt, number: int, *, rows: bool = False) -> Page:
    """Run stmt for page `number` (1-based), fetching one row extra to know whether more follow."""
    number = max(1, number)
    stmt = stmt.limit(PAGE_SIZE + 1).offset((number - 1) * PAGE_SIZE)
    items = list(db.session.execute(stmt).all() if rows else db.session.scalars(stmt))
    return Page(items[:PAGE_SIZE], number, len(items) > PAGE_SIZE)


def event_registrations(event: DialogueEvent, number: int = 1) -> Page:
    """Registered people first, then the waiting list in order, with person and company loaded."""
    return _page(select(EventRegistration)
                 .where(EventRegistration.event_id == event.id, EventRegistration.status != CANCELLED)
                 .order_by(EventRegistration.status, EventRegistration.id)
                 .options(lazyload(EventRegistration.event)), number)


def questions_for_staff(challenge: Challenge, number: int = 1) -> Page:
    """Every question with its company and the asker's name, unpublished first: rows (Question, name)."""
    return _page(select(Question, User.name).join(User, User.id == Question.asked_by_id)
                 .where(Question.challenge_id == challenge.id)
                 .order_by(Question.published_at.is_not(None), Question.asked_at, Question.id)
                 .options(lazyload(Question.challenge)), number, rows=True)


def question_counts(challenge: Challenge) -> dict[str, int]:
    """How many questions wait for an answer, wait for publishing, and are published."""
    q = Question
    row = db.session.execute(select(
        func.count(q.id).filter(q.answer.is_(None)),
        func.count(q.id).filter(q.answer.is_not(None), q.published_at.is_(None)),
        func.count(q.id).filter(q.published_at.is_not(None))).where(q.challenge_id == challenge.id)).one()
    return dict(zip(("unanswered", "unpublished", "published"), row))


def publishable_question_ids(challenge: Challenge) -> list[int]:
    """Questions answered but not yet published."""
    return list(db.session.scalars(select(Question.id).where(
        Question.challenge_id == challenge.id, Question.answer.is_not(None), Question.published_at.is_(None))
        .order_by(Question.id)))


def company_questions(challenge: Challenge, organisations: list[Organisation]) -> list[Question]:
    """The questions the reader's companies asked, newest first."""
    return list(db.session.scalars(
        select(Question).where(Question.challenge_id == challenge.id,
                               Question.organisation_id.in_([o.id for o in organisations]))
        .order_by(Question.asked_at.desc(), Question.id.desc()).options(lazyload(Question.challenge))))


def rfi_questions(challenge: Challenge) -> list[RfiQuestion]:
    """The challenge's RFI questionnaire in order."""
    return list(db.session.scalars(select(RfiQuestion).where(RfiQuestion.challenge_id == challenge.id)
                                   .order_by(RfiQuestion.position)))


def company_rfi_responses(challenge: Challenge, organisation: Organisation) -> dict[int, RfiResponse]:
    """One company's RFI answers, by question id."""
    return {r.question_id: r for r in db.session.scalars(
        select(RfiResponse).join(RfiQuestion, RfiQuestion.id == RfiResponse.question_id)
        .where(RfiQuestion.challenge_id == challenge.id, RfiResponse.organisation_id == organisation.id)
        .options(lazyload(RfiResponse.question), lazyload(RfiResponse.organisation)))}


def rfi_responses_for_staff(challenge: Challenge) -> list[tuple[RfiQuestion, list[RfiResponse]]]:
    """Every RFI question with every company's answer (city staff only), in two queries."""
    questions = rfi_questions(challenge)
    answers: dict[int, list[RfiResponse]] = {q.id: [] for q in questions}
    for response in db.session.scalars(
            select(RfiResponse).where(RfiResponse.question_id.in_(answers))
            .order_by(RfiResponse.question_id, RfiResponse.id).options(lazyload(RfiResponse.question))):
        answers[response.question_id].append(response)
    return [(q, answers[q.id]) for q in questions]


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


def _check_times(starts_at: datetime, ends_at: datetime, *, future: bool) -> None:
    """An event or slot must end after it starts, and a new one starts in the future."""
    _refuse(future and starts_at <= utcnow(), _l("Choose a start time in the future."), "starts_at")
    _refuse(ends_at <= starts_at, _l("The end must be after the start."), "ends_at")


def _check_event(fields: EventFields, *, future: bool) -> None:
    """An event needs sensible times and an online link or a place."""
    _check_times(fields.starts_at, fields.ends_at, future=future)
    _refuse(not (fields.online_url or fields.location),
            _l("Give an online link, a place, or both."), "location")


def create_event(challenge: Challenge, fields: EventFields, actor: User) -> DialogueEvent:
    """Announce an info session, workshop or company day to every company."""
    _require_running(challenge)
    _check_event(fields, future=True)
    event = DialogueEvent(challenge_id=challenge.id, **vars(fields))
    db.session.add(event)
    db.session.flush()
    audit.record("dialogue_event_created", event, actor, data={"challenge_id": challenge.id})
    return event


def _registered_count(event: DialogueEvent) -> int:
    """How many places of the event are taken."""
    return db.session.scalar(select(func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id, EventRegistration.status == REGISTERED))


def update_event(event: DialogueEvent, fields: EventFields, actor: User) -> DialogueEvent:
    """Change an event; more places move the waiting list up, a new time re-arms the reminder."""
    _require_running(event.challenge)
    _check_event(fields, future=fields.starts_at != event.starts_at)
    _lock(event)
    taken = _registered_count(event)
    _refuse(fields.capacity is not None and fields.capacity < taken, _n(
        "%(num)d person is already registered: the capacity cannot be lower.",
        "%(num)d people are already registered: the capacity cannot be lower.", taken), "capacity")
    if fields.starts_at != event.starts_at:
        event.reminder_sent_at = None
    for name, value in vars(fields).items():
        setattr(event, name, value)
    db.session.flush()
    audit.record("dialogue_event_updated", event, actor, data={"challenge_id": event.challenge_id})
    _promote_waiting(event)
    return event


def record_event_outcome(event: DialogueEvent, material: str | None, minutes: str | None, publish: bool,
                         actor: User) -> DialogueEvent:
    """Save an event's material and minutes; publishing shows them to everyone."""
    _require_recording(event.challenge)
    if publish:
        _refuse(event.starts_at > utcnow(),
                _l("Material and minutes are published after the event has started."), "minutes")
        _refuse(not (material or minutes),
                _l("Write the material or the minutes before publishing."), "minutes")
    event.material, event.minutes = material or None, minutes or None
    first = publish and event.published_at is None
    if first:
        event.published_at = utcnow()
    action = "dialogue_event_published" if first else "dialogue_event_record_saved"
    audit.record(action, event, actor, data={"challenge_id": event.challenge_id})
    return event


def _lock(event: DialogueEvent) -> None:
    """Serialise registrations of one event (row lock on PostgreSQL; SQLite locks the database)."""
    db.session.execute(select(DialogueEvent.id).where(DialogueEvent.id == event.id).with_for_update())


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
    _require_running(challenge)
    _refuse(organisation.id not in company_ids(user), _l("You do not act for this organisation."), status=403)
    _refuse(event.starts_at <= utcnow(), _l("The event has already started: registration is closed."))
    _lock(event)
    existing = _own_registration(event, user)
    if existing is not None and existing.status != CANCELLED:
        raise DialogueError(_l("You are already registered for this event.") if existing.status == REGISTERED
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
    _refuse(event.starts_at <= utcnow(),
            _l("The event has already started: the registration can no longer be cancelled."))
    _lock(event)
    registration = _own_registration(event, user)
    _refuse(registration is None or registration.status == CANCELLED,
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
               DialogueEvent.starts_at <= now + REMINDER_AHEAD, Challenge.state != S.CANCELLED.value)).all()
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


def event_calendar(event: DialogueEvent, url: str) -> bytes:
    """The event as an iCalendar (.ics) file, times in UTC."""
    calendar = Calendar()
    calendar.add("prodid", "-//Kokeilu//Market dialogue//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    entry = Event()
    host = urlsplit(current_app.config.get("BASE_URL") or "").hostname or "kokeilu"
    entry.add("uid", f"dialogue-event-{event.id}@{host}")
    entry.add("dtstamp", utcnow())
    entry.add("dtstart", event.starts_at)
    entry.add("dtend", event.ends_at)
    entry.add("summary", f"{event.title} ({event.challenge.title})")
    entry.add("description", "\n\n".join(p for p in (event.description, event.online_url, url) if p))
    entry.add("location", event.location or event.online_url)
    entry.add("url", url)
    calendar.add_component(entry)
    return calendar.to_ical()


# --- one-to-one meetings ----------------------------------------------------------------------

def create_slot(challenge: Challenge, starts_at: datetime, ends_at: datetime, place: str,
                actor: User) -> MeetingSlot:
    """Offer a one-to-one meeting time to every company alike."""
    _require_running(challenge)
    _check_times(starts_at, ends_at, future=True)
    slot = MeetingSlot(challenge_id=challenge.id, starts_at=starts_at, ends_at=ends_at, place=place)
    db.session.add(slot)
    db.session.flush()
    audit.record("meeting_slot_created", slot, actor, data={"challenge_id": challenge.id})
    return slot


def delete_slot(slot: MeetingSlot, actor: User) -> None:
    """Withdraw a meeting time nobody has booked."""
    _require_running(slot.challenge)
    _refuse(slot.is_booked, _l("This time is booked: it cannot be removed."))
    audit.record("meeting_slot_deleted", slot.challenge, actor,
                 data={"slot_id": slot.id, "starts_at": slot.starts_at.isoformat()})
    db.session.delete(slot)
    db.session.flush()


ONE_BOOKING = _l("Your company has already booked a one-to-one meeting for this challenge. Each company may "
                 "book one meeting: cancel your booking first if you want another time.")


def book_slot(slot: MeetingSlot, user: User, organisation: Organisation) -> MeetingSlot:
    """Book a one-to-one meeting for the company: one per company per challenge."""
    challenge = slot.challenge
    _require_company_view(challenge)
    _require_running(challenge)
    _refuse(organisation.id not in company_ids(user), _l("You do not act for this organisation."), status=403)
    _refuse(slot.starts_at <= utcnow(), _l("This time has already passed. Choose another time."))
    booked = db.session.scalar(select(MeetingSlot.id).where(
        MeetingSlot.challenge_id == challenge.id, MeetingSlot.booked_by_org_id == organisation.id))
    _refuse(booked is not None, ONE_BOOKING)
    _refuse(slot.is_booked, _l("Another company has just booked this time. Choose another time."))
    now = utcnow()
    try:
        with db.session.begin_nested():  # the unique constraint backs the check above against races
            claimed = db.session.execute(
                update(MeetingSlot).where(MeetingSlot.id == slot.id, MeetingSlot.booked_by_org_id.is_(None))
                .values(booked_by_org_id=organisation.id, booked_by_user_id=user.id, booked_at=now)
                .execution_options(synchronize_session=False)).rowcount
    except IntegrityError:
        raise DialogueError(ONE_BOOKING) from None
    _refuse(claimed != 1, _l("Another company has just booked this time. Choose another time."))
    db.session.refresh(slot)
    audit.record("meeting_booked", slot, user, data={"organisation_id": organisation.id,
                                                     "challenge_id": challenge.id})
    return slot


def cancel_booking(slot: MeetingSlot, user: User) -> MeetingSlot:
    """The booking company frees its meeting time before the meeting starts."""
    _refuse(slot.booked_by_org_id is None or slot.booked_by_org_id not in company_ids(user),
            _l("Your company has not booked this time."))
    _refuse(slot.starts_at <= utcnow(),
            _l("The meeting has already started: the booking cannot be cancelled."))
    organisation_id = slot.booked_by_org_id
    slot.booked_by_org_id = slot.booked_by_user_id = slot.booked_at = None
    db.session.flush()
    audit.record("meeting_booking_cancelled", slot, user, data={"organisation_id": organisation_id,
                                                                "challenge_id": slot.challenge_id})
    return slot


def record_meeting_minutes(slot: MeetingSlot, minutes: str, actor: User) -> MeetingSlot:
    """Record what was discussed in a held meeting (required before the dialogue closes)."""
    _require_recording(slot.challenge, "minutes")
    _refuse(not slot.is_booked, _l("Nobody booked this time, so there was no meeting."), "minutes")
    _refuse(slot.starts_at > utcnow(), _l("Minutes can be recorded once the meeting has started."), "minutes")
    _refuse(not (minutes or "").strip(), _l("Write the minutes."), "minutes")
    slot.minutes, slot.minutes_recorded_at = minutes.strip(), utcnow()
    audit.record("meeting_minutes_recorded", slot, actor, data={"challenge_id": slot.challenge_id})
    return slot


# --- questions and answers --------------------------------------------------------------------

def ask_question(challenge: Challenge, user: User, organisation: Organisation, text: str) -> Question:
    """A company asks privately; the answer will be published to everyone."""
    _require_company_view(challenge)
    _refuse(organisation.id not in company_ids(user), _l("You do not act for this organisation."), status=403)
    _refuse(challenge.state not in QUESTION_STATES,
            _l("Questions can be asked while the market dialogue or the call is running."), "text")
    _refuse(not questions_open(challenge), _l("The question deadline has passed: questions are no longer "
                                              "accepted."), "text")
    _refuse(not (text or "").strip(), _l("Write your question."), "text")
    question = Question(challenge_id=challenge.id, asked_by_id=user.id, organisation_id=organisation.id,
                        text=text.strip())
    db.session.add(question)
    db.session.flush()
    audit.record("question_asked", question, user, data={"challenge_id": challenge.id,
                                                         "organisation_id": organisation.id})
    return question


def answer_question(question: Question, answer: str, actor: User) -> Question:
    """Write or rewrite the answer; nobody outside the city sees it until it is published."""
    _refuse(question.published_at is not None,
            _l("This answer has already been published and can no longer be changed."), "answer")
    _refuse(not (answer or "").strip(), _l("Write the answer."), "answer")
    question.answer, question.answered_by_id, question.answered_at = answer.strip(), actor.id, utcnow()
    audit.record("question_answered", question, actor, data={"challenge_id": question.challenge_id})
    return question


NOT_PUBLISHABLE = _l("Only answered, unpublished questions of this challenge can be published.")
TOO_LATE = _l("It is less than six days before the proposal deadline, so answers can no longer be published. "
              "Extend the proposal deadline first.")


def questions_by_id(challenge: Challenge, ids: list[int]) -> list[Question]:
    """The chosen questions of this challenge; refused if any id is not one of them."""
    wanted = set(ids)
    questions = list(db.session.scalars(
        select(Question).where(Question.id.in_(wanted), Question.challenge_id == challenge.id)
        .options(lazyload(Question.challenge))))
    _refuse(len(questions) != len(wanted), NOT_PUBLISHABLE, "question_ids")
    return questions


def publish_answers(challenge: Challenge, questions: list[Question], actor: User) -> list[Question]:
    """Release answers to everyone at once (asker anonymised) and email the challenge's followers."""
    _refuse(not questions, _l("Choose at least one answered question to publish."), "question_ids")
    _refuse(not challenge.is_public or challenge.state not in QUESTION_STATES,
            _l("Answers are published while the market dialogue or the call is running."), "question_ids")
    _refuse(not answers_publishable(challenge), TOO_LATE, "question_ids")
    for question in questions:
        _refuse(question.challenge_id != challenge.id or question.answer is None or question.published_at,
                NOT_PUBLISHABLE, "question_ids")
    now = utcnow()
    for question in questions:
        question.published_at = now
        audit.record("answer_published", question, actor, data={"challenge_id": challenge.id})
    notify.answers_published(challenge, questions, followers_of(challenge))
    db.session.flush()
    return questions


# --- request for information ------------------------------------------------------------------

def add_rfi_question(challenge: Challenge, text: str, actor: User) -> RfiQuestion:
    """Add a question at the end of the challenge's RFI questionnaire."""
    _require_running(challenge, "text")
    last = db.session.scalar(select(func.max(RfiQuestion.position))
                             .where(RfiQuestion.challenge_id == challenge.id))
    question = RfiQuestion(challenge_id=challenge.id, position=(last or 0) + 1, text=text.strip())
    db.session.add(question)
    db.session.flush()
    audit.record("rfi_question_added", challenge, actor, data={"rfi_question_id": question.id})
    return question


def update_rfi_question(question: RfiQuestion, challenge: Challenge, text: str, actor: User) -> RfiQuestion:
    """Reword an RFI question."""
    _require_running(challenge, "text")
    question.text = text.strip()
    audit.record("rfi_question_updated", challenge, actor, data={"rfi_question_id": question.id})
    return question


def delete_rfi_question(question: RfiQuestion, challenge: Challenge, actor: User) -> None:
    """Remove an RFI question nobody has answered yet."""
    _require_running(challenge)
    answered = db.session.scalar(select(func.count(RfiResponse.id))
                                 .where(RfiResponse.question_id == question.id))
    _refuse(answered > 0, _l("Companies have already answered this question: it cannot be removed."))
    audit.record("rfi_question_deleted", challenge, actor, data={"rfi_question_id": question.id})
    db.session.delete(question)
    db.session.flush()


def save_rfi_responses(challenge: Challenge, user: User, organisation: Organisation,
                       answers: dict[int, str]) -> list[int]:
    """Save a company's RFI answers (a blank answer removes one); returns the ids of changed questions."""
    _require_company_view(challenge)
    _refuse(organisation.id not in company_ids(user), _l("You do not act for this organisation."), status=403)
    _refuse(not rfi_open(challenge),
            _l("The request for information is closed: the market dialogue has ended."))
    existing = company_rfi_responses(challenge, organisation)
    changed = []
    for question in rfi_questions(challenge):
        text, response = (answers.get(question.id) or "").strip(), existing.get(question.id)
        if response is not None and not text:
            db.session.delete(response)
        elif response is None and text:
            db.session.add(RfiResponse(question_id=question.id, organisation_id=organisation.id,
                                       user_id=user.id, answer=text))
        elif response is not None and response.answer != text:
            response.answer, response.user_id = text, user.id
        else:
            continue
        changed.append(question.id)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DialogueError(_l("Someone from your company saved answers at the same time. Reload the page "
                               "and try again."), status=409) from None
    if changed:
        audit.record("rfi_answered", challenge, user, data={"organisation_id": organisation.id,
                                                            "rfi_question_ids": changed})
    return changed


def save_rfi_synthesis(challenge: Challenge, text: str | None, publish: bool, actor: User) -> Challenge:
    """Write the anonymised synthesis of the RFI responses; publishing shows it to everyone."""
    _require_recording(challenge, "synthesis")
    text = (text or "").strip() or None
    _refuse(publish and not text, _l("Write the synthesis before publishing it."), "synthesis")
    _refuse(challenge.rfi_synthesis_published_at is not None and not text,
            _l("A published synthesis cannot be emptied."), "synthesis")
    challenge.rfi_synthesis = text
    first = publish and challenge.rfi_synthesis_published_at is None
    if first:
        challenge.rfi_synthesis_published_at = utcnow()
    audit.record("rfi_synthesis_published" if first else "rfi_synthesis_saved", challenge, actor)
    return challenge


# --- dialogue summary -------------------------------------------------------------------------

def save_dialogue_summary(challenge: Challenge, summary: str | None, changes: str | None, publish: bool,
                          actor: User) -> Challenge:
    """Write what was learned and what changed; publishing is required before the call opens."""
    _require_recording(challenge, "summary")
    summary, changes = (summary or "").strip() or None, (changes or "").strip() or None
    _refuse((publish or challenge.dialogue_summary_published_at is not None) and not summary,
            _l("Write what was learned in the dialogue."), "summary")
    challenge.dialogue_summary, challenge.dialogue_changes = summary, changes
    first = publish and challenge.dialogue_summary_published_at is None
    if first:
        challenge.dialogue_summary_published_at = utcnow()
    audit.record("dialogue_summary_published" if first else "dialogue_summary_saved", challenge, actor)
    return challenge
