"""Every change that shows on a cached public page shows at once to visitors of another web process.

Each case caches the pages a change should show on in a second app over the same
database (as another gunicorn worker would keep them), checks that they are
served from its cache, makes the change as the application does (through the
services, committed), and reads the pages again there.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Callable

import pytest

from auth.services.admin import update_organisation
from challenges.models import Theme
from challenges.services.challenges import transition_challenge, update_texts
from challenges.services.criteria import replace_criteria
from challenges.services.dialogue import (EventFields, answer_question, ask_question, book_slot,
                                          publish_answers, record_event_outcome, register_for_event,
                                          save_dialogue_summary, update_event)
from challenges.services.sites import save_sites
from challenges.workflow import DIRECT
from core.extensions import db
from tests.factories import (DialogueWorld, add_attachment, add_event, add_slot, html, make_challenge,
                             make_user, visit)

DETAIL, CATALOGUE, FEED = "detail", "catalogue", "feed"
Watch = Callable[..., None]


def _event_fields(event, **changes) -> EventFields:
    """An event's fields as its form would send them, with changes."""
    fields = EventFields(event.kind, event.title, event.description, event.starts_at, event.ends_at,
                         event.online_url, event.location, event.capacity)
    return replace(fields, **changes)


# --- the changes: each prepares what it needs, lets the pages be cached (watch), changes, says what shows ---

def title_edited(dw: DialogueWorld, watch: Watch) -> str:
    watch(DETAIL, CATALOGUE)
    update_texts(dw.challenge, dw.officer, {"title_en": "Cleaner air for classrooms"})
    return "Cleaner air for classrooms"


def challenge_published(dw: DialogueWorld, watch: Watch) -> str:
    challenge = make_challenge(dw.city, dw.officer, variant=DIRECT, state="awaiting_approval",
                               title_en="Freshly approved challenge")
    watch(CATALOGUE)
    transition_challenge(challenge, "approve", dw.decision_maker, seen_state="awaiting_approval")
    return "Freshly approved challenge"


def call_opened(dw: DialogueWorld, watch: Watch) -> str:
    challenge = make_challenge(dw.city, dw.officer, variant=DIRECT, state="approved", title_en="A call just opened")
    watch(FEED)
    transition_challenge(challenge, "open_call", dw.officer, seen_state="approved")
    return "A call just opened"


def challenge_cancelled(dw: DialogueWorld, watch: Watch) -> str:
    watch(DETAIL, CATALOGUE)
    transition_challenge(dw.challenge, "cancel", dw.officer, "Rahoitus loppui.", seen_state="market_dialogue")
    return "Cancelled"


def answer_published(dw: DialogueWorld, watch: Watch) -> str:
    question = ask_question(dw.challenge, dw.member, dw.company, "Is there wifi in the classrooms?")
    answer_question(question, "Yes, in every classroom.", dw.officer)
    db.session.commit()
    watch(DETAIL)
    publish_answers(dw.challenge, [question], dw.officer)  # one UPDATE statement, not a flushed row
    return "Yes, in every classroom."


def event_changed(dw: DialogueWorld, watch: Watch) -> str:
    event = add_event(dw.challenge, title="Info session")
    watch(DETAIL)
    update_event(event, _event_fields(event, title="Workshop on ventilation"), dw.officer)
    return "Workshop on ventilation"


def registration_taken(dw: DialogueWorld, watch: Watch) -> str:
    event = add_event(dw.challenge, capacity=5)
    watch(DETAIL)
    register_for_event(event, dw.member, dw.company)
    return "Free places: 4 of 5"


def meeting_booked(dw: DialogueWorld, watch: Watch) -> str:
    slot = add_slot(dw.challenge)
    watch(DETAIL)
    book_slot(slot, dw.member, dw.company)  # an UPDATE inside a savepoint
    return "Booked"


