"""Error pages in the reader's language: never a traceback."""
from __future__ import annotations

import logging

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, InternalServerError

from core.extensions import db

log = logging.getLogger(__name__)

TITLES = {
    400: lambda: _("The request could not be handled"),
    403: lambda: _("You do not have access to this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("This action is not possible here"),
    409: lambda: _("The page was out of date"),
    413: lambda: _("The file is too large"),
    429: lambda: _("Too many attempts"),
    500: lambda: _("Something went wrong on our side"),
}


def _explanation(code: int) -> str:
    """The default explanation of an error code."""
    return {
        400: _("Check what you entered and try again."),
        403: _("If you think you should have access, log in with another account or contact the organisation that invited you."),
        404: _("The address may be mistyped, or the page may have been removed."),
        405: _("Go back to the previous page and use the buttons there."),
        409: _("Someone changed this item after you opened the page. Reload the page and try again."),
        413: _("Choose a smaller file and try again."),
        429: _("Wait a moment and try again."),
        500: _("The error was recorded. Try again in a moment."),
    }.get(code, _("Try again in a moment."))


def render_error(code: int, message: str | None = None):
    """Render the error page for an HTTP status."""
    title = TITLES.get(code, TITLES[500])()
    return render_template("errors/error.html", code=code, title=title,
                           message=message or _explanation(code)), code


def _handle_http(exc: HTTPException):
    """Show a translated page for any HTTP error; keep a custom description when one was given."""
    code = exc.code or 500
    custom = exc.description if exc.description != type(exc).description else None
    return render_error(code, custom)


def _handle_csrf(exc: CSRFError):
    """A missing or expired form token: explain instead of failing."""
    return render_error(400, _("The form had expired or was sent from elsewhere. "
                               "Go back, reload the page and send the form again; what you typed may need re-entering."))


def _handle_conflict(exc: IntegrityError | StaleDataError):
    """Two requests changed the same thing at once and the database kept the first: 409, nothing saved.

    A constraint or a version column refused this request's write. Services turn the
    conflicts they expect into their own messages; this page answers the rest.
    """
    db.session.rollback()
    log.warning("conflicting write refused: %s", exc)
    return render_error(409, _("Someone else saved a change to the same item at the same moment, so your "
                               "change was not saved. Reload the page and try again."))


def _handle_unexpected(exc: InternalServerError):
    """Roll back and show the 500 page; Flask has already logged the traceback."""
    db.session.rollback()
    return render_error(500)


def register_error_handlers(app: Flask) -> None:
    """Attach the error pages to the app."""
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(IntegrityError, _handle_conflict)
    app.register_error_handler(StaleDataError, _handle_conflict)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(InternalServerError, _handle_unexpected)
