"""An officer rewords a question before publishing it (to anonymise it); the original stays in the audit log."""
from __future__ import annotations

from challenges.models import Question
from challenges.services import dialogue as service
from core.extensions import db
from tests.factories import as_user, audit_entries, error_next_to, html

ORIGINAL = "Acme Robotics kysyy: toimiiko meidän RoboClean 3000 teidän kouluissanne?"
REWORDED = "Voiko siivousrobotteja käyttää kouluissa?"


def _asked(dw) -> Question:
    """A question Acme's member asked, answered but not published."""
    question = service.ask_question(dw.challenge, dw.member, dw.company, ORIGINAL)
    service.answer_question(question, "Kyllä voi.", dw.officer)
    db.session.commit()
    return question


def _url(dw, question) -> str:
    """The officer's page for rewording the question."""
    return f"/manage/challenges/{dw.challenge.id}/dialogue/questions/{question.id}/wording"


def test_the_reworded_question_is_published_and_the_original_kept_in_the_audit_log(app, dw):
    question = _asked(dw)
    response = as_user(app, dw.officer).post(_url(dw, question), data={"text": REWORDED})
    assert response.status_code == 302
    (entry,) = audit_entries("question_reworded")
    assert entry.data["original"] == ORIGINAL and entry.actor_id == dw.officer.id
    service.publish_answers(dw.challenge, [db.session.get(Question, question.id)], dw.officer)
    db.session.commit()
    public = html(as_user(app).get(f"/challenges/{dw.challenge.id}/dialogue"))
    assert REWORDED in public and "RoboClean" not in public and "Acme" not in public


def test_the_asker_sees_the_published_wording_marked_as_edited_by_the_city(app, dw):
    question = _asked(dw)
    as_user(app, dw.officer).post(_url(dw, question), data={"text": REWORDED})
    page = html(as_user(app, dw.member).get(f"/challenges/{dw.challenge.id}/dialogue/questions"))
    assert REWORDED in page and "The city edited the wording of your question for publication" in page


def test_a_published_question_cannot_be_reworded(app, dw):
    question = _asked(dw)
    service.publish_answers(dw.challenge, [question], dw.officer)
    db.session.commit()
    response = as_user(app, dw.officer).post(_url(dw, question), data={"text": REWORDED})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Question, question.id).text == ORIGINAL and audit_entries("question_reworded") == []


def test_an_empty_wording_is_refused_next_to_the_field(app, dw):
    question = _asked(dw)
    response = as_user(app, dw.officer).post(_url(dw, question), data={"text": " "})
    assert response.status_code == 400 and "Write the question." in error_next_to(html(response), "text")
    db.session.expire_all()
    assert db.session.get(Question, question.id).text == ORIGINAL


def test_only_the_challenges_officers_reword_questions(app, dw):
    question = _asked(dw)
    for user in (dw.member, dw.decision_maker, dw.other_officer):
        assert as_user(app, user).post(_url(dw, question), data={"text": REWORDED}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Question, question.id).text == ORIGINAL
