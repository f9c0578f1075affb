"""Accounts pages: company registration, email verification, password reset and join requests."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from auth import bp
from auth.forms.registration import EmailForm, PasswordResetForm, RegistrationForm
from auth.models import Membership, MembershipStatus, Organisation, TokenPurpose
from auth.passwords import MIN_LENGTH
from auth.permissions import can_manage_members, ensure
from auth.services import registration as service
from auth.services.accounts import normalise_email
from auth.tokens import TokenError, TokenProblem, check_user_token
from core.extensions import db, limiter
from core.i18n import current_language

RESET_LIMIT = "5 per 15 minutes"


def form_status(form) -> int:
    """400 for a submitted form that is shown again with errors, 200 for a first view."""
    return 400 if form.is_submitted() else 200


def token_problem_page(problem: TokenProblem, what: str):
    """The 400 page for a link that cannot be used, saying why and what to do next."""
    messages = {
        TokenProblem.INVALID: _("This link is not valid. "
                                "Check that you copied the whole address from the email."),
        TokenProblem.EXPIRED: _("This link has expired."),
        TokenProblem.USED: _("This link has already been used. Each link works only once."),
        TokenProblem.REVOKED: _("This invitation has been withdrawn."),
    }
    return render_template("auth/link_problem.html", message=messages[problem], what=what), 400


@bp.get("/terms")
def terms():
    """The terms of use and the privacy notice that registration asks the user to accept."""
    return render_template("auth/terms.html", version=service.TERMS_VERSION)


def _registered(form: RegistrationForm) -> bool:
    """Register from a valid form; a clash with a registration made at the same moment is checked again.

    The service checks that the email and business ID are free, but another request
    may take them between that check and the commit; the database's unique
    constraints then refuse, and a second pass names the field that clashed.
    """
    for _attempt in range(2):
        try:
            service.register_company_user(service.Registration(
                name=form.name.data, email=form.email.data, password=form.password.data,
                locale=form.locale.data, company_action=form.company_action.data,
                business_id=form.business_id.data, company_name=form.company_name.data))
            db.session.commit()
            return True
        except service.FieldError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
            return False
        except IntegrityError:
            db.session.rollback()
    form.email.errors.append(_("Someone registered with these details at the same moment. Check them and try again."))
    return False


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A company's person registers: a new company, or a request to join a registered one."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegistrationForm(locale=current_language())
    if form.validate_on_submit() and _registered(form):
        return redirect(url_for("auth.email_sent", kind="registration"))
    return render_template("auth/register.html", form=form, min_length=MIN_LENGTH), form_status(form)


@bp.get("/email-sent/<any(registration, verification, password):kind>")
def email_sent(kind: str):
    """"Check your email": the same answer whether or not an account exists."""
    return render_template("auth/email_sent.html", kind=kind)


@bp.get("/verify/<token>")
def verify_email(token: str):
    """Confirm an email address with the emailed link."""
    try:
        user_token = check_user_token(token, TokenPurpose.VERIFY_EMAIL)
    except TokenError as exc:
        return token_problem_page(exc.problem, "verification")
    service.verify_email(user_token)
    db.session.commit()
    flash(_("Your email address is confirmed. You can now log in."), "success")
    return redirect(url_for("auth.login"))


def _email_key() -> str:
    """Rate-limit key for the email address typed in a form."""
    return f"{request.endpoint}:{normalise_email(request.form.get('email', ''))}"


@bp.route("/verify/resend", methods=["GET", "POST"])
@limiter.limit(RESET_LIMIT, methods=["POST"], key_func=_email_key, error_message=lambda: _(
    "Too many links were asked for this address. Wait 15 minutes and try again."))
def resend_verification():
    """Ask for a new confirmation link; the answer never tells whether the address has an account."""
    form = EmailForm()
    if form.validate_on_submit():
        service.resend_verification(form.email.data)
        db.session.commit()
        return redirect(url_for("auth.email_sent", kind="verification"))
    return render_template("auth/resend_verification.html", form=form), form_status(form)


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("20 per 15 minutes", methods=["POST"], error_message=lambda: _(
    "Too many password reset requests from this network. Wait 15 minutes and try again."))
@limiter.limit(RESET_LIMIT, methods=["POST"], key_func=_email_key, error_message=lambda: _(
    "Too many password reset requests for this address. Wait 15 minutes and try again."))
def request_password_reset():
    """Ask for a password reset link; the answer never tells whether the address has an account."""
    form = EmailForm()
    if form.validate_on_submit():
        service.request_password_reset(form.email.data)
        db.session.commit()
        return redirect(url_for("auth.email_sent", kind="password"))
    return render_template("auth/password_reset_request.html", form=form), form_status(form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password with the emailed link (once, within an hour)."""
    try:
        user_token = check_user_token(token, TokenPurpose.RESET_PASSWORD)
    except TokenError as exc:
        return token_problem_page(exc.problem, "password")
    form = PasswordResetForm()
    if form.validate_on_submit():
        service.reset_password(user_token, form.password.data)
        db.session.commit()
        flash(_("Your password has been changed. Log in with the new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/password_reset.html", form=form, min_length=MIN_LENGTH), form_status(form)


# --- requests to join a company ------------------------------------------------------

def organisation_or_404(org_id: int) -> Organisation:
    """The organisation with this id, or a 404 page."""
    return db.session.get(Organisation, org_id) or abort(404)


def _pending_or_404(organisation: Organisation, membership_id: int) -> Membership:
    """A pending request to join this organisation (never another's), or a 404 page."""
    return db.session.scalar(select(Membership).where(
        Membership.id == membership_id, Membership.organisation_id == organisation.id,
        Membership.status == MembershipStatus.PENDING.value)) or abort(404)


@bp.get("/organisations/<int:org_id>/requests")
@login_required
def join_requests(org_id: int):
    """Pending requests to join an organisation, for those who manage its members."""
    organisation = organisation_or_404(org_id)
    ensure(can_manage_members(current_user, organisation))
    return render_template("auth/join_requests.html", organisation=organisation,
                           requests=service.pending_requests(organisation))


@bp.post("/organisations/<int:org_id>/requests/<int:membership_id>/approve")
@login_required
def approve_join_request(org_id: int, membership_id: int):
    """Let a requester into the organisation."""
    organisation = organisation_or_404(org_id)
    ensure(can_manage_members(current_user, organisation))
    membership = _pending_or_404(organisation, membership_id)
    service.approve_join_request(membership, current_user._get_current_object())
    db.session.commit()
    flash(_("%(name)s is now a member of %(organisation)s.", name=membership.user.name,
            organisation=organisation.display_name), "success")
    return redirect(url_for("auth.join_requests", org_id=organisation.id))


@bp.post("/organisations/<int:org_id>/requests/<int:membership_id>/reject")
@login_required
def reject_join_request(org_id: int, membership_id: int):
    """Refuse a request to join the organisation."""
    organisation = organisation_or_404(org_id)
    ensure(can_manage_members(current_user, organisation))
    membership = _pending_or_404(organisation, membership_id)
    name = membership.user.name
    service.reject_join_request(membership, current_user._get_current_object())
    db.session.commit()
    flash(_("The request of %(name)s was refused.", name=name), "success")
    return redirect(url_for("auth.join_requests", org_id=organisation.id))
