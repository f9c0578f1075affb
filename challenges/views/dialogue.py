"""Market dialogue pages: the public dialogue and company actions, and the officer's pages.

Who gets what:
- Public pages (/challenges/<id>/dialogue, an event, its calendar file) follow the
  challenge: anyone who can view it; 404 otherwise.
- Company actions (register, book, ask, answer the RFI) need a login (visitors are
  sent to log in), a viewable challenge (404) and acting for a company (403).
- Officer pages (/manage/challenges/<id>/dialogue/...) are for the owning city's
  officers. The owning city's decision makers and admins, and platform admins,
  may open them read-only (forms hidden; posting gives 403). Anyone else gets
  404 for an unpublished challenge and 403 for a published one.
"""
from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from auth.models import User
from auth.permissions import PLATFORM_ADMIN, roles_for
from challenges import bp
from challenges.forms.dialogue import (AnswerForm, CompanyForm, EventForm, EventRecordForm, MinutesForm,
                                       PublishAnswersForm, QuestionForm, RfiQuestionForm, SlotForm,
                                       SummaryForm, SynthesisForm, helsinki_clock, rfi_response_form)
from challenges.models import Challenge, DialogueEvent, MeetingSlot, Question, RfiQuestion
from challenges.notifications.dialogue import external_link
from challenges.permissions import can_view, is_city_staff
from challenges.services import dialogue as service
from challenges.services.dialogue import DialogueError
from core.extensions import db
from core.models import utcnow
from core.views import safe_next

STAFF_READERS = {"decision_maker", "city_admin", PLATFORM_ADMIN}
PUBLIC = "/challenges/<int:challenge_id>/dialogue"
MANAGE = "/manage/challenges/<int:challenge_id>/dialogue"


# --- loading and permissions ------------------------------------------------------------------

def _me():
    """The logged-in user as a model (services and the audit log need it, not the proxy)."""
    return current_user._get_current_object()


def _page_number() -> int:
    """The page asked for; anything unusable means the first page."""
    return max(1, request.args.get("page", 1, type=int) or 1)


def _status(form: FlaskForm) -> int:
    """400 for a submitted form shown again with errors, 200 for a first view."""
    return 400 if form.is_submitted() else 200


def _challenge(challenge_id: int) -> Challenge:
    """The challenge without its criteria, sites and themes (dialogue pages do not show them)."""
    stmt = select(Challenge).where(Challenge.id == challenge_id).options(
        lazyload(Challenge.themes), lazyload(Challenge.sites), lazyload(Challenge.criteria))
    return db.session.scalar(stmt) or abort(404)


def _viewable(challenge_id: int) -> Challenge:
    """A challenge the current user may see; 404 otherwise, so existence is not revealed."""
    challenge = _challenge(challenge_id)
    if not can_view(current_user, challenge):
        abort(404)
    return challenge


def _for_company(challenge_id: int) -> tuple[Challenge, list]:
    """A viewable challenge and the companies the user acts for; 403 for people who act for none."""
    challenge = _viewable(challenge_id)
    companies = service.acting_companies(current_user)
    if not companies:
        abort(403)
    return challenge, companies


def _staff(challenge_id: int, write: bool | None = None) -> tuple[Challenge, bool]:
    """An officer page: (challenge, may edit). Readers get GETs only; strangers 403 or 404."""
    write = request.method not in ("GET", "HEAD") if write is None else write
    challenge = _challenge(challenge_id)
    roles = roles_for(current_user, challenge)
    officer = "officer" in roles
    if officer or (not write and roles & STAFF_READERS):
        return challenge, officer
    abort(403 if challenge.is_public or roles & STAFF_READERS else 404)


def _child(model: Any, challenge: Challenge, object_id: int) -> Any:
    """One event, slot or question of this challenge; 404 for another challenge's."""
    stmt = select(model).where(model.id == object_id, model.challenge_id == challenge.id)
    if hasattr(model, "challenge"):
        stmt = stmt.options(lazyload(model.challenge))
    return db.session.scalar(stmt) or abort(404)


def _refused(exc: DialogueError, form: FlaskForm) -> None:
    """Undo the attempt and show the service's reason next to its field (or above the form)."""
    db.session.rollback()
    if exc.field and exc.field in form:
        form[exc.field].errors = [*form[exc.field].errors, exc.message]
    else:
        form.form_errors.append(exc.message)


