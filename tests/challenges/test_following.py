"""Following challenges, subscriptions to cities and themes, and who is told about a challenge."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from auth.models import OrgKind
from challenges.models import ChallengeState, Follow, Subscription
from challenges.services.following import active_users, followers_of, subscriber_ids
from core.extensions import db
from tests.factories import LOGIN, add_challenge, audit_count, build_catalogue_world, count_queries, outcome

S = ChallengeState
pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def world(db) -> dict:
    """Two cities with an officer each, and two themes."""
    return build_catalogue_world()


def _follows(challenge) -> int:
    """How many follow rows the challenge has."""
    stmt = select(func.count()).select_from(Follow).where(Follow.challenge_id == challenge.id)
    return db.session.scalar(stmt)


# --- follow and unfollow -----------------------------------------------------------------------

def test_follow_twice_follows_once_and_unfollow_twice_unfollows_once(client, world, login_as):
    challenge = add_challenge(world["helsinki"], world["officer"])
    login_as("company_member")
    for _ in range(2):
        response = client.post(f"/challenges/{challenge.id}/follow")
        assert response.status_code == 302
        assert response.headers["Location"] == f"/challenges/{challenge.id}"
    assert _follows(challenge) == 1 and audit_count("challenge_followed") == 1
    assert "Stop following" in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    for _ in range(2):
        assert client.post(f"/challenges/{challenge.id}/unfollow").status_code == 302
    assert _follows(challenge) == 0 and audit_count("challenge_unfollowed") == 1
    assert "Follow this challenge" in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)


def test_follow_returns_to_a_local_next_page_only(client, world, login_as):
    challenge = add_challenge(world["helsinki"], world["officer"])
    login_as("company_member")
    assert client.post(f"/challenges/{challenge.id}/follow",
                       data={"next": "/following"}).headers["Location"] == "/following"
    response = client.post(f"/challenges/{challenge.id}/unfollow", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == f"/challenges/{challenge.id}"


def test_visitor_is_sent_to_log_in_and_back_to_the_challenge(client, world):
    challenge = add_challenge(world["helsinki"], world["officer"])
    response = client.post(f"/challenges/{challenge.id}/follow")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/challenges/{challenge.id}"
    assert _follows(challenge) == 0


@pytest.mark.parametrize("state", [S.DRAFT, S.AWAITING_APPROVAL])
def test_an_unpublished_challenge_cannot_be_followed(client, world, login, state):
    challenge = add_challenge(world["helsinki"], world["officer"], state)
    login(world["officer"])  # even its own city gets 404: there is nothing public to follow
    assert client.post(f"/challenges/{challenge.id}/follow").status_code == 404
    assert client.post("/challenges/424242/follow").status_code == 404
    assert _follows(challenge) == 0


def test_following_page_lists_followed_challenges_with_unfollow_buttons(client, world, login_as):
    followed = add_challenge(world["helsinki"], world["officer"], title_fi="Seurattu haaste")
    add_challenge(world["helsinki"], world["officer"], title_fi="Muu haaste")
    login_as("company_member")
    client.post(f"/challenges/{followed.id}/follow")
    page = client.get("/following").get_data(as_text=True)
    assert "Seurattu haaste" in page and "Muu haaste" not in page
    assert f'action="/challenges/{followed.id}/unfollow"' in page
    assert "You follow 1 challenge." in page


# --- subscriptions -----------------------------------------------------------------------------

def _subscriptions(user) -> set[tuple]:
    """The user's subscriptions as (city id, theme id) pairs."""
    rows = db.session.scalars(select(Subscription).filter_by(user_id=user.id))
    return {(s.city_id, s.theme_id) for s in rows}


def test_subscriptions_are_saved_and_replaced(client, world, login_as):
    user = login_as("company_member")
    h, t, learning = world["helsinki"].id, world["tampere"].id, world["learning"].id
    response = client.post("/subscriptions", data={"cities": [h, t], "themes": [learning]})
    assert response.status_code == 302
    assert _subscriptions(user) == {(h, None), (t, None), (None, learning)}
    page = client.get("/subscriptions").get_data(as_text=True)
    checked = {int(v) for v in re.findall(r'<input checked[^>]*name="cities"[^>]*value="(\d+)"', page)}
    assert checked == {h, t}
    client.post("/subscriptions", data={"cities": [t]})
    assert _subscriptions(user) == {(t, None)}
    client.post("/subscriptions", data={"cities": [t]})  # the same again changes nothing
    assert _subscriptions(user) == {(t, None)}
    assert audit_count("subscriptions_changed") == 2


def test_subscriptions_refuse_unknown_choices_and_keep_what_was_there(client, world, login_as):
    user = login_as("company_member")
    client.post("/subscriptions", data={"cities": [world["helsinki"].id]})
    response = client.post("/subscriptions", data={"cities": ["99999"], "themes": ["x"]})
    assert response.status_code == 400
    assert _subscriptions(user) == {(world["helsinki"].id, None)}


