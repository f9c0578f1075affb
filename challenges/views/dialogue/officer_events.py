"""The officer's dialogue overview and events."""
from __future__ import annotations

import csv
import io

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from challenges import bp
from challenges.forms.dialogue import (
    CancelEventForm,
    EventForm,
    EventRecordForm,
    RegistrantsMessageForm,
    helsinki_clock,
)
from challenges.models import Challenge, DialogueEvent
from challenges.services import dialogue as service
from challenges.views.dialogue.common import MANAGE, _child, _me, _staff, _status
from core.extensions import db
from core.i18n import to_helsinki
from core.models import utcnow
from core.pagination import after_arg
from core.refusals import Refused, put_on_form

# --- officer pages: overview and events -------------------------------------------------------

@bp.get(MANAGE)
@login_required
def dialogue_manage(challenge_id: int):
    """The officer's overview of the dialogue: events, meetings, questions, RFI and summary."""
    challenge, can_edit = _staff(challenge_id)
    slots, now = service.meeting_slots(challenge, with_bookers=True), utcnow()
    return render_template(
        "challenges/dialogue_manage.html", challenge=challenge, can_edit=can_edit, slots=slots,
        events=service.event_statuses(challenge), question_counts=service.question_counts(challenge),
        rfi_count=len(service.rfi_questions(challenge)), running=service.dialogue_running(challenge),
        missing=[s for s in slots if s.is_booked and s.minutes_recorded_at is None and not s.is_cancelled
                 and s.starts_at <= now])  # as meetings_without_minutes, without another query


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
    if form.validate_on_submit() and not form.previewing:
        try:
            event = service.create_event(challenge, form.fields(), _me())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
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
    if form.validate_on_submit() and not form.previewing:
        try:
            service.update_event(event, form.fields(), _me())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
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
    page = service.event_registrations(status.event, after_arg())
    return render_template("challenges/dialogue_event_registrations.html", challenge=challenge, status=status,
                           page=page)


@bp.route(f"{MANAGE}/events/<int:event_id>/record", methods=["GET", "POST"])
@login_required
def dialogue_event_record(challenge_id: int, event_id: int):
    """Write the event's material and minutes and publish them to everyone."""
    challenge, can_edit = _staff(challenge_id)
    event = _child(DialogueEvent, challenge, event_id)
    form = EventRecordForm(obj=event)
    if form.validate_on_submit() and not form.previewing:
        try:
            service.record_event_outcome(event, form.material.data, form.minutes.data, form.publish.data,
                                         _me(), form.versions())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Material and minutes were published.") if event.published_at else
                  _("Material and minutes were saved; they are not public yet."), "success")
            return redirect(url_for("challenges.dialogue_event_record", challenge_id=challenge_id,
                                    event_id=event_id))
    return render_template("challenges/dialogue_event_record.html", challenge=challenge, event=event,
                           form=form, can_edit=can_edit), _status(form)


@bp.route(f"{MANAGE}/events/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def dialogue_event_cancel(challenge_id: int, event_id: int):
    """Cancel an event that has not started, with the reason everyone registered or waiting is emailed."""
    challenge, can_edit = _staff(challenge_id)
    event = _child(DialogueEvent, challenge, event_id)
    form = CancelEventForm()
    if form.validate_on_submit():
        try:
            service.cancel_event(event, form.reason.data, _me())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The event was cancelled. Everyone registered or waiting is told by email."), "success")
            return redirect(url_for("challenges.dialogue_event", challenge_id=challenge_id, event_id=event_id))
    return render_template("challenges/dialogue_event_cancel.html", challenge=challenge, event=event, form=form,
                           can_edit=can_edit), _status(form)


# Spreadsheets run a cell that starts with one of these as a formula: such a cell is written as text.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """A CSV cell that a spreadsheet shows as text and never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


@bp.get(f"{MANAGE}/events/<int:event_id>/registrations.csv")
@login_required
def dialogue_event_registrations_csv(challenge_id: int, event_id: int):
    """The event's registrations as CSV: name, organisation, status, registered at (Helsinki time)."""
    challenge, _can_edit = _staff(challenge_id)
    event = _child(DialogueEvent, challenge, event_id)
    labels = {service.REGISTERED: _("Registered"), service.WAITING: _("On the waiting list")}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Name"), _("Organisation"), _("Status"), _("Registered at (Helsinki time)")])
    for registration, name, organisation in service.registrations_for_export(event):
        writer.writerow([_cell(name), _cell(organisation), labels[registration.status],
                         to_helsinki(registration.created_at).strftime("%Y-%m-%d %H:%M")])
    # A byte order mark, so that spreadsheets read the names' letters (ä, ö, å) as UTF-8.
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="kokeilu-event-{event.id}-registrations.csv"'})


@bp.route(f"{MANAGE}/events/<int:event_id>/message", methods=["GET", "POST"])
@login_required
def dialogue_event_message(challenge_id: int, event_id: int):
    """Email a message to everyone registered for the event (and, if chosen, waiting), each once."""
    challenge, can_edit = _staff(challenge_id)
    status = next(iter(service.event_statuses(challenge, event_id=event_id)), None) or abort(404)
    form = RegistrantsMessageForm()
    if form.validate_on_submit():
        try:
            service.message_registrants(status.event, form.subject.data, form.body.data,
                                        form.include_waiting.data, _me())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The message is being sent to the event's registrants."), "success")
            return redirect(url_for("challenges.dialogue_event_registrations", challenge_id=challenge_id,
                                    event_id=event_id))
    return render_template("challenges/dialogue_event_message.html", challenge=challenge, status=status,
                           form=form, can_edit=can_edit), _status(form)
