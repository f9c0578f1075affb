"""The public catalogue, its filters, search, order and pagination, the Atom feed and a challenge's page."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from decimal import Decimal

import pytest

from auth.models import User
from challenges.models import Challenge, ChallengeState, Criterion, PilotSite
from challenges.permissions import public_challenges
from challenges.services.catalogue import CatalogueQuery, catalogue_page, search_challenges
from core.extensions import db
from core.models import utcnow
from tests.factories import UNPUBLISHED_STATES, add_challenge, build_catalogue_world, new_challenge

ATOM = "{http://www.w3.org/2005/Atom}"
S = ChallengeState


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(db) -> dict:
    """Two cities with an officer each, and two themes."""
    return build_catalogue_world()


def _titles(response) -> str:
    """The page's text, for asserting which challenges are listed."""
    return response.get_data(as_text=True)


# --- the list ------------------------------------------------------------------------------

def test_catalogue_lists_public_challenges_of_every_city(client, world):
    add_challenge(world["helsinki"], world["officer"], title_fi="Helsingin haaste")
    add_challenge(world["tampere"], world["other_officer"], S.MARKET_DIALOGUE, title_fi="Tampereen haaste")
    response = client.get("/challenges")
    assert response.status_code == 200
    assert "Helsingin haaste" in _titles(response) and "Tampereen haaste" in _titles(response)
    assert "2 challenges found" in _titles(response)


@pytest.mark.parametrize("state", sorted(UNPUBLISHED_STATES, key=lambda s: s.value))
def test_unpublished_challenge_never_appears_publicly(client, world, login_as, state):
    secret = add_challenge(world["helsinki"], world["officer"], state, title_fi="Salainen luonnos")
    login_as("company_member")
    assert "Salainen luonnos" not in _titles(client.get("/challenges"))
    assert "Salainen luonnos" not in _titles(client.get("/challenges?q=salainen"))
    assert client.get(f"/challenges/{secret.id}").status_code == 404
    assert "Salainen luonnos" not in _titles(client.get("/challenges/feed.atom"))


@pytest.mark.parametrize("args, expected", [
    ("city=tampere", {"Tampere open"}),
    ("theme=climate", {"Helsinki dialogue"}),
    ("status=open", {"Helsinki open", "Tampere open"}),
    ("status=dialogue", {"Helsinki dialogue"}),
    ("status=evaluation", {"Helsinki closed"}),
    ("deadline=open_now", {"Helsinki open", "Tampere open"}),
    ("deadline=7", {"Tampere open"}),
    ("deadline=30", {"Helsinki open", "Tampere open"}),
    ("city=helsinki&status=open", {"Helsinki open"}),
])
def test_catalogue_filters(client, world, args, expected):
    h, t, officer = world["helsinki"], world["tampere"], world["officer"]
    add_challenge(h, officer, S.OPEN, title_fi="Helsinki open", deadline_days=20, themes=[world["learning"]])
    add_challenge(t, officer, S.OPEN, title_fi="Tampere open", deadline_days=3)
    add_challenge(h, officer, S.MARKET_DIALOGUE, title_fi="Helsinki dialogue", deadline_days=60,
                  themes=[world["climate"]])
    add_challenge(h, officer, S.CLOSED, title_fi="Helsinki closed", deadline_days=-2)
    page = _titles(client.get(f"/challenges?{args}"))
    shown = {title for title in ("Helsinki open", "Tampere open", "Helsinki dialogue", "Helsinki closed")
             if title in page}
    assert shown == expected


def test_catalogue_refuses_an_unknown_filter_value_with_a_message(client, world):
    add_challenge(world["helsinki"], world["officer"], title_fi="Näkyvä")
    response = client.get("/challenges?city=atlantis&status=nonsense")
    assert response.status_code == 400
    assert "Choose one of the cities in the list." in _titles(response)
    assert "Choose one of the statuses in the list." in _titles(response)
    assert "Näkyvä" in _titles(response)  # the valid part of the request still answers


@pytest.mark.parametrize("q", ["ruokahävikin", "RUOKAHÄVIKIN", "ruokahäv", "food waste", "waste",
                               "koulujen ruoka", "helsinki"])
def test_search_finds_by_finnish_and_english_words_and_prefixes(client, world, q):
    add_challenge(world["helsinki"], world["officer"],
                  title_fi="Ruokahävikin vähentäminen koulujen ruokaloissa",
                  title_en="Reducing food waste in school canteens")
    add_challenge(world["tampere"], world["other_officer"], title_fi="Älykäs katuvalaistus")
    page = _titles(client.get("/challenges", query_string={"q": q}))
    assert "1 challenge found" in page
    assert "Älykäs katuvalaistus" not in page


@pytest.mark.parametrize("q, found", [
    ("100%", False), ("a_b", False), ("'; drop table challenges; --", False), ("kala & | ! :* (", False),
    ("ruoka:* | x", False), ("ruoka% _", True), ("%", True), ("_ ! &", True),  # no words: no search at all
])
def test_search_treats_special_characters_as_text(client, world, q, found):
    add_challenge(world["helsinki"], world["officer"], title_fi="Ruokahävikki")
    response = client.get("/challenges", query_string={"q": q})
    assert response.status_code == 200
    assert ("Ruokahävikki" in _titles(response)) is found


