"""Accounts: users, organisations, memberships, roles and permissions, login and registration."""
from __future__ import annotations

from flask import Blueprint, Flask
from flask_babel import lazy_gettext as _l

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    """Register the accounts pages and the Flask-Login user loader."""
    from auth import audit_labels, models, permissions, views, workspace  # noqa: F401  (models, routes, labels)
    from core.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(models.load_user)
    app.jinja_env.globals["can_administer_users"] = permissions.can_administer_users
    app.jinja_env.globals["organisation_page"] = workspace.organisation_page
    workspace.init_workspace()
    app.register_blueprint(bp)
