"""Requests for information: the questionnaire, internal responses and the published synthesis."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from auth.models import Organisation, User
from challenges.models import Challenge, RfiQuestion, RfiResponse
from challenges.services.dialogue.common import (
    _require_acting_for,
    _require_company_view,
    _require_recording,
    _require_running,
    rfi_open,
    set_versions,
)
from challenges.services.dialogue.reading import company_rfi_responses, rfi_questions
from core import audit
from core.extensions import db
from core.models import lock_row, utcnow
from core.refusals import Refused, refuse_if

# --- request for information ------------------------------------------------------------------

def add_rfi_question(challenge: Challenge, text: str, actor: User, versions: dict[str, str | None] | None = None) -> RfiQuestion:
    """Add a question at the end of the challenge's RFI questionnaire."""
    _require_running(challenge, "text")
    lock_row(challenge)  # simultaneous additions take the next positions one after another
    last = db.session.scalar(select(func.max(RfiQuestion.position))
                             .where(RfiQuestion.challenge_id == challenge.id))
    question = RfiQuestion(challenge_id=challenge.id, position=(last or 0) + 1, text=text.strip())
    set_versions(question, versions, ("text",))
    db.session.add(question)
    db.session.flush()
    audit.record("rfi_question_added", challenge, actor, data={"rfi_question_id": question.id})
    return question


def update_rfi_question(question: RfiQuestion, challenge: Challenge, text: str, actor: User,
                        versions: dict[str, str | None] | None = None) -> RfiQuestion:
    """Reword an RFI question (versions: its Swedish and English wording)."""
    _require_running(challenge, "text")
    question.text = text.strip()
    set_versions(question, versions, ("text",))
    audit.record("rfi_question_updated", challenge, actor, data={"rfi_question_id": question.id})
    return question


def delete_rfi_question(question: RfiQuestion, challenge: Challenge, actor: User) -> None:
    """Remove an RFI question nobody has answered yet."""
    _require_running(challenge)
    answered = db.session.scalar(select(func.count(RfiResponse.id))
                                 .where(RfiResponse.question_id == question.id))
    refuse_if(answered > 0, _l("Companies have already answered this question: it cannot be removed."))
    audit.record("rfi_question_deleted", challenge, actor, data={"rfi_question_id": question.id})
    db.session.delete(question)
    db.session.flush()


def save_rfi_responses(challenge: Challenge, user: User, organisation: Organisation,
                       answers: dict[int, str]) -> list[int]:
    """Save a company's RFI answers (a blank answer removes one); returns the ids of changed questions."""
    _require_company_view(challenge)
    _require_acting_for(organisation, user)
    refuse_if(not rfi_open(challenge),
              _l("The request for information is closed: the market dialogue has ended."))
    existing = company_rfi_responses(challenge, organisation)
    changed = []
    for question in rfi_questions(challenge):
        text, response = (answers.get(question.id) or "").strip(), existing.get(question.id)
        if response is not None and not text:
            db.session.delete(response)
        elif response is None and text:
            db.session.add(RfiResponse(question_id=question.id, organisation_id=organisation.id,
                                       user_id=user.id, answer=text))
        elif response is not None and response.answer != text:
            response.answer, response.user_id = text, user.id
        else:
            continue
        changed.append(question.id)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise Refused(_l("Someone from your company saved answers at the same time. Reload the page "
                               "and try again."), status_code=409) from None
    if changed:
        audit.record("rfi_answered", challenge, user, data={"organisation_id": organisation.id,
                                                            "rfi_question_ids": changed})
    return changed


def save_rfi_synthesis(challenge: Challenge, text: str | None, publish: bool, actor: User,
                       versions: dict[str, str | None] | None = None) -> Challenge:
    """Write the anonymised synthesis of the RFI responses (and its versions); publishing shows it to everyone."""
    lock_row(challenge)  # of simultaneous first publications, one is audited as the publication
    _require_recording(challenge, "synthesis")
    text = (text or "").strip() or None
    refuse_if(publish and not text, _l("Write the synthesis before publishing it."), "synthesis")
    refuse_if(challenge.rfi_synthesis_published_at is not None and not text,
              _l("A published synthesis cannot be emptied."), "synthesis")
    challenge.rfi_synthesis = text
    set_versions(challenge, versions, ("rfi_synthesis",))
    first = publish and challenge.rfi_synthesis_published_at is None
    if first:
        challenge.rfi_synthesis_published_at = utcnow()
    audit.record("rfi_synthesis_published" if first else "rfi_synthesis_saved", challenge, actor)
    return challenge
