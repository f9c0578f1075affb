"""A person's own account: profile and language, password, personal data export and deletion."""
from __future__ import annotations

import json

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from auth import bp
from auth.forms.account import DeleteAccountForm, NotificationsForm, PasswordForm, ProfileForm
from auth.passwords import MIN_LENGTH
from auth.services.profile import (
    anonymise_account,
    change_password,
    personal_data,
    update_notification_preferences,
    update_profile,
)
from core.extensions import db, limiter
from core.notifications import preferences_of
from core.refusals import Refused, put_on_form


def _account_key() -> str:
    """Rate-limit key for password checks on one's own account."""
    return f"account-password:{getattr(current_user, 'id', None)}"


# Guessing the current password through these forms is limited like logging in.
_password_attempts = limiter.limit(
    "10 per 10 minutes", methods=["POST"], key_func=_account_key,
    deduct_when=lambda response: response.status_code == 400,
    error_message=lambda: _("Too many wrong passwords. Wait ten minutes and try again."))


def _my_roles() -> set[str]:
    """The roles the signed-in person holds in any organisation."""
    return {membership.role for membership in current_user.active_memberships()}


def _me():
    """The logged-in user as a model object (services and the audit log take models, not the proxy)."""
    return current_user._get_current_object()


def _render_account(profile_form: ProfileForm | None = None, password_form: PasswordForm | None = None,
                    notifications_form: NotificationsForm | None = None, status: int = 200):
    """The account page with its forms."""
    profile_form = profile_form or ProfileForm(formdata=None, obj=current_user)
    password_form = password_form or PasswordForm(formdata=None)
    notifications_form = notifications_form or NotificationsForm(
        formdata=None, data={kind.value: delivery.value for kind, delivery in preferences_of(current_user.id).items()}
    ).offered_to(_my_roles())
    return render_template("auth/account_profile.html", profile_form=profile_form,
                           password_form=password_form, notifications_form=notifications_form,
                           min_length=MIN_LENGTH), status


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """Your name and the language of pages and emails."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        update_profile(_me(), form.name.data, form.locale.data)
        db.session.commit()
        session["lang"] = form.locale.data
        flash(_("Your details were saved."), "success")
        return redirect(url_for("auth.account"))
    return _render_account(profile_form=form, status=400 if form.is_submitted() else 200)


@bp.post("/account/notifications")
@login_required
def account_notifications():
    """Choose per kind of email: at once, in a daily digest, or never."""
    form = NotificationsForm().offered_to(_my_roles())
    if form.validate_on_submit():
        update_notification_preferences(_me(), form.choices())
        db.session.commit()
        flash(_("Your email settings were saved."), "success")
        return redirect(url_for("auth.account") + "#notifications")
    return _render_account(notifications_form=form, status=400)


@bp.post("/account/password")
@login_required
@_password_attempts
def change_own_password():
    """Change your password; this browser stays logged in, every other session ends."""
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            change_password(_me(), form.current_password.data, form.new_password.data)
        except Refused as exc:
            db.session.commit()  # keep the audit row of the refused attempt
            put_on_form(form, exc)
        else:
            db.session.commit()
            remember_cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            login_user(_me(), remember=remember_cookie in request.cookies)
            flash(_("Your password was changed. Other browsers where you were logged in have been "
                    "logged out."), "success")
            return redirect(url_for("auth.account"))
    return _render_account(password_form=form, status=400)


@bp.get("/account/export")
@login_required
def export_data():
    """Download everything stored about you as JSON."""
    data = personal_data(_me())
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2)
    filename = f"kokeilu-personal-data-{current_user.id}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})  # personal data: never kept by a cache


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@_password_attempts
def delete_account():
    """Delete your account: your personal data is erased, what you did stays recorded without it."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            anonymise_account(_me(), form.current_password.data)
        except Refused as exc:
            db.session.commit()  # keep the audit row of a wrong password
            put_on_form(form, exc)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account was deleted and your personal data erased."), "success")
            return redirect(url_for("core.index"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/account_delete.html", form=form), status
