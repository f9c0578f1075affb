"""One-to-one meetings: slots offered to all companies alike, one booking per company, minutes."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from auth.models import Organisation, User
from challenges.models import Challenge, MeetingSlot
from challenges.notifications import meetings as meeting_notify
from challenges.permissions import company_ids
from challenges.services.dialogue.common import (
    _check_window,
    _require_acting_for,
    _require_company_view,
    _require_open,
    _require_recording,
    _require_running,
)
from challenges.services.dialogue.events import _check_times, calendar_file
from core import audit
from core.extensions import db
from core.i18n import helsinki_to_utc
from core.links import absolute_url
from core.models import lock_row, utcnow
from core.refusals import Refused, refuse_if

# --- one-to-one meetings ----------------------------------------------------------------------

def create_slot(challenge: Challenge, starts_at: datetime, ends_at: datetime, place: str,
                actor: User) -> MeetingSlot:
    """Offer a one-to-one meeting time to every company alike."""
    _require_running(challenge)
    _check_times(starts_at, ends_at, future=True)
    _check_window(challenge, starts_at, ends_at)
    lock_row(challenge)  # two times offered at once cannot overlap each other
    refuse_if(_overlapping(challenge, [(starts_at, ends_at)]),
              _l("Another meeting time overlaps this one. Choose a time that is free."), "starts_at")
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
    _require_open(challenge)
    _require_acting_for(organisation, user)
    refuse_if(slot.starts_at <= utcnow(), _l("This time has already passed. Choose another time."))
    refuse_if(slot.is_cancelled, _l("This meeting time has been cancelled. Choose another time."))
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
    meeting_notify.meeting_booked(slot, user, meeting_calendar(slot))
    return slot


def cancel_booking(slot: MeetingSlot, user: User) -> MeetingSlot:
    """The booking company frees its meeting time before the meeting starts."""
    refuse_if(slot.booked_by_org_id is None or slot.booked_by_org_id not in company_ids(user),
              _l("Your company has not booked this time."))
    refuse_if(slot.starts_at <= utcnow(),
              _l("The meeting has already started: the booking cannot be cancelled."))
    refuse_if(slot.is_cancelled, _l("This meeting has been cancelled already."))
    organisation, booker_id = slot.booked_by_org, slot.booked_by_user_id
    ics = meeting_calendar(slot, cancelled=True)  # while the booking that made its UID is known
    slot.booked_by_org_id = slot.booked_by_user_id = slot.booked_at = None
    db.session.flush()
    audit.record("meeting_booking_cancelled", slot, user, data={"organisation_id": organisation.id,
                                                                "challenge_id": slot.challenge_id})
    meeting_notify.meeting_cancelled(slot, organisation, {booker_id, user.id}, ics, officers=True)
    return slot


def cancel_meetings_ahead(challenge: Challenge, reason: str, actor: User | None, *,
                          notify: bool = True) -> list[MeetingSlot]:
    """Cancel the challenge's booked meetings that have not started (its dialogue has ended early).

    The slot keeps who had booked it, for the record; the booker is told why.
    """
    slots = list(db.session.scalars(
        select(MeetingSlot).where(MeetingSlot.challenge_id == challenge.id, MeetingSlot.starts_at > utcnow(),
                                  MeetingSlot.booked_by_org_id.is_not(None), MeetingSlot.cancelled_at.is_(None))
        .order_by(MeetingSlot.id).with_for_update(of=MeetingSlot)))
    for slot in slots:
        slot.cancelled_at, slot.cancel_reason = utcnow(), reason
        audit.record("meeting_cancelled", slot, actor, data={"organisation_id": slot.booked_by_org_id,
                                                             "challenge_id": challenge.id, "reason": reason})
        if notify:
            meeting_notify.meeting_cancelled(slot, slot.booked_by_org, {slot.booked_by_user_id},
                                             meeting_calendar(slot, cancelled=True), reason=reason)
    db.session.flush()
    return slots


def meeting_calendar(slot: MeetingSlot, *, cancelled: bool = False) -> str:
    """A booked meeting as an iCalendar invitation (or its cancellation), the same UID for both."""
    booked = int(slot.booked_at.timestamp()) if slot.booked_at else 0
    link = absolute_url("challenges.dialogue_public", challenge_id=slot.challenge_id)
    return calendar_file(f"meeting-{slot.id}-{booked}", slot.starts_at, slot.ends_at,
                         str(_l("One-to-one meeting: %(title)s", title=slot.challenge.title)),
                         location=slot.place, url=link, cancelled=cancelled, method="REQUEST").decode()


def record_meeting_minutes(slot: MeetingSlot, minutes: str, actor: User) -> MeetingSlot:
    """Record what was discussed in a held meeting (required before the dialogue closes)."""
    _require_recording(slot.challenge, "minutes")
    refuse_if(slot.is_cancelled, _l("This meeting was cancelled, so it has no minutes."), "minutes")
    refuse_if(not slot.is_booked, _l("Nobody booked this time, so there was no meeting."), "minutes")
    refuse_if(slot.starts_at > utcnow(), _l("Minutes can be recorded once the meeting has started."),
              "minutes")
    refuse_if(not (minutes or "").strip(), _l("Write the minutes."), "minutes")
    slot.minutes, slot.minutes_recorded_at = minutes.strip(), utcnow()
    audit.record("meeting_minutes_recorded", slot, actor, data={"challenge_id": slot.challenge_id})
    return slot


# --- a series of meeting times ----------------------------------------------------------------

SERIES_LIMIT = 200  # meeting times created at once


@dataclass
class SlotSeries:
    """Meeting times every day from `first` to `last`, between two Helsinki clock times, `length` long with
    `gap` between them."""

    first: date
    last: date
    day_starts: time
    day_ends: time
    length: timedelta
    gap: timedelta
    place: str
    weekdays_only: bool = True

    def times(self, limit: int = SERIES_LIMIT) -> list[tuple[datetime, datetime]]:
        """The (start, end) pairs in UTC, at most `limit` + 1 of them (one more tells that there are too many)."""
        pairs: list[tuple[datetime, datetime]] = []
        day = self.first
        while day <= self.last and len(pairs) <= limit:
            if not (self.weekdays_only and day.weekday() >= 5):
                pairs.extend(self._day(day, limit + 1 - len(pairs)))
            day += timedelta(days=1)
        return pairs

    def _day(self, day: date, room: int) -> list[tuple[datetime, datetime]]:
        """One day's times, on the Helsinki clock (summer time included), as UTC."""
        pairs = []
        start, close = datetime.combine(day, self.day_starts), datetime.combine(day, self.day_ends)
        while start + self.length <= close and len(pairs) < room:
            pairs.append((helsinki_to_utc(start), helsinki_to_utc(start + self.length)))
            start += self.length + self.gap
        return pairs


