"""Accounts pages: a city's admins invite people; the invited accept through the emailed link."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from auth import bp
from auth.forms.invitations import InvitationForm, NewAccountForm
from auth.models import Invitation, invitable_roles
from auth.roles import Role
from auth.passwords import MIN_LENGTH
from auth.permissions import can_accept_invitation, can_invite, ensure
from auth.services import invitations as service
from auth.services.accounts import find_user_by_email, normalise_email
from auth.tokens import TokenError, check_invitation_token
from auth.views.registration import form_status, organisation_or_404, token_problem_page
from core.extensions import db
from core.i18n import current_language
from core.pagination import after_arg
from core.refusals import Refused, put_on_form


@bp.route("/organisations/<int:org_id>/invitations", methods=["GET", "POST"])
@login_required
def invitations(org_id: int):
    """Open invitations of a city or a company, and the form to invite someone to one of its roles.

    A city's admins invite to the city's roles, a company's owners invite colleagues as members or owners:
    the form offers, and accepts, only the roles of the organisation's kind.
    """
    organisation = organisation_or_404(org_id)
    ensure(can_invite(current_user, organisation))
    form = InvitationForm(locale=current_language())
    form.role.choices = Role.choices(invitable_roles(organisation))
    if form.validate_on_submit():
        try:
            service.invite(organisation, form.email.data, form.name.data, form.role.data,
                           form.locale.data, current_user._get_current_object())
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("An invitation was sent to %(email)s.", email=normalise_email(form.email.data)),
                  "success")
            return redirect(url_for("auth.invitations", org_id=organisation.id))
    return render_template("auth/invitations.html", organisation=organisation, form=form,
                           page=service.open_invitations(organisation, after_arg())), form_status(form)


@bp.post("/organisations/<int:org_id>/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(org_id: int, invitation_id: int):
    """Withdraw an invitation before it is accepted."""
    organisation = organisation_or_404(org_id)
    ensure(can_invite(current_user, organisation))
    invitation = db.session.scalar(select(Invitation).filter_by(
        id=invitation_id, organisation_id=organisation.id)) or abort(404)
    if service.revoke_invitation(invitation, current_user._get_current_object()):
        db.session.commit()
        flash(_("The invitation to %(email)s was withdrawn.", email=invitation.email), "success")
    else:
        flash(_("This invitation was already accepted or withdrawn."), "info")
    return redirect(url_for("auth.invitations", org_id=organisation.id))


def _mode(invitation: Invitation) -> str:
    """What the invitation page offers: "new" account, "confirm" as this user, "own" (refused) or "login" first."""
    if current_user.is_authenticated:
        if can_accept_invitation(current_user, invitation):
            return "confirm"
        return "own" if current_user.id == invitation.invited_by_id else "login"
    return "login" if find_user_by_email(invitation.email) is not None else "new"


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Take up an invitation: create an account, or accept with the account of the invited address."""
    try:
        invitation = check_invitation_token(token)
    except TokenError as exc:
        return token_problem_page(exc.problem, "invitation")
    mode = _mode(invitation)
    if mode == "new":
        return _accept_as_new_user(invitation)
    if mode == "confirm" and request.method == "POST":
        service.accept_invitation(invitation, current_user._get_current_object())
        db.session.commit()
        flash(_("You are now %(role)s in %(organisation)s.", role=invitation.role_label,
                organisation=invitation.organisation.display_name), "success")
        return redirect(url_for("core.start"))
    status = 403 if mode in ("login", "own") and request.method == "POST" else 200
    return render_template("auth/invitation.html", invitation=invitation, mode=mode), status


def _accept_as_new_user(invitation: Invitation):
    """The invited address has no account yet: create one (verified by the link) with the role."""
    form = NewAccountForm(name=invitation.name)
    if form.validate_on_submit():
        try:
            service.accept_invitation_as_new_user(invitation, form.name.data, form.password.data)
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Your account was created and you are now %(role)s in %(organisation)s. Log in to start.",
                    role=invitation.role_label, organisation=invitation.organisation.display_name), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/invitation.html", invitation=invitation, mode="new",
                           form=form, min_length=MIN_LENGTH), form_status(form)