def _back(default: str) -> str:
    """Where a button form asked to return to, or default."""
    return safe_next(request.form.get("next"), default)


# --- public pages and company actions ---------------------------------------------------------

def _render_public(challenge: Challenge, error: Any = None, status: int = 200):
    """The public dialogue page, with a refusal shown at the top when there is one."""
    dialogue = service.public_dialogue(challenge, current_user)
    return render_template("challenges/dialogue_public.html", challenge=challenge, dialogue=dialogue,
                           error=error, is_staff=is_city_staff(current_user, challenge)), status


@bp.get(PUBLIC)
def dialogue_public(challenge_id: int):
    """Events, meeting times, published answers, the RFI synthesis and the summary of one challenge."""
    return _render_public(_viewable(challenge_id))


def _render_event(challenge: Challenge, event_id: int, error: Any = None, status: int = 200):
    """One event's page for the current reader."""
    statuses = service.event_statuses(challenge, current_user, event_id)
    if not statuses:
        abort(404)
    companies = service.acting_companies(current_user)
    return render_template("challenges/dialogue_event.html", challenge=challenge, status=statuses[0],
                           companies=companies, running=service.dialogue_running(challenge),
                           is_staff=is_city_staff(current_user, challenge), error=error), status


@bp.get(f"{PUBLIC}/events/<int:event_id>")
def dialogue_event(challenge_id: int, event_id: int):
    """An event: when, where, places, the reader's registration, material and minutes once published."""
    return _render_event(_viewable(challenge_id), event_id)


