"""The public catalogue: filters, full-text search, order, pagination, the feed, the detail page's load."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, exists, func, literal, literal_column, select
from sqlalchemy.orm import joinedload, raiseload, selectinload

from auth.models import Organisation, OrgKind
from challenges.models import Challenge, ChallengeState, Follow, Theme
from challenges.ownership import owned_by, with_owners
from challenges.permissions import public_challenges
from core.extensions import db
from core.models import utcnow
from core.pagination import Page, keyset_page
from core.search import contains_text

PAGE_SIZE = 20
FEED_SIZE = 50

S = ChallengeState

# The public states as the reader thinks of them: each state names its group (challenges/states.py).
_GROUP_LABELS = {
    "dialogue": _l("Coming up and market dialogue"),
    "open": _l("Open for proposals"),
    "evaluation": _l("Closed, proposals being evaluated"),
    "piloting": _l("Piloting"),
    "completed": _l("Completed"),
    "ended": _l("Ended without a pilot"),
}
STATUS_GROUPS: dict[str, tuple[Any, tuple[str, ...]]] = {
    key: (label, S.states_where(public=True, catalogue=key)) for key, label in _GROUP_LABELS.items()}

# Deadline filters: only calls that are open now, and optionally closing within so many days.
DEADLINES: dict[str, tuple[Any, int | None]] = {
    "open_now": (_l("Open for proposals now"), None),
    "7": (_l("Proposals close within 7 days"), 7),
    "30": (_l("Proposals close within 30 days"), 30),
}

# Published states whose proposal deadline is still to come (the call has not closed, so the challenge
# is still editable): these lead the catalogue, soonest first.
UPCOMING_STATES = S.states_where(public=True, editable=True)

_WORD = re.compile(r"[^\W_]+")
SIMPLE = literal_column("'simple'::regconfig")


@dataclass
class CatalogueQuery:
    """What the reader asked for: every part optional."""

    q: str | None = None
    city_id: int | None = None
    theme_id: int | None = None
    status: str | None = None
    deadline: str | None = None


@dataclass
class CataloguePage(Page[Challenge]):
    """One page of results, with the number of results on all pages."""

    total: int = 0


# --- search ----------------------------------------------------------------------------------

def search_words(q: str | None) -> list[str]:
    """The words of a search, lower-cased: letters and digits only, so no syntax reaches the database."""
    return _WORD.findall((q or "").lower())[:20]


def search_challenges(stmt: Select, q: str | None) -> Select:
    """Challenges whose search document has every word of q (as a word prefix on PostgreSQL)."""
    words = search_words(q)
    if not words:
        return stmt
    if db.session.get_bind().dialect.name == "postgresql":
        query = " & ".join(f"{word}:*" for word in words)
        # The configuration is a literal so that an expression index on the same to_tsvector can serve it.
        return stmt.where(func.to_tsvector(SIMPLE, Challenge.search_document)
                          .bool_op("@@")(func.to_tsquery(SIMPLE, query)))
    return stmt.where(and_(*(contains_text(Challenge.search_document, word) for word in words)))


# --- filters and order -----------------------------------------------------------------------

def filter_catalogue(stmt: Select, query: CatalogueQuery, now: datetime | None = None) -> Select:
    """Narrow stmt by city, theme, status group, deadline and search words."""
    now = now or utcnow()
    if query.city_id is not None:  # a joint challenge is found under each of its cities
        stmt = stmt.where(owned_by([query.city_id]))
    if query.theme_id is not None:
        stmt = stmt.where(Challenge.themes.any(Theme.id == query.theme_id))
    if query.status in STATUS_GROUPS:
        stmt = stmt.where(Challenge.state.in_(STATUS_GROUPS[query.status][1]))
    if query.deadline in DEADLINES:
        stmt = stmt.where(Challenge.state == S.OPEN.value, Challenge.proposals_close_at > now)
        days = DEADLINES[query.deadline][1]
        if days is not None:
            stmt = stmt.where(Challenge.proposals_close_at <= now + timedelta(days=days))
    return search_challenges(stmt, query.q)


def catalogue_order(now: datetime | None = None) -> tuple:
    """Calls with the deadline ahead first (soonest first), the rest (latest first), then none; then id."""
    now = now or utcnow()
    deadline = Challenge.proposals_close_at
    upcoming = and_(Challenge.state.in_(UPCOMING_STATES), deadline >= now)
    bucket = case((upcoming, 0), (deadline.is_(None), 2), else_=1)
    ahead = case((upcoming, deadline))
    return bucket, ahead.asc().nulls_last(), deadline.desc().nulls_last(), Challenge.id


def _list_options() -> tuple:
    """What a list of challenges needs: the city (joined by the model) and themes in one more query."""
    return (selectinload(Challenge.themes), raiseload(Challenge.sites), raiseload(Challenge.criteria),
            raiseload(Challenge.attachments))


def catalogue_page(query: CatalogueQuery, after: int | None = None, size: int = PAGE_SIZE) -> CataloguePage:
    """One page of the public catalogue: a count query, a page query and one query for themes."""
    now = utcnow()
    stmt = filter_catalogue(public_challenges(), query, now)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page = keyset_page(stmt, catalogue_order(now), after, size, cursor=Challenge.id, options=_list_options())
    return CataloguePage(page.items, page.after, page.next_after, total)


def newly_opened(limit: int = FEED_SIZE) -> list[Challenge]:
    """Public calls that have been opened for proposals, newest first, for the Atom feed."""
    stmt = (public_challenges().where(Challenge.opened_at.is_not(None))
            .options(raiseload(Challenge.themes), raiseload(Challenge.sites), raiseload(Challenge.criteria),
                     raiseload(Challenge.attachments))
            .order_by(Challenge.opened_at.desc(), Challenge.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


# --- the filter choices and the detail page --------------------------------------------------

def catalogue_cities() -> list[Organisation]:
    """The cities offered in the city filter and on the subscriptions page."""
    stmt = select(Organisation).where(Organisation.kind == OrgKind.CITY.value,
                                      Organisation.is_active.is_(True)).order_by(Organisation.name)
    return list(db.session.scalars(stmt))


def catalogue_themes() -> list[Theme]:
    """The themes offered in the filter and on the subscriptions page, by name in the reader's language."""
    return sorted(db.session.scalars(select(Theme)), key=lambda theme: theme.name.casefold())


def find_challenge(challenge_id: int, reader: Any = None) -> tuple[Challenge | None, bool]:
    """A challenge with everything its page shows loaded, and whether reader follows it.

    One query brings the challenge, its cities, themes and attachments (small sets,
    joined) and the reader's follow; sites and criteria take one query each.
    """
    following = literal(False)
    if getattr(reader, "is_authenticated", False):
        following = exists().where(Follow.challenge_id == Challenge.id, Follow.user_id == reader.id)
    stmt = (select(Challenge, following.label("following")).where(Challenge.id == challenge_id)
            .options(joinedload(Challenge.themes), joinedload(Challenge.attachments), with_owners(),
                     selectinload(Challenge.sites), selectinload(Challenge.criteria)))
    row = db.session.execute(stmt).unique().first()
    return (row[0], bool(row[1])) if row is not None else (None, False)
