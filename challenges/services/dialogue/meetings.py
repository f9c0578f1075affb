"""One-to-one meetings: slots offered to all companies alike, one booking per company, minutes."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from auth.models import Organisation, User
from challenges.models import Challenge, MeetingSlot
from challenges.permissions import company_ids
from challenges.services.dialogue.common import (
    _require_acting_for,
    _require_company_view,
    _require_recording,
    _require_running,
)
from challenges.services.dialogue.events import _check_times
from core import audit
from core.extensions import db
from core.models import utcnow
from core.refusals import Refused, refuse_if

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
    refuse_if(slot.is_booked, _l("This time is booked: it cannot be removed."))
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
    _require_acting_for(organisation, user)
    refuse_if(slot.starts_at <= utcnow(), _l("This time has already passed. Choose another time."))
    booked = db.session.scalar(select(MeetingSlot.id).where(
        MeetingSlot.challenge_id == challenge.id, MeetingSlot.booked_by_org_id == organisation.id))
    refuse_if(booked is not None, ONE_BOOKING)
    refuse_if(slot.is_booked, _l("Another company has just booked this time. Choose another time."))
    now = utcnow()
    try:
        with db.session.begin_nested():  # the unique constraint backs the check above against races
            claimed = db.session.execute(
                update(MeetingSlot).where(MeetingSlot.id == slot.id, MeetingSlot.booked_by_org_id.is_(None))
                .values(booked_by_org_id=organisation.id, booked_by_user_id=user.id, booked_at=now)
                .execution_options(synchronize_session=False)).rowcount
    except IntegrityError:
        raise Refused(ONE_BOOKING) from None
    refuse_if(claimed != 1, _l("Another company has just booked this time. Choose another time."))
    db.session.refresh(slot)
    audit.record("meeting_booked", slot, user, data={"organisation_id": organisation.id,
                                                     "challenge_id": challenge.id})
    return slot


def cancel_booking(slot: MeetingSlot, user: User) -> MeetingSlot:
    """The booking company frees its meeting time before the meeting starts."""
    refuse_if(slot.booked_by_org_id is None or slot.booked_by_org_id not in company_ids(user),
              _l("Your company has not booked this time."))
    refuse_if(slot.starts_at <= utcnow(),
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
    refuse_if(not slot.is_booked, _l("Nobody booked this time, so there was no meeting."), "minutes")
    refuse_if(slot.starts_at > utcnow(), _l("Minutes can be recorded once the meeting has started."),
              "minutes")
    refuse_if(not (minutes or "").strip(), _l("Write the minutes."), "minutes")
    slot.minutes, slot.minutes_recorded_at = minutes.strip(), utcnow()
    audit.record("meeting_minutes_recorded", slot, actor, data={"challenge_id": slot.challenge_id})
    return slot
