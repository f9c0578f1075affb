"""Simultaneous requests against a live server, on SQLite and on PostgreSQL: no 500, nothing done twice.

Each test sends the same action from several threads released together by a
barrier, as several people (or one person's several tabs) would, and checks
what a user relies on afterwards: the invariant the action keeps, one audit
row and one email per person for a publication, and an answer for everyone.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from auth.models import OrgKind, User
from auth.roles import Role
from challenges.models import Criterion, EventRegistration, Follow, RfiQuestion
from challenges.services import dialogue as service
from core.extensions import db
from core.mail import OutboxMessage
from tests.factories import add_event, audit_count, make_challenge, registration_form
from tests.live import Answer, Call, at_once, session_cookie

MANAGE = "/manage/challenges/{id}/dialogue"


def crowd(live_server, calls: list[Call]) -> list[Answer]:
    """Send the calls at once; the test's own transaction ends first, as a browser holds none."""
    db.session.commit()
    answers = at_once(live_server, calls)
    db.session.expire_all()
    return answers


def assert_all_answered(answers: list[Answer]) -> None:
    """Every request got an answer, and none of them a server error."""
    failed = [(a.status, a.body[:300]) for a in answers if not 200 <= a.status < 500]
    assert not failed, failed


def emails_by_recipient(event: str) -> dict[str, int]:
    """Emails of an event in the outbox, counted per recipient, sent ones only."""
    rows = db.session.execute(select(OutboxMessage.recipient, func.count(OutboxMessage.id))
                              .where(OutboxMessage.event == event, OutboxMessage.sent_at.is_not(None))
                              .group_by(OutboxMessage.recipient)).all()
    return dict(rows)


def as_cookie(live_server, user) -> str:
    """user's session cookie for the live server."""
    return session_cookie(live_server.app, user)


# --- publications: one audit row, one email per follower ----------------------------------------

def test_simultaneous_publications_of_an_answer_audit_once_and_email_each_follower_once(
        live_server, dw, make_user, outbox):
    question = service.ask_question(dw.challenge, dw.member, dw.company, "Two schools?")
    service.answer_question(question, "Yes.", dw.officer)
    followers = [make_user(email=f"follower{i}@example.org") for i in range(3)]
    db.session.add_all(Follow(user_id=f.id, challenge_id=dw.challenge.id) for f in followers)
    db.session.commit()
    cookie = as_cookie(live_server, dw.officer)
    path = MANAGE.format(id=dw.challenge.id) + "/questions/publish"
    answers = crowd(live_server, [Call("POST", path, {"question_ids": [question.id]}, cookie)] * 4)
    assert_all_answered(answers)
    assert {a.status for a in answers} == {302}  # the late ones are told calmly, not refused
    assert audit_count("answer_published") == 1
    assert emails_by_recipient("dialogue_answer_published") == {f.email: 1 for f in followers}
    assert emails_by_recipient("dialogue_question_answered") == {dw.member.email: 2}  # answered; published once
    assert sorted(m.recipients[0] for m in outbox) == sorted([f.email for f in followers] + [dw.member.email] * 2)


RECORDS = {
    "rfi_synthesis": ("/rfi/synthesis", {"synthesis": "Yritykset toivoivat pilottia.", "publish": "y"}),
    "dialogue_summary": ("/summary", {"summary": "Opimme paljon.", "changes": "", "publish": "y"}),
    "dialogue_event": ("/events/{event}/record", {"material": "Kalvot", "minutes": "Muistio", "publish": "y"}),
}


@pytest.mark.parametrize("record", list(RECORDS))
def test_simultaneous_first_publications_of_a_dialogue_record_audit_it_once(live_server, dw, record):
    event = add_event(dw.challenge, starts_in=-timedelta(hours=3))
    suffix, form = RECORDS[record]
    path = MANAGE.format(id=dw.challenge.id) + suffix.format(event=event.id)
    cookie = as_cookie(live_server, dw.officer)
    answers = crowd(live_server, [Call("POST", path, form, cookie)] * 4)
    assert_all_answered(answers)
    assert {a.status for a in answers} == {302}
    assert audit_count(f"{record}_published") == 1


# --- questionnaire positions ---------------------------------------------------------------------

