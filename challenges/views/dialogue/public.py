"""The public dialogue pages and the companies' actions: register, book, ask, answer the RFI."""
from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from challenges import bp
from challenges.forms.dialogue import (
    CompanyForm,
    QuestionForm,
    rfi_response_form,
)
from challenges.models import Challenge, DialogueEvent, MeetingSlot
from challenges.permissions import is_city_staff
from challenges.services import dialogue as service
from challenges.views.dialogue.common import (
    PUBLIC,
    _back,
    _child,
    _for_company,
    _me,
    _status,
    _viewable,
)
from core.extensions import db
from core.limits import bounded_int
from core.links import absolute_url
from core.refusals import Refused, put_on_form

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
    is_staff = is_city_staff(current_user, challenge)
    return render_template("challenges/dialogue_event.html", challenge=challenge, status=statuses[0],
                           companies=companies, open=service.dialogue_open(challenge), is_staff=is_staff,
                           show_link=_sees_link(statuses[0], is_staff), error=error), status


def _sees_link(status: service.EventStatus, is_staff: bool) -> bool:
    """The online link is for those with a place at the event, and the city's staff."""
    return is_staff or status.mine == service.REGISTERED


@bp.get(f"{PUBLIC}/events/<int:event_id>")
def dialogue_event(challenge_id: int, event_id: int):
    """An event: when, where, places, the reader's registration, material and minutes once published."""
    return _render_event(_viewable(challenge_id), event_id)


@bp.get(f"{PUBLIC}/events/<int:event_id>/calendar.ics")
def dialogue_event_calendar(challenge_id: int, event_id: int):
    """The event as a calendar file (.ics) for anyone who can see the challenge."""
    challenge = _viewable(challenge_id)
    status = next(iter(service.event_statuses(challenge, current_user, event_id)), None) or abort(404)
    event = status.event
    link = absolute_url("challenges.dialogue_event", challenge_id=challenge.id, event_id=event.id)
    with_link = _sees_link(status, is_city_staff(current_user, challenge))
    return Response(service.event_calendar(event, link, with_link=with_link), mimetype="text/calendar",
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
    except Refused as exc:
        db.session.rollback()
        return _render_event(challenge, event_id, exc.message, exc.status_code)
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
    except Refused as exc:
        db.session.rollback()
        return _render_event(challenge, event_id, exc.message, exc.status_code)
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
    except Refused as exc:
        db.session.rollback()
        return _render_public(challenge, exc.message, exc.status_code)
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
    except Refused as exc:
        db.session.rollback()
        return _render_public(challenge, exc.message, exc.status_code)
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
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
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
    chosen = request.values.get("organisation_id", type=bounded_int)
    organisation = next((c for c in companies if c.id == chosen), companies[0])
    questions = service.rfi_questions(challenge)
    saved = service.company_rfi_responses(challenge, organisation)
    form = rfi_response_form(questions, {k: r.answer for k, r in saved.items()}).offer(companies)
    if request.method == "GET":
        form.organisation_id.data = organisation.id
    if form.validate_on_submit():
        try:
            service.save_rfi_responses(challenge, _me(), form.organisation(companies), form.answers())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Your answers were saved. Only the city's staff can read them."), "success")
            return redirect(url_for("challenges.dialogue_rfi", challenge_id=challenge_id,
                                    organisation_id=form.organisation_id.data))
    return render_template("challenges/dialogue_rfi.html", challenge=challenge, form=form,
                           questions=questions, organisation=organisation, companies=companies,
                           rfi_open=service.rfi_open(challenge)), _status(form)
