"""The officer's one-to-one meeting slots and minutes."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from challenges import bp
from challenges.forms.dialogue import (
    MinutesForm,
    SlotForm,
    SlotSeriesForm,
)
from challenges.models import MeetingSlot
from challenges.services import dialogue as service
from challenges.views.dialogue.common import MANAGE, _child, _me, _staff, _status
from core.extensions import db
from core.forms import Form
from core.models import utcnow
from core.refusals import Refused, put_on_form

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
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
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
    if not Form().validate_on_submit():
        abort(400)
    try:
        service.delete_slot(slot, _me())
    except Refused as exc:
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
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The minutes were saved."), "success")
            return redirect(url_for("challenges.dialogue_slots", challenge_id=challenge_id))
    return render_template("challenges/dialogue_slot_minutes.html", challenge=challenge, slot=slot, form=form,
                           can_edit=can_edit), _status(form)


@bp.route(f"{MANAGE}/meetings/series", methods=["GET", "POST"])
@login_required
def dialogue_slot_series(challenge_id: int):
    """Offer many meeting times at once: days from–to, the hours of each day, length and gap."""
    challenge, can_edit = _staff(challenge_id)
    form = SlotSeriesForm()
    if form.validate_on_submit():
        try:
            slots = service.create_slot_series(challenge, form.series(), _me())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(ngettext("%(num)d meeting time is offered to every company.",
                           "%(num)d meeting times are offered to every company.", len(slots)), "success")
            return redirect(url_for("challenges.dialogue_slots", challenge_id=challenge_id))
    return render_template("challenges/dialogue_slot_series.html", challenge=challenge, form=form,
                           can_edit=can_edit, limit=service.SERIES_LIMIT,
                           running=service.dialogue_running(challenge)), _status(form)
