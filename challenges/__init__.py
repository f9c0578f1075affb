"""Challenges, market dialogue, the public catalogue and subscriptions (DESIGN.md sections 2, 3, 6)."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("challenges", __name__)


def init_app(app: Flask) -> None:
    """Register the models, workflow tables, permissions, routes, periodic jobs and who is told of moves."""
    from challenges import (audit_labels, dialogue_jobs, jobs, models, ownership, permissions,  # noqa: F401
                            views, workflow, workspace)
    from challenges.notifications.lifecycle import challenge_transitioned
    from challenges.services.dialogue.ending import dialogue_stopped
    from core.workflow import transitioned

    transitioned.connect(challenge_transitioned, sender=workflow.FAMILY)
    transitioned.connect(dialogue_stopped, sender=workflow.FAMILY)  # what was ahead is cancelled
    workspace.init_workspace()
    app.register_blueprint(bp)
    app.jinja_env.globals["can_manage_challenges"] = permissions.can_manage_list
    # Pages name a challenge's cities by asking the ownership helper, as code does.
    app.jinja_env.globals.update(lead_city=ownership.lead_city, owning_cities=ownership.owning_cities)
