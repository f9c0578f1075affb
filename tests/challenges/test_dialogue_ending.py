"""Ending the market dialogue: a reason when it ends early, and what was still ahead is cancelled and told."""
from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from challenges.models import ChallengeState, DialogueEvent, MeetingSlot
from challenges.services import dialogue as service
from core.extensions import db
from core.mail import OutboxMessage
from core.models import utcnow
from tests.factories import add_event, add_slot, as_user, audit_count, error_next_to, html

S = ChallengeState


def _ready_to_open(dw) -> None:
    """The dialogue's summary is published, so the call can open (the guard passes)."""
    dw.challenge.dialogue_summary = "Opimme paljon."
    dw.challenge.dialogue_summary_published_at = utcnow()
    db.session.commit()


def _open_call(app, dw, comment: str = ""):
    """The officer closes the dialogue and opens the call."""
    return as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/transition", data={
        "action": "open_call", "seen_state": S.MARKET_DIALOGUE.value, "comment": comment})


def _calendar_of(message):
    """The iCalendar attached to a recorded email."""
    (attachment,) = [a for a in message.attachments if a.filename == "invite.ics"]
    return Calendar.from_ical(attachment.data)


def test_ending_the_dialogue_early_without_a_reason_is_refused_and_nothing_changes(app, dw):
    _ready_to_open(dw)
    event = add_event(dw.challenge)
    response = _open_call(app, dw)
    assert response.status_code == 400
    assert "Write a reason for this action." in error_next_to(html(response), "comment-open_call")
    db.session.expire_all()
    assert dw.challenge.state == S.MARKET_DIALOGUE.value
    assert db.session.get(DialogueEvent, event.id).cancelled_at is None


def test_the_officer_is_asked_for_a_reason_only_while_the_dialogue_is_scheduled_to_run(app, dw):
    _ready_to_open(dw)
    page = html(as_user(app, dw.officer).get(f"/manage/challenges/{dw.challenge.id}"))
    assert 'id="comment-open_call"' in page
    dw.challenge.dialogue_ends_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = html(as_user(app, dw.officer).get(f"/manage/challenges/{dw.challenge.id}"))
    assert 'id="comment-open_call"' not in page
    assert _open_call(app, dw).status_code == 302  # on schedule: no reason needed


def test_ending_early_cancels_the_events_and_meetings_ahead_and_tells_each_person_once(
        app, dw, make_user, outbox):
    _ready_to_open(dw)
    ahead = add_event(dw.challenge, capacity=1)
    held = add_event(dw.challenge, starts_in=timedelta(hours=-3))
    waiting = make_user(dw.other_company, ("member",), locale="sv")
    service.register_for_event(ahead, dw.member, dw.company)
    service.register_for_event(ahead, waiting, dw.other_company)
    booked_ahead = add_slot(dw.challenge, booked_by=dw.company, booked_by_user_id=dw.member.id)
    booked_held = add_slot(dw.challenge, starts_in=timedelta(hours=-2), booked_by=dw.other_company,
                           minutes="Puhuimme antureista.", minutes_recorded_at=utcnow())
    db.session.commit()
    outbox.clear()
    assert _open_call(app, dw, "Riittävästi tietoa kertyi.").status_code == 302
    db.session.expire_all()
    assert dw.challenge.state == S.OPEN.value
    assert db.session.get(DialogueEvent, ahead.id).cancel_reason == "Riittävästi tietoa kertyi."
    assert db.session.get(DialogueEvent, held.id).cancelled_at is None
    slot = db.session.get(MeetingSlot, booked_ahead.id)
    assert slot.cancelled_at is not None and slot.booked_by_org_id == dw.company.id  # kept for the record
    assert db.session.get(MeetingSlot, booked_held.id).cancelled_at is None
    assert audit_count("dialogue_event_cancelled") == 1 and audit_count("meeting_cancelled") == 1
    told = sorted((m.recipients[0], m.subject) for m in outbox)
    assert told == sorted([
        (dw.member.email, "Cancelled: Info session"), (waiting.email, "Inställt: Info session"),
        (dw.member.email, "One-to-one meeting cancelled: School challenge")])
    for message in outbox:
        assert "Riittävästi tietoa kertyi." in message.body and "Riittävästi tietoa kertyi." in message.html
        assert str(_calendar_of(message)["method"]) == "CANCEL"


def test_cancelling_the_challenge_cancels_what_is_ahead_without_a_second_email(app, dw, outbox):
    event = add_event(dw.challenge)
    service.register_for_event(event, dw.member, dw.company)
    db.session.commit()
    outbox.clear()
    response = as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/transition", data={
        "action": "cancel", "seen_state": S.MARKET_DIALOGUE.value, "comment": "Rahoitus peruuntui."})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(DialogueEvent, event.id).cancel_reason == "Rahoitus peruuntui."
    assert [m.recipients for m in outbox] == [[dw.member.email]]  # the challenge's own email, once
    assert db.session.scalars(select(OutboxMessage.event).order_by(OutboxMessage.id.desc())).first() == (
        "challenge_cancelled")
