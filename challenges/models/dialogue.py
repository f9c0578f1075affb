"""Market dialogue: events, one-to-one meetings, questions and answers, requests for information."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from auth.models import Organisation, User
from challenges.models.challenge import Challenge
from core.enums import LabelledEnum
from core.extensions import db
from core.i18n import Translated
from core.models import sql_values, utcnow


class EventKind(LabelledEnum):
    """The kinds of dialogue events."""

    INFO_SESSION = "info_session", _l("Info session")
    WORKSHOP = "workshop", _l("Workshop")
    COMPANY_DAY = "company_day", _l("Company day")


class DialogueEvent(Translated, db.Model):
    """An info session, workshop or company day open to every company alike."""

    __tablename__ = "dialogue_events"
    __table_args__ = (
        CheckConstraint(f"kind IN ({sql_values(EventKind)})", name="kind"),
        CheckConstraint("capacity IS NULL OR capacity >= 1", name="capacity"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("online_url IS NOT NULL OR location IS NOT NULL", name="has_place"),
        CheckConstraint("(cancelled_at IS NULL) = (cancel_reason IS NULL)", name="cancel_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    title_sv: Mapped[str | None] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    description_sv: Mapped[str | None] = mapped_column(Text)
    description_en: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    online_url: Mapped[str | None] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(300))
    capacity: Mapped[int | None]
    material: Mapped[str | None] = mapped_column(Text)
    material_sv: Mapped[str | None] = mapped_column(Text)
    material_en: Mapped[str | None] = mapped_column(Text)
    minutes: Mapped[str | None] = mapped_column(Text)
    minutes_sv: Mapped[str | None] = mapped_column(Text)
    minutes_en: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None]  # material and minutes released to everyone
    reminder_sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A cancelled event stays listed, with its reason; nobody registers for it any more.
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    challenge: Mapped[Challenge] = relationship(lazy="joined", innerjoin=True)

    @property
    def kind_label(self):
        """The translated kind."""
        return EventKind.label_of(self.kind)

    @property
    def is_cancelled(self) -> bool:
        """True once the city has cancelled the event."""
        return self.cancelled_at is not None


class RegistrationStatus(str, enum.Enum):
    """A place at an event, a place in the queue, or given up."""

    REGISTERED = "registered"
    WAITING = "waiting"
    CANCELLED = "cancelled"


class EventRegistration(db.Model):
    """One person's registration for an event; the waiting list moves up in order of registration."""

    __tablename__ = "event_registrations"
    __table_args__ = (
        CheckConstraint(f"status IN ({sql_values(RegistrationStatus)})", name="status"),
        UniqueConstraint("event_id", "user_id", name="uq_event_registrations_event_user"),
        Index("ix_event_registrations_event_status", "event_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("dialogue_events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    event: Mapped[DialogueEvent] = relationship(lazy="joined", innerjoin=True)
    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class MeetingSlot(db.Model):
    """A one-to-one meeting time offered to all companies alike; each company may book one."""

    __tablename__ = "meeting_slots"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("booked_by_org_id IS NULL OR booked_at IS NOT NULL", name="booking_time"),
        # One booking per company per challenge, enforced by the database.
        UniqueConstraint("challenge_id", "booked_by_org_id", name="uq_meeting_slots_challenge_company"),
        Index("ix_meeting_slots_challenge_start", "challenge_id", "starts_at"),
        CheckConstraint("(cancelled_at IS NULL) = (cancel_reason IS NULL)", name="cancel_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(500))
    booked_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    booked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[datetime | None]
    minutes: Mapped[str | None] = mapped_column(Text)
    minutes_recorded_at: Mapped[datetime | None]
    # A booked meeting cancelled by the city (the dialogue ended early) keeps who had booked it.
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(Text)

    challenge: Mapped[Challenge] = relationship(lazy="joined", innerjoin=True)
    booked_by_org: Mapped[Organisation | None] = relationship(lazy="joined")

    @property
    def is_booked(self) -> bool:
        """True when a company has booked the slot."""
        return self.booked_by_org_id is not None

    @property
    def is_cancelled(self) -> bool:
        """True once the city has cancelled the meeting."""
        return self.cancelled_at is not None


class Question(Translated, db.Model):
    """A company's question: private until published, then public with the asker anonymised."""

    __tablename__ = "dialogue_questions"
    __table_args__ = (
        CheckConstraint("published_at IS NULL OR answer IS NOT NULL", name="published_has_answer"),
        Index("ix_dialogue_questions_challenge_published", "challenge_id", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    asked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    text: Mapped[str] = mapped_column(Text)  # as asked; once published, the Finnish version
    text_sv: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when an officer reworded the question before publishing; the original is in the audit log.
    text_edited_at: Mapped[datetime | None]
    answer: Mapped[str | None] = mapped_column(Text)
    answer_sv: Mapped[str | None] = mapped_column(Text)
    answer_en: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    published_at: Mapped[datetime | None]
    # When the city's officers were emailed about the question (in the hourly batch); None: not yet.
    officers_notified_at: Mapped[datetime | None] = mapped_column(index=True)

    challenge: Mapped[Challenge] = relationship(lazy="joined", innerjoin=True)
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)


class RfiQuestion(Translated, db.Model):
    """One question of a challenge's request for information."""

    __tablename__ = "rfi_questions"
    __table_args__ = (UniqueConstraint("challenge_id", "position", name="uq_rfi_questions_challenge_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    text_sv: Mapped[str | None] = mapped_column(Text)
    text_en: Mapped[str | None] = mapped_column(Text)


class RfiResponse(db.Model):
    """A company's answer to one RFI question; internal to the city."""

    __tablename__ = "rfi_responses"
    __table_args__ = (UniqueConstraint("question_id", "organisation_id", name="uq_rfi_responses_question_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("rfi_questions.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answer: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    question: Mapped[RfiQuestion] = relationship(lazy="joined", innerjoin=True)
    organisation: Mapped[Organisation] = relationship(lazy="joined", innerjoin=True)
