"""Dialogue events: announcing, registering, the waiting list, calendar files, reminders, material, minutes."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from auth.models import Organisation, OrgKind, User
from auth.roles import Role
from challenges.dialogue_jobs import remind_event_participants
from challenges.models import ChallengeState, DialogueEvent, EventRegistration
from challenges.services import dialogue as service
from core.extensions import db
from core.mail import OutboxMessage
from core.models import utcnow
from tests.factories import (COMPANY_ACTION, OFFICER_ACTION, OFFICER_PAGE, PUBLIC_PAGE, add_event, as_user,
                             assert_outcome, audit_count, count_queries, dialogue_challenge, error_next_to, html, outcome,
                             person)

S = ChallengeState


def company_person(make_user, company: Organisation, **fields: Any) -> User:
    """Another member of a company."""
    return make_user(company, (Role.MEMBER.value,), **fields)


# --- announcing events ---------------------------------------------------------------------------

def test_officer_creates_event_with_helsinki_time_stored_in_utc(app, dw):
    dw.challenge.dialogue_ends_at = datetime(2031, 12, 31, tzinfo=timezone.utc)  # the event is in the window
    db.session.commit()
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/events/new"
    response = as_user(app, dw.officer).post(url, data={
        "kind": "workshop", "title": "Co-design workshop", "starts_at": "2031-06-10T10:00",
        "ends_at": "2031-06-10T12:00", "location": "Oodi", "capacity": "20"})
    assert response.status_code == 302
    event = db.session.scalar(select(DialogueEvent))
    assert event.starts_at == datetime(2031, 6, 10, 7, 0, tzinfo=timezone.utc)  # EEST is UTC+3
    assert event.capacity == 20 and audit_count("dialogue_event_created") == 1


def test_event_without_place_or_link_is_refused_next_to_the_field(app, dw):
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/events/new"
    response = as_user(app, dw.officer).post(url, data={
        "kind": "workshop", "title": "Workshop", "starts_at": "2031-06-10T10:00",
        "ends_at": "2031-06-10T12:00"})
    assert response.status_code == 400
    assert 'id="location-error"' in html(response)
    assert "Give an online link, a place, or both." in html(response)
    assert "Workshop" in html(response)  # nothing typed is lost
    assert db.session.scalar(select(func.count(DialogueEvent.id))) == 0


def test_event_capacity_that_is_not_a_number_gets_one_message_not_two_run_together(app, dw):
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/events/new"
    response = as_user(app, dw.officer).post(url, data={
        "kind": "workshop", "title": "Workshop", "starts_at": "2031-06-10T10:00",
        "ends_at": "2031-06-10T12:00", "location": "Oodi", "capacity": "abc"})
    assert response.status_code == 400
    message = error_next_to(html(response), "capacity")
    assert message == "Not a valid integer value."  # not followed by "Enter a whole number of at least 1."


def test_event_cannot_be_announced_once_the_call_is_open(app, dw, make_user):
    challenge = dialogue_challenge(dw.city, dw.officer, S.OPEN)
    response = as_user(app, dw.officer).post(f"/manage/challenges/{challenge.id}/dialogue/events/new", data={
        "kind": "workshop", "title": "Late", "starts_at": "2031-06-10T10:00", "ends_at": "2031-06-10T12:00",
        "location": "Oodi"})
    assert response.status_code == 400
    assert "market dialogue of this challenge is not running" in html(response)


def test_edit_event_cannot_lower_capacity_below_registrations(app, dw, make_user):
    event = add_event(dw.challenge, capacity=3)
    for user in (dw.member, dw.other_member):
        service.register_for_event(event, user, user.active_memberships()[0].organisation)
    db.session.commit()
    starts = service_clock(event.starts_at)
    response = as_user(app, dw.officer).post(
        f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/edit",
        data={"kind": "info_session", "title": "Info session", "starts_at": starts,
              "ends_at": service_clock(event.ends_at), "location": "City Hall", "capacity": "1"})
    assert response.status_code == 400 and 'id="capacity-error"' in html(response)
    assert "2 people are already registered" in html(response)


def service_clock(value: datetime) -> str:
    """A stored time as a form would send it (Helsinki wall clock)."""
    from core.i18n import to_helsinki

    return to_helsinki(value).strftime("%Y-%m-%dT%H:%M")


def test_raising_capacity_moves_the_waiting_list_up(app, dw, make_user, outbox):
    starts = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)  # as the form sends it: no change
    event = add_event(dw.challenge, capacity=1, starts_at=starts, ends_at=starts + timedelta(hours=2))
    waiting_person = company_person(make_user, dw.other_company)
    service.register_for_event(event, dw.member, dw.company)
    service.register_for_event(event, waiting_person, dw.other_company)
    db.session.commit()
    outbox.clear()
    response = as_user(app, dw.officer).post(
        f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/edit",
        data={"kind": "info_session", "title": "Info session", "starts_at": service_clock(event.starts_at),
              "ends_at": service_clock(event.ends_at), "location": "City Hall", "capacity": "2"})
    assert response.status_code == 302
    assert _status_of(event, waiting_person) == "registered"
    assert [m.recipients for m in outbox] == [[waiting_person.email]]


# --- registering and the waiting list -------------------------------------------------------------

def _status_of(event: DialogueEvent, user: User) -> str | None:
    """A user's registration status for the event."""
    db.session.expire_all()
    return db.session.scalar(select(EventRegistration.status).where(
        EventRegistration.event_id == event.id, EventRegistration.user_id == user.id))


