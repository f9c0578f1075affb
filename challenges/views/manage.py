"""The officer's side of challenges: staff list, creation, overview, edit sections, actions, attachments.

Visitors are sent to log in. A challenge the user may not see is a 404
(another city's draft is not even confirmed to exist); a public challenge the
user may not manage is a 403.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from auth.models import Organisation
from auth.permissions import ensure, is_platform_admin, permission_required
from challenges import bp
from challenges.forms.challenge import (ActionForm, AttachmentForm, BudgetForm, CriteriaForm, ListFilterForm,
                                        NewChallengeForm, ScheduleForm, SitesForm, TermsForm, TextsForm,
                                        TransitionForm, VersionedForm)
from challenges.models import Challenge, ChallengeState
from challenges.ownership import with_owners
from challenges.permissions import can_create_challenge, can_edit, can_edit_criteria, can_manage_list, is_city_staff
from challenges.services import challenges as services
from challenges.services.attachments import (add_attachment, attachment_of, attachments_of, can_read,
                                             delete_attachment)
from challenges.services.criteria import replace_criteria
from challenges.services.sites import host_contacts, save_sites
from challenges.services.themes import all_themes
from challenges.workflow import missing_for_publication, workflow_of
from core import audit
from core.extensions import db
from core.files import send_stored
from core.limits import bounded_int
from core.pagination import after_arg
from core.refusals import Refused, Stale, put_on_form
from core.workflow import TransitionError

STATE_NAMES = dict(ChallengeState.choices())


@dataclass(frozen=True)
class Section:
    """An edit page: its form, the service that saves it, its heading."""

    form: type[VersionedForm]
    save: Callable[..., list[str]]
    title: Any


def _save_texts(challenge, user, form, seen_version):
    """Texts and themes."""
    return services.update_texts(challenge, user, form.values(), theme_ids=form.themes.data or [],
                                 seen_version=seen_version)


def _amending(update: Callable[..., list[str]]) -> Callable[..., list[str]]:
    """A section that needs a reason after publication: the service gets the form's reason too."""
    return lambda c, u, f, v: update(c, u, f.values(), seen_version=v, reason=f.reason.data)


SECTIONS = {
    "texts": Section(TextsForm, _save_texts, _l("Texts and themes")),
    "sites": Section(SitesForm, lambda c, u, f, v: save_sites(c, u, f.values(), seen_version=v),
                     _l("Pilot sites")),
    "budget": Section(BudgetForm, _amending(services.update_budget), _l("Budget and what the city offers")),
    "schedule": Section(ScheduleForm, _amending(services.update_schedule), _l("Schedule")),
    "criteria": Section(CriteriaForm,
                        lambda c, u, f, v: replace_criteria(c, u, f.values(), seen_version=v),
                        _l("Evaluation criteria")),
    "terms": Section(TermsForm, _amending(services.update_terms), _l("Contract terms")),
}
SECTION_RULE = "any(" + ", ".join(SECTIONS) + ")"


def _staff_challenge_or_404(challenge_id: int) -> Challenge:
    """The challenge for its cities' staff and platform admins; 404 for others unless public (then 403)."""
    stmt = select(Challenge).where(Challenge.id == challenge_id).options(with_owners())
    challenge = db.session.execute(stmt).unique().scalar_one_or_none() or abort(404)
    if not (is_city_staff(current_user, challenge) or is_platform_admin(current_user)):
        abort(403 if challenge.is_public else 404)
    return challenge


def _editable_challenge(challenge_id: int) -> Challenge:
    """The challenge when the user may edit it (its city's officers, before award); 403 otherwise.

    While it awaits approval the 403 says how to change it: return it to draft.
    """
    challenge = _staff_challenge_or_404(challenge_id)
    if challenge.state == ChallengeState.AWAITING_APPROVAL.value:
        abort(403, description=str(services.AWAITING_APPROVAL_REFUSAL))
    ensure(can_edit(current_user, challenge))
    return challenge


# --- list and creation ---------------------------------------------------------------------

