"""Start pages: what each signed-in user has to do next, gathered from the packages that know.

Core cannot import auth, challenges or pilots, so registration goes the other
way (as with audit labels): each package calls `contribute()` once with two
functions of the user. `panels(user)` gives the start page's panels, one per
kind of work, each with a few items that link to where the work is done; it
returns nothing for a user without the role. `counts(user)` gives, by panel
key, a scalar SQL count of what waits for the user: every signed-in page asks
all packages at once in one statement, for the navigation's numbers. Both are
computed at most once per request and only when a page asks, so anonymous
(cached) pages never pay for them.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import g
from sqlalchemy import ColumnElement, select
from sqlalchemy.exc import SQLAlchemyError

from core.extensions import db

log = logging.getLogger(__name__)
ITEMS_SHOWN = 10  # a panel shows this many items at most and says how many there are in all


@dataclass
class Item:
    """One thing to do or to know: what it is, where it is done, and what to say of it."""

    label: Any  # a str, or a Localized text (marked on the page when it stands in for the reader's language)
    url: str
    context: Any = None  # e.g. the challenge it belongs to; a str or a Localized text
    when: datetime | None = None  # a moment shown with the item (deadline, start)
    note: Any = None  # a status or an age, already translated
    urgent: bool = False  # shown as needing attention first


@dataclass
class Panel:
    """One kind of work on the start page: its items, how many there are, and what an empty one means."""

    key: str
    title: Any
    items: list[Item] = field(default_factory=list)
    empty: Any = None  # what will appear here, said when there is nothing yet
    count: int | None = None  # all there are; None: as many as the items shown
    more_url: str | None = None  # the page that lists them all
    todo: bool = True  # counts towards the navigation's number of things to do
    order: int = 100
    note: Any = None  # a line that explains the panel (a rule, a deadline)

    @property
    def total(self) -> int:
        """How many items the panel has in all."""
        return len(self.items) if self.count is None else self.count


@dataclass(frozen=True)
class Count:
    """A panel's count as a scalar SQL expression, and whether it is something to do (or only to know)."""

    expression: ColumnElement[int]
    todo: bool = True


PanelsOf = Callable[[Any, Mapping[str, int]], list[Panel]]  # (user, count of each panel key)
CountsOf = Callable[[Any], Mapping[str, Count]]


@dataclass(frozen=True)
class Contributor:
    """A package's share of the start page."""

    name: str
    panels: PanelsOf
    counts: CountsOf


_contributors: dict[str, Contributor] = {}


def contribute(name: str, *, panels: PanelsOf, counts: CountsOf) -> None:
    """Register a package's panels and counts once (a second registration under the name replaces it)."""
    _contributors[name] = Contributor(name, panels, counts)


def _cached(key: str, compute: Callable[[], Any]) -> Any:
    """A value kept for the rest of the request."""
    store = g.setdefault("_workspace", {})
    if key not in store:
        store[key] = compute()
    return store[key]


def _counts(user: Any) -> dict[str, tuple[int, bool]]:
    """Every panel's (count, is something to do), by key, in one query; none for a user without panels."""

    def compute() -> dict[str, tuple[int, bool]]:
        wanted = {key: count for c in _contributors.values() for key, count in c.counts(user).items()}
        if not wanted:
            return {}
        row = db.session.execute(select(*(c.expression.label(key) for key, c in wanted.items()))).one()
        return {key: (value or 0, wanted[key].todo) for key, value in zip(wanted, row)}

    return _cached("counts", compute)


def panels_for(user: Any) -> list[Panel]:
    """Every panel the packages give this user, in order, each with its count; once per request.

    The counts come first, from the same query as the navigation's, so that a panel with
    nothing in it costs no query and the numbers on the page and in the navigation agree.
    """

    def compute() -> list[Panel]:
        found = {key: count for key, (count, _todo) in _counts(user).items()}
        # A later package's panel replaces an earlier one of the same key (pilots/ fills the evaluator's).
        panels = {p.key: p for c in _contributors.values() for p in c.panels(user, found)}
        for panel in panels.values():
            panel.count = found.get(panel.key, panel.count)
        return sorted(panels.values(), key=lambda p: p.order)

    return _cached("panels", compute)


def todo_counts(user: Any) -> dict[str, int]:
    """What waits for the user, by panel key (the panels that are something to do).

    Every signed-in page asks, error pages too: when the database cannot answer (the page
    may be saying just that), the navigation goes without its numbers rather than fail.
    """
    try:
        return {key: count for key, (count, todo) in _counts(user).items() if todo}
    except SQLAlchemyError:
        db.session.rollback()
        log.warning("the navigation's counts could not be read", exc_info=True)
        return {}


def todo_total(user: Any) -> int:
    """How many things wait for the user in all (the navigation's number)."""
    return sum(todo_counts(user).values())
