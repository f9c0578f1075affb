"""The start page's challenge panels: what an officer, a decision maker and a company find there, scoped to
their own cities and companies, the navigation's number, and a bounded number of queries whatever the data."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from challenges.models import Challenge, ChallengeState, EventRegistration, Follow, Question, RfiResponse
from core import audit
from core.dates import format_datetime
from core.extensions import db
from core.models import utcnow
from tests.factories import (add_challenge, add_event, add_rfi_question, add_slot, as_user, count_queries,
                             dialogue_challenge, html, make_joint_cast, make_joint_challenge, make_org, make_user)

S = ChallengeState
MAX_QUERIES = 10


def start(app, user) -> str:
    """The user's start page, in English."""
    response = as_user(app, user).get("/start")
    assert response.status_code == 200
    return html(response)


def section(page: str, key: str) -> str:
    """One panel of the start page."""
    match = re.search(rf'<section[^>]*aria-labelledby="panel-{key}".*?</section>', page, re.S)
    assert match, f"no panel {key}"
    return match.group(0)


def nav_number(page: str) -> int:
    """The number beside "My tasks" in the navigation (0 when none is shown)."""
    match = re.search(r'href="/start"[^>]*>My tasks <span class="badge[^"]*" aria-hidden="true">(\d+)</span>', page)
    return int(match.group(1)) if match else 0


def ask(dw, text: str, *, answered: bool = False, asked_days_ago: int = 2) -> Question:
    """A question of the world's company to its challenge, answered (not published) or not."""
    question = Question(challenge_id=dw.challenge.id, asked_by_id=dw.member.id, organisation_id=dw.company.id,
                        text=text, asked_at=utcnow() - timedelta(days=asked_days_ago),
                        answer="Yes." if answered else None)
    db.session.add(question)
    db.session.commit()
    return question


def officer_work(dw, copies: int = 1) -> None:
    """Work waiting for the world's officer: questions, a held meeting, an event, a closing call, a returned draft."""
    for n in range(copies):
        ask(dw, f"How many schools {n}?")
        ask(dw, f"Which data {n}?", answered=True)
        add_slot(dw.challenge, starts_in=timedelta(days=-1, hours=-n), booked_by=make_org("company"),
                 place="Room 1")
        add_event(dw.challenge, starts_in=timedelta(days=2), title=f"Workshop {n}")
        add_challenge(dw.city, dw.officer, S.OPEN, deadline_days=10, title_fi=f"Closing call {n}")
        draft = add_challenge(dw.city, dw.officer, S.DRAFT, title_fi=f"Returned draft {n}")
        audit.record("return_to_draft", draft, dw.decision_maker, from_state=S.AWAITING_APPROVAL.value,
                     to_state=S.DRAFT.value, comment="Add a second site.")
        db.session.commit()


def test_start_page_officer_sees_each_kind_of_work_linked_to_where_it_is_done(app, dw):
    officer_work(dw)
    page = start(app, dw.officer)
    questions = section(page, "questions")
    assert "How many schools 0?" in questions and "Not answered yet" in questions
    assert "Which data 0?" in questions and "Answered, not published" in questions
    assert "2 days ago" in questions  # its age
    assert f'/manage/challenges/{dw.challenge.id}/dialogue/questions/' in questions
    deadline = (dw.challenge.proposals_close_at - timedelta(days=6)).isoformat(timespec="seconds")
    assert f'datetime="{deadline}"' in questions  # the last day to publish its answer
    assert "Room 1" not in section(page, "minutes") and "Meeting with" in section(page, "minutes")
    assert "/minutes" in section(page, "minutes")
    assert "Workshop 0" in section(page, "events") and "/registrations" in section(page, "events")
    assert "Closing call 0" in section(page, "calls")
    returned = section(page, "returned")
    assert "Returned draft 0" in returned and "Reason: Add a second site." in returned
    assert nav_number(page) == 6  # two questions, a meeting, an event, a call, a draft


def test_start_page_shows_titles_in_the_readers_language_and_marks_a_finnish_one(app, dw):
    add_event(dw.challenge, starts_in=timedelta(days=2), title="Työpaja", title_sv="Verkstad")
    add_challenge(dw.city, dw.officer, S.OPEN, deadline_days=10, title_fi="Sulkeutuva haku", title_sv=None)
    dw.officer.locale = "sv"
    db.session.commit()
    page = start(app, dw.officer)
    assert "Verkstad</a>" in section(page, "events") and "Työpaja" not in section(page, "events")
    # A deadline or an event on the start page is an appointment: its weekday is shown, as everywhere.
    deadline = add_challenge(dw.city, dw.officer, S.OPEN, deadline_days=10, title_fi="Toinen haku").proposals_close_at
    calls = section(start(app, dw.officer), "calls")
    assert f'<time datetime="{deadline.isoformat(timespec="seconds")}">{format_datetime(deadline, language="sv")}</time>' \
        in calls and format_datetime(deadline, language="sv")[:2] in {"må", "ti", "on", "to", "fr", "lö", "sö"}
    assert ('<a href="/manage/challenges/' in section(page, "calls")
            and '" lang="fi">Sulkeutuva haku</a> <span class="fallback-note small text-body-secondary" '
                'lang="sv">(på finska)</span>' in section(page, "calls"))


def test_start_page_officer_question_age_is_shown_against_the_answer_deadline(app, dw):
    dw.challenge.proposals_close_at = utcnow() + timedelta(days=8)  # publishing closes in two days
    db.session.commit()
    ask(dw, "Late question?")
    questions = section(start(app, dw.officer), "questions")
    assert 'class="urgent"' in questions and "needs attention" in questions
    assert "Answers must be public at least six days before proposals close" in questions


