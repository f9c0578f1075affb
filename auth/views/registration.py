"""Accounts pages: company registration, email verification, password reset and join requests."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
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
from auth.tokens import TokenError, TokenProblem, check_user_token
from core.extensions import db
from core.i18n import current_language
from core.mail_limits import client_refusal, recipient_refusal
from core.pagination import after_arg
from core.refusals import Refused, put_on_form

# Uses per client of the anonymous forms that send email; emails to one address are limited in core.mail_limits.
REGISTER_PER_CLIENT = "10 per hour"
LINKS_PER_CLIENT = "10 per 15 minutes"


def form_status(form) -> int:
    """400 for a submitted form that is shown again with errors, 200 for a first view."""
    return 400 if form.is_submitted() else 200


def email_form_refused(form, name: str, per_client: str) -> bool:
    """Count a use of an anonymous email form; when a limit is reached, say so on the form and return True."""
    refusal = client_refusal(name, per_client) or recipient_refusal(form.email.data)
    if refusal is None:
        return False
    (form.email.errors if refusal.recipient else form.form_errors).append(refusal.message)
    return True


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
        except Refused as exc:
            db.session.rollback()
            put_on_form(form, exc)
            return False
        except IntegrityError:
            db.session.rollback()
    form.email.errors.append(_("Someone registered with these details at the same moment. Check them and try again."))
    return False


@bp.route("/register", methods=["GET", "POST"])
def register():
    """A company's person registers; the answer is the same whether or not the address has an account."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = RegistrationForm(locale=current_language())
    status = form_status(form)
    if form.validate_on_submit():
        if email_form_refused(form, "register", REGISTER_PER_CLIENT):
            status = 429
        elif _registered(form):
            return redirect(url_for("auth.email_sent", kind="registration"))
    return render_template("auth/register.html", form=form, min_length=MIN_LENGTH), status


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
    # Said on the page itself: a message flashed by a GET would wait in the session for another page.
    return render_template("auth/email_confirmed.html")


@bp.route("/verify/resend", methods=["GET", "POST"])
def resend_verification():
    """Ask for a new confirmation link; neither the answer nor its time tells whether the address is known."""
    form = EmailForm()
    status = form_status(form)
    if form.validate_on_submit():
        if not email_form_refused(form, "resend-verification", LINKS_PER_CLIENT):
            service.ask_for_verification_link(form.email.data)
            db.session.commit()
            return redirect(url_for("auth.email_sent", kind="verification"))
        status = 429
    return render_template("auth/resend_verification.html", form=form), status


@bp.route("/password/reset", methods=["GET", "POST"])
def request_password_reset():
    """Ask for a password reset link; neither the answer nor its time tells whether the address is known."""
    form = EmailForm()
    status = form_status(form)
    if form.validate_on_submit():
        if not email_form_refused(form, "password-reset", LINKS_PER_CLIENT):
            service.ask_for_password_reset(form.email.data)
            db.session.commit()
            return redirect(url_for("auth.email_sent", kind="password"))
        status = 429
    return render_template("auth/password_reset_request.html", form=form), status


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
                           page=service.pending_requests(organisation, after_arg()))


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
