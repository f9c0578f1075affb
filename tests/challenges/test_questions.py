"""Questions and answers: asked privately, published to everyone at once with the asker anonymised."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from auth.models import OrgKind
from auth.roles import Role
from challenges.models import ChallengeState, Follow, Question
from challenges.services import dialogue as service
from core.extensions import db
from core.mail import OutboxMessage
from core.models import utcnow
from tests.factories import (COMPANY_ACTION, OFFICER_ACTION, OFFICER_PAGE, as_user, assert_outcome, audit_count,
                             count_queries, dialogue_challenge, html, outcome, person)

S = ChallengeState


def ask(dw, text: str = "Can the pilot run in two schools?", user=None, organisation=None) -> Question:
    """A saved question of the world's company."""
    question = service.ask_question(dw.challenge, user or dw.member, organisation or dw.company, text)
    db.session.commit()
    return question


def answered(dw, text: str = "Can the pilot run in two schools?", answer: str = "Yes, in two.") -> Question:
    """A saved question with an unpublished answer."""
    question = ask(dw, text)
    service.answer_question(question, answer, dw.officer)
    db.session.commit()
    return question


def follow(user, challenge) -> None:
    """user follows challenge."""
    db.session.add(Follow(user_id=user.id, challenge_id=challenge.id))
    db.session.commit()


def _publish(app, dw, *questions):
    """The officer publishes the answers to questions in one action."""
    return as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/dialogue/questions/publish",
                                         data={"question_ids": [q.id for q in questions]})


# --- asking ---------------------------------------------------------------------------------------

def test_company_asks_privately_and_nobody_else_sees_the_question(app, dw):
    url = f"/challenges/{dw.challenge.id}/dialogue/questions"
    response = as_user(app, dw.member).post(url, data={"organisation_id": dw.company.id,
                                                       "text": "Secret question?"})
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert question.organisation_id == dw.company.id and question.asked_by_id == dw.member.id
    assert audit_count("question_asked") == 1
    assert "Secret question?" in html(as_user(app, dw.member).get(url))
    for viewer in (dw.other_member, None):
        page = html(as_user(app, viewer).get(f"/challenges/{dw.challenge.id}/dialogue"))
        assert "Secret question?" not in page
    assert "Secret question?" not in html(as_user(app, dw.other_member).get(
        f"/challenges/{dw.challenge.id}/dialogue/questions"))


def test_question_after_the_deadline_is_refused_next_to_the_field(app, dw):
    dw.challenge.questions_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = as_user(app, dw.member).post(f"/challenges/{dw.challenge.id}/dialogue/questions",
                                            data={"organisation_id": dw.company.id, "text": "Too late?"})
    assert response.status_code == 400
    page = html(response)
    assert 'id="text-error"' in page and "The question deadline has passed" in page
    assert "Too late?" in page  # what was typed is kept
    assert db.session.scalar(select(Question.id)) is None


def test_questions_wait_until_the_dialogue_starts(app, dw):
    challenge = dialogue_challenge(dw.city, dw.officer, S.APPROVED)
    response = as_user(app, dw.member).post(f"/challenges/{challenge.id}/dialogue/questions",
                                            data={"organisation_id": dw.company.id, "text": "Early?"})
    assert response.status_code == 400
    assert "while the market dialogue or the call is running" in html(response)


def test_questions_are_accepted_while_the_call_is_open(app, dw):
    challenge = dialogue_challenge(dw.city, dw.officer, S.OPEN)
    response = as_user(app, dw.member).post(f"/challenges/{challenge.id}/dialogue/questions", data={
        "organisation_id": dw.company.id, "text": "During the call?"})
    assert response.status_code == 302


def test_empty_question_is_refused(app, dw):
    response = as_user(app, dw.member).post(f"/challenges/{dw.challenge.id}/dialogue/questions",
                                            data={"organisation_id": dw.company.id, "text": "   "})
    assert response.status_code == 400 and "Write your question." in html(response)