def create_slot_series(challenge: Challenge, series: SlotSeries, actor: User) -> list[MeetingSlot]:
    """Offer many meeting times at once: all or none, none overlapping another, at most SERIES_LIMIT."""
    _require_running(challenge)
    refuse_if(series.last < series.first, _l("The last day must be on or after the first day."), "last_day")
    refuse_if(series.length < timedelta(minutes=5), _l("A meeting lasts at least 5 minutes."), "length")
    refuse_if(series.gap < timedelta(0), _l("The gap cannot be negative."), "gap")
    refuse_if(series.day_ends <= series.day_starts, _l("The day must end after it starts."), "day_ends")
    refuse_if(not (series.place or "").strip(), _l("Say where the meetings take place."), "place")
    lock_row(challenge)  # two series saved at once cannot overlap each other
    pairs = series.times()
    refuse_if(not pairs, _l("These dates and times make no meeting. Check the days, hours and length."),
              "length")
    refuse_if(len(pairs) > SERIES_LIMIT, _l("That would make more than %(limit)d meeting times. Choose fewer "
                                            "days or longer meetings.", limit=SERIES_LIMIT), "last_day")
    refuse_if(pairs[0][0] <= utcnow(), _l("Choose a start time in the future."), "first_day")
    _check_window(challenge, pairs[0][0], pairs[-1][1])
    refuse_if(_overlapping(challenge, pairs),
              _l("Some of these times overlap meeting times already offered. Choose other days or hours."),
              "first_day")
    slots = [MeetingSlot(challenge_id=challenge.id, starts_at=s, ends_at=e, place=series.place.strip())
             for s, e in pairs]
    db.session.add_all(slots)
    db.session.flush()
    audit.record("meeting_slots_created", challenge, actor, data={
        "count": len(slots), "first": pairs[0][0].isoformat(), "last": pairs[-1][1].isoformat()})
    return slots


def _overlapping(challenge: Challenge, pairs: list[tuple[datetime, datetime]]) -> bool:
    """True when any of the times overlaps a meeting time of the challenge that is not cancelled (one query)."""
    first, last = min(s for s, _e in pairs), max(e for _s, e in pairs)
    taken = db.session.execute(select(MeetingSlot.starts_at, MeetingSlot.ends_at).where(
        MeetingSlot.challenge_id == challenge.id, MeetingSlot.cancelled_at.is_(None),
        MeetingSlot.starts_at < last, MeetingSlot.ends_at > first)).all()
    return any(ts < e and te > s for ts, te in taken for s, e in pairs)
