"""Which cities own a challenge: the one module that reads and writes a challenge's lead and partner cities.

A challenge is owned by one or more cities (DESIGN.md section 6b): exactly one
lead, and partners, each a `ChallengeCity` row with its share of the budget;
each pilot site belongs to one of them. Roles, scoping, the catalogue's city
filter, subscriptions and notifications ask this module, and so must every
package built on challenges (pilots/): nothing else reads the ownership table
or the challenge's lead column, so that a joint challenge needs no rewrite of
anybody's queries.

The lead city is also kept on the challenge's own row (`Challenge.lead_city_id`,
the column that held its one city before): every page and list names the lead
from the row it already reads, and a user of the lead city, or of no city, is
answered without looking the partners up. The functions here that write
ownership set both together.
"""
from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import ColumnElement, Select, inspect, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.interfaces import LoaderOption

from auth.models import Organisation
from challenges.models import Challenge, ChallengeCity
from core.extensions import db


# --- reading -------------------------------------------------------------------------------

def lead_city(challenge: Challenge) -> Organisation:
    """The lead city, whose decision makers approve and sign (loaded with the challenge)."""
    return challenge.lead_city


def is_lead(challenge: Challenge, city_id: int) -> bool:
    """True when the city leads the challenge (no query)."""
    return challenge.lead_city_id == city_id


def shares(challenge: Challenge) -> list[ChallengeCity]:
    """The owning cities' rows, the lead first, then the partners by name: one query, once per challenge."""
    if "owners" in inspect(challenge).unloaded:
        rows = list(db.session.scalars(select(ChallengeCity).where(ChallengeCity.challenge_id == challenge.id)))
        set_committed_value(challenge, "owners", rows)
    return sorted(challenge.owners, key=lambda row: (not row.lead, row.city.name))


def owning_cities(challenge: Challenge) -> list[Organisation]:
    """Every city that owns the challenge, the lead first."""
    return [row.city for row in shares(challenge)]


def owning_city_ids(challenge: Challenge) -> set[int]:
    """The ids of the cities that own the challenge."""
    return {row.city_id for row in shares(challenge)}


def owners_among(challenge: Challenge, city_ids: Iterable[int]) -> set[int]:
    """Which of these cities own the challenge; the partners are looked up only for a city other than the lead."""
    wanted = set(city_ids)
    if wanted <= {challenge.lead_city_id}:
        return wanted
    return wanted & owning_city_ids(challenge)


def with_owners() -> LoaderOption:
    """A loader option for a page of one challenge that names every owning city: they come joined, no query."""
    return joinedload(Challenge.owners)


def owned_by(city_ids: Iterable[int]) -> ColumnElement[bool]:
    """A condition on Challenge for the scoping queries: owned by any of these cities, as lead or partner."""
    return Challenge.id.in_(select(ChallengeCity.challenge_id).where(ChallengeCity.city_id.in_(set(city_ids))))


def led_by(city_ids: Iterable[int]) -> ColumnElement[bool]:
    """A condition on Challenge: led by any of these cities (whose decision makers approve and sign)."""
    return Challenge.lead_city_id.in_(set(city_ids))


def city_ids_of(challenge: Challenge) -> Select:
    """The owning cities' ids as a subquery, to match rows by city in SQL (subscriptions, memberships)."""
    return select(ChallengeCity.city_id).where(ChallengeCity.challenge_id == challenge.id)


# --- writing: the only code that sets who owns a challenge ---------------------------------

# No page edits the owners yet: a wrong call is a programming error, not a message for a user.

def _refuse_non_city(city: Organisation) -> None:
    """Only cities own challenges."""
    if not city.is_city:
        raise ValueError(f"{city.slug} is not a city and cannot own a challenge")


def start_ownership(challenge: Challenge, city: Organisation) -> ChallengeCity:
    """Make the city the lead of a new challenge (its first owner)."""
    _refuse_non_city(city)
    row = ChallengeCity(city=city, lead=True)
    challenge.lead_city = city
    challenge.owners.append(row)
    return row


def add_partner(challenge: Challenge, city: Organisation, budget_share: Decimal | None = None) -> ChallengeCity:
    """Add a partner city to a challenge, with its share of the budget if agreed; refused for an owner already."""
    _refuse_non_city(city)
    if city.id in owning_city_ids(challenge):
        raise ValueError(f"{city.slug} already owns challenge {challenge.id}")
    row = ChallengeCity(city=city, lead=False, budget_share=budget_share)
    challenge.owners.append(row)
    db.session.flush()
    return row
