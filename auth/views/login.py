"""Login and logout."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from auth import bp
from auth.demo import login_page_accounts
from auth.forms.login import LoginForm
from auth.models import User
from auth.services.accounts import authenticate
from auth.throttle import Wait, login_throttle
from core import audit
from core.extensions import db
from core.settings import DEMO_MARKER, get_setting
from core.views import safe_next


def _attempt(form: LoginForm) -> User | Wait | None:
    """Check the typed password, unless this client must wait first; count the outcome for the throttle."""
    throttle, client = login_throttle(), get_remote_address()
    wait = throttle.wait(form.email.data, client)
    if wait is not None:
        return wait  # not checked, so a guess made during the wait tells nothing and costs nothing
    user = authenticate(form.email.data, form.password.data)
    if user is None:
        throttle.record_failure(form.email.data, client)
    else:
        throttle.record_success(form.email.data, client)
    return user


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log in with email and password; wrong passwords slow down the client that types them."""
    if current_user.is_authenticated:
        return redirect(url_for("core.start"))
    form = LoginForm(next=request.args.get("next", ""))
    status, headers = (400 if form.is_submitted() else 200), {}
    if form.validate_on_submit():
        outcome = _attempt(form)
        if isinstance(outcome, Wait):
            form.password.errors.append(outcome.message)
            status, headers = 429, {"Retry-After": str(outcome.seconds)}
        elif outcome is not None and outcome.is_verified:
            login_user(outcome, remember=form.remember.data)
            db.session.commit()
            return redirect(safe_next(form.next.data, url_for("core.start")))
        else:
            db.session.commit()  # keep the audit row of the failed attempt
            if outcome is not None:
                form.email.errors.append(
                    _("Confirm your email address first: follow the link in the email we sent you."))
            else:
                form.password.errors.append(_("The email address or password is wrong."))
    demo_accounts = login_page_accounts() if _demo_installation() else None
    return render_template("auth/login.html", form=form, demo_accounts=demo_accounts), status, headers


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
