"""An event's registrations for the officer: a CSV a spreadsheet opens safely, and a message to everyone."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

from sqlalchemy import select

from challenges.models import EventRegistration
from challenges.services import dialogue as service
from core.extensions import db
from core.i18n import to_helsinki
from core.mail import MailFanOut
from tests.factories import add_event, as_user, audit_count, audit_entries, error_next_to, html


def _url(dw, event, suffix: str) -> str:
    """An officer page of the event."""
    return f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/{suffix}"


def _rows(response) -> list[list[str]]:
    """The CSV of a response, parsed."""
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# --- CSV ------------------------------------------------------------------------------------------

def test_registrations_csv_lists_name_organisation_status_and_helsinki_time(app, dw, make_user):
    event = add_event(dw.challenge, capacity=1)
    waiting = make_user(dw.other_company, ("member",), name="Vilma Väänänen")
    for user, company in ((dw.member, dw.company), (waiting, dw.other_company)):
        service.register_for_event(event, user, company)
    db.session.commit()
    response = as_user(app, dw.officer).get(_url(dw, event, "registrations.csv"))
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header, first, second = _rows(response)
    assert header == ["Name", "Organisation", "Status", "Registered at (Helsinki time)"]
    assert first[:3] == ["Alice Asker", "Acme Robotics Oy", "Registered"]
    assert second[:3] == ["Vilma Väänänen", "Beta Learning Ab", "On the waiting list"]
    registered_at = db.session.scalar(select(EventRegistration.created_at).where(
        EventRegistration.user_id == dw.member.id))
    assert first[3] == f"{to_helsinki(registered_at):%Y-%m-%d %H:%M}"


def test_registrations_csv_writes_formulas_as_text(app, dw, make_user):
    event = add_event(dw.challenge)
    for n, name in enumerate(("=HYPERLINK(\"http://evil\")", "+1+1", "-2", "@SUM(A1)")):
        person = make_user(dw.company, ("member",), name=name, email=f"f{n}@acme.example")
        service.register_for_event(event, person, dw.company)
    db.session.commit()
    names = [row[0] for row in _rows(as_user(app, dw.officer).get(_url(dw, event, "registrations.csv")))[1:]]
    assert sorted(names) == sorted(["'=HYPERLINK(\"http://evil\")", "'+1+1", "'-2", "'@SUM(A1)"])


def test_registrations_csv_is_for_the_city_staff_only(app, dw):
    event = add_event(dw.challenge)
    for user, status in ((dw.member, 403), (dw.other_officer, 403), (dw.decision_maker, 200)):
        assert as_user(app, user).get(_url(dw, event, "registrations.csv")).status_code == status


# --- a message to the registrants -----------------------------------------------------------------

def _message(app, dw, event, **data):
    """The officer sends a message to the event's registrants."""
    form = {"subject": "Pysäköinti", "body": "Pysäköinti on pihalla.\nTervetuloa!", **data}
    return as_user(app, dw.officer).post(_url(dw, event, "message"), data=form)


def test_a_message_reaches_everyone_registered_once_and_the_waiting_list_only_when_chosen(
        app, dw, make_user, outbox):
    event = add_event(dw.challenge, capacity=1)
    waiting = make_user(dw.other_company, ("member",), locale="fi")
    for user, company in ((dw.member, dw.company), (waiting, dw.other_company)):
        service.register_for_event(event, user, company)
    db.session.commit()
    outbox.clear()
    assert _message(app, dw, event).status_code == 302
    (message,) = outbox
    assert message.recipients == [dw.member.email] and message.subject == "Pysäköinti – Info session"
    assert "Pysäköinti on pihalla." in message.body and "Pysäköinti on pihalla." in message.html
    outbox.clear()
    assert _message(app, dw, event, include_waiting="y").status_code == 302
    assert sorted(m.recipients[0] for m in outbox) == sorted([dw.member.email, waiting.email])
    assert db.session.scalar(select(MailFanOut.id).where(MailFanOut.event == "dialogue_message")) is not None
    (first, second) = audit_entries("dialogue_event_messaged")
    assert first.data["subject"] == "Pysäköinti" and {first.data["waiting"], second.data["waiting"]} == {True, False}


def test_a_message_without_a_body_is_refused_next_to_the_field(app, dw, outbox):
    event = add_event(dw.challenge)
    response = _message(app, dw, event, body="")
    assert response.status_code == 400 and "Write the message." in error_next_to(html(response), "body")
    assert audit_count("dialogue_event_messaged") == 0 and outbox == []


def test_a_fourth_message_within_an_hour_is_refused_and_what_was_typed_is_kept(app, dw):
    event = add_event(dw.challenge, starts_in=timedelta(days=2))
    for _ in range(3):
        assert _message(app, dw, event).status_code == 302
    response = _message(app, dw, event, body="Neljäs viesti")
    assert response.status_code == 400
    assert "At most 3 messages about one event" in error_next_to(html(response), "body")
    assert "Neljäs viesti" in html(response)
    assert audit_count("dialogue_event_messaged") == 3


def test_only_the_challenges_officers_message_registrants(app, dw, outbox):
    event = add_event(dw.challenge)
    for user in (dw.member, dw.decision_maker, dw.other_officer):
        response = as_user(app, user).post(_url(dw, event, "message"), data={"subject": "x", "body": "y"})
        assert response.status_code == 403
    assert audit_count("dialogue_event_messaged") == 0
