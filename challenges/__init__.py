"""Challenges, market dialogue, the public catalogue and subscriptions (DESIGN.md sections 2, 3, 6)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("challenges", __name__)


def init_app(app: Flask) -> None:
    """Register the models, workflow tables, permissions, routes, periodic jobs and who is told of moves."""
    from challenges import audit_labels, dialogue_jobs, jobs, models, permissions, views, workflow  # noqa: F401
    from challenges.notifications.lifecycle import challenge_transitioned
    from core.workflow import transitioned

    transitioned.connect(challenge_transitioned, sender=workflow.FAMILY)
    app.register_blueprint(bp)
    app.jinja_env.globals["can_manage_challenges"] = permissions.can_manage_list
