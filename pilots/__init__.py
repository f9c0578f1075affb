"""Proposals, evaluation, pilots, surveys, decisions, procurement and open data (DESIGN.md sections 2, 4, 6).

The package imports core, auth and challenges only; challenges learns of it through the
workflow engine's guard registry and the start page's registry, never by importing it.
"""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("pilots", __name__)


def init_app(app: Flask) -> None:
    """Register the proposals' models, workflow table, roles, routes, audit labels and start-page panel."""
    from pilots.proposals import (audit_labels, models, permissions, views, workflow,  # noqa: F401
                                  workspace)

    app.before_request(workflow.mark_arrival)  # deadlines are judged by when a request arrived
    workspace.init_workspace()
    app.register_blueprint(bp)
