"""Pages of the shared kernel: home, language switch, accessibility statement and feedback."""
from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from core.extensions import db
from core.feedback import submit_feedback
from core.forms import AccessibilityFeedbackForm, LanguageForm
from core.i18n import current_language
from core.mail_limits import client_refusal, recipient_refusal

bp = Blueprint("core", __name__)
FEEDBACK_PER_CLIENT = "10 per hour"
MAX_NEXT_LENGTH = 2000


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
def index():
    """The front page."""
    return render_template("core/index.html")


@bp.post("/language")
def set_language():
    """Remember the chosen language for this browser and, when logged in, for the account."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400, description=_("Choose one of the languages offered."))
    session["lang"] = form.lang.data
    if current_user.is_authenticated:
        current_user.locale = form.lang.data
        db.session.commit()
    return redirect(safe_next(form.next.data, url_for("core.index")))


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