def material_published(dw: DialogueWorld, watch: Watch) -> str:
    event = add_event(dw.challenge, starts_in=-timedelta(hours=3))
    watch(DETAIL)
    record_event_outcome(event, "Slides", "We met.", True, dw.officer)
    return "Material and minutes are available on the event"


def summary_published(dw: DialogueWorld, watch: Watch) -> str:
    watch(DETAIL)
    save_dialogue_summary(dw.challenge, "Sensors are cheap now.", None, True, dw.officer)
    return "Sensors are cheap now."


def city_renamed(dw: DialogueWorld, watch: Watch) -> str:
    watch(DETAIL, CATALOGUE)
    update_organisation(dw.city, {"name": "Helsingin kaupunki"}, make_user(platform_admin=True))
    return "Helsingin kaupunki"


def theme_renamed(dw: DialogueWorld, watch: Watch) -> str:
    theme = Theme(slug="air", name_fi="Ilma", name_sv="Luft", name_en="Air")
    dw.challenge.themes = [theme]
    db.session.commit()
    watch(DETAIL, CATALOGUE)
    theme.name_en = "Indoor climate"
    return "Indoor climate"


def attachment_added(dw: DialogueWorld, watch: Watch) -> str:
    watch(DETAIL)
    add_attachment(dw.challenge, dw.officer)
    return "plan.pdf"


def site_added(dw: DialogueWorld, watch: Watch) -> str:
    watch(DETAIL)
    save_sites(dw.challenge, dw.officer, [{"id": None, "name": "Kallio library", "kind": "library",
                                           "address": "Viides linja 11"}])
    return "Kallio library"


def criteria_replaced(dw: DialogueWorld, watch: Watch) -> str:
    watch(DETAIL)
    replace_criteria(dw.challenge, dw.officer, [{"name": "Energy use", "weight": 100}])
    return "Energy use"


CHANGES = [title_edited, challenge_published, call_opened, challenge_cancelled, answer_published, event_changed,
           registration_taken, meeting_booked, material_published, summary_published, city_renamed,
           theme_renamed, attachment_added, site_added, criteria_replaced]


@pytest.mark.parametrize("change", CHANGES, ids=[c.__name__ for c in CHANGES])
def test_change_shows_at_once_to_visitors_of_another_process(dw, other_process, change):
    urls = {DETAIL: f"/challenges/{dw.challenge.id}", CATALOGUE: "/challenges", FEED: "/challenges/feed.atom"}
    cached: dict[str, str] = {}

    def watch(*pages: str) -> None:
        for page in pages:
            cached[page] = html(visit(other_process, urls[page])[0])
            response, queries = visit(other_process, urls[page])
            assert queries == 1 and html(response) == cached[page], f"{page} is not served from the cache"

    shown = change(dw, watch)
    db.session.commit()
    assert cached, "the change watched no page"
    for page, before in cached.items():
        assert shown not in before, f"{page} showed {shown!r} before the change"
        response, _queries = visit(other_process, urls[page])
        assert response.status_code == 200 and shown in html(response), f"{page} is stale"


# --- what a visitor's page holds ---------------------------------------------------------------------

@pytest.mark.parametrize("page", ["/", "/challenges", "/challenges?status=dialogue&q=koulu", "detail",
                                  "/challenges/feed.atom"])
def test_visitor_pages_set_no_cookie_and_hold_no_token(app, dw, client, page):
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/challenges/{dw.challenge.id}" if page == "detail" else page
    for _ in range(2):  # built, then served from the cache
        response = client.get(url)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers and "csrf_token" not in html(response)
        assert response.headers.get("ETag")
    assert client.get_cookie("session") is None


def test_unpublished_challenge_is_never_cached_for_visitors(dw, other_process):
    draft = make_challenge(dw.city, dw.officer, variant=DIRECT, state="draft", title_en="Secret draft")
    response, _queries = visit(other_process, f"/challenges/{draft.id}")
    assert response.status_code == 404 and "ETag" not in response.headers
