"""The officer's request for information, its synthesis, and the dialogue summary."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from challenges import bp
from challenges.forms.dialogue import (
    RfiQuestionForm,
    SummaryForm,
    SynthesisForm,
)
from challenges.models import RfiQuestion
from challenges.services import dialogue as service
from challenges.views.dialogue.common import MANAGE, _child, _me, _staff, _status
from core.extensions import db
from core.forms import Form
from core.refusals import Refused, put_on_form

# --- officer pages: request for information ---------------------------------------------------

@bp.route(f"{MANAGE}/rfi", methods=["GET", "POST"])
@login_required
def dialogue_rfi_manage(challenge_id: int):
    """The RFI questionnaire, and the form to add a question."""
    challenge, can_edit = _staff(challenge_id)
    form = RfiQuestionForm()
    if form.validate_on_submit():
        try:
            service.add_rfi_question(challenge, form.text.data, _me(), form.versions())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The question was added."), "success")
            return redirect(url_for("challenges.dialogue_rfi_manage", challenge_id=challenge_id))
    return render_template("challenges/dialogue_rfi_manage.html", challenge=challenge, form=form,
                           can_edit=can_edit, questions=service.rfi_questions(challenge),
                           running=service.dialogue_running(challenge)), _status(form)


@bp.route(f"{MANAGE}/rfi/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def dialogue_rfi_question_edit(challenge_id: int, question_id: int):
    """Reword an RFI question."""
    challenge, can_edit = _staff(challenge_id)
    question = _child(RfiQuestion, challenge, question_id)
    form = RfiQuestionForm(obj=question)
    if form.validate_on_submit():
        try:
            service.update_rfi_question(question, challenge, form.text.data, _me(), form.versions())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The question was updated."), "success")
            return redirect(url_for("challenges.dialogue_rfi_manage", challenge_id=challenge_id))
    return render_template("challenges/dialogue_rfi_question.html", challenge=challenge, question=question,
                           form=form, can_edit=can_edit), _status(form)


@bp.post(f"{MANAGE}/rfi/<int:question_id>/delete")
@login_required
def dialogue_rfi_question_delete(challenge_id: int, question_id: int):
    """Remove an RFI question nobody has answered."""
    challenge, _can_edit = _staff(challenge_id)
    question = _child(RfiQuestion, challenge, question_id)
    if not Form().validate_on_submit():
        abort(400)
    try:
        service.delete_rfi_question(question, challenge, _me())
    except Refused as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The question was removed."), "success")
    return redirect(url_for("challenges.dialogue_rfi_manage", challenge_id=challenge_id))


@bp.get(f"{MANAGE}/rfi/responses")
@login_required
def dialogue_rfi_responses(challenge_id: int):
    """Every company's RFI answers, for the owning city's staff only."""
    challenge, _can_edit = _staff(challenge_id)
    return render_template("challenges/dialogue_rfi_responses.html", challenge=challenge,
                           answered=service.rfi_responses_for_staff(challenge))


@bp.route(f"{MANAGE}/rfi/synthesis", methods=["GET", "POST"])
@login_required
def dialogue_rfi_synthesis(challenge_id: int):
    """Write the anonymised synthesis of the RFI answers and publish it."""
    challenge, can_edit = _staff(challenge_id)
    form = SynthesisForm(data={"synthesis": challenge.rfi_synthesis, **SynthesisForm.initial_versions(challenge)})
    if form.validate_on_submit() and not form.previewing:
        try:
            service.save_rfi_synthesis(challenge, form.synthesis.data, form.publish.data, _me(), form.versions())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The synthesis was published.") if form.publish.data else _("The synthesis was saved."),
                  "success")
            return redirect(url_for("challenges.dialogue_rfi_synthesis", challenge_id=challenge_id))
    return render_template("challenges/dialogue_rfi_synthesis.html", challenge=challenge, form=form,
                           can_edit=can_edit), _status(form)


# --- officer pages: dialogue summary ----------------------------------------------------------

@bp.route(f"{MANAGE}/summary", methods=["GET", "POST"])
@login_required
def dialogue_summary(challenge_id: int):
    """Write what was learned and what changed; publishing it lets the call open."""
    challenge, can_edit = _staff(challenge_id)
    form = SummaryForm(data={"summary": challenge.dialogue_summary, "changes": challenge.dialogue_changes,
                             **SummaryForm.initial_versions(challenge)})
    if form.validate_on_submit() and not form.previewing:
        try:
            service.save_dialogue_summary(challenge, form.summary.data, form.changes.data, form.publish.data,
                                          _me(), form.versions())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The dialogue summary was published.") if form.publish.data else
                  _("The dialogue summary was saved."), "success")
            return redirect(url_for("challenges.dialogue_summary", challenge_id=challenge_id))
    return render_template("challenges/dialogue_summary.html", challenge=challenge, form=form,
                           can_edit=can_edit,
                           missing=service.meetings_without_minutes(challenge)), _status(form)
