"""Loading and permission checks shared by the market dialogue pages."""
from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from auth.permissions import roles_for
from auth.roles import Role
from challenges.models import Challenge
from challenges.permissions import STAFF_READERS, can_view
from challenges.services import dialogue as service
from core.extensions import db
from core.forms import Form
from core.views import safe_next

PUBLIC = "/challenges/<int:challenge_id>/dialogue"
MANAGE = "/manage/challenges/<int:challenge_id>/dialogue"


# --- loading and permissions ------------------------------------------------------------------

def _me():
    """The logged-in user as a model (services and the audit log need it, not the proxy)."""
    return current_user._get_current_object()


def _status(form: Form) -> int:
    """400 for a submitted form shown again with errors, 200 for a first view or a preview without errors."""
    previewing = getattr(form, "previewing", False)
    return 400 if form.is_submitted() and (form.errors or not previewing) else 200


def _challenge(challenge_id: int) -> Challenge:
    """The challenge without its criteria, sites and themes (dialogue pages do not show them)."""
    stmt = select(Challenge).where(Challenge.id == challenge_id).options(
        lazyload(Challenge.themes), lazyload(Challenge.sites), lazyload(Challenge.criteria))
    return db.session.scalar(stmt) or abort(404)


def _viewable(challenge_id: int) -> Challenge:
    """A challenge the current user may see; 404 otherwise, so existence is not revealed."""
    challenge = _challenge(challenge_id)
    if not can_view(current_user, challenge):
        abort(404)
    return challenge


def _for_company(challenge_id: int) -> tuple[Challenge, list]:
    """A viewable challenge and the companies the user acts for; 403 for people who act for none."""
    challenge = _viewable(challenge_id)
    companies = service.acting_companies(current_user)
    if not companies:
        abort(403)
    return challenge, companies


def _staff(challenge_id: int, write: bool | None = None) -> tuple[Challenge, bool]:
    """An officer page: (challenge, may edit). Readers get GETs only; strangers 403 or 404."""
    write = request.method not in ("GET", "HEAD") if write is None else write
    challenge = _challenge(challenge_id)
    roles = roles_for(current_user, challenge)
    officer = Role.OFFICER in roles
    if officer or (not write and roles & STAFF_READERS):
        return challenge, officer
    abort(403 if challenge.is_public or roles & STAFF_READERS else 404)


def _child(model: Any, challenge: Challenge, object_id: int) -> Any:
    """One event, slot or question of this challenge; 404 for another challenge's."""
    stmt = select(model).where(model.id == object_id, model.challenge_id == challenge.id)
    if hasattr(model, "challenge"):
        stmt = stmt.options(lazyload(model.challenge))
    return db.session.scalar(stmt) or abort(404)


def _back(default: str) -> str:
    """Where a button form asked to return to, or default."""
    return safe_next(request.form.get("next"), default)