def test_search_needs_every_word(app, world):
    add_challenge(world["helsinki"], world["officer"], title_fi="Ruokahävikin vähentäminen")
    add_challenge(world["helsinki"], world["officer"], title_fi="Ruokalan jonot")
    titles = lambda q: {c.title_fi for c in db.session.scalars(search_challenges(public_challenges(), q))}  # noqa: E731  (one-line helper)
    assert titles("ruoka") == {"Ruokahävikin vähentäminen", "Ruokalan jonot"}
    assert titles("ruoka vähentä") == {"Ruokahävikin vähentäminen"}
    assert titles("") == titles(None) == {"Ruokahävikin vähentäminen", "Ruokalan jonot"}


def test_catalogue_orders_by_deadline_ahead_first_then_past_then_none(app, world):
    h, officer = world["helsinki"], world["officer"]
    for title, days, state in [("later", 40, S.OPEN), ("none", None, S.APPROVED),
                               ("past-old", -90, S.COMPLETED), ("soon", 2, S.OPEN),
                               ("past-recent", -3, S.CLOSED), ("dialogue", 20, S.MARKET_DIALOGUE),
                               ("cancelled", 10, S.CANCELLED)]:
        add_challenge(h, officer, state, title_fi=title, deadline_days=days)
    page = catalogue_page(CatalogueQuery())
    assert [c.title_fi for c in page.items] == ["soon", "dialogue", "later", "cancelled", "past-recent",
                                                "past-old", "none"]


def _next_link(page: str) -> str | None:
    """The address of the "Next page" link of a list page, if it has one."""
    found = re.search(r'rel="next" href="([^"]+)"', page)
    return found.group(1).replace("&amp;", "&") if found else None


def test_catalogue_pages_twenty_at_a_time_by_cursor_with_the_filters(client, world):
    db.session.add_all([new_challenge(world["helsinki"], world["officer"], title_fi=f"Haaste {n:02d}",
                                      deadline_days=n + 1) for n in range(45)])
    db.session.commit()
    first = _titles(client.get("/challenges?city=helsinki"))
    assert "45 challenges found" in first and "First page" not in first
    assert "Haaste 00" in first and "Haaste 19" in first and "Haaste 20" not in first
    second_link = _next_link(first)
    assert re.fullmatch(r"/challenges\?after=\d+&city=helsinki", second_link)  # the filters carry over
    third = _titles(client.get(_next_link(_titles(client.get(second_link)))))
    assert "Haaste 40" in third and "Haaste 44" in third and "Haaste 39" not in third
    assert "First page" in third and _next_link(third) is None
    assert client.get("/challenges?after=99999").status_code == 200  # an unknown cursor: the first page
    assert client.get("/challenges?after=-4").status_code == 200


def test_catalogue_pages_through_every_group_of_its_order_once(client, world):
    h, officer = world["helsinki"], world["officer"]
    expected = []
    for group, days, state in [("soon", 2, S.OPEN), ("later", 40, S.OPEN), ("past", -3, S.CLOSED),
                               ("none", None, S.APPROVED)]:
        deadline = None if days is None else utcnow() + timedelta(days=days)
        for n in range(9):  # the same deadline within each group: the id decides
            add_challenge(h, officer, state, title_fi=f"{group} {n}", deadline_days=days,
                          proposals_close_at=deadline)
            expected.append(f"{group} {n}")
    seen, link = [], "/challenges"
    while link:
        page = _titles(client.get(link))
        seen += re.findall(r'class="h5 card-title"[^>]*>\s*<a [^>]*>([^<]+)</a>', page)
        link = _next_link(page)
    assert seen == expected
    walked, after = [], None  # three at a time, so that pages end inside and between the groups
    while True:
        page = catalogue_page(CatalogueQuery(), after, size=3)
        walked += [c.title_fi for c in page.items]
        if not page.has_more:
            break
        after = page.next_after
    assert walked == expected


def test_catalogue_links_its_atom_feed_in_the_head(client, world):
    page = _titles(client.get("/challenges"))
    head = page.split("</head>")[0]
    assert '<link rel="alternate" type="application/atom+xml" href="/challenges/feed.atom"' in head


def test_catalogue_shows_a_missing_translation_in_finnish_marked_as_such(client, world, login_as):
    add_challenge(world["helsinki"], world["officer"], title_fi="Vain suomeksi", summary_fi="Suomenkielinen",
                  summary_en="In English")
    login_as("company_member", locale="en")
    page = _titles(client.get("/challenges"))
    assert 'lang="fi">\n        <a href' in page  # the heading holding the Finnish title
    assert '<p class="card-text">In English</p>' in page


# --- the feed ------------------------------------------------------------------------------

