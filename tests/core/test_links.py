"""Absolute links for emails and feeds: BASE_URL and the route, the same from a request and from a job."""
from __future__ import annotations

from core.links import absolute_url


def test_absolute_url_is_the_same_inside_and_outside_a_request(app):
    app.config["BASE_URL"] = "https://kokeilu.example.fi/"
    outside = absolute_url("challenges.detail", challenge_id=7, tab="qa")
    with app.test_request_context("/somewhere/else", base_url="http://other-host:8080"):
        inside = absolute_url("challenges.detail", challenge_id=7, tab="qa")
    assert outside == inside == "https://kokeilu.example.fi/challenges/7?tab=qa"
