"""The company's proposal pages (editor, proposal with receipt and versions, withdraw) and the officer's list.

A proposal the user may not read is a 404, so its existence is not revealed; one
they read but may not act on (city staff) is a 403 for the company's actions.
"""
from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from challenges.models import Challenge
from challenges.permissions import can_view
from challenges.services.dialogue import acting_companies
from core.extensions import db
from core.limits import bounded_int
from core.refusals import Refused, put_on_form
from pilots import bp
from pilots.proposals import services
from pilots.proposals.forms import SECTION_LABELS, ProposalActionForm, proposal_form
from pilots.proposals.models import SECTIONS, Proposal
from pilots.proposals.permissions import can_read_submitted, is_own
from pilots.proposals.workflow import arrival_time, call_open_at, workflow_of


def _me() -> Any:
    """The logged-in user as a model (services and the audit log need it, not the proxy)."""
    return current_user._get_current_object()


def _challenge(challenge_id: int) -> Challenge:
    """A challenge the user may see; 404 otherwise."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not can_view(current_user, challenge):
        abort(404)
    return challenge


def _proposal(proposal_id: int) -> Proposal:
    """A proposal through the scoped query; 404 when the user may not read it."""
    return services.readable(current_user, proposal_id) or abort(404)


def _render_editor(challenge: Challenge, organisation: Any, proposal: Proposal | None, form: Any,
                   companies: list, status: int = 200):
    """The editor page."""
    return render_template("pilots/proposal_edit.html", challenge=challenge, organisation=organisation,
                           proposal=proposal, form=form, companies=companies, sections=SECTIONS,
                           labels=SECTION_LABELS, closed_reason=call_open_at(challenge, arrival_time()),
                           unsubmitted=proposal is not None and services.has_unsubmitted_changes(proposal)), status


@bp.route("/challenges/<int:challenge_id>/proposal", methods=["GET", "POST"])
@login_required
def proposal_edit(challenge_id: int):
    """Write the company's proposal in sections; Save keeps everything, Save and submit sends it."""
    challenge = _challenge(challenge_id)
    companies = acting_companies(current_user)
    if not companies:
        abort(403)
    chosen = request.values.get("organisation_id", type=bounded_int)
    organisation = next((c for c in companies if c.id == chosen), companies[0])
    proposal = services.proposal_of(challenge, organisation)
    form = proposal_form(challenge, proposal)
    if not form.is_submitted():
        return _render_editor(challenge, organisation, proposal, form, companies)
    if not form.validate():
        return _render_editor(challenge, organisation, proposal, form, companies, 400)
    try:
        proposal = proposal or services.start_proposal(challenge, organisation, _me(), form.language.data)
        services.save_proposal(proposal, _me(), form.values())
    except Refused as exc:
        db.session.rollback()
        put_on_form(form, exc)
        return _render_editor(challenge, organisation, services.proposal_of(challenge, organisation), form,
                              companies, exc.status_code)
    db.session.commit()  # what was typed is kept, whatever the submission then says
    if not form.submit.data:
        flash(_("Your proposal was saved. It has not been submitted."), "success")
        return redirect(url_for("pilots.proposal_edit", challenge_id=challenge.id, organisation_id=organisation.id))
    try:
        services.submit(proposal, _me(), seen_state=form.seen_state.data or None)
    except Refused as exc:
        db.session.rollback()
        put_on_form(form, exc)
        return _render_editor(challenge, organisation, proposal, form, companies, exc.status_code)
    db.session.commit()
    flash(_("Your proposal was submitted. Your receipt is below and was sent to you by email."), "success")
    return redirect(url_for("pilots.proposal", proposal_id=proposal.id))


def _render_proposal(proposal: Proposal, number: int | None = None, error: Any = None, status: int = 200):
    """The proposal page: its state, a version's content and receipt, and the list of versions."""
    versions = proposal.versions
    own = is_own(current_user, proposal)
    shown = next((v for v in versions if v.number == number), None) if number else (versions[-1] if versions
                                                                                     else None)
    if number and shown is None:
        abort(404)
    options = {o.transition.action: o for o in workflow_of(proposal).allowed(proposal, current_user)} if own else {}
    return render_template("pilots/proposal.html", proposal=proposal, challenge=proposal.challenge, own=own,
                           versions=versions, shown=shown, sections=SECTIONS, labels=SECTION_LABELS,
                           criteria=proposal.challenge.criteria, withdraw=options.get("withdraw_proposal"),
                           form=ProposalActionForm(seen_state=proposal.state), error=error), status


@bp.get("/proposals/<int:proposal_id>")
@login_required
def proposal(proposal_id: int):
    """A proposal with its latest submitted version, its receipt and every version."""
    return _render_proposal(_proposal(proposal_id))


@bp.get("/proposals/<int:proposal_id>/versions/<int:number>")
@login_required
def proposal_version(proposal_id: int, number: int):
    """One submitted version of a proposal, with its receipt."""
    return _render_proposal(_proposal(proposal_id), number)


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def proposal_withdraw(proposal_id: int):
    """The company takes its submitted proposal back before the deadline."""
    proposal = _proposal(proposal_id)
    if not is_own(current_user, proposal):
        abort(403)
    form = ProposalActionForm()
    if not form.validate_on_submit():
        return _render_proposal(proposal, error=_("The page was out of date. Reload it and try again."),
                                status=400)
    try:
        services.withdraw(proposal, _me(), seen_state=form.seen_state.data)
    except Refused as exc:
        db.session.rollback()
        return _render_proposal(_proposal(proposal_id), error=exc.message, status=exc.status_code)
    db.session.commit()
    flash(_("Your proposal was withdrawn. You can submit it again until the proposal deadline."), "success")
    return redirect(url_for("pilots.proposal", proposal_id=proposal_id))


@bp.get("/manage/challenges/<int:challenge_id>/proposals")
@login_required
def challenge_proposals(challenge_id: int):
    """The officer's list of a challenge's submitted proposals (read-only in this step)."""
    challenge = _challenge(challenge_id)
    if not can_read_submitted(current_user, challenge):
        abort(403)
    return render_template("pilots/challenge_proposals.html", challenge=challenge,
                           proposals=services.submitted_to(challenge, current_user))