@bp.get(f"{PUBLIC}/events/<int:event_id>/calendar.ics")
def dialogue_event_calendar(challenge_id: int, event_id: int):
    """The event as a calendar file (.ics) for anyone who can see the challenge."""
    challenge = _viewable(challenge_id)
    event = _child(DialogueEvent, challenge, event_id)
    link = external_link("challenges.dialogue_event", challenge_id=challenge.id, event_id=event.id)
    return Response(service.event_calendar(event, link), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="kokeilu-event-{event.id}.ics"'})


def _company_action(challenge_id: int):
    """Common start of a company button: the challenge, the user's companies and the checked form."""
    challenge, companies = _for_company(challenge_id)
    form = CompanyForm().offer(companies)
    return challenge, companies, form, form.validate_on_submit()


@bp.post(f"{PUBLIC}/events/<int:event_id>/register")
@login_required
def dialogue_register(challenge_id: int, event_id: int):
    """Register for an event, or join its waiting list when it is full."""
    challenge, companies, form, valid = _company_action(challenge_id)
    event = _child(DialogueEvent, challenge, event_id)
    if not valid:
        return _render_event(challenge, event.id, _("Choose your organisation and try again."), 400)
    try:
        registration = service.register_for_event(event, _me(), form.organisation(companies))
        place = service.waiting_place(registration) if registration.status == service.WAITING else None
    except DialogueError as exc:
        db.session.rollback()
        return _render_event(challenge, event_id, exc.message, exc.status)
    db.session.commit()
    if place is None:
        flash(_("You are registered. A confirmation with a calendar invitation was sent to you by email."),
              "success")
    else:
        flash(_("The event is full: you are on the waiting list, place %(place)d. If a place comes free, "
                "you move up automatically and get an email.", place=place), "warning")
    return redirect(_back(url_for("challenges.dialogue_event", challenge_id=challenge_id, event_id=event_id)))


@bp.post(f"{PUBLIC}/events/<int:event_id>/cancel")
@login_required
def dialogue_cancel_registration(challenge_id: int, event_id: int):
    """Give up a place (the first on the waiting list moves up) or leave the waiting list."""
    challenge, _companies, _form, valid = _company_action(challenge_id)
    event = _child(DialogueEvent, challenge, event_id)
    if not valid:
        return _render_event(challenge, event.id, _("The form could not be sent. Try again."), 400)
    try:
        service.cancel_registration(event, _me())
    except DialogueError as exc:
        db.session.rollback()
        return _render_event(challenge, event_id, exc.message, exc.status)
    db.session.commit()
    flash(_("Your registration was cancelled."), "success")
    return redirect(_back(url_for("challenges.dialogue_event", challenge_id=challenge_id, event_id=event_id)))


@bp.post(f"{PUBLIC}/meetings/<int:slot_id>/book")
@login_required
def dialogue_book_slot(challenge_id: int, slot_id: int):
    """Book a one-to-one meeting time for the company (one per company)."""
    challenge, companies, form, valid = _company_action(challenge_id)
    slot = _child(MeetingSlot, challenge, slot_id)
    if not valid:
        return _render_public(challenge, _("Choose your organisation and try again."), 400)
    try:
        service.book_slot(slot, _me(), form.organisation(companies))
    except DialogueError as exc:
        db.session.rollback()
        return _render_public(challenge, exc.message, exc.status)
    db.session.commit()
    flash(_("The meeting is booked. You can cancel it on this page until it starts."), "success")
    return redirect(_back(url_for("challenges.dialogue_public", challenge_id=challenge_id)))


@bp.post(f"{PUBLIC}/meetings/<int:slot_id>/cancel")
@login_required
def dialogue_cancel_booking(challenge_id: int, slot_id: int):
    """The booking company frees its meeting time."""
    challenge, _companies, _form, valid = _company_action(challenge_id)
    slot = _child(MeetingSlot, challenge, slot_id)
    if not valid:
        return _render_public(challenge, _("The form could not be sent. Try again."), 400)
    try:
        service.cancel_booking(slot, _me())
    except DialogueError as exc:
        db.session.rollback()
        return _render_public(challenge, exc.message, exc.status)
    db.session.commit()
    flash(_("Your booking was cancelled."), "success")
    return redirect(_back(url_for("challenges.dialogue_public", challenge_id=challenge_id)))


@bp.route(f"{PUBLIC}/questions", methods=["GET", "POST"])
@login_required
def dialogue_ask(challenge_id: int):
    """Ask a question privately; see which of the company's questions have been answered publicly."""
    challenge, companies = _for_company(challenge_id)
    form = QuestionForm().offer(companies)
    if form.validate_on_submit():
        try:
            service.ask_question(challenge, _me(), form.organisation(companies), form.text.data)
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(_("Your question was sent. Its answer will be published to everyone, without your name or "
                    "your company's name."), "success")
            return redirect(url_for("challenges.dialogue_ask", challenge_id=challenge_id))
    return render_template("challenges/dialogue_ask.html", challenge=challenge, form=form,
                           questions=service.company_questions(challenge, companies),
                           questions_open=service.questions_open(challenge)), _status(form)


@bp.route(f"{PUBLIC}/rfi", methods=["GET", "POST"])
@login_required
def dialogue_rfi(challenge_id: int):
    """A company answers the request for information; only the city's staff read the answers."""
    challenge, companies = _for_company(challenge_id)
    chosen = request.values.get("organisation_id", type=int)
    organisation = next((c for c in companies if c.id == chosen), companies[0])
    questions = service.rfi_questions(challenge)
    saved = service.company_rfi_responses(challenge, organisation)
    form = rfi_response_form(questions, {k: r.answer for k, r in saved.items()}).offer(companies)
    if request.method == "GET":
        form.organisation_id.data = organisation.id
    if form.validate_on_submit():
        try:
            service.save_rfi_responses(challenge, _me(), form.organisation(companies), form.answers())
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(_("Your answers were saved. Only the city's staff can read them."), "success")
            return redirect(url_for("challenges.dialogue_rfi", challenge_id=challenge_id,
                                    organisation_id=form.organisation_id.data))
    return render_template("challenges/dialogue_rfi.html", challenge=challenge, form=form,
                           questions=questions, organisation=organisation, companies=companies,
                           rfi_open=service.rfi_open(challenge)), _status(form)


# --- officer pages: overview and events -------------------------------------------------------

@bp.get(MANAGE)
@login_required
def dialogue_manage(challenge_id: int):
    """The officer's overview of the dialogue: events, meetings, questions, RFI and summary."""
    challenge, can_edit = _staff(challenge_id)
    slots = service.meeting_slots(challenge, with_bookers=True)
    return render_template(
        "challenges/dialogue_manage.html", challenge=challenge, can_edit=can_edit, slots=slots,
        events=service.event_statuses(challenge), question_counts=service.question_counts(challenge),
        rfi_count=len(service.rfi_questions(challenge)), running=service.dialogue_running(challenge),
        missing=[s for s in slots if s.is_booked and s.minutes_recorded_at is None])


def _event_form_page(challenge: Challenge, can_edit: bool, form: EventForm, event: DialogueEvent | None):
    """The new-event or edit-event page."""
    return render_template("challenges/dialogue_event_form.html", challenge=challenge, form=form, event=event,
                           can_edit=can_edit, running=service.dialogue_running(challenge)), _status(form)


@bp.route(f"{MANAGE}/events/new", methods=["GET", "POST"])
@login_required
def dialogue_event_new(challenge_id: int):
    """Announce an info session, workshop or company day."""
    challenge, can_edit = _staff(challenge_id)
    form = EventForm()
    if form.validate_on_submit():
        try:
            event = service.create_event(challenge, form.fields(), _me())
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(_("The event was published on the challenge's page."), "success")
            return redirect(url_for("challenges.dialogue_event", challenge_id=challenge_id,
                                    event_id=event.id))
    return _event_form_page(challenge, can_edit, form, None)


@bp.route(f"{MANAGE}/events/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def dialogue_event_edit(challenge_id: int, event_id: int):
    """Change an event; more places move the waiting list up."""
    challenge, can_edit = _staff(challenge_id)
    event = _child(DialogueEvent, challenge, event_id)
    form = EventForm(obj=event)
    if request.method == "GET":
        form.starts_at.data = helsinki_clock(event.starts_at)
        form.ends_at.data = helsinki_clock(event.ends_at)
    if form.validate_on_submit():
        try:
            service.update_event(event, form.fields(), _me())
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(_("The event was updated."), "success")
            return redirect(url_for("challenges.dialogue_event", challenge_id=challenge_id,
                                    event_id=event_id))
    return _event_form_page(challenge, can_edit, form, event)


@bp.get(f"{MANAGE}/events/<int:event_id>/registrations")
@login_required
def dialogue_event_registrations(challenge_id: int, event_id: int):
    """Who is registered and who waits, in order (city staff only)."""
    challenge, _can_edit = _staff(challenge_id)
    status = next(iter(service.event_statuses(challenge, event_id=event_id)), None) or abort(404)
    page = service.event_registrations(status.event, _page_number())
    return render_template("challenges/dialogue_event_registrations.html", challenge=challenge, status=status,
                           page=page)


@bp.route(f"{MANAGE}/events/<int:event_id>/record", methods=["GET", "POST"])
@login_required
def dialogue_event_record(challenge_id: int, event_id: int):
    """Write the event's material and minutes and publish them to everyone."""
    challenge, can_edit = _staff(challenge_id)
    event = _child(DialogueEvent, challenge, event_id)
    form = EventRecordForm(obj=event)
    if form.validate_on_submit():
        try:
            service.record_event_outcome(event, form.material.data, form.minutes.data, form.publish.data,
                                         _me())
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(_("Material and minutes were published.") if event.published_at else
                  _("Material and minutes were saved; they are not public yet."), "success")
            return redirect(url_for("challenges.dialogue_event_record", challenge_id=challenge_id,
                                    event_id=event_id))
    return render_template("challenges/dialogue_event_record.html", challenge=challenge, event=event,
                           form=form, can_edit=can_edit), _status(form)


# --- officer pages: one-to-one meetings -------------------------------------------------------

@bp.route(f"{MANAGE}/meetings", methods=["GET", "POST"])
@login_required
def dialogue_slots(challenge_id: int):
    """The meeting times with who booked them, and the form to offer another time."""
    challenge, can_edit = _staff(challenge_id)
    form = SlotForm()
    if form.validate_on_submit():
        try:
            service.create_slot(challenge, *form.times(), form.place.data, _me())
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(_("The meeting time is offered to every company."), "success")
            return redirect(url_for("challenges.dialogue_slots", challenge_id=challenge_id))
    return render_template("challenges/dialogue_slots.html", challenge=challenge, form=form,
                           can_edit=can_edit, slots=service.meeting_slots(challenge, with_bookers=True),
                           running=service.dialogue_running(challenge), now=utcnow()), _status(form)


@bp.post(f"{MANAGE}/meetings/<int:slot_id>/delete")
@login_required
def dialogue_slot_delete(challenge_id: int, slot_id: int):
    """Withdraw a meeting time nobody has booked."""
    challenge, _can_edit = _staff(challenge_id)
    slot = _child(MeetingSlot, challenge, slot_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        service.delete_slot(slot, _me())
    except DialogueError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("The meeting time was removed."), "success")
    return redirect(url_for("challenges.dialogue_slots", challenge_id=challenge_id))


@bp.route(f"{MANAGE}/meetings/<int:slot_id>/minutes",
          methods=["GET", "POST"])
@login_required
def dialogue_slot_minutes(challenge_id: int, slot_id: int):
    """Record the minutes of a held one-to-one meeting (required before the dialogue closes)."""
    challenge, can_edit = _staff(challenge_id)
    slot = _child(MeetingSlot, challenge, slot_id)
    form = MinutesForm(obj=slot)
    if form.validate_on_submit():
        try:
            service.record_meeting_minutes(slot, form.minutes.data, _me())
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(_("The minutes were saved."), "success")
            return redirect(url_for("challenges.dialogue_slots", challenge_id=challenge_id))
    return render_template("challenges/dialogue_slot_minutes.html", challenge=challenge, slot=slot, form=form,
                           can_edit=can_edit), _status(form)


# --- officer pages: questions and answers -----------------------------------------------------

def _questions_page(challenge: Challenge, can_edit: bool, form: PublishAnswersForm):
    """Every question of the challenge with its asker, and the publishing form."""
    return render_template(
        "challenges/dialogue_questions.html", challenge=challenge, can_edit=can_edit, form=form,
        page=service.questions_for_staff(challenge, _page_number()),
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
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(ngettext("%(num)d answer was published to everyone.",
                           "%(num)d answers were published to everyone.", len(questions)), "success")
            return redirect(url_for("challenges.dialogue_questions", challenge_id=challenge_id))
    return _questions_page(challenge, can_edit, form)


@bp.route(f"{MANAGE}/questions/<int:question_id>", methods=["GET", "POST"])
@login_required
def dialogue_answer(challenge_id: int, question_id: int):
    """Write the answer to one question; publishing is a separate step."""
    challenge, can_edit = _staff(challenge_id)
    question = _child(Question, challenge, question_id)
    form = AnswerForm(obj=question)
    if form.validate_on_submit():
        try:
            service.answer_question(question, form.answer.data, _me())
        except DialogueError as exc:
            _refused(exc, form)
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


# --- officer pages: request for information ---------------------------------------------------

@bp.route(f"{MANAGE}/rfi", methods=["GET", "POST"])
@login_required
def dialogue_rfi_manage(challenge_id: int):
    """The RFI questionnaire, and the form to add a question."""
    challenge, can_edit = _staff(challenge_id)
    form = RfiQuestionForm()
    if form.validate_on_submit():
        try:
            service.add_rfi_question(challenge, form.text.data, _me())
        except DialogueError as exc:
            _refused(exc, form)
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
            service.update_rfi_question(question, challenge, form.text.data, _me())
        except DialogueError as exc:
            _refused(exc, form)
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
    if not FlaskForm().validate_on_submit():
        abort(400)
    try:
        service.delete_rfi_question(question, challenge, _me())
    except DialogueError as exc:
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
    form = SynthesisForm(data={"synthesis": challenge.rfi_synthesis})
    if form.validate_on_submit():
        try:
            service.save_rfi_synthesis(challenge, form.synthesis.data, form.publish.data, _me())
        except DialogueError as exc:
            _refused(exc, form)
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
    form = SummaryForm(data={"summary": challenge.dialogue_summary, "changes": challenge.dialogue_changes})
    if form.validate_on_submit():
        try:
            service.save_dialogue_summary(challenge, form.summary.data, form.changes.data, form.publish.data,
                                          _me())
        except DialogueError as exc:
            _refused(exc, form)
        else:
            db.session.commit()
            flash(_("The dialogue summary was published.") if form.publish.data else
                  _("The dialogue summary was saved."), "success")
            return redirect(url_for("challenges.dialogue_summary", challenge_id=challenge_id))
    return render_template("challenges/dialogue_summary.html", challenge=challenge, form=form,
                           can_edit=can_edit,
                           missing=service.meetings_without_minutes(challenge)), _status(form)