@bp.get("/manage/challenges")
@permission_required(can_manage_list)
def manage_list():
    """The challenges of the user's cities (all for platform admins), filtered by state, newest first."""
    form = ListFilterForm(formdata=request.args)
    valid = form.validate()
    state = form.state.data if valid else None
    page = services.staff_challenges(current_user, state, after_arg())
    return render_template("challenges/manage_list.html", form=form, page=page, state=state,
                           unanswered=services.unanswered_questions(page.items),
                           can_create=can_create_challenge(current_user)), 200 if valid else 400


@bp.route("/manage/challenges/new", methods=["GET", "POST"])
@permission_required(can_create_challenge)
def manage_new():
    """Start a challenge in one of the user's cities."""
    cities = services.officer_cities(current_user)
    form = NewChallengeForm()
    form.city_id.choices = [(c.id, c.display_name) for c in cities]
    if form.validate_on_submit():
        city = db.get_or_404(Organisation, form.city_id.data)
        ensure(city in cities)
        try:
            challenge = services.create_challenge(city, current_user, form.variant.data, form.pilot_kind.data,
                                                  form.title_fi.data, form.summary_fi.data)
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The challenge was created as a draft. Fill in the sections below."), "success")
            return redirect(url_for("challenges.manage_detail", challenge_id=challenge.id))
    status = 400 if form.is_submitted() else 200
    return render_template("challenges/manage_new.html", form=form), status


# --- overview and workflow actions ---------------------------------------------------------

def _action_forms(challenge: Challenge, options: list,
                  submitted: TransitionForm | None) -> dict[str, TransitionForm]:
    """One form per enabled action; the one the user just sent keeps what they typed."""
    forms = {}
    for option in options:
        action = option.transition.action
        if submitted is not None and submitted.action.data == action:
            form = submitted
        else:
            form = TransitionForm(formdata=None, action=action, seen_state=challenge.state)
        form.seen_state.data = challenge.state
        forms[action] = form.for_action(action)
    return forms


def _render_detail(challenge: Challenge, status: int = 200, error: Any = None,
                   submitted: TransitionForm | None = None):
    """The staff overview of a challenge."""
    workflow = workflow_of(challenge)
    options = workflow.allowed(challenge, current_user)
    return render_template(
        "challenges/manage_detail.html", challenge=challenge, options=options, error=error,
        action_forms=_action_forms(challenge, options, submitted), missing=missing_for_publication(challenge),
        attachments=attachments_of(challenge), hosts=host_contacts(challenge),
        timeline=audit.timeline(challenge, request.args.get("before", type=bounded_int)),
        field_labels=services.FIELD_LABELS, sections=SECTIONS, state_labels=STATE_NAMES,
        can_edit=can_edit(current_user, challenge), variant_label=workflow.label), status


@bp.get("/manage/challenges/<int:challenge_id>")
@login_required
def manage_detail(challenge_id: int):
    """Completeness, the actions the user may take (and why others are blocked), the content, the history."""
    return _render_detail(_staff_challenge_or_404(challenge_id))


@bp.post("/manage/challenges/<int:challenge_id>/transition")
@login_required
def manage_transition(challenge_id: int):
    """Take a workflow action on the state the user saw."""
    challenge = _staff_challenge_or_404(challenge_id)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _render_detail(challenge, 400, _("The action could not be read. Choose it again."))
    try:
        services.transition_challenge(challenge, form.action.data, current_user, form.comment.data,
                                      form.seen_state.data)
    except TransitionError as exc:
        db.session.rollback()
        challenge = db.session.get(Challenge, challenge_id)
        put_on_form(form, exc)
        return _render_detail(challenge, exc.status_code, exc.message, submitted=form)
    db.session.commit()
    flash(_("Done. The challenge is now: %(state)s.", state=challenge.state_label), "success")
    return redirect(url_for("challenges.manage_detail", challenge_id=challenge.id))


# --- edit sections -------------------------------------------------------------------------

def _render_section(challenge: Challenge, name: str, form: VersionedForm, status: int = 200,
                    error: Any = None, locked: bool = False):
    """An edit page of one section."""
    if name == "texts":
        form.themes.choices = [(t.id, t.name) for t in all_themes()]
    hosts = host_contacts(challenge) if name == "sites" else {}
    return render_template(f"challenges/manage_{name}.html", challenge=challenge, form=form, section=name,
                           sections=SECTIONS, title=SECTIONS[name].title, error=error, locked=locked,
                           hosts=hosts), status


