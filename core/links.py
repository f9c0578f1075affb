"""Absolute links for emails and feeds: BASE_URL followed by a route's path, with or without a request."""
from __future__ import annotations

from typing import Any

from flask import current_app


def absolute_url(endpoint: str, **values: Any) -> str:
    """The absolute address of a route, the same in a request and in a job (which has none)."""
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"].rstrip("/") + path
