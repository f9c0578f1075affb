"""Every route, requested as a visitor and as every role, gives the outcome tests/factories.MATRIX expects.

A route added without an entry in `MATRIX` fails `test_every_route_has_an_entry`.
"""
from __future__ import annotations

import pytest

from tests.factories import (ALL, CROSS_ORGANISATION, FORBIDDEN, MATRIX, NOT_FOUND, VISITOR, World,
                             build_world, home_org, outcome)


@pytest.fixture
def world(db, make_org, make_user) -> World:
    """A home city and company (where the matrix's roles belong) and a stranger of each."""
    return build_world(db, make_org, make_user)


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(MATRIX) == set(), "add these routes to the authorization matrix"
    assert set(MATRIX) - endpoints == set(), "these matrix entries name no route"


def test_every_entry_uses_a_method_its_route_accepts(app):
    methods = {rule.endpoint: rule.methods for rule in app.url_map.iter_rules()}
    wrong = {name: entry.method for name, entry in MATRIX.items() if entry.method not in methods[name]}
    assert wrong == {}


CASES = [(name, role) for name in MATRIX for role in ALL]


@pytest.mark.parametrize("endpoint, role", CASES, ids=[f"{n}-{r}" for n, r in CASES])
def test_route_gives_each_role_the_expected_outcome(client, world, user_with_role, login, endpoint, role):
    entry = MATRIX[endpoint]
    if role != VISITOR:
        login(user_with_role(role, home_org(role, world)))
    response = client.open(entry.url(world), method=entry.method)
    assert outcome(response) == entry.expect[role], f"{entry.method} {entry.url(world)} as {role}"


@pytest.mark.parametrize("label, method, url, roles", CROSS_ORGANISATION, ids=[c[0] for c in CROSS_ORGANISATION])
def test_nobody_reaches_into_another_organisation(client, world, user_with_role, login, label, method, url, roles):
    for role in roles:
        if role == "officer_elsewhere":
            login(user_with_role("officer", world.other_city))
        else:
            login(user_with_role(role, home_org(role, world)))
        response = client.open(url(world), method=method)
        assert outcome(response) in (FORBIDDEN, NOT_FOUND), f"{label}: {response.status_code}"