# --- answering and publishing ---------------------------------------------------------------------

def test_answer_is_invisible_until_published_then_everyone_sees_it_anonymised(app, dw):
    question = answered(dw, "How many pupils?", "About 300 pupils.")
    public = f"/challenges/{dw.challenge.id}/dialogue"
    for viewer in (dw.member, dw.other_member, None):
        assert "About 300 pupils." not in html(as_user(app, viewer).get(public))
    assert "About 300 pupils." not in html(as_user(app, dw.member).get(f"{public}/questions"))
    response = _publish(app, dw, question)
    assert response.status_code == 302
    for viewer in (dw.other_member, None):
        page = html(as_user(app, viewer).get(public))
        assert "How many pupils?" in page and "About 300 pupils." in page
        for secret in (dw.member.name, dw.member.email, dw.company.name, dw.company.business_id):
            assert secret not in page
    assert audit_count("answer_published") == 1


def test_publishing_emails_every_follower_in_their_language_once_per_action(app, dw, make_user, outbox):
    finn = make_user(locale="fi")
    swede = make_user(locale="sv")
    for user in (finn, swede):
        follow(user, dw.challenge)
    first = answered(dw, "First?", "One.")
    second = answered(dw, "Second?", "Two.")
    outbox.clear()
    assert _publish(app, dw, first, second).status_code == 302
    [to_asker] = [m for m in outbox if m.recipients == [dw.member.email]]  # told once, of both
    assert "One." in to_asker.body and "Two." in to_asker.body
    outbox.remove(to_asker)
    assert sorted(m.recipients[0] for m in outbox) == sorted([finn.email, swede.email])
    locales = dict(db.session.execute(select(OutboxMessage.recipient, OutboxMessage.locale).where(
        OutboxMessage.event == "dialogue_answer_published")).all())
    assert locales == {finn.email: "fi", swede.email: "sv"}
    by_recipient = {m.recipients[0]: m for m in outbox}
    assert 'lang="sv"' in by_recipient[swede.email].html and 'lang="fi"' in by_recipient[finn.email].html
    for message in outbox:
        assert "One." in message.body and "Two." in message.body
        assert dw.company.name not in message.body and dw.member.name not in message.body


def test_publishing_an_answer_again_says_it_was_already_published_and_tells_nobody_twice(
        app, dw, make_user, outbox):
    follow(make_user(), dw.challenge)
    question = answered(dw)
    _publish(app, dw, question)
    outbox.clear()
    again = as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/dialogue/questions/publish",
                        data={"question_ids": [question.id]}, follow_redirects=True)
    assert again.status_code == 200 and "These answers had already been published." in html(again)
    assert outbox == [] and audit_count("answer_published") == 1


def test_publishing_later_than_six_days_before_the_proposal_deadline_is_refused(app, dw, outbox):
    question = answered(dw)
    dw.challenge.proposals_close_at = utcnow() + timedelta(days=5, hours=23)
    db.session.commit()
    outbox.clear()  # the asker was told of the answer
    response = _publish(app, dw, question)
    assert response.status_code == 400 and "Extend the proposal deadline first." in html(response)
    db.session.expire_all()
    assert db.session.get(Question, question.id).published_at is None and outbox == []


def test_answer_page_warns_as_the_publishing_cutoff_approaches(app, dw):
    question = ask(dw)
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/questions/{question.id}"
    assert "Answers must be published by" not in html(as_user(app, dw.officer).get(url))
    dw.challenge.proposals_close_at = utcnow() + timedelta(days=8)
    db.session.commit()
    assert "Answers must be published by" in html(as_user(app, dw.officer).get(url))
    dw.challenge.proposals_close_at = utcnow() + timedelta(days=5)
    db.session.commit()
    assert "answers can no longer be published" in html(as_user(app, dw.officer).get(url))


