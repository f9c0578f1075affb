"""The public pages issue the same, small number of SQL queries for 10 and for 1,000 challenges."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest

from challenges.models import (Attachment, ChallengeState, Criterion, DialogueEvent, Follow, MeetingSlot,
                               PilotSite)
from challenges.ownership import lead_city
from core.models import utcnow
from core.extensions import db
from tests.factories import build_catalogue_world, new_challenge, queries_of_get

MAX_QUERIES = 10
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(db) -> dict:
    """Two cities with an officer each, and two themes."""
    return build_catalogue_world()


def _add(world, n: int, follower=None) -> list:
    """n open challenges with themes, two sites and two criteria each; followed by follower if given."""
    challenges = []
    for i in range(n):
        city = world["helsinki"] if i % 2 else world["tampere"]
        challenge = new_challenge(city, world["officer"], ChallengeState.OPEN, title_fi=f"Haaste {i}",
                                  deadline_days=1 + i % 50, themes=[world["learning"], world["climate"]][: 1 + i % 2])
        challenge.sites = [PilotSite(name=f"Koulu {k}", kind="school", city_id=city.id) for k in range(2)]
        challenge.criteria = [Criterion(position=k, name=f"Kriteeri {k}", weight=50) for k in range(2)]
        challenges.append(challenge)
    db.session.add_all(challenges)
    if follower is not None:
        db.session.add_all([Follow(user=follower, challenge=c) for c in challenges])
    db.session.commit()
    return challenges


PAGES = ["/challenges", "/challenges?city=helsinki&theme=learning&status=open&deadline=30&q=haaste",
         "/challenges/feed.atom", "/following"]


def _next_pages(client) -> dict[str, str]:
    """The second page of each paged list, by the cursor its first page links to."""
    links = {}
    for url in ("/challenges", "/following"):
        page = client.get(url).get_data(as_text=True)
        links[f"{url} (page 2)"] = re.search(r'rel="next" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    return links


def _count_all(client) -> dict[str, int]:
    """Queries of every public page and of the second page of each list."""
    urls = {url: url for url in PAGES} | _next_pages(client)
    return {name: queries_of_get(client, url) for name, url in urls.items()}


def test_public_pages_query_count_does_not_grow_with_the_data(client, world, login_as):
    user = login_as("company_member")
    _add(world, 45, user)
    small = _count_all(client)
    _add(world, 955, user)
    large = _count_all(client)
    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large


def test_anonymous_catalogue_query_count_does_not_grow_with_the_data(client, world):
    _add(world, 10)
    small = queries_of_get(client, "/challenges")
    _add(world, 990)
    assert queries_of_get(client, "/challenges") == small <= MAX_QUERIES


def _grow(challenge, n: int) -> None:
    """Give a challenge n more sites, criteria, themes' worth of rows, attachments and dialogue items."""
    uploader = challenge.created_by_id
    challenge.sites += [PilotSite(name=f"Kirjasto {k}", kind="library", city_id=lead_city(challenge).id)
                        for k in range(n)]
    challenge.criteria += [Criterion(position=100 + k, name=f"Lisäkriteeri {k}", weight=5) for k in range(n)]
    start = utcnow() + timedelta(days=3)
    db.session.add_all(
        [Attachment(owner=challenge, title=f"Liite {k}", stored_name=f"{challenge.id}-{k}",
                    original_name=f"liite{k}.pdf", content_type="application/pdf", size=1000, sha256="0" * 64,
                    uploaded_by_id=uploader) for k in range(n)]
        + [DialogueEvent(challenge_id=challenge.id, kind="info_session", title=f"Infotilaisuus {k}",
                         starts_at=start, ends_at=start + timedelta(hours=2), location="Kaupungintalo")
           for k in range(n)]
        + [MeetingSlot(challenge_id=challenge.id, starts_at=start + timedelta(hours=k), place="Teams",
                       ends_at=start + timedelta(hours=k, minutes=30)) for k in range(n)])
    db.session.commit()


@pytest.mark.parametrize("role", [None, "company_member", "officer"])
def test_detail_page_query_count_does_not_grow_with_its_content(client, world, login_as, login, role):
    if role == "officer":
        login(world["officer"])
    elif role:
        login_as(role)
    small, large = (new_challenge(world["helsinki"], world["officer"], ChallengeState.MARKET_DIALOGUE,
                                  workflow="challenge.with_dialogue.v1",
                                  themes=[world["learning"], world["climate"]])
                    for _ in range(2))
    db.session.add_all([small, large])
    db.session.commit()
    _grow(small, 1)
    _grow(large, 25)
    counts = [queries_of_get(client, f"/challenges/{c.id}") for c in (small, large)]
    assert counts[0] == counts[1] <= MAX_QUERIES
