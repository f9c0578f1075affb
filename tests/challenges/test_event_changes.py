"""Dialogue events without surprises: cancelled with a reason, changes told from -> to, the online link only for
those with a place, and no registration once the event or the dialogue is over."""
from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from challenges.dialogue_jobs import remind_event_participants
from challenges.models import DialogueEvent, EventRegistration
from challenges.services import dialogue as service
from core.dates import format_datetime
from core.extensions import db
from core.i18n import to_helsinki
from core.mail import OutboxMessage
from core.models import utcnow
from core.refusals import Refused
from tests.factories import add_event, as_user, audit_count, error_next_to, html, visit

LINK = "https://meet.example.fi/info-123"


def _event_url(dw, event, suffix: str = "") -> str:
    """The public page of an event (or one of its files)."""
    return f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}{suffix}"


def _manage_url(dw, event, suffix: str) -> str:
    """An officer page of an event."""
    return f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/{suffix}"


def _registered(dw, event, *people) -> None:
    """Register each (user, company) for the event through the service."""
    for user, company in people:
        service.register_for_event(event, user, company)
    db.session.commit()


def _clock(value) -> str:
    """A stored time as the event form shows it."""
    return to_helsinki(value).strftime("%Y-%m-%dT%H:%M")


def _whole_minutes(starts_in: timedelta = timedelta(days=3)):
    """A start time the form can send back unchanged."""
    return utcnow().replace(second=0, microsecond=0) + starts_in


# --- cancelling an event --------------------------------------------------------------------------

def test_officer_cancels_an_event_and_everyone_registered_or_waiting_is_told_why_once(
        app, dw, make_user, outbox):
    event = add_event(dw.challenge, capacity=1)
    swede = make_user(dw.other_company, ("member",), locale="sv")
    _registered(dw, event, (dw.member, dw.company), (swede, dw.other_company))
    outbox.clear()
    response = as_user(app, dw.officer).post(_manage_url(dw, event, "cancel"),
                                             data={"reason": "Puhuja sairastui."})
    assert response.status_code == 302
    db.session.expire_all()
    cancelled = db.session.get(DialogueEvent, event.id)
    assert cancelled.cancelled_at is not None and cancelled.cancel_reason == "Puhuja sairastui."
    assert audit_count("dialogue_event_cancelled") == 1
    assert sorted(m.recipients[0] for m in outbox) == sorted([dw.member.email, swede.email])
    by_recipient = {m.recipients[0]: m for m in outbox}
    assert by_recipient[swede.email].subject == "Inställt: Info session"
    for message in outbox:
        assert "Puhuja sairastui." in message.body
        (attachment,) = message.attachments
        calendar = Calendar.from_ical(attachment.data)
        (entry,) = calendar.walk("VEVENT")
        assert str(calendar["method"]) == "CANCEL" and str(entry["status"]) == "CANCELLED"
        assert str(entry["uid"]).startswith(f"dialogue-event-{event.id}@")  # the invitation's UID
    page = html(as_user(app, dw.other_member).get(_event_url(dw, event)))
    assert "This event has been cancelled." in page and "Puhuja sairastui." in page
    assert "The event has been cancelled: registration is closed." in page


def test_cancelling_without_a_reason_is_refused_next_to_the_field(app, dw):
    event = add_event(dw.challenge)
    response = as_user(app, dw.officer).post(_manage_url(dw, event, "cancel"), data={"reason": "  "})
    assert response.status_code == 400
    assert "Say why the event is cancelled." in error_next_to(html(response), "reason")
    db.session.expire_all()
    assert db.session.get(DialogueEvent, event.id).cancelled_at is None


def test_an_event_that_has_started_or_is_cancelled_cannot_be_cancelled_again(app, dw):
    started = add_event(dw.challenge, starts_in=timedelta(minutes=-10))
    response = as_user(app, dw.officer).post(_manage_url(dw, started, "cancel"), data={"reason": "Myöhässä"})
    assert response.status_code == 400 and "it can no longer be cancelled" in html(response)
    event = add_event(dw.challenge)
    service.cancel_event(event, "Ensimmäinen syy", dw.officer)
    db.session.commit()
    response = as_user(app, dw.officer).post(_manage_url(dw, event, "cancel"), data={"reason": "Toinen"})
    page = html(response)
    assert response.status_code == 400 and "This event has been cancelled." in page and "Ensimmäinen syy" in page
    assert audit_count("dialogue_event_cancelled") == 1