def test_officer_sees_the_asker_on_the_answer_page(app, dw):
    question = ask(dw)
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/questions/{question.id}"
    page = html(as_user(app, dw.officer).get(url))
    assert dw.member.name in page and dw.company.name in page


def test_officer_saves_an_answer_and_a_published_answer_is_final(app, dw):
    question = ask(dw)
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/questions/{question.id}"
    client = as_user(app, dw.officer)
    assert client.post(url, data={"answer": "Draft answer"}).status_code == 302
    assert audit_count("question_answered") == 1
    _publish(app, dw, question)
    response = client.post(url, data={"answer": "Changed afterwards"})
    assert response.status_code == 400 and "already been published" in html(response)
    db.session.expire_all()
    assert db.session.get(Question, question.id).answer == "Draft answer"


def test_unanswered_question_cannot_be_published(app, dw):
    question = ask(dw)
    response = _publish(app, dw, question)
    assert response.status_code == 400 and "Only answered, unpublished questions" in html(response)


def test_another_challenges_question_cannot_be_published_here(app, dw):
    other = dialogue_challenge(dw.city, dw.officer)
    question = service.ask_question(other, dw.member, dw.company, "Elsewhere?")
    service.answer_question(question, "Yes", dw.officer)
    db.session.commit()
    assert _publish(app, dw, question).status_code == 400


# --- the officer's list: bounded queries ----------------------------------------------------------

def test_question_list_runs_the_same_number_of_queries_for_3_and_30_rows(app, dw, make_org, make_user):
    counts = []
    for n in (3, 30):
        challenge = dialogue_challenge(dw.city, dw.officer)
        for i in range(n):
            company = make_org(OrgKind.COMPANY.value)
            user = make_user(company, (Role.MEMBER.value,))
            question = service.ask_question(challenge, user, company, f"Question {i}")
            if i % 2:
                service.answer_question(question, "Answer", dw.officer)
        db.session.commit()
        client = as_user(app, dw.officer)
        url = f"/manage/challenges/{challenge.id}/dialogue/questions"
        client.get(url)
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        assert len(re.findall(r'href="/manage/challenges/\d+/dialogue/questions/\d+"', html(response))) == n
        counts.append(len(statements))
    assert counts[0] == counts[1] and counts[0] <= 10


def test_question_list_shows_each_asker_to_the_officer(app, dw):
    ask(dw)
    page = html(as_user(app, dw.officer).get(f"/manage/challenges/{dw.challenge.id}/dialogue/questions"))
    assert dw.member.name in page and dw.company.name in page and "Waiting for an answer" in page


# --- who may do what ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(OFFICER_PAGE))
def test_question_officer_pages_per_role(app, dw, role):
    question = ask(dw)
    client = as_user(app, person(dw, role))
    base = f"/manage/challenges/{dw.challenge.id}/dialogue/questions"
    for path in ("", f"/{question.id}"):
        assert outcome(client.get(base + path)) == OFFICER_PAGE[role], path
    for path in (f"/{question.id}", "/publish"):
        assert_outcome(outcome(client.post(base + path, data={})), OFFICER_ACTION[role])


@pytest.mark.parametrize("role", list(COMPANY_ACTION))
def test_asking_per_role(app, dw, role):
    client = as_user(app, person(dw, role))
    url = f"/challenges/{dw.challenge.id}/dialogue/questions"
    expected = COMPANY_ACTION[role]
    assert outcome(client.get(url)) == (200 if expected == "ok" else expected)
    assert_outcome(outcome(client.post(url, data={})), expected)


def test_asking_about_an_unpublished_challenge_is_not_found(app, dw):
    draft = dialogue_challenge(dw.city, dw.officer, S.DRAFT)
    assert as_user(app, dw.member).get(f"/challenges/{draft.id}/dialogue/questions").status_code == 404
    response = as_user(app, dw.other_officer).get(f"/manage/challenges/{draft.id}/dialogue/questions")
    assert response.status_code == 404