def test_feed_is_atom_with_the_newly_opened_calls_newest_first(client, world):
    h, officer = world["helsinki"], world["officer"]
    add_challenge(h, officer, S.OPEN, title_fi="Vanha haku", opened_days_ago=20)
    add_challenge(h, officer, S.OPEN, title_fi="Uusi haku", opened_days_ago=1, title_en="New call")
    add_challenge(h, officer, S.MARKET_DIALOGUE, title_fi="Vielä dialogissa")
    response = client.get("/challenges/feed.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)  # noqa: S314  (our own feed, served to this test)
    assert feed.tag == f"{ATOM}feed"
    for element in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{element}") is not None
    assert feed.find(f"{ATOM}link[@rel='self']").get("href") == "http://localhost/challenges/feed.atom"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title") for e in entries]
    assert [t.text for t in titles] == ["New call", "Vanha haku"]  # English where written, else Finnish
    assert [t.get("{http://www.w3.org/XML/1998/namespace}lang") for t in titles] == [None, "fi"]
    for entry in entries:
        for element in ("id", "title", "updated", "link", "summary"):
            assert entry.find(f"{ATOM}{element}") is not None
        assert entry.find(f"{ATOM}id").text.startswith("http://localhost/challenges/")
    assert feed.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text


def test_feed_is_valid_without_entries(client, world):
    feed = ET.fromstring(client.get("/challenges/feed.atom").data)  # noqa: S314  (our own feed)
    assert feed.find(f"{ATOM}updated").text.endswith("Z")
    assert feed.findall(f"{ATOM}entry") == []


# --- a challenge's page ----------------------------------------------------------------------

def _full_challenge(world, state: S = S.OPEN) -> Challenge:
    """A challenge with sites, criteria, budget and themes."""
    challenge = new_challenge(
        world["helsinki"], world["officer"], state, title_fi="Ruokahävikin vähentäminen",
        summary_fi="Koulujen ruokalat heittävät ruokaa pois.", problem="## Tausta\n\nPaljon **hävikkiä**.",
        end_users="Oppilaat ja keittiöhenkilökunta", max_per_pilot=Decimal("20000"), pilot_count=2,
        ipr_terms="Oikeudet jäävät yritykselle.", themes=[world["learning"]])
    host = User(email="riikka@example.org", name="Rehtori Riikka", locale="fi")
    db.session.add(host)
    db.session.flush()
    challenge.sites = [PilotSite(name="Kallion ala-aste", kind="school", address="Porvoonkatu 2", host_id=host.id,
                                 city_id=world["helsinki"].id)]
    challenge.criteria = [
        Criterion(position=1, name="Vaikuttavuus", weight=60, scale=[f"taso {n}" for n in range(6)]),
        Criterion(position=2, name="Toteutettavuus", weight=40, min_score=2, scale=[]),
    ]
    db.session.add(challenge)
    db.session.commit()
    return challenge


def test_detail_shows_the_challenge_to_the_public(client, world):
    challenge = _full_challenge(world)
    page = _titles(client.get(f"/challenges/{challenge.id}"))
    for text in ("Ruokahävikin vähentäminen", "Helsinki", "Open for proposals", "<strong>hävikkiä</strong>",
                 "Oppilaat ja keittiöhenkilökunta", "Kallion ala-aste", "Vaikuttavuus", "weight 60 %",
                 "taso 5", "Minimum score: 2", "Oikeudet jäävät yritykselle.", "Learning",
                 "Log in to follow this challenge"):
        assert text in page, text
    assert "riikka@example.org" not in page and "Rehtori Riikka" not in page  # hosts are for staff
    assert "Manage" not in page


def test_detail_shows_the_site_host_to_the_owning_city_only(client, world, login):
    challenge = _full_challenge(world)
    login(world["officer"])
    page = _titles(client.get(f"/challenges/{challenge.id}"))
    assert "riikka@example.org" in page and "Rehtori Riikka" in page
    login(world["other_officer"])
    page = _titles(client.get(f"/challenges/{challenge.id}"))
    assert "riikka@example.org" not in page and "Rehtori Riikka" not in page


DETAIL_OUTCOMES = {
    # role: (public challenge, draft)
    "visitor": (200, 404),
    "company_member": (200, 404),
    "officer": (200, 200),
    "other_city_officer": (200, 404),
    "platform_admin": (200, 200),
}


@pytest.mark.parametrize("role", DETAIL_OUTCOMES)
def test_detail_is_public_when_published_and_otherwise_for_the_owning_city(client, world, login,
                                                                          user_with_role, role):
    public = _full_challenge(world)
    draft = add_challenge(world["helsinki"], world["officer"], S.DRAFT)
    user = {"visitor": None, "officer": world["officer"], "other_city_officer": world["other_officer"]}.get(
        role, None if role == "visitor" else "make")
    if user == "make":
        user = user_with_role(role)
    if user is not None:
        login(user)
    got = tuple(client.get(f"/challenges/{c.id}").status_code for c in (public, draft))
    assert got == DETAIL_OUTCOMES[role]
    assert client.get("/challenges/999999").status_code == 404


def test_detail_of_an_unknown_challenge_is_404(client, world):
    assert client.get("/challenges/12345").status_code == 404