def test_only_the_challenges_officers_cancel_events(app, dw):
    event = add_event(dw.challenge)
    for user in (dw.member, dw.other_officer, dw.decision_maker):
        assert as_user(app, user).post(_manage_url(dw, event, "cancel"), data={"reason": "x"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(DialogueEvent, event.id).cancelled_at is None


def test_nobody_registers_for_a_cancelled_event_and_it_gets_no_reminder(app, dw, outbox):
    event = add_event(dw.challenge, starts_in=timedelta(hours=5))
    _registered(dw, event, (dw.member, dw.company))
    service.cancel_event(event, "Tila ei ole käytettävissä.", dw.officer)
    db.session.commit()
    response = as_user(app, dw.other_member).post(_event_url(dw, event, "/register"),
                                                  data={"organisation_id": dw.other_company.id})
    assert response.status_code == 400 and "This event has been cancelled." in html(response)
    outbox.clear()
    assert remind_event_participants() == 0 and outbox == []


def test_a_cancelled_event_is_neither_edited_nor_left_by_its_registrants(app, dw, outbox):
    starts = _whole_minutes()
    event = add_event(dw.challenge, starts_at=starts, ends_at=starts + timedelta(hours=2))
    _registered(dw, event, (dw.member, dw.company))
    service.cancel_event(event, "Sali on varattu.", dw.officer)
    db.session.commit()
    outbox.clear()
    response = as_user(app, dw.officer).post(_manage_url(dw, event, "edit"), data={
        "kind": "info_session", "title": "Info session", "starts_at": _clock(starts + timedelta(days=1)),
        "ends_at": _clock(starts + timedelta(days=1, hours=2)), "location": "Oodi"})
    assert response.status_code == 400 and "This event has been cancelled." in html(response)
    response = as_user(app, dw.member).post(_event_url(dw, event, "/cancel"), data={"organisation_id": dw.company.id})
    assert response.status_code == 400 and "This event has been cancelled." in html(response)
    db.session.expire_all()
    assert db.session.get(DialogueEvent, event.id).location == "City Hall" and outbox == []


# --- changing an event ----------------------------------------------------------------------------

def test_a_new_time_and_place_are_emailed_from_what_to_what(app, dw, make_user, outbox):
    starts = _whole_minutes()
    event = add_event(dw.challenge, capacity=1, starts_at=starts, ends_at=starts + timedelta(hours=2),
                      online_url=LINK)
    waiting = make_user(dw.other_company, ("member",))
    _registered(dw, event, (dw.member, dw.company), (waiting, dw.other_company))
    outbox.clear()
    later = starts + timedelta(days=1)
    response = as_user(app, dw.officer).post(_manage_url(dw, event, "edit"), data={
        "kind": "info_session", "title": "Info session", "starts_at": _clock(later),
        "ends_at": _clock(later + timedelta(hours=2)), "location": "Oodi", "online_url": LINK + "-new",
        "capacity": "1"})
    assert response.status_code == 302
    assert sorted(m.recipients[0] for m in outbox) == sorted([dw.member.email, waiting.email])
    by_recipient = {m.recipients[0]: m for m in outbox}
    for message in outbox:
        assert message.subject == "Changed: Info session"
        assert "City Hall → Oodi" in message.body
        for label in ("Starts", "Ends"):
            old, new = re.search(rf"^{label}: (.+) → (.+)$", message.body, re.M).groups()
            assert old != new
    assert LINK + "-new" in by_recipient[dw.member.email].body  # a place: the link
    assert LINK not in by_recipient[waiting.email].body  # waiting: neither the old nor the new link
    assert "the link is shown to those with a place" in by_recipient[waiting.email].body


def test_saving_an_event_unchanged_in_time_and_place_emails_nobody(app, dw, outbox):
    starts = _whole_minutes()
    event = add_event(dw.challenge, starts_at=starts, ends_at=starts + timedelta(hours=2))
    _registered(dw, event, (dw.member, dw.company))
    outbox.clear()
    response = as_user(app, dw.officer).post(_manage_url(dw, event, "edit"), data={
        "kind": "info_session", "title": "Info session, new title", "starts_at": _clock(starts),
        "ends_at": _clock(starts + timedelta(hours=2)), "location": "City Hall"})
    assert response.status_code == 302 and outbox == []
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.event == "dialogue_event_changed")) is None


# --- the online link ------------------------------------------------------------------------------

def test_the_online_link_is_shown_only_to_those_with_a_place_and_the_staff(app, dw, make_user):
    event = add_event(dw.challenge, capacity=1, online_url=LINK)
    waiting = make_user(dw.other_company, ("member",))
    _registered(dw, event, (dw.member, dw.company), (waiting, dw.other_company))
    for user in (dw.member, dw.officer):
        assert LINK in html(as_user(app, user).get(_event_url(dw, event)))
        (entry,) = Calendar.from_ical(as_user(app, user).get(_event_url(dw, event, "/calendar.ics")).data).walk(
            "VEVENT")
        assert LINK in str(entry["description"])
    for user in (waiting, dw.other_member, None):
        assert LINK not in html(as_user(app, user).get(_event_url(dw, event)))
        assert LINK.encode() not in as_user(app, user).get(_event_url(dw, event, "/calendar.ics")).data
    # The public lists never carry it, not even for those registered.
    assert LINK not in html(as_user(app, dw.member).get(f"/challenges/{dw.challenge.id}/dialogue"))


