"""Following challenges and subscribing to cities and themes; who is to be told about a challenge."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, delete, func, insert, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import lazyload, selectinload

from auth.models import User
from challenges.models import Challenge, Follow, Subscription
from challenges.models.challenge import challenge_themes
from challenges.ownership import city_ids_of
from challenges.permissions import visible_challenges
from core import audit
from core.extensions import db
from core.pagination import Page, keyset_page

FOLLOWING_PAGE_SIZE = 20


def _insert_ignoring_duplicates(model: Any, values: list[dict[str, Any]]) -> int:
    """Insert rows, skipping those a unique constraint already holds; returns how many were added.

    Two submits of the same form may race; the database decides, so neither fails.
    """
    if not values:
        return 0
    table = model.__table__
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt = pg_insert(table).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite_insert(table).on_conflict_do_nothing()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        stmt = insert(table)
    added = 0
    for row in values:  # RETURNING gives a row only when the insert happened
        added += db.session.execute(stmt.values(**row).returning(table.c.id)).first() is not None
    return added


def active_users(*id_queries: Select, after: int = 0, limit: int | None = None,
                 verified: bool = False) -> list[User]:
    """Active users whose ids any of the queries return, each once, by id (one query, no memberships).

    `after` and `limit` give a fan-out's batch: the next users by id. The bound on
    the id reaches into each query, so a batch reads the followers' and the
    subscribers' indexes from where the last batch stopped. `verified`: only
    users who have confirmed their address.
    """
    ids = union_all(*id_queries).subquery()
    user_id = next(iter(ids.c))
    stmt = (select(User).where(User.id.in_(select(user_id).where(user_id > after)), User.id > after,
                               User.active.is_(True), User.anonymised_at.is_(None))
            .options(lazyload(User.memberships)).order_by(User.id).limit(limit))
    if verified:
        stmt = stmt.where(User.email_verified_at.is_not(None))
    return list(db.session.scalars(stmt))


# --- following a challenge -----------------------------------------------------------------

def can_follow(user: Any) -> bool:
    """Any logged-in, active user with a confirmed email may follow and subscribe."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_verified)


def follow_challenge(challenge: Challenge, user: User) -> bool:
    """Follow a challenge; following twice changes nothing. True when the follow is new."""
    added = _insert_ignoring_duplicates(Follow, [{"user_id": user.id, "challenge_id": challenge.id}])
    if added:
        audit.record("challenge_followed", user, user, data={"challenge_id": challenge.id})
    return bool(added)


def unfollow_challenge(challenge: Challenge, user: User) -> bool:
    """Stop following a challenge; unfollowing twice changes nothing. True when a follow was removed."""
    removed = db.session.execute(delete(Follow).where(
        Follow.user_id == user.id, Follow.challenge_id == challenge.id)).rowcount or 0
    if removed:
        audit.record("challenge_unfollowed", user, user, data={"challenge_id": challenge.id})
    return bool(removed)


def _followed(user: User) -> Select:
    """The challenges the user follows and may still see."""
    return visible_challenges(user).join(Follow, Follow.challenge_id == Challenge.id).where(
        Follow.user_id == user.id)


def followed_challenges(user: User, after: int | None = None,
                        size: int = FOLLOWING_PAGE_SIZE) -> Page[Challenge]:
    """A page of the challenges the user follows and may still see, latest followed first."""
    return keyset_page(_followed(user), (Follow.created_at.desc(), Follow.id.desc()), after, size,
                       cursor=Challenge.id, options=[selectinload(Challenge.themes), lazyload(Challenge.sites),
                                                     lazyload(Challenge.criteria)])


def count_followed(user: User) -> int:
    """How many challenges the user follows and may still see."""
    return db.session.scalar(select(func.count()).select_from(_followed(user).subquery())) or 0


def follower_ids(challenge: Challenge) -> Select:
    """Ids of the users who follow the challenge."""
    return select(Follow.user_id).where(Follow.challenge_id == challenge.id)


def followers_of(challenge: Challenge) -> list[User]:
    """Active users who follow the challenge, in one query."""
    return active_users(follower_ids(challenge))


# --- subscriptions to cities and themes ----------------------------------------------------

def subscriber_ids(challenge: Challenge) -> Select:
    """Ids of the users subscribed to any city that owns the challenge or to any of its themes."""
    theme_ids = select(challenge_themes.c.theme_id).where(challenge_themes.c.challenge_id == challenge.id)
    return select(Subscription.user_id).where(or_(Subscription.city_id.in_(city_ids_of(challenge)),
                                                  Subscription.theme_id.in_(theme_ids)))


def subscription_choices(user: User) -> tuple[set[int], set[int]]:
    """The ids of the cities and of the themes the user is subscribed to."""
    rows = db.session.execute(select(Subscription.city_id, Subscription.theme_id).where(
        Subscription.user_id == user.id)).all()
    return ({r.city_id for r in rows if r.city_id is not None},
            {r.theme_id for r in rows if r.theme_id is not None})


def save_subscriptions(user: User, city_ids: Iterable[int], theme_ids: Iterable[int]) -> bool:
    """Make the user's subscriptions exactly these cities and themes; True when anything changed."""
    wanted_cities, wanted_themes = set(city_ids), set(theme_ids)
    cities, themes = subscription_choices(user)
    dropped_cities, dropped_themes = cities - wanted_cities, themes - wanted_themes
    removed = 0
    if dropped_cities or dropped_themes:
        gone = or_(Subscription.city_id.in_(dropped_cities), Subscription.theme_id.in_(dropped_themes))
        stmt = delete(Subscription).where(Subscription.user_id == user.id, gone)
        removed = db.session.execute(stmt).rowcount
    added = _insert_ignoring_duplicates(
        Subscription,
        [{"user_id": user.id, "city_id": c, "theme_id": None} for c in sorted(wanted_cities - cities)]
        + [{"user_id": user.id, "city_id": None, "theme_id": t} for t in sorted(wanted_themes - themes)])
    if not (removed or added):
        return False
    audit.record("subscriptions_changed", user, user,
                 data={"city_ids": sorted(wanted_cities), "theme_ids": sorted(wanted_themes)})
    return True
