"""The page cache: what moves the data version, who is served a cached page, conditional GET, languages."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text, update

from auth.models import Organisation
from challenges.models import ChallengeState
from core.cache import DataVersion, MemoryStore, Page, public_tables
from core.extensions import db
from tests.factories import add_challenge, build_catalogue_world, count_queries, html, visit

pytestmark = pytest.mark.usefixtures("english")

# Tables whose rows no cached page shows: a change to them leaves the cached pages as they are.
NEVER_ON_PUBLIC_PAGES = {
    "users", "user_tokens", "invitations", "memberships", "audit_entries", "outbox_messages", "outbox_fanouts",
    "accessibility_feedback", "site_settings", "data_versions", "challenge_follows", "subscriptions",
    "criteria_templates", "rfi_questions", "rfi_responses", "notification_preferences", "digest_items",
    "proposals", "proposal_versions",  # a company's proposal is read by its company and the city's staff only
}


@pytest.fixture
def world(db) -> dict:
    """Two cities, two themes, and an open call of Helsinki."""
    world = build_catalogue_world()
    world["challenge"] = add_challenge(world["helsinki"], world["officer"], ChallengeState.OPEN,
                                       title_fi="Koulujen sisäilma", title_en="Indoor air of schools")
    return world


def _version() -> int | None:
    """The data version as a new transaction reads it."""
    db.session.commit()
    return db.session.scalar(select(DataVersion.version))


def _queries(client, url: str, **headers: str) -> tuple[object, int]:
    """The response to a GET of url and how many SQL statements it ran."""
    with count_queries() as statements:
        response = client.get(url, headers=headers)
    return response, len(statements)


def test_every_table_is_declared_shown_on_public_pages_or_not():
    undeclared = set(db.metadata.tables) - public_tables() - NEVER_ON_PUBLIC_PAGES
    assert undeclared == set(), "declare these with core.cache.shows_on_public_pages or list them here"
    assert public_tables() & NEVER_ON_PUBLIC_PAGES == set()


# --- the data version ------------------------------------------------------------------------------

def test_data_version_moves_when_a_public_row_changes(world):
    before = _version()
    world["challenge"].title_fi = "Uusi otsikko"
    assert _version() not in (before, None)


def test_data_version_stays_when_only_private_rows_change(world):
    before = _version()
    world["officer"].name = "Another name"
    world["challenge"].title_fi = world["challenge"].title_fi  # set to the same value: no change
    assert _version() == before


def test_data_version_stays_when_the_change_rolls_back(world):
    before = _version()
    world["challenge"].title_fi = "Hylätty"
    db.session.flush()
    db.session.rollback()
    world["officer"].name = "Another name"  # the next transaction changes nothing public
    assert _version() == before


def test_data_version_moves_with_a_bulk_statement(world):
    before = _version()
    db.session.execute(update(Organisation).where(Organisation.id == world["helsinki"].id)
                       .values(name="Helsingin kaupunki"))
    assert _version() != before


# --- who is served from the cache ------------------------------------------------------------------

def test_visitor_second_request_is_served_from_the_cache(client, world):
    first, queries_first = _queries(client, "/challenges")
    # A change the ORM cannot see (raw SQL) moves no version, so the kept page is what comes back.
    db.session.execute(text("UPDATE challenges SET title_en = 'Unseen' WHERE id = :id"),
                       {"id": world["challenge"].id})
    second, queries_second = _queries(client, "/challenges")
    assert "Indoor air of schools" in html(second) and "Unseen" not in html(second)
    assert second.get_data() == first.get_data()
    assert queries_second == 1 < queries_first  # the data version only


def test_cached_page_answers_a_conditional_get_with_304(client, world):
    first = client.get("/challenges")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "no-cache"
    again, queries = _queries(client, "/challenges", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and queries == 1
    world["challenge"].title_en = "Fresh air"
    changed = client.get("/challenges", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Fresh air" in html(changed)
    assert changed.headers["ETag"] != etag


def test_head_request_gets_the_cached_page_headers_without_a_body(client, world):
    page = client.get("/challenges/feed.atom")
    head = client.head("/challenges/feed.atom")
    assert head.status_code == 200 and head.get_data() == b""
    assert head.headers["ETag"] == page.headers["ETag"]
    assert head.headers["Content-Type"].startswith("application/atom+xml")


def test_logged_in_user_neither_gets_nor_fills_the_cache(client, app, world, login):
    client.get("/challenges")  # a visitor's copy is kept
    login(world["officer"])
    page = client.get("/challenges")
    assert "Log out" in html(page) and "ETag" not in page.headers
    assert page.headers["Cache-Control"] == "no-store"
    visitor = app.test_client()
    visitor.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert "Log out" not in html(visitor.get("/challenges"))


def test_pending_message_is_shown_instead_of_the_cached_page(client, world):
    client.get("/")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "You have logged out.")]
    page = client.get("/")
    assert "You have logged out." in html(page) and "ETag" not in page.headers
    assert "You have logged out." not in html(client.get("/"))  # shown once


def test_unknown_empty_and_malformed_arguments_share_the_plain_page(client, world):
    noisy = client.get("/challenges?utm_source=mail&q=&city=&after=x&after=2")
    assert "utm_source" not in html(noisy) and "after=x" not in html(noisy)
    plain, queries = _queries(client, "/challenges")
    assert queries == 1 and plain.get_data() == noisy.get_data()


def test_filtered_pages_are_kept_apart(client, world):
    add_challenge(world["tampere"], world["other_officer"], title_fi="Tampereen haaste",
                  title_en="Challenge of Tampere")
    everything = html(client.get("/challenges"))
    helsinki, queries = _queries(client, "/challenges?city=helsinki")
    assert "Challenge of Tampere" in everything and "Challenge of Tampere" not in html(helsinki)
    assert queries > 1  # built, not the unfiltered page's copy
    assert _queries(client, "/challenges?city=helsinki")[1] == 1


@pytest.mark.parametrize("url", ["/challenges?city=nowhere", "/challenges?q=" + "ä" * 150])
def test_refused_or_over_long_queries_are_never_kept(client, world, url):
    client.get(url)
    _response, queries = _queries(client, url)
    assert queries > 1


def test_every_language_has_its_own_copy(client, world):
    english = client.get("/challenges")
    finnish = client.get("/challenges", headers={"Accept-Language": "fi"})
    assert "Indoor air of schools" in html(english) and "Koulujen sisäilma" in html(finnish)
    assert english.headers["ETag"] != finnish.headers["ETag"]
    assert "Accept-Language" in english.headers["Vary"]


# --- the visitor's language -------------------------------------------------------------------------

def test_visitor_language_switch_is_a_get_that_sets_a_cookie_not_a_session(client, world):
    response = client.get("/language?lang=sv&next=/challenges?city=helsinki")
    assert response.status_code == 302 and response.headers["Location"] == "/challenges?city=helsinki"
    cookies = response.headers.getlist("Set-Cookie")
    assert len(cookies) == 1 and cookies[0].startswith("lang=sv;") and "HttpOnly" in cookies[0]
    page = client.get("/challenges?city=helsinki")
    assert '<html lang="sv">' in html(page) and "Set-Cookie" not in page.headers


def test_visitor_language_switch_refuses_an_unknown_language(client):
    response = client.get("/language?lang=de&next=/")
    assert response.status_code == 400 and "Choose one of the languages offered." in html(response)


def test_visitor_switch_is_a_form_without_a_token_and_a_user_keeps_the_post(app, client, world, login):
    app.config["WTF_CSRF_ENABLED"] = True
    visitor = html(client.get("/challenges?city=helsinki&junk=1"))
    assert '<form method="get" action="/language"' in visitor and "csrf_token" not in visitor
    assert 'name="next" value="/challenges?city=helsinki"' in visitor
    login(world["officer"])
    user = html(client.get("/challenges"))
    assert '<form method="post" action="/language"' in user and 'name="csrf_token"' in user


# --- where pages are kept ------------------------------------------------------------------------------

def test_memory_store_forgets_the_least_recently_used_and_the_expired(monkeypatch):
    store = MemoryStore(entries=2, seconds=60)
    pages = {key: Page.of(key.encode(), "text/html") for key in "abc"}
    store.put("a", pages["a"])
    store.put("b", pages["b"])
    assert store.get("a") == pages["a"]  # a is now the most recently used
    store.put("c", pages["c"])
    assert (store.get("a"), store.get("b"), store.get("c")) == (pages["a"], None, pages["c"])
    expired = MemoryStore(entries=2, seconds=-1)
    expired.put("a", pages["a"])
    assert expired.get("a") is None


def test_redis_shares_pages_between_processes_and_the_version_invalidates_them(app, world, other_process,
                                                                                redis_url):
    for process in (app, other_process):
        process.config.update(REDIS_URL=redis_url, RQ_QUEUE="page-cache-test")
    first, _queries_first = visit(app, "/challenges")
    kept, queries = visit(other_process, "/challenges")
    assert queries == 1 and kept.get_data() == first.get_data()  # built by the first process, kept in Redis
    world["challenge"].title_en = "Changed in the first process"
    changed, queries = visit(other_process, "/challenges")
    assert "Changed in the first process" in html(changed) and queries > 1


def test_unreachable_redis_serves_pages_all_the_same(app, client, world):
    app.config["REDIS_URL"] = "redis://127.0.0.1:9/0"
    for _ in range(2):
        response = client.get("/challenges")
        assert response.status_code == 200 and "Indoor air of schools" in html(response)