def test_the_cached_public_pages_never_carry_the_online_link(app, dw):
    event = add_event(dw.challenge, online_url=LINK)
    for url in (f"/challenges/{dw.challenge.id}", f"/challenges/{dw.challenge.id}/dialogue", _event_url(dw, event)):
        for _ in range(2):  # filling the cache, then read from it
            response, _queries = visit(app, url)
            assert response.status_code == 200 and LINK not in html(response)


def test_the_waiting_list_email_leaves_the_online_link_out(app, dw, make_user, outbox):
    event = add_event(dw.challenge, capacity=1, online_url=LINK)
    waiting = make_user(dw.other_company, ("member",))
    _registered(dw, event, (dw.member, dw.company))
    outbox.clear()
    _registered(dw, event, (waiting, dw.other_company))
    (message,) = outbox
    assert LINK not in message.body and LINK not in message.html


# --- when the dialogue or the event is over -------------------------------------------------------

def test_registration_is_refused_once_the_dialogue_has_ended(app, dw):
    event = add_event(dw.challenge, starts_in=timedelta(days=3), capacity=10)
    dw.challenge.dialogue_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = as_user(app, dw.member).post(_event_url(dw, event, "/register"),
                                            data={"organisation_id": dw.company.id})
    assert response.status_code == 400
    assert "The market dialogue of this challenge has ended" in html(response)
    assert db.session.scalar(select(EventRegistration.id)) is None
    page = html(as_user(app, dw.member).get(f"/challenges/{dw.challenge.id}/dialogue"))
    assert f'action="{_event_url(dw, event, "/register")}"' not in page and "Free places" not in page


def test_registration_refusal_is_translated_for_a_finnish_company(app, dw, make_user):
    event = add_event(dw.challenge)
    dw.challenge.dialogue_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    finn = make_user(dw.company, ("member",), locale="fi")
    response = as_user(app, finn).post(_event_url(dw, event, "/register"), data={"organisation_id": dw.company.id})
    assert response.status_code == 400
    assert "Tämän haasteen markkinavuoropuhelu on päättynyt" in html(response)


def test_an_event_outside_the_dialogues_dates_is_refused_by_the_service(app, dw):
    late = dw.challenge.dialogue_ends_at + timedelta(days=1)
    fields = service.EventFields(kind="workshop", title="Late", description=None, starts_at=late,
                                 ends_at=late + timedelta(hours=1), online_url=None, location="Oodi", capacity=None)
    try:
        service.create_event(dw.challenge, fields, dw.officer)
    except Refused as exc:
        assert exc.field == "ends_at" and exc.status_code == 400
    else:
        raise AssertionError("an event after the dialogue was accepted")
    db.session.rollback()
    early = dw.challenge.dialogue_starts_at - timedelta(days=1)
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/events/new"
    response = as_user(app, dw.officer).post(url, data={
        "kind": "workshop", "title": "Early", "starts_at": _clock(early), "ends_at": _clock(early + timedelta(hours=1)),
        "location": "Oodi"})
    assert response.status_code == 400  # in the past, and before the dialogue
    assert db.session.scalar(select(DialogueEvent.id)) is None


def test_the_officers_forms_say_the_dialogues_dates_and_who_is_told_of_a_change(app, dw):
    event = add_event(dw.challenge)
    client = as_user(app, dw.officer)
    base = f"/manage/challenges/{dw.challenge.id}/dialogue"
    for url in (f"{base}/events/new", f"{base}/events/{event.id}/edit", f"{base}/meetings", f"{base}/meetings/series"):
        assert "The market dialogue runs from" in html(client.get(url)), url
    assert "emailed when the time or the place changes" in html(client.get(f"{base}/events/{event.id}/edit"))
    # In Finnish and Swedish the two moments are kept apart by a spaced dash, as a range of days is written.
    for language, runs in (("fi", "Markkinavuoropuhelu on käynnissä "), ("sv", "Marknadsdialogen pågår ")):
        dw.officer.locale = language
        db.session.commit()
        page = html(as_user(app, dw.officer).get(f"{base}/meetings/series"))
        start, end = (format_datetime(moment, weekday=False, language=language)
                      for moment in (dw.challenge.dialogue_starts_at, dw.challenge.dialogue_ends_at))
        assert f"{runs}{start} – {end}:" in page
