"""Staff tables show states as pills with words and counts aggregated in SQL, and scroll in their own box."""
from __future__ import annotations

import re

import pytest

from challenges.models import EventRegistration, Question
from core.extensions import db
from tests.factories import add_event, as_user, count_queries, html, make_challenge, make_user

pytestmark = pytest.mark.usefixtures("english")


def _ask(challenge, cast, n: int, answered: int = 0) -> None:
    """n questions to the challenge, the first `answered` of them answered."""
    asker = make_user(cast["company"])
    db.session.add_all([Question(challenge_id=challenge.id, asked_by_id=asker.id, organisation_id=cast["company"].id,
                                 text=f"Kysymys {k}", answer="Vastaus" if k < answered else None)
                        for k in range(n)])
    db.session.commit()


def _row_of(page: str, title: str) -> str:
    """The table row that links to the challenge titled title."""
    return next(row for row in re.findall(r"<tr>.*?</tr>", page, re.S) if title in row)


def test_manage_list_shows_state_pills_and_unanswered_questions(client, cast, login):
    busy = make_challenge(cast["city"], cast["officer"], state="market_dialogue", title_fi="Kiireinen")
    make_challenge(cast["city"], cast["officer"], title_fi="Hiljainen")
    _ask(busy, cast, 3, answered=1)
    login(cast["officer"])
    page = html(client.get("/manage/challenges"))
    busy_row, quiet_row = _row_of(page, "Kiireinen"), _row_of(page, "Hiljainen")
    assert '<span class="pill pill-dialogue">Market dialogue</span>' in busy_row
    assert '<span class="pill pill-draft">Draft</span>' in quiet_row
    assert f'href="/manage/challenges/{busy.id}/dialogue/questions">2<' in busy_row
    assert '<span class="count">0</span>' in quiet_row


def test_manage_list_counts_questions_in_one_query_whatever_the_rows(client, cast, login):
    login(cast["officer"])
    first = make_challenge(cast["city"], cast["officer"])
    _ask(first, cast, 2)
    client.get("/manage/challenges")  # warm-up
    with count_queries() as few:
        client.get("/manage/challenges")
    for _ in range(12):
        _ask(make_challenge(cast["city"], cast["officer"]), cast, 2)
    with count_queries() as many:
        page = html(client.get("/manage/challenges"))
    assert page.count('<a class="count"') == 13 and len(few) == len(many) <= 10


def test_staff_list_table_is_a_named_focusable_scrolling_region(client, cast, login):
    make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    page = html(client.get("/manage/challenges"))
    assert re.search(r'<div class="table-responsive" tabindex="0" role="region" aria-label="Challenges to manage">\s*'
                     r'<table', page)


def test_registration_statuses_are_pills(app, dw):
    event = add_event(dw.challenge, capacity=1)
    db.session.add_all([
        EventRegistration(event_id=event.id, user_id=dw.member.id, organisation_id=dw.company.id, status="registered"),
        EventRegistration(event_id=event.id, user_id=dw.other_member.id, organisation_id=dw.other_company.id,
                          status="waiting")])
    db.session.commit()
    page = html(as_user(app, dw.officer).get(
        f"/manage/challenges/{dw.challenge.id}/dialogue/events/{event.id}/registrations"))
    assert '<span class="pill pill-registered">Registered</span>' in page
    assert '<span class="pill pill-waiting">Waiting list, place 1</span>' in page