def test_start_page_officer_of_another_city_sees_none_of_it(app, dw):
    officer_work(dw)
    page = start(app, dw.other_officer)
    for key in ("questions", "minutes", "events", "calls", "returned"):
        assert "<li" not in section(page, key), key
    assert nav_number(page) == 0


def test_start_page_empty_panels_say_what_will_appear(app, dw):
    page = start(app, dw.officer)
    assert "Questions companies ask about your challenges appear here" in section(page, "questions")
    assert "appear here until their minutes are recorded" in section(page, "minutes")


def test_start_page_decision_maker_sees_what_the_lead_city_awaits_approval(app):
    cast = make_joint_cast()
    challenge = make_joint_challenge(cast, state=S.AWAITING_APPROVAL.value)
    page = start(app, cast["decision_maker"])
    assert challenge.title_fi in section(page, "approvals")
    assert f'href="/manage/challenges/{challenge.id}"' in section(page, "approvals")
    assert nav_number(page) == 1
    # A partner city's decision maker does not approve (the lead city decides).
    assert "<li" not in section(start(app, cast["partner_decision_maker"]), "approvals")
    assert "approvals" not in start(app, cast["partner_officer"])


def company_work(dw, copies: int = 1) -> None:
    """The world's company: registrations and a meeting ahead, a question, an RFI answer, a follow."""
    for n in range(copies):
        event = add_event(dw.challenge, starts_in=timedelta(days=3 + n), title=f"Info {n}")
        db.session.add(EventRegistration(event_id=event.id, user_id=dw.member.id, organisation_id=dw.company.id,
                                         status="registered"))
        ask(dw, f"Company question {n}?")
        rfi = add_rfi_question(dw.challenge)
        db.session.add(RfiResponse(question_id=rfi.id, organisation_id=dw.company.id, user_id=dw.member.id,
                                   answer="Sensors."))
    # A company books one meeting per challenge: each call books on (and follows) a challenge of its own.
    other = dialogue_challenge(dw.city, dw.officer)
    add_slot(other, starts_in=timedelta(days=4), booked_by=dw.company)
    db.session.add(Follow(user_id=dw.member.id, challenge_id=other.id))
    db.session.commit()


def test_start_page_company_sees_its_registrations_meetings_questions_rfi_and_follows(app, dw):
    company_work(dw)
    page = start(app, dw.member)
    assert "Info 0" in section(page, "registrations") and "Registered (Alice Asker)" in section(page, "registrations")
    assert "One-to-one meeting" in section(page, "meetings")
    questions = section(page, "company_questions")
    assert "Company question 0?" in questions and "Waiting for an answer" in questions
    assert f'href="/challenges/{dw.challenge.id}/dialogue/questions"' in questions
    assert f'href="/challenges/{dw.challenge.id}/dialogue/rfi"' in section(page, "rfi")
    assert 'href="/challenges/' in section(page, "following")
    assert nav_number(page) == 2  # what is ahead: the registration and the meeting


def test_start_page_company_never_sees_another_companys_items(app, dw):
    company_work(dw)
    page = start(app, dw.other_member)
    for key in ("registrations", "meetings", "company_questions", "rfi", "following"):
        assert "<li" not in section(page, key), key


def test_start_page_company_sees_nothing_of_an_unpublished_challenge(app, dw):
    company_work(dw)
    for challenge in db.session.scalars(select(Challenge)):
        challenge.state, challenge.published_at = S.DRAFT.value, None
    db.session.commit()
    page = start(app, dw.member)
    for key in ("registrations", "meetings", "company_questions", "rfi", "following"):
        assert "<li" not in section(page, key), key


def queries_of_start(app, user) -> int:
    """How many SQL statements the user's start page runs."""
    client = as_user(app, user)
    client.get("/start")  # warm: what one request loads once per process is not counted
    with count_queries() as statements:
        assert client.get("/start").status_code == 200
    return len(statements)


@pytest.mark.parametrize("role", ["officer", "decision_maker", "member"])
def test_start_page_queries_are_bounded_whatever_the_data(app, dw, role):
    officer_work(dw)
    company_work(dw)
    dw.challenge.state = S.MARKET_DIALOGUE.value
    add_challenge(dw.city, dw.officer, S.AWAITING_APPROVAL)
    db.session.commit()
    user = getattr(dw, role)
    few = queries_of_start(app, user)
    officer_work(dw, copies=12)
    company_work(dw, copies=12)
    for _n in range(12):
        add_challenge(dw.city, dw.officer, S.AWAITING_APPROVAL)
    many = queries_of_start(app, user)
    assert few == many <= MAX_QUERIES, (few, many)


def test_navigation_number_costs_one_query_on_other_signed_in_pages(app, dw):
    officer_work(dw)
    client = as_user(app, dw.officer)
    client.get("/following")
    with count_queries() as statements:
        page = html(client.get("/following"))
    assert nav_number(page) == 6
    assert sum("dialogue_questions" in s for s in statements) == 1  # the counts, in one statement


def test_navigation_number_is_not_computed_for_visitors(app, dw):
    officer_work(dw)
    with count_queries() as statements:
        page = html(as_user(app).get("/accessibility"))
    assert 'href="/start"' not in page
    assert not any("dialogue_questions" in s for s in statements)


def test_start_page_needs_a_login(app):
    response = as_user(app).get("/start")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_start_page_of_a_user_without_roles_invites_to_browse(app):
    page = start(app, make_user())
    assert "Nothing waits for you here." in page and 'href="/challenges"' in page
