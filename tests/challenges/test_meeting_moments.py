"""One-to-one meetings: both sides told with an .ics when one is booked or cancelled, no booking once the
dialogue has ended, times within the dialogue and free of overlaps, and a series of times made at once."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

from icalendar import Calendar
from sqlalchemy import func, select

from auth.models import OrgKind
from auth.roles import Role
from challenges.models import MeetingSlot
from challenges.ownership import add_partner
from challenges.services import dialogue as service
from challenges.services.dialogue.ending import end_dialogue
from core.extensions import db
from core.i18n import HELSINKI, to_helsinki
from core.models import utcnow
from tests.factories import add_slot, as_user, audit_count, error_next_to, html

SERIES_URL = "/manage/challenges/{}/dialogue/meetings/series"


def _book(app, dw, slot, user, organisation):
    """Post the book button as user for organisation."""
    return as_user(app, user).post(f"/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}/book",
                                   data={"organisation_id": organisation.id})


def _invitation(message):
    """The calendar attached to a recorded email, and its one entry."""
    (attachment,) = message.attachments
    assert attachment.filename == "invite.ics" and attachment.content_type.startswith("text/calendar")
    calendar = Calendar.from_ical(attachment.data)
    assert attachment.content_type.endswith(f"; method={calendar['METHOD']}")  # clients offer to add or remove it
    (entry,) = calendar.walk("VEVENT")
    return calendar, entry


def _slot_count(dw) -> int:
    """How many meeting times the challenge offers."""
    return db.session.scalar(select(func.count(MeetingSlot.id)).where(MeetingSlot.challenge_id == dw.challenge.id))


# --- both sides are told --------------------------------------------------------------------------

def test_booking_emails_the_booker_and_every_owning_citys_officer_an_invitation(app, dw, make_org, make_user, outbox):
    partner = make_org(OrgKind.CITY.value, name="Espoo")
    partner_officer = make_user(partner, (Role.OFFICER.value,), locale="sv")
    add_partner(dw.challenge, partner, Decimal("1000"))
    db.session.commit()
    slot = add_slot(dw.challenge, place="Kaupungintalo, huone 3")
    outbox.clear()
    assert _book(app, dw, slot, dw.member, dw.company).status_code == 302
    assert sorted(m.recipients[0] for m in outbox) == sorted([dw.member.email, dw.officer.email,
                                                               partner_officer.email])
    by_recipient = {m.recipients[0]: m for m in outbox}
    assert "Your company's one-to-one meeting of the market dialogue is booked" in by_recipient[dw.member.email].body
    assert f"{dw.company.name} has booked a one-to-one meeting" in by_recipient[dw.officer.email].body
    assert by_recipient[partner_officer.email].subject.startswith("Enskilt möte bokat")
    for message in outbox:
        calendar, entry = _invitation(message)
        assert str(calendar["method"]) == "REQUEST" and str(entry["location"]) == "Kaupungintalo, huone 3"
        assert entry.decoded("dtstart") == slot.starts_at.replace(microsecond=0)
    assert dw.other_officer.email not in by_recipient  # another city's officer is not told


def test_cancelling_a_booking_sends_both_sides_a_cancellation_with_the_same_uid(app, dw, outbox):
    slot = add_slot(dw.challenge)
    _book(app, dw, slot, dw.member, dw.company)
    (booked_uid,) = {str(_invitation(m)[1]["uid"]) for m in outbox}
    outbox.clear()
    response = as_user(app, dw.member).post(f"/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}/cancel",
                                            data={"organisation_id": dw.company.id})
    assert response.status_code == 302
    assert sorted(m.recipients[0] for m in outbox) == sorted([dw.member.email, dw.officer.email])
    for message in outbox:
        calendar, entry = _invitation(message)
        assert str(calendar["method"]) == "CANCEL" and str(entry["status"]) == "CANCELLED"
        assert str(entry["uid"]) == booked_uid and dw.company.name in message.body


# --- finished dialogues offer no meetings ---------------------------------------------------------

def test_booking_is_refused_once_the_dialogue_has_ended_and_the_page_offers_none(app, dw):
    slot = add_slot(dw.challenge)
    dw.challenge.dialogue_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = _book(app, dw, slot, dw.member, dw.company)
    assert response.status_code == 400 and "The market dialogue of this challenge has ended" in html(response)
    db.session.expire_all()
    assert db.session.get(MeetingSlot, slot.id).booked_by_org_id is None
    page = html(as_user(app, dw.member).get(f"/challenges/{dw.challenge.id}/dialogue"))
    assert f"/meetings/{slot.id}/book" not in page and "Not available" in page


def test_a_meeting_cancelled_by_the_city_cannot_be_booked_or_given_minutes(app, dw):
    slot = add_slot(dw.challenge, booked_by=dw.company, booked_by_user_id=dw.member.id)
    end_dialogue(dw.challenge, "Vuoropuhelu päättyi.", dw.officer, notify=False)
    db.session.commit()
    with_minutes = as_user(app, dw.officer).post(
        f"/manage/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}/minutes", data={"minutes": "x"})
    assert with_minutes.status_code == 400
    assert "This meeting was cancelled, so it has no minutes." in error_next_to(html(with_minutes), "minutes")
    db.session.expire_all()
    assert db.session.get(MeetingSlot, slot.id).minutes is None
    assert service.meetings_without_minutes(dw.challenge) == []  # cancelled: the dialogue may close
    response = _book(app, dw, slot, dw.other_member, dw.other_company)
    assert response.status_code == 400 and "This meeting time has been cancelled." in html(response)


# --- offering times: within the dialogue, never overlapping ---------------------------------------

def test_a_meeting_time_after_the_dialogue_or_overlapping_another_is_refused(app, dw):
    existing = add_slot(dw.challenge)
    late = to_helsinki(dw.challenge.dialogue_ends_at + timedelta(days=1))
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/meetings"
    client = as_user(app, dw.officer)
    response = client.post(url, data={"starts_at": f"{late:%Y-%m-%dT%H:%M}",
                                      "ends_at": f"{late + timedelta(minutes=30):%Y-%m-%dT%H:%M}", "place": "Teams"})
    assert response.status_code == 400 and "The market dialogue ends" in error_next_to(html(response), "ends_at")
    overlap = to_helsinki(existing.starts_at + timedelta(minutes=15))
    response = client.post(url, data={"starts_at": f"{overlap:%Y-%m-%dT%H:%M}",
                                      "ends_at": f"{overlap + timedelta(minutes=45):%Y-%m-%dT%H:%M}", "place": "Teams"})
    assert response.status_code == 400
    assert "Another meeting time overlaps this one." in error_next_to(html(response), "starts_at")
    assert _slot_count(dw) == 1


# --- a series of times ----------------------------------------------------------------------------

def _series_form(first: date, last: date, **overrides: str) -> dict[str, str]:
    """A filled series form: 9 to 12, 45-minute meetings with 15 minutes between, weekdays only."""
    return {"first_day": first.isoformat(), "last_day": last.isoformat(), "day_starts": "09:00", "day_ends": "12:00",
            "length": "45", "gap": "15", "place": "Kaupungintalo", "weekdays_only": "y", **overrides}


def _tomorrow() -> date:
    """Tomorrow in Helsinki."""
    return to_helsinki(utcnow()).date() + timedelta(days=1)


def test_a_series_offers_three_times_a_weekday_on_the_helsinki_clock(app, dw):
    first = _tomorrow()
    last = first + timedelta(days=6)
    response = as_user(app, dw.officer).post(SERIES_URL.format(dw.challenge.id), data=_series_form(first, last))
    assert response.status_code == 302
    weekdays = sum(1 for n in range(7) if (first + timedelta(days=n)).weekday() < 5)
    slots = list(db.session.scalars(select(MeetingSlot).order_by(MeetingSlot.starts_at)))
    assert len(slots) == 3 * weekdays
    assert {to_helsinki(s.starts_at).time() for s in slots} == {time(9), time(10), time(11)}
    assert all(to_helsinki(s.starts_at).weekday() < 5 and s.ends_at - s.starts_at == timedelta(minutes=45)
               for s in slots)
    assert audit_count("meeting_slots_created") == 1


def test_a_series_follows_summer_time():
    series = service.SlotSeries(first=date(2027, 3, 26), last=date(2027, 3, 29), day_starts=time(9),
                                day_ends=time(10), length=timedelta(minutes=60), gap=timedelta(0), place="Teams",
                                weekdays_only=False)
    starts = [s for s, _e in series.times()]
    assert starts[0] == datetime(2027, 3, 26, 7, tzinfo=timezone.utc)  # EET, UTC+2
    assert starts[-1] == datetime(2027, 3, 29, 6, tzinfo=timezone.utc)  # EEST, UTC+3
    assert len(starts) == 4


def test_a_series_overlapping_times_already_offered_is_refused_whole(app, dw):
    first = _tomorrow()
    while first.weekday() >= 5:
        first += timedelta(days=1)
    existing = datetime.combine(first, time(10, 30), tzinfo=HELSINKI)  # inside the series' second meeting
    add_slot(dw.challenge, starts_in=existing - utcnow())
    response = as_user(app, dw.officer).post(SERIES_URL.format(dw.challenge.id),
                                             data=_series_form(first, first + timedelta(days=3)))
    assert response.status_code == 400
    assert "Some of these times overlap" in error_next_to(html(response), "first_day")
    assert _slot_count(dw) == 1  # nothing of the series was saved


def test_a_series_of_more_than_the_limit_is_refused_with_a_clear_message(app, dw):
    first = _tomorrow()
    response = as_user(app, dw.officer).post(SERIES_URL.format(dw.challenge.id), data=_series_form(
        first, first + timedelta(days=10), day_starts="08:00", day_ends="18:00", length="5", gap="0"))
    assert response.status_code == 400
    assert "more than 200 meeting times" in error_next_to(html(response), "last_day")
    assert _slot_count(dw) == 0


def test_a_series_with_days_the_wrong_way_round_or_no_meetings_is_refused(app, dw):
    first = _tomorrow()
    client = as_user(app, dw.officer)
    response = client.post(SERIES_URL.format(dw.challenge.id), data=_series_form(first, first - timedelta(days=1)))
    assert response.status_code == 400
    assert "The last day must be on or after the first day." in error_next_to(html(response), "last_day")
    response = client.post(SERIES_URL.format(dw.challenge.id),
                           data=_series_form(first, first + timedelta(days=3), length="240"))
    assert response.status_code == 400 and "make no meeting" in error_next_to(html(response), "length")
    response = client.post(SERIES_URL.format(dw.challenge.id), data=_series_form(
        dw.challenge.dialogue_ends_at.date(), dw.challenge.dialogue_ends_at.date() + timedelta(days=7),
        weekdays_only=""))
    assert response.status_code == 400 and "The market dialogue ends" in html(response)
    assert _slot_count(dw) == 0


def test_only_the_challenges_officers_make_a_series(app, dw):
    first = _tomorrow()
    for user in (dw.member, dw.decision_maker, dw.other_officer):
        response = as_user(app, user).post(SERIES_URL.format(dw.challenge.id),
                                           data=_series_form(first, first + timedelta(days=2)))
        assert response.status_code == 403
    assert _slot_count(dw) == 0
