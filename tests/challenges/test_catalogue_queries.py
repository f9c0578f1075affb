"""The public pages issue the same, small number of SQL queries for 10 and for 1,000 challenges."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from challenges.models import (Attachment, ChallengeState, Criterion, DialogueEvent, Follow, MeetingSlot,
                               PilotSite)
from core.models import utcnow
from core.extensions import db
from tests.challenges.test_catalogue import english, new_challenge, world  # noqa: F401  (fixtures)

MAX_QUERIES = 10


def _queries(client, url: str) -> int:
    """How many SQL statements one GET of url issues (it must succeed)."""
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(statements)


def _add(world, n: int, follower=None) -> list:
    """n open challenges with themes, two sites and two criteria each; followed by follower if given."""
    challenges = []
    for i in range(n):
        challenge = new_challenge(world["helsinki"] if i % 2 else world["tampere"], world["officer"],
                                  ChallengeState.OPEN, title_fi=f"Haaste {i}", deadline_days=1 + i % 50,
                                  themes=[world["learning"], world["climate"]][: 1 + i % 2])
        challenge.sites = [PilotSite(name=f"Koulu {k}", kind="school") for k in range(2)]
        challenge.criteria = [Criterion(position=k, name=f"Kriteeri {k}", weight=50) for k in range(2)]
        challenges.append(challenge)
    db.session.add_all(challenges)
    if follower is not None:
        db.session.add_all([Follow(user=follower, challenge=c) for c in challenges])
    db.session.commit()
    return challenges


PAGES = ["/challenges", "/challenges?city=helsinki&theme=learning&status=open&deadline=30&q=haaste",
         "/challenges?page=2", "/challenges/feed.atom", "/following"]


def test_public_pages_query_count_does_not_grow_with_the_data(client, world, login_as):
    user = login_as("company_member")
    _add(world, 45, user)
    small = {url: _queries(client, url) for url in PAGES}
    _add(world, 955, user)
    large = {url: _queries(client, url) for url in PAGES}
    assert large == small
    assert max(large.values()) <= MAX_QUERIES, large


def test_anonymous_catalogue_query_count_does_not_grow_with_the_data(client, world):
    _add(world, 10)
    small = _queries(client, "/challenges")
    _add(world, 990)
    assert _queries(client, "/challenges") == small <= MAX_QUERIES


def _grow(challenge, n: int) -> None:
    """Give a challenge n more sites, criteria, themes' worth of rows, attachments and dialogue items."""
    uploader = challenge.created_by_id
    challenge.sites += [PilotSite(name=f"Kirjasto {k}", kind="library") for k in range(n)]
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
                                  workflow="challenge.with_dialogue",
                                  themes=[world["learning"], world["climate"]])
                    for _ in range(2))
    db.session.add_all([small, large])
    db.session.commit()
    _grow(small, 1)
    _grow(large, 25)
    counts = [_queries(client, f"/challenges/{c.id}") for c in (small, large)]
    assert counts[0] == counts[1] <= MAX_QUERIES