def _register(app, dw, event, user):
    """Post the register button as user."""
    return as_user(app, user).post(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/register",
                                   data={"organisation_id": user.active_memberships()[0].organisation_id})


def test_register_gives_a_place_and_emails_a_confirmation_with_the_calendar_link(app, dw, outbox):
    event = add_event(dw.challenge, capacity=5)
    response = _register(app, dw, event, dw.member)
    assert response.status_code == 302
    assert _status_of(event, dw.member) == "registered"
    (message,) = outbox
    assert message.recipients == [dw.member.email]
    assert f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/calendar.ics" in message.body
    assert audit_count("dialogue_event_registered") == 1
    page = html(as_user(app, dw.member).get(response.headers["Location"]))
    assert "You are registered." in page


def test_confirmation_names_the_event_in_the_registrants_language(app, dw, outbox):
    event = add_event(dw.challenge, capacity=5)
    event.title, event.title_sv = "Tiedotustilaisuus", "Informationsmöte"
    dw.member.locale = "sv"
    db.session.commit()
    _register(app, dw, event, dw.member)
    (message,) = outbox
    assert "Informationsmöte" in message.subject and "Informationsmöte" in message.body
    assert "Tiedotustilaisuus" not in message.body


def test_full_event_puts_the_next_registrant_on_the_waiting_list_with_a_message(app, dw, make_user, outbox):
    event = add_event(dw.challenge, capacity=1)
    _register(app, dw, event, dw.member)
    second = company_person(make_user, dw.other_company)
    client = as_user(app, second)
    response = client.post(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/register",
                           data={"organisation_id": dw.other_company.id}, follow_redirects=True)
    assert response.status_code == 200
    assert "The event is full: you are on the waiting list, place 1." in html(response)
    assert _status_of(event, second) == "waiting"
    assert audit_count("dialogue_event_waitlisted") == 1
    assert outbox[-1].recipients == [second.email] and "place 1" in outbox[-1].body


