"""Pages of the shared kernel: home, language switch, accessibility statement and feedback."""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import text

from core.cache import public_page
from core.extensions import db
from core.feedback import submit_feedback
from core.forms import AccessibilityFeedbackForm, LanguageForm
from core.i18n import LANGUAGE_COOKIE, current_language
from core.mail_limits import client_refusal, recipient_refusal
from core.workspace import panels_for

bp = Blueprint("core", __name__)
FEEDBACK_PER_CLIENT = "10 per hour"
MAX_NEXT_LENGTH = 2000
LANGUAGE_COOKIE_DAYS = 365


def _odd_character(char: str) -> bool:
    """Control, format, separator or unassigned characters, and the backslash browsers read as "/"."""
    return char == "\\" or unicodedata.category(char)[0] in "CZ"


def safe_next(target: str | None, default: str) -> str:
    """A local path to return to: anything off-site, over-long or with odd characters becomes default.

    Every redirect to a user-given target goes through here. CR/LF would break
    the Location header (a 500, or a header injection); a backslash, a space or an
    invisible character can turn a path into another host in some browsers.
    """
    if not target or len(target) > MAX_NEXT_LENGTH or any(_odd_character(c) for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.get("/")
@public_page()
def index():
    """The front page."""
    return render_template("core/index.html")


def _chosen_language(form: LanguageForm) -> str:
    """The language the form chose; 400 with a message when it chose none of ours."""
    if not form.validate():
        abort(400, description=_("Choose one of the languages offered."))
    return form.lang.data


def _back_in(language: str, target: str | None):
    """Back to the page the choice was made on, the language remembered in this browser's cookie."""
    response = redirect(safe_next(target, url_for("core.index")))
    response.set_cookie(LANGUAGE_COOKIE, language, max_age=LANGUAGE_COOKIE_DAYS * 86400,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


@bp.get("/language")
def choose_language():
    """A visitor's language switch: a plain GET form, so that pages carry no token and can be cached."""
    form = LanguageForm(formdata=request.args, meta={"csrf": False})
    return _back_in(_chosen_language(form), form.next.data)


@bp.post("/language")
@login_required
def set_language():
    """A logged-in user's language switch (a form with a CSRF token): saved on the account too."""
    form = LanguageForm()
    current_user.locale = _chosen_language(form)
    db.session.commit()
    return _back_in(current_user.locale, form.next.data)


@bp.get("/start")
@login_required
def start():
    """The signed-in user's start page: what waits for them, by kind of work, each item linked to its page."""
    return render_template("core/start.html", panels=panels_for(current_user._get_current_object()))


@bp.get("/accessibility")
def accessibility():
    """The accessibility statement required by the Act on the Provision of Digital Services."""
    return render_template("core/accessibility.html")


@bp.route("/accessibility/feedback", methods=["GET", "POST"])
def accessibility_feedback():
    """Report an accessibility problem; the form is limited per client, receipts per address."""
    form = AccessibilityFeedbackForm(page=request.args.get("page", ""))
    status = 400 if form.is_submitted() else 200
    if form.validate_on_submit():
        refusal = client_refusal("accessibility-feedback", FEEDBACK_PER_CLIENT)
        if refusal is None:
            # An address that has had its share of receipts still gets the answer, just not another receipt.
            receipt = bool(form.email.data) and recipient_refusal(form.email.data) is None
            submit_feedback(form.page.data, form.description.data, form.name.data, form.email.data,
                            current_language(), receipt=receipt)
            db.session.commit()
            flash(_("Thank you. Your feedback was sent to the accessibility contact."), "success")
            return redirect(url_for("core.accessibility"))
        form.form_errors.append(refusal.message)
        status = 429
    return render_template("core/accessibility_feedback.html", form=form), status


@bp.get("/healthz")
def health():
    """For load balancers: the app answers and reaches its database."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok")
