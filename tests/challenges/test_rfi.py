"""Request for information: a questionnaire, responses internal to the city, an anonymised synthesis."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from challenges.models import ChallengeState, RfiQuestion, RfiResponse
from challenges.services import dialogue as service
from core.extensions import db
from core.models import utcnow
from tests.factories import (COMPANY_ACTION, OFFICER_ACTION, OFFICER_PAGE, as_user, assert_outcome, audit_count,
                             dialogue_challenge, html, outcome, person)

S = ChallengeState


def questionnaire(dw, *texts: str) -> list[RfiQuestion]:
    """The challenge's RFI questions, saved in order."""
    questions = [service.add_rfi_question(dw.challenge, text, dw.officer) for text in texts]
    db.session.commit()
    return questions


def _answer(app, dw, user, organisation, answers: dict[RfiQuestion, str]):
    """Post the RFI form as user."""
    data = {"organisation_id": organisation.id, **{f"q{q.id}": text for q, text in answers.items()}}
    return as_user(app, user).post(f"/challenges/{dw.challenge.id}/dialogue/rfi", data=data)


def _responses() -> dict[tuple[int, int], str]:
    """Every saved answer by (question, organisation)."""
    db.session.expire_all()
    return {(r.question_id, r.organisation_id): r.answer for r in db.session.scalars(select(RfiResponse))}


# --- the questionnaire ----------------------------------------------------------------------------

def test_officer_writes_an_ordered_questionnaire(app, dw):
    client = as_user(app, dw.officer)
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/rfi"
    for text in ("What does it cost?", "How long to deploy?"):
        assert client.post(url, data={"text": text}).status_code == 302
    rows = db.session.execute(select(RfiQuestion.position, RfiQuestion.text)
                              .order_by(RfiQuestion.position)).all()
    assert [tuple(r) for r in rows] == [(1, "What does it cost?"), (2, "How long to deploy?")]
    assert audit_count("rfi_question_added") == 2


def test_answered_question_cannot_be_removed_but_an_unanswered_one_can(app, dw):
    answered_q, spare = questionnaire(dw, "Price?", "Spare?")
    _answer(app, dw, dw.member, dw.company, {answered_q: "10 €"})
    client = as_user(app, dw.officer)
    base = f"/manage/challenges/{dw.challenge.id}/dialogue/rfi"
    client.post(f"{base}/{answered_q.id}/delete")
    client.post(f"{base}/{spare.id}/delete")
    assert list(db.session.scalars(select(RfiQuestion.text))) == ["Price?"]