def test_cancelling_moves_the_first_on_the_waiting_list_up_and_emails_them(app, dw, make_user, outbox):
    event = add_event(dw.challenge, capacity=1)
    first_waiting = company_person(make_user, dw.other_company)
    second_waiting = company_person(make_user, dw.other_company)
    for user in (dw.member, first_waiting, second_waiting):
        _register(app, dw, event, user)
    outbox.clear()
    url = f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/cancel"
    response = as_user(app, dw.member).post(url, data={"organisation_id": dw.company.id})
    assert response.status_code == 302
    assert _status_of(event, dw.member) == "cancelled"
    assert _status_of(event, first_waiting) == "registered"
    assert _status_of(event, second_waiting) == "waiting"
    (message,) = outbox
    assert message.recipients == [first_waiting.email] and "moved up from the waiting list" in message.body
    assert audit_count("dialogue_event_waitlist_promoted") == 1
    page = html(as_user(app, second_waiting).get(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}"))
    assert "you are on the waiting list, place 1" in page


def test_leaving_the_waiting_list_promotes_nobody(app, dw, make_user, outbox):
    event = add_event(dw.challenge, capacity=1)
    waiting = company_person(make_user, dw.other_company)
    for user in (dw.member, waiting):
        _register(app, dw, event, user)
    outbox.clear()
    as_user(app, waiting).post(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/cancel",
                               data={"organisation_id": dw.other_company.id})
    assert _status_of(event, dw.member) == "registered" and _status_of(event, waiting) == "cancelled"
    assert outbox == []


def test_registering_twice_is_refused_with_a_message(app, dw):
    event = add_event(dw.challenge)
    _register(app, dw, event, dw.member)
    response = _register(app, dw, event, dw.member)
    assert response.status_code == 400 and "You are already registered for this event." in html(response)
    assert db.session.scalar(select(func.count(EventRegistration.id))) == 1


def test_registering_again_after_cancelling_joins_the_end_of_the_queue(app, dw, make_user):
    event = add_event(dw.challenge, capacity=1)
    waiting = company_person(make_user, dw.other_company)
    late = company_person(make_user, dw.other_company)
    for user in (dw.member, waiting, late):
        _register(app, dw, event, user)
    as_user(app, waiting).post(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/cancel",
                               data={"organisation_id": dw.other_company.id})
    _register(app, dw, event, waiting)
    rows = db.session.scalars(select(EventRegistration.user_id)
                              .where(EventRegistration.status == "waiting").order_by(EventRegistration.id))
    assert list(rows) == [late.id, waiting.id]


def test_registration_closes_when_the_event_starts(app, dw):
    event = add_event(dw.challenge, starts_in=timedelta(minutes=-5))
    response = _register(app, dw, event, dw.member)
    assert response.status_code == 400 and "registration is closed" in html(response)
    assert _status_of(event, dw.member) is None


def test_registration_needs_a_running_dialogue(app, dw):
    challenge = dialogue_challenge(dw.city, dw.officer, S.OPEN)
    event = add_event(challenge)
    response = as_user(app, dw.member).post(f"/challenges/{challenge.id}/dialogue/events/{event.id}/register",
                                            data={"organisation_id": dw.company.id})
    assert response.status_code == 400 and "not running" in html(response)


def test_event_of_another_challenge_is_not_found(app, dw):
    other = dialogue_challenge(dw.city, dw.officer)
    event = add_event(other)
    assert as_user(app).get(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}").status_code == 404
    assert _register(app, dw, event, dw.member).status_code == 404


# --- calendar file --------------------------------------------------------------------------------

def test_calendar_file_parses_and_starts_at_the_right_utc_time(app, dw):
    event = add_event(dw.challenge, starts_at=datetime(2031, 1, 15, 8, 30, tzinfo=timezone.utc),
                      ends_at=datetime(2031, 1, 15, 10, 0, tzinfo=timezone.utc))
    response = as_user(app).get(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/calendar.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    (entry,) = calendar.walk("VEVENT")
    assert entry.decoded("dtstart") == datetime(2031, 1, 15, 8, 30, tzinfo=timezone.utc)
    assert entry.decoded("dtend") == datetime(2031, 1, 15, 10, 0, tzinfo=timezone.utc)
    assert str(entry["summary"]).startswith("Info session") and str(entry["location"]) == "City Hall"


def test_calendar_file_of_an_unpublished_challenge_is_not_found(app, dw):
    draft = dialogue_challenge(dw.city, dw.officer, S.DRAFT)
    event = add_event(draft)
    url = f"/challenges/{draft.id}/dialogue/events/{event.id}/calendar.ics"
    assert as_user(app).get(url).status_code == 404
    assert as_user(app, dw.other_officer).get(url).status_code == 404
    assert as_user(app, dw.officer).get(url).status_code == 200


# --- reminders ------------------------------------------------------------------------------------

def test_reminder_job_emails_registered_people_once_about_a_day_before(app, dw, make_user, outbox):
    soon = add_event(dw.challenge, capacity=1, starts_in=timedelta(hours=20))
    later = add_event(dw.challenge, starts_in=timedelta(days=3))
    waiting = company_person(make_user, dw.other_company)
    for user in (dw.member, waiting):
        service.register_for_event(soon, user, user.active_memberships()[0].organisation)
    service.register_for_event(later, dw.member, dw.company)
    db.session.commit()
    outbox.clear()
    assert remind_event_participants() == 1
    assert remind_event_participants() == 0
    (message,) = outbox
    assert message.recipients == [dw.member.email] and "starts in about a day" in message.body
    db.session.expire_all()
    assert db.session.get(DialogueEvent, soon.id).reminder_sent_at is not None
    assert db.session.get(DialogueEvent, later.id).reminder_sent_at is None
    assert audit_count("dialogue_event_reminder_sent") == 1


def test_reminder_email_is_in_the_recipients_language(app, dw, make_user, outbox):
    event = add_event(dw.challenge, starts_in=timedelta(hours=3))
    swede = company_person(make_user, dw.company, locale="sv")
    service.register_for_event(event, swede, dw.company)
    db.session.commit()
    outbox.clear()
    remind_event_participants()
    assert db.session.scalar(select(OutboxMessage.locale).where(
        OutboxMessage.event == "dialogue_event_reminder")) == "sv"
    assert 'lang="sv"' in outbox[0].html


# --- material and minutes -------------------------------------------------------------------------

def test_material_and_minutes_show_to_everyone_only_once_published(app, dw):
    event = add_event(dw.challenge, starts_in=timedelta(hours=-3))
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/record"
    officer = as_user(app, dw.officer)
    response = officer.post(url, data={"material": "Slides: https://example.org/s", "minutes": "We met.",
                                       "save": "Save"})
    assert response.status_code == 302
    public = f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}"
    assert "We met." not in html(as_user(app).get(public))
    officer.post(url, data={"material": "Slides", "minutes": "We met.", "publish": "publish"})
    page = html(as_user(app).get(public))
    assert "We met." in page and "Material and minutes" in page
    assert audit_count("dialogue_event_published") == 1


def test_material_cannot_be_published_before_the_event(app, dw):
    event = add_event(dw.challenge)
    response = as_user(app, dw.officer).post(
        f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/record",
        data={"minutes": "Too early", "publish": "publish"})
    assert response.status_code == 400 and "published after the event has started" in html(response)
    db.session.expire_all()
    assert db.session.get(DialogueEvent, event.id).published_at is None


# --- lists: bounded queries -----------------------------------------------------------------------

def _fill(event: DialogueEvent, make_org, make_user, n: int) -> None:
    """n people of n companies registered, the rest waiting."""
    for _ in range(n):
        company = make_org(OrgKind.COMPANY.value)
        user = make_user(company, (Role.MEMBER.value,))
        service.register_for_event(event, user, company)
    db.session.commit()


def test_registration_list_runs_the_same_number_of_queries_for_3_and_30_rows(app, dw, make_org, make_user):
    counts = []
    for n in (3, 30):
        event = add_event(dw.challenge, capacity=2)
        _fill(event, make_org, make_user, n)
        client = as_user(app, dw.officer)
        url = f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/registrations"
        client.get(url)
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert len(re.findall(r"<tr>", html(response))) == n + 1
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 10


def test_registration_list_shows_places_on_the_waiting_list(app, dw, make_org, make_user):
    event = add_event(dw.challenge, capacity=1)
    _fill(event, make_org, make_user, 3)
    page = html(as_user(app, dw.officer).get(
        f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/registrations"))
    assert "Waiting list, place 1" in page and "Waiting list, place 2" in page


def test_registration_list_pages_by_cursor_and_keeps_counting_the_waiting_list(app, dw, make_org, make_user):
    event = add_event(dw.challenge, capacity=1)
    _fill(event, make_org, make_user, service.PAGE_SIZE + 3)  # one registered, 52 waiting
    client = as_user(app, dw.officer)
    first = html(client.get(f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/registrations"))
    assert "Waiting list, place 49<" in first and "Waiting list, place 50<" not in first
    next_link = re.search(r'href="([^"]*registrations\?after=\d+)"', first).group(1)
    second = html(client.get(next_link))
    places = re.findall(r"Waiting list, place (\d+)<", second)
    assert places == ["50", "51", "52"] and "First page" in second


def test_public_dialogue_runs_a_bounded_number_of_queries(app, dw, make_org, make_user):
    counts = []
    for n in (1, 10):
        for _ in range(n):
            _fill(add_event(dw.challenge, capacity=1), make_org, make_user, 2)
        client = as_user(app, dw.member)
        client.get(f"/challenges/{dw.challenge.id}/dialogue")
        with count_queries() as statements:
            assert client.get(f"/challenges/{dw.challenge.id}/dialogue").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 10


# --- who may do what ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(OFFICER_PAGE))
def test_event_officer_pages_per_role(app, dw, role):
    event = add_event(dw.challenge)
    client = as_user(app, person(dw, role))
    base = f"/manage/challenges/{dw.challenge.id}/dialogue"
    for path in ("", "/events/new", f"/events/{event.id}/edit", f"/events/{event.id}/registrations",
                 f"/events/{event.id}/record"):
        assert outcome(client.get(base + path)) == OFFICER_PAGE[role], path
    for path in ("/events/new", f"/events/{event.id}/edit", f"/events/{event.id}/record"):
        assert_outcome(outcome(client.post(base + path, data={})), OFFICER_ACTION[role])


@pytest.mark.parametrize("role", list(OFFICER_PAGE))
def test_event_officer_pages_of_an_unpublished_challenge_are_not_found_for_strangers(app, dw, role):
    draft = dialogue_challenge(dw.city, dw.officer, S.DRAFT)
    event = add_event(draft)
    client = as_user(app, person(dw, role))
    expected = {"other_officer": 404, "member": 404}.get(role, OFFICER_PAGE[role])
    assert outcome(client.get(f"/manage/challenges/{draft.id}/dialogue/events/{event.id}/edit")) == expected
    public = {"visitor": 404, "other_officer": 404, "member": 404}.get(role, 200)
    assert outcome(client.get(f"/challenges/{draft.id}/dialogue/events/{event.id}")) == public


@pytest.mark.parametrize("role", list(COMPANY_ACTION))
def test_event_company_actions_per_role(app, dw, role):
    event = add_event(dw.challenge)
    client = as_user(app, person(dw, role))
    base = f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}"
    for path in ("/register", "/cancel"):
        assert_outcome(outcome(client.post(base + path, data={})), COMPANY_ACTION[role])
    for path in ("", "/calendar.ics"):
        assert outcome(client.get(base + path)) == PUBLIC_PAGE[role]
    assert outcome(client.get(f"/challenges/{dw.challenge.id}/dialogue")) == PUBLIC_PAGE[role]


def test_decision_maker_reads_officer_pages_without_forms(app, dw):
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/events/new"
    page = html(as_user(app, dw.decision_maker).get(url))
    assert "Only the challenge's officers can change it." in page and 'name="title"' not in page