@bp.route(f"/manage/challenges/<int:challenge_id>/edit/<{SECTION_RULE}:section>", methods=["GET", "POST"])
@login_required
def manage_edit(challenge_id: int, section: str):
    """Edit one section of a challenge; a save over a newer version is refused with 409, keeping the text."""
    challenge = _editable_challenge(challenge_id)
    spec = SECTIONS[section]
    locked = section == "criteria" and not can_edit_criteria(current_user, challenge)
    if request.method == "POST" and locked:
        abort(403, description=_("The call is open: its criteria and weights can no longer change."))
    if request.method == "GET":
        form = spec.form(data={**spec.form.initial(challenge), "version": str(challenge.state_version)})
        return _render_section(challenge, section, form, locked=locked)
    form = spec.form()
    if form.edits_rows():  # "Add" or "Remove" pressed: show the rows again, nothing saved
        return _render_section(challenge, section, form)
    if not form.validate_on_submit():
        return _render_section(challenge, section, form, 400)
    if getattr(form, "previewing", False):  # the Preview button: the rendered Markdown under the fields, not saved
        return _render_section(challenge, section, form)
    try:
        changed = spec.save(challenge, current_user, form, form.version.data)
    except Refused as exc:
        db.session.rollback()
        challenge = db.session.get(Challenge, challenge_id)
        loose = put_on_form(form, exc)
        if isinstance(exc, Stale):
            form.version.data = str(challenge.state_version)  # saving again replaces the newer version
        return _render_section(challenge, section, form, exc.status_code, loose[0] if loose else None)
    db.session.commit()
    flash(_("Saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("challenges.manage_detail", challenge_id=challenge.id))


# --- attachments ---------------------------------------------------------------------------

def _render_attachments(challenge: Challenge, form: AttachmentForm, status: int = 200):
    """The attachments page: the list and the upload form."""
    return render_template("challenges/manage_attachments.html", challenge=challenge, form=form,
                           attachments=attachments_of(challenge), action_form=ActionForm(),
                           sections=SECTIONS, section="attachments"), status


@bp.route("/manage/challenges/<int:challenge_id>/attachments", methods=["GET", "POST"])
@login_required
def manage_attachments(challenge_id: int):
    """List the attachments and upload one (checked type, random stored name)."""
    challenge = _editable_challenge(challenge_id)
    form = AttachmentForm()
    if request.method == "GET":
        return _render_attachments(challenge, form)
    if form.validate_on_submit():
        try:
            attachment = add_attachment(challenge, current_user, form.file.data, form.title.data)
        except Refused as exc:
            db.session.rollback()
            challenge = db.session.get(Challenge, challenge_id)
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The file %(name)s was attached.", name=attachment.original_name), "success")
            return redirect(url_for("challenges.manage_attachments", challenge_id=challenge.id))
    return _render_attachments(challenge, form, 400)


@bp.post("/manage/challenges/<int:challenge_id>/attachments/<int:attachment_id>/delete")
@login_required
def manage_attachment_delete(challenge_id: int, attachment_id: int):
    """Remove an attachment."""
    challenge = _editable_challenge(challenge_id)
    attachment = attachment_of(challenge, attachment_id) or abort(404)
    if not ActionForm().validate_on_submit():
        abort(400)
    delete_attachment(attachment, current_user)
    db.session.commit()
    flash(_("The attachment was removed."), "success")
    return redirect(url_for("challenges.manage_attachments", challenge_id=challenge.id))


@bp.get("/challenges/<int:challenge_id>/attachments/<int:attachment_id>")
def attachment_download(challenge_id: int, attachment_id: int):
    """Download an attachment under its original name, for anyone who may see the challenge."""
    challenge = db.get_or_404(Challenge, challenge_id)
    if not can_read(current_user, challenge):
        abort(404)
    attachment = attachment_of(challenge, attachment_id) or abort(404)
    return send_stored(attachment.stored_name, attachment.original_name, attachment.content_type)
