"""The start page's registry: packages contribute panels and counts; counts come in one query per request."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import literal

from core import workspace
from core.workspace import Count, Item, Panel
from tests.factories import count_queries


@pytest.fixture
def contributed(app) -> Iterator[list[str]]:
    """Two test packages on the start page (removed afterwards); yields the calls their panels got."""
    calls: list[str] = []

    def first_panels(user, total):
        calls.append("first")
        return [Panel("todo", "To do", [Item("One", "/one")], order=2),
                Panel("known", "Known", order=1, todo=False),
                Panel("evaluation", "Explained", empty="Later")]

    def second_panels(user, total):
        return [Panel("evaluation", "Assigned", [Item("Proposal", "/p")], order=3, todo=False)]

    workspace.contribute("test-first", panels=first_panels,
                         counts=lambda user: {"todo": Count(literal(4)), "known": Count(literal(7), todo=False)})
    workspace.contribute("test-second", panels=second_panels, counts=lambda user: {})
    try:
        yield calls
    finally:
        for name in ("test-first", "test-second"):
            workspace._contributors.pop(name)


def test_workspace_counts_every_package_in_one_query_and_totals_only_what_is_to_do(app, contributed):
    with app.test_request_context(), count_queries() as statements:
        assert workspace.todo_counts(object()) == {"todo": 4}
        assert workspace.todo_total(object()) == 4
    assert len(statements) == 1


def test_workspace_panels_come_once_per_request_in_order_with_their_counts(app, contributed):
    with app.test_request_context():
        panels = workspace.panels_for(object())
        assert workspace.panels_for(object()) is panels
    assert contributed == ["first"]
    assert [p.key for p in panels] == ["known", "todo", "evaluation"]
    assert [p.total for p in panels] == [7, 4, 1]  # the count from SQL, else the items shown


def test_workspace_later_package_replaces_a_panel_of_the_same_key(app, contributed):
    with app.test_request_context():
        [evaluation] = [p for p in workspace.panels_for(object()) if p.key == "evaluation"]
    assert evaluation.title == "Assigned" and evaluation.items[0].url == "/p"
