"""Questions and answers: asked privately, published to everyone at once with the asker anonymised."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import lazyload

from auth.models import Organisation, User
from challenges.models import Challenge, Question
from challenges.notifications import dialogue as notify
from challenges.services.dialogue.common import (
    QUESTION_STATES,
    _require_acting_for,
    _require_company_view,
    answers_publishable,
    questions_open,
    set_versions,
)
from core import audit
from core.extensions import db
from core.models import lock_row, utcnow
from core.refusals import refuse_if

# --- questions and answers --------------------------------------------------------------------

def ask_question(challenge: Challenge, user: User, organisation: Organisation, text: str) -> Question:
    """A company asks privately; the answer will be published to everyone."""
    _require_company_view(challenge)
    _require_acting_for(organisation, user)
    refuse_if(challenge.state not in QUESTION_STATES,
              _l("Questions can be asked while the market dialogue or the call is running."), "text")
    refuse_if(not questions_open(challenge), _l("The question deadline has passed: questions are no longer "
                                              "accepted."), "text")
    refuse_if(not (text or "").strip(), _l("Write your question."), "text")
    question = Question(challenge_id=challenge.id, asked_by_id=user.id, organisation_id=organisation.id,
                        text=text.strip())
    db.session.add(question)
    db.session.flush()
    audit.record("question_asked", question, user, data={"challenge_id": challenge.id,
                                                         "organisation_id": organisation.id})
    return question


def answer_question(question: Question, answer: str, actor: User, versions: dict[str, str | None] | None = None) -> Question:
    """Write or rewrite the answer (versions: the answer's and question's other languages); private until published."""
    lock_row(question)  # a publication sent at the same moment is seen, so a published answer stays final
    refuse_if(question.published_at is not None,
              _l("This answer has already been published and can no longer be changed."), "answer")
    refuse_if(not (answer or "").strip(), _l("Write the answer."), "answer")
    first_answer = question.answered_at is None
    question.answer, question.answered_by_id, question.answered_at = answer.strip(), actor.id, utcnow()
    set_versions(question, versions, ("answer", "text"))
    audit.record("question_answered", question, actor, data={"challenge_id": question.challenge_id})
    if first_answer:  # a rewrite before publication is no news to the asker
        notify.question_answered(question)
    return question


NOT_PUBLISHABLE = _l("Only answered, unpublished questions of this challenge can be published.")
TOO_LATE = _l("It is less than six days before the proposal deadline, so answers can no longer be published. "
              "Extend the proposal deadline first.")


def questions_by_id(challenge: Challenge, ids: list[int]) -> list[Question]:
    """The chosen questions of this challenge; refused if any id is not one of them."""
    wanted = set(ids)
    questions = list(db.session.scalars(
        select(Question).where(Question.id.in_(wanted), Question.challenge_id == challenge.id)
        .options(lazyload(Question.challenge))))
    refuse_if(len(questions) != len(wanted), NOT_PUBLISHABLE, "question_ids")
    return questions


def publish_answers(challenge: Challenge, questions: list[Question], actor: User) -> list[Question]:
    """Release answers to everyone at once (asker anonymised) and email the challenge's followers.

    Returns the answers this call published. One already published, by a simultaneous
    request say, is left alone, so that each answer is audited and announced once.
    """
    refuse_if(not questions, _l("Choose at least one answered question to publish."), "question_ids")
    refuse_if(not challenge.is_public or challenge.state not in QUESTION_STATES,
              _l("Answers are published while the market dialogue or the call is running."), "question_ids")
    refuse_if(not answers_publishable(challenge), TOO_LATE, "question_ids")
    for question in questions:
        refuse_if(question.challenge_id != challenge.id or question.answer is None, NOT_PUBLISHABLE,
                  "question_ids")
    published = _claim_unpublished(questions)
    for question in published:
        audit.record("answer_published", question, actor, data={"challenge_id": challenge.id})
        notify.question_answered(question)
    if published:
        notify.answers_published(challenge, published)
    db.session.flush()
    return published


def _claim_unpublished(questions: list[Question]) -> list[Question]:
    """Mark as published those of the questions nobody has published yet; returns them.

    The conditional UPDATE settles simultaneous publishers: a row is claimed by one
    of them, and the others wait for its commit and find it published.
    """
    claimed = set(db.session.scalars(
        update(Question).where(Question.id.in_([q.id for q in questions]), Question.published_at.is_(None))
        .values(published_at=utcnow()).returning(Question.id)
        .execution_options(synchronize_session="fetch")))
    return [q for q in questions if q.id in claimed]


def announce_new_questions(now: datetime | None = None) -> int:
    """Email the officers about the questions asked before the current hour began; returns emails queued.

    Run by the scheduler: each question is claimed once (a conditional UPDATE), so an
    officer gets at most one email an hour however often the job runs, and none twice.
    """
    now = now or utcnow()
    hour = now.replace(minute=0, second=0, microsecond=0)
    claimed = list(db.session.scalars(
        update(Question).where(Question.officers_notified_at.is_(None), Question.asked_at < hour)
        .values(officers_notified_at=now).returning(Question.id)
        .execution_options(synchronize_session=False)))
    if not claimed:
        return 0
    questions = list(db.session.scalars(select(Question).where(Question.id.in_(claimed)).order_by(Question.id)))
    return notify.questions_arrived(questions)


def reword_question(question: Question, text: str, actor: User) -> Question:
    """Edit a question's wording before it is published (to anonymise it); the original stays in the audit log.

    The published question and the asker's own list show the new wording, marked as edited by the city.
    """
    lock_row(question)  # a publication sent at the same moment is seen, so a published question stays final
    refuse_if(question.published_at is not None,
              _l("This question has already been published and its wording can no longer be changed."), "text")
    refuse_if(not (text or "").strip(), _l("Write the question."), "text")
    if text.strip() == question.text:
        return question
    audit.record("question_reworded", question, actor,
                 data={"challenge_id": question.challenge_id, "original": question.text})
    question.text, question.text_edited_at = text.strip(), utcnow()
    return question
