"""Every route, requested as a visitor and as every role, gives the exact answer tests/factories.MATRIX expects.

A route added without an entry in `MATRIX` fails `test_every_route_has_an_entry`.

The world and one user per role are made once for the module: every case is
one request, as cheap as the route itself. Requests that change something use
fresh objects (an entry's `uses_up`), and a logout a fresh user, so no case
sees what another did, in whatever order the cases run.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from auth.models import User
from core.extensions import db, limiter
from tests.factories import (ALL, CROSS_ORGANISATION, MATRIX, ROLES, VISITOR, World, app_context, build_world,
                             destination, forget, home_org, renewed, user_with_role)


@pytest.fixture(scope="module")
def app(_session_app: Flask) -> Iterator[Flask]:
    """One app context for the module; the tables are emptied when it ends."""
    with app_context(_session_app) as app:
        yield app


@pytest.fixture(scope="module")
def world(app) -> World:
    """A home city and company (where the matrix's roles belong) and a stranger of each."""
    return build_world()


@pytest.fixture(scope="module")
def people(world) -> dict[str, User]:
    """One user in each role at home, and an officer of the other city."""
    users = {role: user_with_role(role, home_org(role, world)) for role in ROLES}
    users["officer_elsewhere"] = user_with_role("officer", world.other_city)
    return users


@pytest.fixture(autouse=True)
def case() -> Iterator[None]:
    """Each case starts with no requests counted against its client, and a failed one leaves no broken
    session to the next."""
    limiter.reset()
    yield
    if not db.session.is_active:
        db.session.rollback()


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add these routes to the authorization matrix"
    assert set(MATRIX) - endpoints == set(), "these matrix entries name no route"


def test_every_entry_uses_a_method_its_route_accepts(app):
    methods = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}
    wrong = {name: entry.method for name, entry in MATRIX.items() if entry.method not in methods[name]}
    assert wrong == {}


def test_every_entry_that_changes_something_renews_what_it_changes():
    # A served POST acts; unless it is one of the few that change nothing a later case could see
    # (an empty form refused with 400, following), it must say what it uses up.
    harmless = {"challenges.follow", "challenges.unfollow"}
    acting = {name for name, entry in MATRIX.items() if entry.method == "POST" and name not in harmless
              and any(entry.lets_in(role) and entry.expect[role] != 400 for role in ALL)}
    assert {name for name in acting if not (MATRIX[name].uses_up or MATRIX[name].logs_out)} == set()


CASES = [(name, role) for name in MATRIX for role in ALL]


@pytest.mark.parametrize("endpoint, role", CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_route_gives_each_role_the_expected_answer(client, login, world, people, endpoint, role):
    entry = MATRIX[endpoint]
    world = renewed(world, entry.uses_up)
    if role != VISITOR:
        login(user_with_role(role, home_org(role, world)) if entry.logs_out else people[role])
    url, expected = entry.url(world), entry.expected(role, world)
    answer = destination(client.open(url, method=entry.method))
    forget(*(getattr(world, name) for name in entry.uses_up))
    assert answer == expected, f"{entry.method} {url} as {role}"


@pytest.mark.parametrize("label, method, url, roles, refusal", CROSS_ORGANISATION,
                         ids=[c[0] for c in CROSS_ORGANISATION])
def test_nobody_reaches_into_another_organisation(client, login, world, people, label, method, url, roles,
                                                  refusal):
    for role in sorted(roles):
        login(people[role])
        assert destination(client.open(url(world), method=method)) == refusal, f"{label} as {role}"