def test_subscriptions_and_following_need_login(client, world):
    for url in ("/subscriptions", "/following"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- who is told -------------------------------------------------------------------------------

def _count_queries(fn):
    """Run fn and return (its result, the number of SQL statements it issued)."""
    with count_queries() as statements:
        result = fn()
    return result, len(statements)


def test_subscriber_ids_give_each_active_subscriber_once_in_one_query(world, make_user):
    h = world["helsinki"]
    challenge = add_challenge(h, world["officer"], themes=[world["learning"], world["climate"]])
    everything = make_user()  # city and both themes: still once
    by_theme = make_user()
    elsewhere = make_user()
    gone = make_user()
    gone.active = False
    db.session.add_all([Subscription(user=everything, city_id=h.id),
                        Subscription(user=everything, theme_id=world["learning"].id),
                        Subscription(user=everything, theme_id=world["climate"].id),
                        Subscription(user=by_theme, theme_id=world["climate"].id),
                        Subscription(user=elsewhere, city_id=world["tampere"].id),
                        Subscription(user=gone, city_id=h.id)])
    db.session.commit()
    db.session.expire_all()
    assert challenge.id  # the caller has the challenge loaded; only the users are to be queried
    users, queries = _count_queries(lambda: active_users(subscriber_ids(challenge)))
    assert [u.id for u in users] == sorted([everything.id, by_theme.id])
    assert queries == 1


def test_followers_of_returns_active_followers_in_one_query(world, make_user):
    challenge = add_challenge(world["helsinki"], world["officer"])
    other = add_challenge(world["helsinki"], world["officer"])
    follower, other_follower, gone = make_user(), make_user(), make_user()
    gone.active = False
    db.session.add_all([Follow(user=follower, challenge=challenge), Follow(user=gone, challenge=challenge),
                        Follow(user=other_follower, challenge=other)])
    db.session.commit()
    db.session.expire_all()
    assert challenge.id  # the caller has the challenge loaded; only the users are to be queried
    users, queries = _count_queries(lambda: followers_of(challenge))
    assert [u.id for u in users] == [follower.id]
    assert queries == 1


# --- every route as every role -----------------------------------------------------------------

ROLES = ("visitor", "company_member", "officer", "other_city_officer", "platform_admin")
# route: (method, url template, {role: outcome on a published challenge}, {role: outcome on a draft})
EVERYONE_OK = {role: 200 for role in ROLES}
LOGGED_IN = {role: LOGIN if role == "visitor" else 200 for role in ROLES}
FOLLOWED = {role: LOGIN if role == "visitor" else 302 for role in ROLES}  # back to the challenge
HIDDEN = {role: LOGIN if role == "visitor" else 404 for role in ROLES}
ROUTES = {
    "challenges.catalogue": ("GET", "/challenges", EVERYONE_OK, EVERYONE_OK),
    "challenges.feed": ("GET", "/challenges/feed.atom", EVERYONE_OK, EVERYONE_OK),
    "challenges.detail": ("GET", "/challenges/{id}", EVERYONE_OK,
                          {"visitor": 404, "company_member": 404, "officer": 200,
                           "other_city_officer": 404, "platform_admin": 200}),
    "challenges.follow": ("POST", "/challenges/{id}/follow", FOLLOWED, HIDDEN),
    "challenges.unfollow": ("POST", "/challenges/{id}/unfollow", FOLLOWED, HIDDEN),
    "challenges.following": ("GET", "/following", LOGGED_IN, LOGGED_IN),
    "challenges.subscriptions": ("GET", "/subscriptions", LOGGED_IN, LOGGED_IN),
}
CASES = [(route, role, published) for route in ROUTES for role in ROLES for published in (True, False)]


@pytest.mark.parametrize("route, role, published", CASES,
                         ids=[f"{r}-{role}-{'public' if p else 'draft'}" for r, role, p in CASES])
def test_route_outcome_per_role(client, world, login, user_with_role, make_org, route, role, published):
    challenge = add_challenge(world["helsinki"], world["officer"], S.OPEN if published else S.DRAFT)
    user = {"officer": world["officer"], "other_city_officer": world["other_officer"],
            "company_member": "make", "platform_admin": "make"}.get(role)
    if user == "make":
        user = user_with_role(role, make_org(OrgKind.COMPANY.value) if role == "company_member" else None)
    if user is not None:
        login(user)
    method, url, on_public, on_draft = ROUTES[route]
    response = client.open(url.format(id=challenge.id), method=method)
    assert outcome(response) == (on_public if published else on_draft)[role]


def test_the_routes_table_covers_every_catalogue_route(app):
    ours = {rule.endpoint for rule in app.url_map.iter_rules()
            if rule.endpoint.split(".")[-1] in {e.split(".")[1] for e in ROUTES}}
    assert ours == set(ROUTES)


def test_unverified_user_may_not_follow(client, world, make_user, login):
    challenge = add_challenge(world["helsinki"], world["officer"])
    user = make_user(verified=False)
    login(user)
    assert client.post(f"/challenges/{challenge.id}/follow").status_code in (302, 403)
    assert _follows(challenge) == 0


def test_company_member_sees_follow_button_and_officer_sees_manage_link(client, world, login_as, login):
    challenge = add_challenge(world["helsinki"], world["officer"])
    login_as("company_member")
    assert "Follow this challenge" in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    login(world["officer"])
    page = client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
    assert f'href="/manage/challenges/{challenge.id}">Manage</a>' in page
    login(world["other_officer"])
    assert ">Manage<" not in client.get(f"/challenges/{challenge.id}").get_data(as_text=True)
