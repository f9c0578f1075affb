"""What the dialogue pages read: statuses, public Q&A, slots, staff lists, RFI answers."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as default
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, null, select
from sqlalchemy.orm import aliased, lazyload, raiseload

from auth.models import Organisation, User
from challenges.models import (
    Challenge,
    DialogueEvent,
    EventRegistration,
    MeetingSlot,
    Question,
    RfiQuestion,
    RfiResponse,
)
from challenges.permissions import company_ids
from challenges.services.dialogue.common import (
    CANCELLED,
    PAGE_SIZE,
    REGISTERED,
    WAITING,
    dialogue_open,
    dialogue_running,
    questions_open,
    rfi_open,
)
from core.extensions import db
from core.models import utcnow
from core.pagination import Page, keyset_page

# --- reading ----------------------------------------------------------------------------------

def meetings_without_minutes(challenge: Challenge) -> list[MeetingSlot]:
    """Held one-to-one meetings of the challenge whose minutes are still missing.

    Meetings still ahead are not counted: ending the dialogue cancels them.
    """
    return list(db.session.scalars(
        select(MeetingSlot)
        .where(MeetingSlot.challenge_id == challenge.id, MeetingSlot.booked_by_org_id.is_not(None),
               MeetingSlot.minutes_recorded_at.is_(None), MeetingSlot.cancelled_at.is_(None),
               MeetingSlot.starts_at <= utcnow())
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
    def open(self) -> bool:
        """Companies may still register and book: the dialogue runs and has not reached its end."""
        return dialogue_open(self.challenge, self.now)

    @property
    def can_register(self) -> bool:
        """The reader may register for events."""
        return self.can_act and self.open

    @property
    def can_book(self) -> bool:
        """The reader's company may book a one-to-one meeting (one per company)."""
        return self.can_act and self.open and self.my_booking is None

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


def event_registrations(event: DialogueEvent, after: int | None = None) -> Page:
    """Registered people first, then the waiting list in order: rows (registration, place on the waiting list)."""
    earlier = aliased(EventRegistration)
    place = select(func.count(earlier.id)).where(
        earlier.event_id == EventRegistration.event_id, earlier.status == WAITING,
        earlier.id <= EventRegistration.id).scalar_subquery()
    stmt = (select(EventRegistration, case((EventRegistration.status == WAITING, place)))
            .where(EventRegistration.event_id == event.id, EventRegistration.status != CANCELLED))
    return keyset_page(stmt, (EventRegistration.status, EventRegistration.id), after, PAGE_SIZE,
                       cursor=EventRegistration.id, options=[lazyload(EventRegistration.event)], rows=True)


def registrations_for_export(event: DialogueEvent) -> list[tuple[EventRegistration, str, str]]:
    """Every registration of the event that is not cancelled, registered first: (registration, name,
    organisation) in one query."""
    return [tuple(row) for row in db.session.execute(
        select(EventRegistration, User.name, Organisation.name)
        .join(User, User.id == EventRegistration.user_id)
        .join(Organisation, Organisation.id == EventRegistration.organisation_id)
        .where(EventRegistration.event_id == event.id, EventRegistration.status != CANCELLED)
        .order_by(EventRegistration.status, EventRegistration.id)
        .options(lazyload(EventRegistration.event), lazyload(EventRegistration.user),
                 lazyload(EventRegistration.organisation)))]


def questions_for_staff(challenge: Challenge, after: int | None = None) -> Page:
    """Every question with its company and the asker's name, unpublished first: rows (Question, name)."""
    stmt = (select(Question, User.name).join(User, User.id == Question.asked_by_id)
            .where(Question.challenge_id == challenge.id))
    return keyset_page(stmt, (Question.published_at.is_not(None), Question.asked_at, Question.id), after,
                       PAGE_SIZE, cursor=Question.id, options=[lazyload(Question.challenge)], rows=True)


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