def test_simultaneous_rfi_questions_are_all_added_in_distinct_positions(live_server, dw):
    cookie = as_cookie(live_server, dw.officer)
    path = MANAGE.format(id=dw.challenge.id) + "/rfi"
    answers = crowd(live_server, [Call("POST", path, {"text": f"Question {i}?"}, cookie) for i in range(6)])
    assert_all_answered(answers)
    assert [a.status for a in answers] == [302] * 6
    rows = db.session.execute(select(RfiQuestion.position, RfiQuestion.text)
                              .order_by(RfiQuestion.position)).all()
    assert [position for position, _text in rows] == [1, 2, 3, 4, 5, 6]
    assert sorted(text for _position, text in rows) == [f"Question {i}?" for i in range(6)]


# --- criteria: one version wins, the others are told and keep what they typed ---------------------

def _criteria_form(version: int, name: str) -> dict[str, Any]:
    """The criteria page as the officer sends it: one criterion of weight 100."""
    return {"version": str(version), "criteria-0-name": name, "criteria-0-weight": "100",
            "criteria-0-scale_0": "Ei lainkaan", "criteria-0-scale_5": "Erinomainen"}


def test_simultaneous_criteria_saves_keep_one_version_and_refuse_the_others_with_409(live_server, dw):
    challenge = make_challenge(dw.city, dw.officer)
    db.session.commit()
    cookie = as_cookie(live_server, dw.officer)
    path = f"/manage/challenges/{challenge.id}/edit/criteria"
    names = [f"Kriteeri {letter}" for letter in "ABCD"]
    answers = crowd(live_server, [Call("POST", path, _criteria_form(challenge.state_version, name), cookie)
                                  for name in names])
    assert_all_answered(answers)
    assert sorted(a.status for a in answers) == [302, 409, 409, 409]
    winner = names[[a.status for a in answers].index(302)]
    for name, answer in zip(names, answers):
        if answer.status == 409:
            assert "after you opened the form" in answer.body and name in answer.body  # typed text kept
    saved = db.session.scalars(select(Criterion.name).where(Criterion.challenge_id == challenge.id)).all()
    assert saved == [winner]


# --- event capacity and a crowd of registrations --------------------------------------------------

def _registrants(make_org, make_user, dw, count: int) -> list[tuple[Any, Any]]:
    """count company people, each with the company they register for."""
    companies = [dw.company, dw.other_company, make_org(OrgKind.COMPANY.value)]
    people = []
    for i in range(count):
        company = companies[i % len(companies)]
        people.append((make_user(company, (Role.MEMBER.value,)), company))
    return people


def test_simultaneous_registrations_never_exceed_the_capacity(live_server, dw, make_org, make_user):
    event = add_event(dw.challenge, capacity=1)
    path = f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/register"
    calls = [Call("POST", path, {"organisation_id": company.id}, as_cookie(live_server, user))
             for user, company in _registrants(make_org, make_user, dw, 8)]
    answers = crowd(live_server, calls)
    assert_all_answered(answers)
    statuses = db.session.scalars(select(EventRegistration.status)
                                  .where(EventRegistration.event_id == event.id)).all()
    assert sorted(statuses) == ["registered"] + ["waiting"] * 7


def test_twenty_simultaneous_registrations_are_all_answered_and_emailed(live_server, dw, make_org, make_user):
    event = add_event(dw.challenge)
    path = f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}/register"
    people = _registrants(make_org, make_user, dw, 20)
    calls = [Call("POST", path, {"organisation_id": company.id}, as_cookie(live_server, user))
             for user, company in people]
    answers = crowd(live_server, calls)
    assert_all_answered(answers)
    assert [a.status for a in answers] == [302] * 20
    assert db.session.scalar(select(func.count(EventRegistration.id)).where(
        EventRegistration.event_id == event.id, EventRegistration.status == "registered")) == 20
    # Each confirmation was sent by the in-process job after its request's commit.
    assert emails_by_recipient("dialogue_registration_confirmed") == {user.email: 1 for user, _ in people}


def test_simultaneous_registrations_of_one_company_make_one_account(live_server, db):
    db.session.commit()
    answers = crowd(live_server, [Call("POST", "/register", registration_form())] * 4)
    assert_all_answered(answers)
    # One wins with a redirect. A request that loses the race on the database is a 400 with the field's message;
    # one that arrives after the winner committed gets the redirect a known address always gets (its owner is
    # emailed instead: registration never tells whether an address has an account).
    statuses = sorted(a.status for a in answers)
    assert statuses[0] == 302 and set(statuses) <= {302, 400}
    for answer in answers:
        if answer.status == 400:
            assert 'id="email-error"' in answer.body or 'id="business_id-error"' in answer.body
    assert db.session.scalars(select(User.email)).all() == ["maija@yritys.example"]