def test_officer_rewords_a_question(app, dw):
    (question,) = questionnaire(dw, "Pric?")
    response = as_user(app, dw.officer).post(
        f"/manage/challenges/{dw.challenge.id}/dialogue/rfi/{question.id}/edit", data={"text": "Price?"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RfiQuestion, question.id).text == "Price?"


# --- answering ------------------------------------------------------------------------------------

def test_company_answers_edits_and_blanks_an_answer(app, dw):
    price, time = questionnaire(dw, "Price?", "Time?")
    assert _answer(app, dw, dw.member, dw.company, {price: "100 €", time: "2 weeks"}).status_code == 302
    assert _responses() == {(price.id, dw.company.id): "100 €", (time.id, dw.company.id): "2 weeks"}
    _answer(app, dw, dw.member, dw.company, {price: "90 €", time: ""})
    assert _responses() == {(price.id, dw.company.id): "90 €"}
    assert audit_count("rfi_answered") == 2
    page = html(as_user(app, dw.member).get(f"/challenges/{dw.challenge.id}/dialogue/rfi"))
    assert "90 €" in page


def test_responses_are_invisible_to_another_company_and_the_public(app, dw):
    (price,) = questionnaire(dw, "Price?")
    _answer(app, dw, dw.member, dw.company, {price: "Our secret price 123"})
    other_form = html(as_user(app, dw.other_member).get(f"/challenges/{dw.challenge.id}/dialogue/rfi"))
    assert "Our secret price 123" not in other_form
    for viewer in (dw.other_member, None, dw.member):
        page = html(as_user(app, viewer).get(f"/challenges/{dw.challenge.id}/dialogue"))
        assert "Our secret price 123" not in page
    responses = f"/manage/challenges/{dw.challenge.id}/dialogue/rfi/responses"
    assert outcome(as_user(app, dw.other_member).get(responses)) == 403
    assert outcome(as_user(app, dw.member).get(responses)) == 403
    assert outcome(as_user(app).get(responses)) == "login"
    assert outcome(as_user(app, dw.other_officer).get(responses)) == 403


def test_responses_are_visible_to_the_owning_citys_staff(app, dw):
    (price,) = questionnaire(dw, "Price?")
    _answer(app, dw, dw.member, dw.company, {price: "Our price 123"})
    for staff in (dw.officer, dw.decision_maker, dw.city_admin):
        page = html(as_user(app, staff).get(f"/manage/challenges/{dw.challenge.id}/dialogue/rfi/responses"))
        assert "Our price 123" in page and dw.company.name in page


def test_answers_are_refused_once_the_dialogue_has_ended(app, dw):
    (price,) = questionnaire(dw, "Price?")
    dw.challenge.dialogue_ends_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = _answer(app, dw, dw.member, dw.company, {price: "Late"})
    assert response.status_code == 400 and "The request for information is closed" in html(response)
    assert _responses() == {}


def test_answers_are_refused_once_the_call_is_open(app, dw):
    challenge = dialogue_challenge(dw.city, dw.officer, S.OPEN)
    question = RfiQuestion(challenge_id=challenge.id, position=1, text="Price?")
    db.session.add(question)
    db.session.commit()
    response = as_user(app, dw.member).post(f"/challenges/{challenge.id}/dialogue/rfi",
                                            data={"organisation_id": dw.company.id, f"q{question.id}": "x"})
    assert response.status_code == 400 and db.session.scalar(select(func.count(RfiResponse.id))) == 0


# --- synthesis ------------------------------------------------------------------------------------

def test_synthesis_is_public_only_after_publishing(app, dw):
    url = f"/manage/challenges/{dw.challenge.id}/dialogue/rfi/synthesis"
    public = f"/challenges/{dw.challenge.id}/dialogue"
    client = as_user(app, dw.officer)
    text = "Most answers said 100 €."
    assert client.post(url, data={"synthesis": text, "save": "Save"}).status_code == 302
    assert "Most answers said 100 €." not in html(as_user(app).get(public))
    assert audit_count("rfi_synthesis_saved") == 1
    assert client.post(url, data={"synthesis": text, "publish": "Publish"}).status_code == 302
    assert "Most answers said 100 €." in html(as_user(app).get(public))
    assert "Most answers said 100 €." in html(as_user(app, dw.other_member).get(public))
    assert audit_count("rfi_synthesis_published") == 1


def test_empty_synthesis_cannot_be_published(app, dw):
    response = as_user(app, dw.officer).post(f"/manage/challenges/{dw.challenge.id}/dialogue/rfi/synthesis",
                                             data={"synthesis": "", "publish": "Publish"})
    assert response.status_code == 400 and 'id="synthesis-error"' in html(response)


# --- who may do what ------------------------------------------------------------------------------

@pytest.mark.parametrize("role", list(OFFICER_PAGE))
def test_rfi_officer_pages_per_role(app, dw, role):
    (question,) = questionnaire(dw, "Price?")
    client = as_user(app, person(dw, role))
    base = f"/manage/challenges/{dw.challenge.id}/dialogue/rfi"
    for path in ("", f"/{question.id}/edit", "/responses", "/synthesis"):
        assert outcome(client.get(base + path)) == OFFICER_PAGE[role], path
    for path in ("", f"/{question.id}/edit", f"/{question.id}/delete", "/synthesis"):
        assert_outcome(outcome(client.post(base + path, data={})), OFFICER_ACTION[role])


@pytest.mark.parametrize("role", list(COMPANY_ACTION))
def test_rfi_answering_per_role(app, dw, role):
    questionnaire(dw, "Price?")
    client = as_user(app, person(dw, role))
    url = f"/challenges/{dw.challenge.id}/dialogue/rfi"
    expected = COMPANY_ACTION[role]
    assert outcome(client.get(url)) == (200 if expected == "ok" else expected)
    assert_outcome(outcome(client.post(url, data={})), expected)
