"""Login and logout."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from auth import bp
from auth.demo import login_page_accounts
from auth.forms.login import LoginForm
from auth.services.accounts import authenticate, normalise_email
from core import audit
from core.extensions import db, limiter
from core.settings import DEMO_MARKER, get_setting
from core.views import safe_next


def _login_account_key() -> str:
    """Rate-limit key for the account being tried, whoever tries it."""
    return "login-account:" + normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    """Only failed attempts count against the limits."""
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 10 minutes", methods=["POST"], deduct_when=_failed,
               error_message=lambda: _("Too many failed login attempts from this address. Wait ten minutes and try again."))
@limiter.limit("5 per 10 minutes", methods=["POST"], key_func=_login_account_key, deduct_when=_failed,
               error_message=lambda: _("Too many failed login attempts for this account. Wait ten minutes and try again, or reset your password."))
def login():
    """Log in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None and user.is_verified:
            login_user(user, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(form.next.data, url_for("core.index")))
        db.session.commit()  # keep the audit row of the failed attempt
        if user is not None:
            form.email.errors.append(_("Confirm your email address first: follow the link in the email we sent you."))
        else:
            form.password.errors.append(_("The email address or password is wrong."))
    status = 400 if form.is_submitted() else 200
    demo_accounts = login_page_accounts() if _demo_installation() else None
    return render_template("auth/login.html", form=form, demo_accounts=demo_accounts), status


def _demo_installation() -> bool:
    """True where demo data is loaded; never in production, whatever the database says."""
    return current_app.config.get("ENV_NAME") != "production" and bool(get_setting(DEMO_MARKER))


@bp.post("/logout")
@login_required
def logout():
    """Log out: this session and every other one of the user, remember-me cookies included, end now."""
    user = current_user._get_current_object()  # the audit log needs the model, not the proxy
    # Sessions are signed cookies the server cannot forget one by one, so a copy taken
    # before logout would still work. Bumping the version invalidates every session and
    # remember cookie of this user at once; logging out other browsers too is the safe side.
    user.session_version += 1
    audit.record("logout", user, user)
    db.session.commit()
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("core.index"))
