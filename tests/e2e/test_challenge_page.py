"""A visitor reads a challenge's public page in the browser: phases, changes, how to take part, a cancellation.

Every page visited passes axe (tests/live.py), at desktop and at phone width.
"""
from __future__ import annotations

from decimal import Decimal

from challenges.services.challenges import transition_challenge, update_budget
from core.extensions import db
from tests.factories import make_cast, make_challenge

PHONE = {"width": 375, "height": 812}


def _challenges(live_server) -> tuple[int, int]:
    """A challenge in market dialogue whose budget grew after publication, and a cancelled one."""
    with live_server.app.app_context():
        cast = make_cast()
        running = make_challenge(cast["city"], cast["officer"], state="market_dialogue", max_per_pilot=15000)
        update_budget(running, cast["officer"], {"max_per_pilot": Decimal("25000")},
                      reason="Kaupunki sai lisärahoitusta.")
        cancelled = make_challenge(cast["city"], cast["officer"], state="open")
        transition_challenge(cancelled, "cancel", cast["officer"], "Hankkeen rahoitus peruttiin.",
                             seen_state="open")
        db.session.commit()
        ids = running.id, cancelled.id
        db.session.remove()
    return ids


def test_visitor_sees_where_a_challenge_stands_what_changed_and_how_to_take_part(page, live_server):
    running, cancelled = _challenges(live_server)
    for size in (None, PHONE):
        if size:
            page.set_viewport_size(size)
        page.goto(f"/challenges/{running}")
        stepper = page.get_by_role("navigation", name="Haasteen vaiheet")
        current = stepper.locator("[aria-current=step]")
        assert current.count() == 1 and current.inner_text().startswith("Markkinavuoropuhelu")
        take_part = page.locator("section[aria-labelledby=take-part-heading]")
        assert take_part.get_by_role("heading", name="Näin osallistut").is_visible()
        assert take_part.get_by_role("link", name="Rekisteröi yrityksesi").is_visible()
        changes = page.locator("section[aria-labelledby=changes-heading]").inner_text()
        assert "Kaupunki sai lisärahoitusta." in changes and "25 000 €" in changes.replace("\xa0", " ")
    page.goto(f"/challenges/{cancelled}")
    status = page.get_by_role("status").filter(has_text="Haaste on peruttu.")
    assert "Hankkeen rahoitus peruttiin." in status.inner_text()
    assert page.locator("[aria-current=step]").count() == 0
