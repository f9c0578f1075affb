"""The officer's questions and answers: answer, then publish to everyone at once."""
from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from auth.models import User
from challenges import bp
from challenges.forms.dialogue import (
    AnswerForm,
    PublishAnswersForm,
    QuestionWordingForm,
)
from challenges.models import Challenge, Question
from challenges.services import dialogue as service
from challenges.views.dialogue.common import MANAGE, _child, _me, _staff, _status
from core.extensions import db
from core.pagination import after_arg
from core.refusals import Refused, put_on_form

# --- officer pages: questions and answers -----------------------------------------------------

def _questions_page(challenge: Challenge, can_edit: bool, form: PublishAnswersForm):
    """Every question of the challenge with its asker, and the publishing form."""
    return render_template(
        "challenges/dialogue_questions.html", challenge=challenge, can_edit=can_edit, form=form,
        page=service.questions_for_staff(challenge, after_arg()),
        publishable=set(service.publishable_question_ids(challenge)),
        deadline=service.answer_deadline(challenge), too_late=not service.answers_publishable(challenge),
        deadline_near=service.answer_deadline_near(challenge)), _status(form)


@bp.get(f"{MANAGE}/questions")
@login_required
def dialogue_questions(challenge_id: int):
    """The officer's list of questions: who asked (internal), answers, what is published."""
    challenge, can_edit = _staff(challenge_id)
    return _questions_page(challenge, can_edit, PublishAnswersForm(formdata=None))


@bp.post(f"{MANAGE}/questions/publish")
@login_required
def dialogue_publish_answers(challenge_id: int):
    """Publish the chosen answers to everyone at once and email the followers."""
    challenge, can_edit = _staff(challenge_id)
    form = PublishAnswersForm()
    if form.validate_on_submit():
        try:
            questions = service.publish_answers(
                challenge, service.questions_by_id(challenge, form.question_ids.data), _me())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            if questions:
                flash(ngettext("%(num)d answer was published to everyone.",
                               "%(num)d answers were published to everyone.", len(questions)), "success")
            else:  # someone published them a moment earlier
                flash(_("These answers had already been published."), "info")
            return redirect(url_for("challenges.dialogue_questions", challenge_id=challenge_id))
    return _questions_page(challenge, can_edit, form)


@bp.route(f"{MANAGE}/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def dialogue_answer(challenge_id: int, question_id: int):
    """Write the answer to one question; publishing is a separate step."""
    challenge, can_edit = _staff(challenge_id)
    question = _child(Question, challenge, question_id)
    form = AnswerForm(obj=question)
    if form.validate_on_submit() and not form.previewing:
        try:
            service.answer_question(question, form.answer.data, _me(), form.versions())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The answer was saved. Publish it to release it to everyone."), "success")
            return redirect(url_for("challenges.dialogue_answer", challenge_id=challenge_id,
                                    question_id=question_id))
    asker = db.session.get(User, question.asked_by_id)
    return render_template(
        "challenges/dialogue_answer.html", challenge=challenge, question=question, asker=asker, form=form,
        can_edit=can_edit, deadline=service.answer_deadline(challenge),
        too_late=not service.answers_publishable(challenge),
        deadline_near=service.answer_deadline_near(challenge)), _status(form)


@bp.route(f"{MANAGE}/questions/<int:question_id>/wording", methods=["GET", "POST"])
@login_required
def dialogue_question_wording(challenge_id: int, question_id: int):
    """Reword a question before it is published (to leave out who asked); the original stays in the history."""
    challenge, can_edit = _staff(challenge_id)
    question = _child(Question, challenge, question_id)
    form = QuestionWordingForm(obj=question)
    if form.validate_on_submit():
        try:
            service.reword_question(question, form.text.data, _me())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The question's wording was saved. The original is kept in the history."), "success")
            return redirect(url_for("challenges.dialogue_answer", challenge_id=challenge_id,
                                    question_id=question_id))
    return render_template("challenges/dialogue_question_wording.html", challenge=challenge, question=question,
                           form=form, can_edit=can_edit), _status(form)
