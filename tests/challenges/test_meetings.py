"""One-to-one meetings: slots offered to all alike, one booking per company, cancelling, minutes."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from challenges.models import ChallengeState, MeetingSlot
from challenges.services import dialogue as service
from core.extensions import db
from tests.factories import (COMPANY_ACTION, OFFICER_ACTION, OFFICER_PAGE, add_slot, as_user, assert_outcome,
                             audit_count, dialogue_challenge, html, outcome, person)

S = ChallengeState


def _book(app, dw, slot, user, organisation):
    """Post the book button as user for organisation."""
    return as_user(app, user).post(f"/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}/book",
                                   data={"organisation_id": organisation.id})


def _booker(slot) -> int | None:
    """Who has booked the slot now."""
    db.session.expire_all()
    return db.session.get(MeetingSlot, slot.id).booked_by_org_id


# --- offering times -------------------------------------------------------------------------------

def test_officer_offers_a_meeting_time(app, dw):
    dw.challenge.dialogue_ends_at = datetime(2031, 12, 31, tzinfo=timezone.utc)  # the time is in the window
    db.session.commit()
    response = as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/dialogue/meetings", data={
        "starts_at": "2031-03-02T09:00", "ends_at": "2031-03-02T09:45", "place": "Teams"})
    assert response.status_code == 302
    slot = db.session.scalar(select(MeetingSlot))
    assert slot.starts_at.hour == 7 and slot.place == "Teams"  # 09:00 EET is 07:00 UTC
    assert audit_count("meeting_slot_created") == 1


def test_meeting_time_ending_before_it_starts_is_refused_next_to_the_field(app, dw):
    response = as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/dialogue/meetings", data={
        "starts_at": "2031-03-02T09:00", "ends_at": "2031-03-02T08:45", "place": "Teams"})
    assert response.status_code == 400 and 'id="ends_at-error"' in html(response)
    assert "The end must be after the start." in html(response)


def test_only_an_unbooked_time_can_be_removed(app, dw):
    free, booked = add_slot(dw.challenge), add_slot(dw.challenge, booked_by=dw.company)
    client = as_user(app, dw.officer)
    base = f"/manage/challenges/{dw.challenge.id}/dialogue/meetings"
    assert client.post(f"{base}/{booked.id}/delete").status_code == 302
    assert client.post(f"{base}/{free.id}/delete").status_code == 302
    assert db.session.scalar(select(MeetingSlot.id)) == booked.id


# --- booking --------------------------------------------------------------------------------------

def test_company_books_a_time_and_others_see_only_that_it_is_booked(app, dw):
    slot = add_slot(dw.challenge)
    response = _book(app, dw, slot, dw.member, dw.company)
    assert response.status_code == 302 and _booker(slot) == dw.company.id
    assert audit_count("meeting_booked") == 1
    own = html(as_user(app, dw.member).get(f"/challenges/{dw.challenge.id}/dialogue"))
    assert "Booked by your company" in own
    for viewer in (dw.other_member, None):
        page = html(as_user(app, viewer).get(f"/challenges/{dw.challenge.id}/dialogue"))
        assert "Booked" in page and dw.company.name not in page and dw.member.name not in page
    staff = html(as_user(app, dw.officer).get(f"/manage/challenges/{dw.challenge.id}/dialogue/meetings"))
    assert dw.company.name in staff


def test_second_booking_by_the_same_company_is_refused_and_nothing_changes(app, dw, make_user):
    first, second = add_slot(dw.challenge), add_slot(dw.challenge, starts_in=timedelta(days=3))
    _book(app, dw, first, dw.member, dw.company)
    colleague = make_user(dw.company, ("member",))
    response = _book(app, dw, second, colleague, dw.company)
    assert response.status_code == 400
    assert "Your company has already booked a one-to-one meeting for this challenge." in html(response)
    assert _booker(first) == dw.company.id and _booker(second) is None
    assert audit_count("meeting_booked") == 1


def test_a_time_booked_by_another_company_cannot_be_taken(app, dw):
    slot = add_slot(dw.challenge, booked_by=dw.other_company)
    response = _book(app, dw, slot, dw.member, dw.company)
    assert response.status_code == 400 and "Another company has just booked this time." in html(response)
    assert _booker(slot) == dw.other_company.id


def test_a_past_time_cannot_be_booked(app, dw):
    slot = add_slot(dw.challenge, starts_in=timedelta(hours=-1))
    response = _book(app, dw, slot, dw.member, dw.company)
    assert response.status_code == 400 and _booker(slot) is None


def test_the_database_allows_one_booking_per_company_per_challenge(app, dw):
    add_slot(dw.challenge, booked_by=dw.company)
    with pytest.raises(IntegrityError):
        add_slot(dw.challenge, booked_by=dw.company)
    db.session.rollback()
    add_slot(dw.challenge)
    add_slot(dw.challenge)  # any number of free times
    assert db.session.scalar(select(func.count(MeetingSlot.id))) == 3


def test_booking_for_a_company_one_does_not_act_for_is_refused(app, dw):
    slot = add_slot(dw.challenge)
    response = _book(app, dw, slot, dw.member, dw.other_company)
    assert response.status_code == 400 and _booker(slot) is None


# --- cancelling -----------------------------------------------------------------------------------

def test_company_cancels_its_booking_before_the_meeting_and_may_book_again(app, dw):
    first, second = add_slot(dw.challenge), add_slot(dw.challenge, starts_in=timedelta(days=4))
    _book(app, dw, first, dw.member, dw.company)
    url = f"/challenges/{dw.challenge.id}/dialogue/meetings/{first.id}/cancel"
    response = as_user(app, dw.member).post(url, data={"organisation_id": dw.company.id})
    assert response.status_code == 302 and _booker(first) is None
    assert audit_count("meeting_booking_cancelled") == 1
    assert _book(app, dw, second, dw.member, dw.company).status_code == 302


def test_booking_cannot_be_cancelled_after_the_meeting_started(app, dw):
    slot = add_slot(dw.challenge, starts_in=timedelta(minutes=-10), booked_by=dw.company)
    url = f"/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}/cancel"
    response = as_user(app, dw.member).post(url, data={"organisation_id": dw.company.id})
    assert response.status_code == 400 and _booker(slot) == dw.company.id


def test_another_company_cannot_cancel_a_booking(app, dw):
    slot = add_slot(dw.challenge, booked_by=dw.company)
    response = as_user(app, dw.other_member).post(
        f"/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}/cancel",
        data={"organisation_id": dw.other_company.id})
    assert response.status_code == 400 and _booker(slot) == dw.company.id


# --- minutes --------------------------------------------------------------------------------------

def test_minutes_of_every_held_meeting_are_required_to_close_the_dialogue(app, dw):
    held = add_slot(dw.challenge, starts_in=timedelta(hours=-2), booked_by=dw.company)
    add_slot(dw.challenge, starts_in=timedelta(hours=-4))  # nobody came: no minutes needed
    assert service.meetings_without_minutes(dw.challenge) == [held]
    response = as_user(app, dw.officer).post(
        f"/manage/challenges/{dw.challenge.id}/dialogue/meetings/{held.id}/minutes",
        data={"minutes": "Discussed."})
    assert response.status_code == 302
    db.session.expire_all()
    assert service.meetings_without_minutes(dw.challenge) == []
    assert audit_count("meeting_minutes_recorded") == 1


def test_minutes_cannot_be_recorded_before_the_meeting(app, dw):
    slot = add_slot(dw.challenge, booked_by=dw.company)
    response = as_user(app, dw.officer).post(
        f"/manage/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}/minutes",
        data={"minutes": "Early"})
    assert response.status_code == 400 and 'id="minutes-error"' in html(response)
    assert "Early" in html(response)


# --- who may do what ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(OFFICER_PAGE))
def test_meeting_officer_pages_per_role(app, dw, role):
    slot = add_slot(dw.challenge, starts_in=timedelta(hours=-1), booked_by=dw.company)
    free = add_slot(dw.challenge)
    client = as_user(app, person(dw, role))
    base = f"/manage/challenges/{dw.challenge.id}/dialogue/meetings"
    for path in ("", f"/{slot.id}/minutes"):
        assert outcome(client.get(base + path)) == OFFICER_PAGE[role], path
    for path in ("", f"/{slot.id}/minutes", f"/{free.id}/delete"):
        assert_outcome(outcome(client.post(base + path, data={})), OFFICER_ACTION[role])


@pytest.mark.parametrize("role", list(COMPANY_ACTION))
def test_meeting_company_actions_per_role(app, dw, role):
    slot = add_slot(dw.challenge)
    client = as_user(app, person(dw, role))
    base = f"/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}"
    for path in ("/book", "/cancel"):
        assert_outcome(outcome(client.post(base + path, data={})), COMPANY_ACTION[role])


def test_meeting_pages_of_an_unpublished_challenge_are_not_found_for_strangers(app, dw):
    draft = dialogue_challenge(dw.city, dw.officer, S.APPROVED, published_at=None)
    slot = add_slot(draft)
    assert as_user(app, dw.member).post(f"/challenges/{draft.id}/dialogue/meetings/{slot.id}/book",
                                        data={"organisation_id": dw.company.id}).status_code == 404
    response = as_user(app, dw.other_officer).get(f"/manage/challenges/{draft.id}/dialogue/meetings")
    assert response.status_code == 404
