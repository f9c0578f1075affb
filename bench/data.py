"""Bulk data for the benchmarks: a busy platform at scale N, written with multi-row inserts.

Scale 1 is 1,000 challenges across the six cities in every state of their lifecycle
(with themes, pilot sites and criteria), 2,000 users with their memberships, 20,000
market dialogue records (events, registrations, questions and answers, meeting slots,
RFI questions and responses) and 200,000 audit rows; scale N multiplies each.

Rows are plain dicts inserted through the models' own tables (SQLAlchemy Core
`insert()`, executemany in batches), so a renamed or added column shows up here as
a clear error in one place: each `_<table>` function below builds one table's rows.
"""
from __future__ import annotations

import random
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert

from auth.demo import ensure_cities
from auth.models import Membership, MembershipStatus, Organisation, OrgKind, Role, User
from auth.passwords import hash_password
from auth.validators import business_id_check_digit
from challenges.models import (Challenge, ChallengeCity, ChallengeState, Criterion, DialogueEvent,
                               EventRegistration, Follow, MeetingSlot, PilotSite, Question, RegistrationStatus,
                               RfiQuestion, RfiResponse, Subscription)
from challenges.models.challenge import challenge_themes
from challenges.services.challenges import build_search_document
from challenges.services.themes import ensure_themes
from challenges.workflow import DIRECT, WITH_DIALOGUE
from core.audit import AuditEntry
from core.extensions import db
from core.models import utcnow

BATCH = 5_000
ADMIN_EMAIL = "bench-admin@example.org"
OFFICER_EMAIL = "bench-officer@example.org"
PASSWORD = "bench-password"  # noqa: S105  (the admin and the officer of a throwaway benchmark database)

# Rows per unit of scale.
PER_SCALE = {"companies": 200, "users": 2_000, "challenges": 1_000, "events": 1_000, "registrations": 10_000,
             "questions": 4_000, "meeting_slots": 2_000, "rfi_questions": 500, "rfi_responses": 2_500,
             "audit": 200_000, "follows": 2_000, "subscriptions": 1_000}
BIG_EVENT = 200  # registrations per unit of scale for the event whose staff list is measured

S = ChallengeState
# How many of every 100 challenges are in each state.
STATE_MIX = {S.DRAFT: 8, S.AWAITING_APPROVAL: 4, S.APPROVED: 4, S.MARKET_DIALOGUE: 10, S.OPEN: 24,
             S.CLOSED: 5, S.EVALUATION: 10, S.AWARDED: 5, S.UNSUCCESSFUL: 3, S.PILOTING: 12,
             S.COMPLETED: 12, S.CANCELLED: 3}
PATH = [S.DRAFT, S.AWAITING_APPROVAL, S.APPROVED, S.MARKET_DIALOGUE, S.OPEN, S.CLOSED, S.EVALUATION,
        S.AWARDED, S.PILOTING, S.COMPLETED]
# Days since the proposal deadline passed, for the states after it.
DAYS_PAST_DEADLINE = {S.CLOSED: (1, 10), S.EVALUATION: (10, 60), S.AWARDED: (40, 90), S.UNSUCCESSFUL: (40, 120),
                      S.PILOTING: (60, 300), S.COMPLETED: (300, 700), S.CANCELLED: (5, 200)}
DIALOGUE_STATES = {S.MARKET_DIALOGUE, S.OPEN, S.CLOSED, S.EVALUATION, S.AWARDED, S.UNSUCCESSFUL, S.PILOTING,
                   S.COMPLETED}
AFTER_OPENING = {S.OPEN, S.CLOSED, S.EVALUATION, S.AWARDED, S.UNSUCCESSFUL, S.PILOTING, S.COMPLETED}
PUBLIC = {S.APPROVED, S.MARKET_DIALOGUE, S.OPEN, S.CLOSED, S.EVALUATION, S.AWARDED, S.UNSUCCESSFUL,
          S.PILOTING, S.COMPLETED}

# (search keyword, Finnish, Swedish, English): one keyword per topic, so a search finds 1 in 20.
TOPICS = [
    ("ruokahävikki", "Ruokahävikin vähentäminen", "Minskat matsvinn", "Reducing food waste"),
    ("sisäilma", "Terveellinen sisäilma", "Sund inomhusluft", "Healthy indoor air"),
    ("liikenneturva", "Turvallinen koulumatka", "Säker skolväg", "Safe way to school"),
    ("energiansäästö", "Energian säästäminen", "Energibesparing", "Saving energy"),
    ("yksinäisyys", "Ikäihmisten yksinäisyys", "Ensamhet bland äldre", "Loneliness of older people"),
    ("lumityöt", "Älykäs lumenauraus", "Smart snöröjning", "Smart snow clearing"),
    ("jätteet", "Jätteiden lajittelu", "Sortering av avfall", "Sorting waste"),
    ("pyöräily", "Talvipyöräily", "Vintercykling", "Winter cycling"),
    ("oppimispelit", "Oppimispelit", "Lärospel", "Learning games"),
    ("työllistyminen", "Nuorten työllistyminen", "Ungas sysselsättning", "Youth employment"),
    ("hulevesi", "Hulevesien hallinta", "Dagvattenhantering", "Storm water management"),
    ("melu", "Melun vähentäminen", "Mindre buller", "Less noise"),
    ("kotihoito", "Kotihoidon reitit", "Hemvårdens rutter", "Home care routes"),
    ("kirjastot", "Kirjaston omatoimipalvelu", "Meröppet bibliotek", "Self-service libraries"),
    ("aurinkosähkö", "Aurinkosähkö kouluilla", "Solel i skolor", "Solar power at schools"),
    ("pysäköinti", "Pysäköinnin ohjaus", "Parkeringsstyrning", "Parking guidance"),
    ("vesihuolto", "Vesivuotojen paikantaminen", "Hitta vattenläckor", "Finding water leaks"),
    ("kaupunkiviljely", "Kaupunkiviljely", "Stadsodling", "Urban farming"),
    ("ilmanlaatu", "Ilmanlaadun mittaus", "Mätning av luftkvalitet", "Measuring air quality"),
    ("digituki", "Digituki kaikille", "Digitalt stöd för alla", "Digital support for all"),
]
SEARCH_WORD = TOPICS[0][0]
PLACES = ["kouluissa", "päiväkodeissa", "kirjastoissa", "puistoissa", "kaduilla", "liikuntapaikoilla",
          "terveysasemilla", "virastoissa"]
SITE_KINDS = ["school", "daycare", "library", "park", "street", "sports", "health", "office"]
LOREM = ("Kaupunki etsii yrityksiä kokeilemaan uusia ratkaisuja todellisessa ympäristössä. Kokeilu kestää "
         "muutaman kuukauden, ja sen aikana kerätään palautetta käyttäjiltä ja henkilöstöltä. ")


@dataclass
class Generated:
    """What the benchmark needs to know about the data it generated."""

    scale: int
    admin_email: str = ADMIN_EMAIL  # a platform admin
    officer_email: str = OFFICER_EMAIL  # an officer of the city of challenge_id and event_id
    password: str = PASSWORD
    city_slug: str = "helsinki"
    search_word: str = SEARCH_WORD
    challenge_id: int = 0  # a public, open challenge with a market dialogue behind it
    event_challenge_id: int = 0
    event_id: int = 0  # the event with the most registrations
    counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _World:
    """Ids generated so far, shared by the table builders."""

    rng: random.Random
    now: datetime
    cities: list[Organisation]
    theme_ids: list[int]
    company_ids: list[int] = field(default_factory=list)
    staff: dict[int, list[int]] = field(default_factory=dict)  # city id -> officer ids
    people: dict[int, list[int]] = field(default_factory=dict)  # company id -> user ids (owner first)
    challenges: list[dict[str, Any]] = field(default_factory=list)


def _chunks(rows: Iterable[dict[str, Any]], size: int = BATCH) -> Iterator[list[dict[str, Any]]]:
    """Rows in lists of at most size."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def insert_rows(model: Any, rows: Iterable[dict[str, Any]], returning: bool = False) -> list[int]:
    """Insert rows into the model's table in batches; the new ids in row order when returning."""
    table = getattr(model, "__table__", model)
    conn = db.session.connection()
    ids: list[int] = []
    for batch in _chunks(rows):
        unknown = set(batch[0]) - set(table.c.keys())
        if unknown:  # SQLAlchemy would drop them silently
            raise KeyError(f"{table.name} has no column {', '.join(sorted(unknown))}")
        if returning:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            ids.extend(conn.execute(stmt, batch).scalars())
        else:
            conn.execute(insert(table), batch)
    return ids


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    """A random whole number of days between low and high."""
    return timedelta(days=rng.randint(low, high))


def _business_id(n: int) -> str:
    """A valid Finnish business ID for the n-th generated company."""
    for k in range(10):  # n*10+k never collides with another n's range
        digits = f"{1_000_000 + n * 10 + k:07d}"
        check = business_id_check_digit(digits)
        if check is not None:
            return f"{digits}-{check}"
    raise ValueError(n)


# --- people ----------------------------------------------------------------------------------

def _companies(world: _World, count: int) -> None:
    """Companies with valid business IDs."""
    world.company_ids = insert_rows(Organisation, (
        {"kind": OrgKind.COMPANY.value, "slug": f"bench-company-{n}", "name": f"Bench Company {n} Oy",
         "business_id": _business_id(n), "is_sme": n % 5 != 0} for n in range(count)), returning=True)


def _user(n: int, name: str, world: _World) -> dict[str, Any]:
    """A verified account that logs in with a password nobody knows."""
    return {"email": f"user{n}@bench.example.org", "name": name, "password_hash": None,
            "locale": ("fi", "fi", "fi", "sv", "en")[n % 5], "email_verified_at": world.now - timedelta(days=n % 700),
            "terms_accepted_at": world.now - timedelta(days=n % 700), "terms_version": "2026-01"}


def _users(world: _World, count: int) -> int:
    """The platform admin who logs in, city staff (one in ten) and the people of companies; returns the admin."""
    admin = insert_rows(User, [{**_user(-1, "Bench Admin", world), "email": ADMIN_EMAIL, "is_platform_admin": True,
                                "password_hash": hash_password(PASSWORD), "locale": "en"}], returning=True)[0]
    ids = insert_rows(User, (_user(n, f"Bench User {n}", world) for n in range(count)), returning=True)
    city_roles = [Role.OFFICER] * 5 + [Role.DECISION_MAKER] * 2 + [Role.EVALUATOR] * 2 + [Role.CITY_ADMIN]
    memberships, k = [], 0
    for n, user_id in enumerate(ids):
        if n % 10 == 0:
            city = world.cities[(n // 10) % len(world.cities)].id
            role = city_roles[(n // 60) % len(city_roles)]
            memberships.append({"user_id": user_id, "organisation_id": city, "role": role.value})
            if role is Role.OFFICER:
                world.staff.setdefault(city, []).append(user_id)
            continue
        company = world.company_ids[k % len(world.company_ids)]
        role = Role.OWNER if k < len(world.company_ids) else Role.MEMBER
        memberships.append({"user_id": user_id, "organisation_id": company, "role": role.value})
        world.people.setdefault(company, []).append(user_id)
        if k % 100 == 7:  # now and then someone asks to join a second company
            other = world.company_ids[(k + 1) % len(world.company_ids)]
            memberships.append({"user_id": user_id, "organisation_id": other, "role": Role.MEMBER.value,
                                "status": MembershipStatus.PENDING.value})
        k += 1
    rows = [{"status": MembershipStatus.ACTIVE.value, **m} for m in memberships]
    insert_rows(Membership, rows)
    return admin


def _officer(world: _World, city_ids: list[int]) -> int:
    """The officer who logs in, in the given cities; returns the officer's id."""
    officer = insert_rows(User, [{**_user(-2, "Bench Officer", world), "email": OFFICER_EMAIL,
                                  "password_hash": hash_password(PASSWORD), "locale": "en"}], returning=True)[0]
    insert_rows(Membership, [{"user_id": officer, "organisation_id": city, "role": Role.OFFICER.value,
                              "status": MembershipStatus.ACTIVE.value} for city in city_ids])
    return officer


# --- challenges ------------------------------------------------------------------------------

def _state_cycle(rng: random.Random) -> list[ChallengeState]:
    """One hundred states in the proportions of STATE_MIX, shuffled."""
    states = [state for state, share in STATE_MIX.items() for _ in range(share)]
    rng.shuffle(states)
    return states


def _schedule(state: ChallengeState, dialogue: bool, world: _World) -> dict[str, Any]:
    """Dates that fit the state: deadlines ahead before the call closes, behind after it."""
    rng, now = world.rng, world.now
    if state in DAYS_PAST_DEADLINE:
        deadline = now - _days(rng, *DAYS_PAST_DEADLINE[state])
    elif state is S.OPEN:
        deadline = now + _days(rng, 1, 60)
    else:
        deadline = now + _days(rng, 20, 150)
    opened = deadline - _days(rng, 30, 60) if state in AFTER_OPENING else None
    if state is S.OPEN:
        opened = min(opened, now - timedelta(days=1))
    published = None
    if state in PUBLIC or (state is S.CANCELLED and rng.random() < 0.5):
        published = min(opened or now, now) - _days(rng, 5, 60)
    dialogue_start = published + timedelta(days=3) if dialogue and published else None
    dialogue_end = (opened or deadline - timedelta(days=20)) if dialogue_start else None
    summary_at = opened if dialogue and opened else None
    return {"proposals_close_at": deadline, "questions_close_at": deadline - timedelta(days=10),
            "published_at": published, "opened_at": opened, "criteria_locked_at": opened,
            "dialogue_starts_at": dialogue_start, "dialogue_ends_at": dialogue_end,
            "dialogue_summary": "Yhteenveto markkinavuoropuhelusta. " * 10 if summary_at else None,
            "dialogue_summary_published_at": summary_at,
            "pilot_starts_on": (deadline + timedelta(days=60)).date() if state in (S.PILOTING, S.COMPLETED) else None,
            "pilot_ends_on": (deadline + timedelta(days=240)).date() if state in (S.PILOTING, S.COMPLETED) else None,
            "selection_on": (deadline + timedelta(days=30)).date(), "created_at": (published or now) - _days(rng, 10, 40)}


def _challenge(n: int, state: ChallengeState, world: _World, direct: bool) -> dict[str, Any]:
    """One challenge's row, with its search document built as the application builds it."""
    rng = world.rng
    dialogue = state is S.MARKET_DIALOGUE or (n % 2 == 0 and not direct)
    city = world.cities[n % len(world.cities)]
    keyword, fi, sv, en = TOPICS[n % len(TOPICS)]
    place = PLACES[(n // len(TOPICS)) % len(PLACES)]
    texts = {"title_fi": f"{fi} {place} ({n})", "title_sv": f"{sv} ({n})" if n % 3 == 0 else None,
             "title_en": f"{en} ({n})" if n % 2 == 0 else None,
             "summary_fi": f"{fi}: {keyword}. " + LOREM, "summary_sv": f"{sv}. " + LOREM if n % 3 == 0 else None,
             "summary_en": f"{en}. " + LOREM if n % 2 == 0 else None,
             "problem": (LOREM * 6).strip(), "end_users": "Oppilaat, opettajat ja vanhemmat."}
    row = {"city_id": city.id, "created_by_id": rng.choice(world.staff[city.id]),
           "workflow": WITH_DIALOGUE if dialogue else DIRECT, "state": state.value,
           "pilot_kind": "paid" if n % 4 else "co_development", "language": "fi",
           "offers_site_access": True, "offers_facilitation": n % 3 == 0, "offers_data": n % 5 == 0,
           "offers_compensation": n % 4 != 0, "offer_details": "Tila, yhteyshenkilö ja käyttäjäryhmä.",
           "max_per_pilot": 5_000 + 1_000 * (n % 30), "total_budget": 20_000 + 5_000 * (n % 10),
           "pilot_count": 1 + n % 4, "compensation": "fixed" if n % 3 else "price_scored",
           "ipr_terms": "Immateriaalioikeudet jäävät yritykselle.", "reporting_duties": "Loppuraportti.",
           **texts, **_schedule(state, dialogue, world)}
    row["search_document"] = _search_document(row, city)
    row["updated_at"] = row["created_at"]
    return row


def _search_document(row: dict[str, Any], city: Organisation) -> str:
    """What the catalogue's search reads, built by the app's own function from an unsaved copy of the row."""
    texts = {key: value for key, value in row.items() if key.startswith(("title_", "summary_"))}
    probe = Challenge(problem=row.get("problem"), end_users=row.get("end_users"), **texts)
    probe.owners = [ChallengeCity(city=city, lead=True)]
    return build_search_document(probe)


def _challenges(world: _World, states: list[ChallengeState], direct: bool = False) -> None:
    """Challenges in the given states, the n-th in the n-th city (modulo six), with themes, sites and criteria.

    Every other one has a market dialogue unless direct is set.
    """
    rows = [_challenge(n, state, world, direct) for n, state in enumerate(states)]
    for row, challenge_id in zip(rows, insert_rows(Challenge, rows, returning=True)):
        row["id"] = challenge_id
    world.challenges = rows
    # Each challenge's city is its lead (the `city_id` column is the lead's copy; see challenges/ownership.py).
    insert_rows(ChallengeCity, ({"challenge_id": c["id"], "city_id": c["city_id"], "lead": True} for c in rows))
    themes = world.theme_ids
    insert_rows(challenge_themes, ({"challenge_id": c["id"], "theme_id": themes[(n + k) % len(themes)]}
                                   for n, c in enumerate(rows) for k in range(1 + n % 2)))
    insert_rows(PilotSite, ({"challenge_id": c["id"], "city_id": c["city_id"], "name": f"Kohde {k + 1}",
                             "kind": SITE_KINDS[(n + k) % 8], "address": f"Kokeilukatu {n % 90 + 1}"}
                            for n, c in enumerate(rows) for k in range(1 + n % 3)))
    weights = (40, 30, 20, 10)
    insert_rows(Criterion, ({"challenge_id": c["id"], "position": k, "name": f"Kriteeri {k + 1}",
                             "description": "Miten hyvin ratkaisu vastaa tarpeeseen.", "weight": w,
                             "min_score": 2 if k == 0 else None,
                             "scale": [f"{score}: kuvaus" for score in range(6)]}
                            for c in rows for k, w in enumerate(weights)))


# --- market dialogue -------------------------------------------------------------------------

def _company_user(world: _World, k: int) -> tuple[int, int]:
    """The k-th (company id, user id) pair, cycling through every company's people."""
    company = world.company_ids[k % len(world.company_ids)]
    people = world.people[company]
    return company, people[(k // len(world.company_ids)) % len(people)]


def _events(world: _World, dialogue: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Info sessions, workshops and company days during each challenge's market dialogue."""
    rows = []
    for n in range(count):
        c = dialogue[n % len(dialogue)]
        starts = c["dialogue_starts_at"] + timedelta(days=2 + 3 * (n // len(dialogue)), hours=9)
        past = starts < world.now
        rows.append({"challenge_id": c["id"], "kind": ("info_session", "workshop", "company_day")[n % 3],
                     "title": f"Tilaisuus {n}", "description": LOREM, "starts_at": starts,
                     "ends_at": starts + timedelta(hours=2),
                     "online_url": "https://meet.example.org/kokeilu" if n % 2 else None,
                     "location": None if n % 2 else "Kaupungintalo", "capacity": 30 if n else 100,
                     "material": LOREM if past else None, "minutes": LOREM if past else None,
                     "published_at": starts + timedelta(days=1) if past else None,
                     "reminder_sent_at": starts - timedelta(days=1) if past else None,
                     "created_at": c["dialogue_starts_at"]})
    for row, event_id in zip(rows, insert_rows(DialogueEvent, rows, returning=True)):
        row["id"] = event_id
    return rows


def _registrations(world: _World, events: list[dict[str, Any]], count: int, big: int) -> int:
    """Registrations: `big` for the first event (beyond its capacity: a waiting list), the rest spread evenly."""
    rows, per_event = [], {}
    others = events[1:] or events
    for k in range(count):
        event = events[0] if k < big else others[k % len(others)]
        seen = per_event.setdefault(event["id"], 0)
        per_event[event["id"]] = seen + 1
        company, user = _company_user(world, seen)
        capacity = event["capacity"]
        status = (RegistrationStatus.CANCELLED if seen % 20 == 19 else
                  RegistrationStatus.REGISTERED if seen < capacity else RegistrationStatus.WAITING)
        at = event["created_at"] + timedelta(minutes=seen)
        rows.append({"event_id": event["id"], "user_id": user, "organisation_id": company,
                     "status": status.value, "created_at": at, "updated_at": at})
    insert_rows(EventRegistration, rows)
    return len(rows)


def _questions(world: _World, dialogue: list[dict[str, Any]], count: int) -> None:
    """Questions from companies; most answered, most answers published."""
    rows = []
    for k in range(count):
        c = dialogue[k % len(dialogue)]
        company, user = _company_user(world, k)
        asked = c["dialogue_starts_at"] + timedelta(hours=k % 500)
        answered = k % 5 != 0
        rows.append({"challenge_id": c["id"], "asked_by_id": user, "organisation_id": company,
                     "text": f"Kysymys {k}: voiko kokeiluun osallistua konsortio?", "asked_at": asked,
                     "answer": "Voi, kunhan vastuuhenkilö on nimetty." if answered else None,
                     "answered_by_id": world.staff[c["city_id"]][0] if answered else None,
                     "answered_at": asked + timedelta(days=2) if answered else None,
                     "published_at": asked + timedelta(days=3) if answered and k % 4 else None})
    insert_rows(Question, rows)


def _meeting_slots(world: _World, dialogue: list[dict[str, Any]], count: int) -> None:
    """One-to-one meeting times; three in five booked, each by a different company of that challenge."""
    rows = []
    for k in range(count):
        c, nth = dialogue[k % len(dialogue)], k // len(dialogue)
        starts = c["dialogue_starts_at"] + timedelta(days=5, hours=nth)
        booked = nth % 5 < 3
        company, user = _company_user(world, nth)
        rows.append({"challenge_id": c["id"], "starts_at": starts, "ends_at": starts + timedelta(minutes=45),
                     "place": "Kaupungintalo, huone 3", "booked_by_org_id": company if booked else None,
                     "booked_by_user_id": user if booked else None,
                     "booked_at": starts - timedelta(days=2) if booked else None,
                     "minutes": "Muistio." if booked and starts < world.now else None,
                     "minutes_recorded_at": starts + timedelta(days=1) if booked and starts < world.now else None})
    insert_rows(MeetingSlot, rows)


def _rfi(world: _World, dialogue: list[dict[str, Any]], questions: int, responses: int) -> None:
    """RFI questions (positions 0, 1, 2... per challenge) and answers, one per company and question."""
    rows = [{"challenge_id": dialogue[k % len(dialogue)]["id"], "position": k // len(dialogue),
             "text": f"RFI-kysymys {k // len(dialogue) + 1}: millä aikataululla ratkaisu on saatavilla?"}
            for k in range(questions)]
    ids = insert_rows(RfiQuestion, rows, returning=True)
    answers = []
    for k in range(responses):
        question, nth = ids[k % len(ids)], k // len(ids)
        company = world.company_ids[nth % len(world.company_ids)]
        answers.append({"question_id": question, "organisation_id": company, "user_id": world.people[company][0],
                        "answer": "Ratkaisu on saatavilla kolmen kuukauden kuluessa. " * 3})
    insert_rows(RfiResponse, answers)


# --- following and the audit log -------------------------------------------------------------

def _follows_and_subscriptions(world: _World, follows: int, subscriptions: int) -> None:
    """Company people following public challenges and subscribing to a city or a theme."""
    public = [c["id"] for c in world.challenges if c["published_at"] is not None]
    pairs = {(_company_user(world, k)[1], public[(k * 7) % len(public)]) for k in range(follows)}
    insert_rows(Follow, ({"user_id": u, "challenge_id": c} for u, c in sorted(pairs)))
    users = sorted({u for people in world.people.values() for u in people})[:subscriptions]
    insert_rows(Subscription, (
        {"user_id": u, "city_id": world.cities[k % 6].id if k % 3 else None,
         "theme_id": None if k % 3 else world.theme_ids[k % len(world.theme_ids)]} for k, u in enumerate(users)))


def _audit_rows(world: _World, admin: int, count: int) -> Iterator[dict[str, Any]]:
    """Each challenge's moves along its path, then edits and logins until there are count rows."""
    challenge_table, user_table = Challenge.__tablename__, User.__tablename__
    made = 0
    for c in world.challenges:
        yield {"action": "challenge_created", "object_type": challenge_table, "object_id": c["id"],
               "actor_id": c["created_by_id"], "data": {}}
        made += 1
        steps = _path(ChallengeState(c["state"]), c["workflow"], c["published_at"] is not None)
        for before, after in zip(steps, steps[1:]):
            yield {"action": "challenge_transitioned", "object_type": challenge_table, "object_id": c["id"],
                   "actor_id": c["created_by_id"], "from_state": before.value, "to_state": after.value, "data": {}}
            made += 1
    users = [u for people in world.people.values() for u in people]
    k = 0
    while made < count:
        if k % 4 == 0:
            c = world.challenges[k % len(world.challenges)]
            yield {"action": "challenge_updated", "object_type": challenge_table, "object_id": c["id"],
                   "actor_id": c["created_by_id"], "data": {"fields": ["summary_fi"]}}
        else:
            user = admin if k % 1000 == 1 else users[k % len(users)]
            yield {"action": "login", "object_type": user_table, "object_id": user, "actor_id": user, "data": {}}
        made += 1
        k += 1


def _path(state: ChallengeState, workflow: str, published: bool) -> list[ChallengeState]:
    """The states a challenge went through to reach state."""
    path = [s for s in PATH if workflow == WITH_DIALOGUE or s is not S.MARKET_DIALOGUE]
    if state is S.UNSUCCESSFUL:
        return path[:path.index(S.EVALUATION) + 1] + [state]
    if state is S.CANCELLED:
        return path[:path.index(S.APPROVED if published else S.DRAFT) + 1] + [state]
    return path[:path.index(state) + 1]


def _audit(world: _World, admin: int, count: int) -> None:
    """Audit rows, oldest first over the last two years; transitions are named by the workflow's actions."""
    actions = {(t.sources, t.target): t.action for name in (WITH_DIALOGUE, DIRECT)
               for t in _workflow_transitions(name)}
    start, step = world.now - timedelta(days=730), timedelta(days=730) / max(count, 1)

    def rows() -> Iterator[dict[str, Any]]:
        for n, row in enumerate(_audit_rows(world, admin, count)):
            if row["action"] == "challenge_transitioned":
                row["action"] = next(action for (sources, target), action in actions.items()
                                     if row["from_state"] in sources and target == row["to_state"])
            yield {"from_state": None, "to_state": None, "comment": None, **row, "created_at": start + n * step}

    insert_rows(AuditEntry, rows())


def _workflow_transitions(name: str) -> list[Any]:
    """The transitions of one challenge workflow variant."""
    from core.workflow import registry

    return list(registry.get(name).transitions)


# --- everything ------------------------------------------------------------------------------

def _new_world(seed: int) -> _World:
    """The six cities and the themes (created if missing) and a seeded random generator."""
    return _World(random.Random(seed), utcnow(),  # noqa: S311  (repeatable data, no secrets)  # nosec B311
                  sorted(ensure_cities().values(), key=lambda o: o.slug), [t.id for t in ensure_themes()])


def generate(scale: int = 1, seed: int = 2026) -> Generated:
    """Write the whole data set for scale into the app's database and commit; say what the bench needs."""
    counts = {name: per * scale for name, per in PER_SCALE.items()}
    world = _new_world(seed)
    _companies(world, counts["companies"])
    admin = _users(world, counts["users"])
    cycle = _state_cycle(world.rng)
    _challenges(world, [cycle[n % len(cycle)] for n in range(counts["challenges"])])
    dialogue = [c for c in world.challenges if c["workflow"] == WITH_DIALOGUE
                and ChallengeState(c["state"]) in DIALOGUE_STATES]
    events = _events(world, dialogue, counts["events"])
    _registrations(world, events, counts["registrations"], BIG_EVENT * scale)
    _questions(world, dialogue, counts["questions"])
    _meeting_slots(world, dialogue, counts["meeting_slots"])
    _rfi(world, dialogue, counts["rfi_questions"], counts["rfi_responses"])
    _follows_and_subscriptions(world, counts["follows"], counts["subscriptions"])
    _audit(world, admin, counts["audit"])
    city = next(c["city_id"] for c in dialogue if c["id"] == events[0]["challenge_id"])
    shown = next(c for c in dialogue if c["state"] == S.OPEN.value and c["city_id"] == city)
    _officer(world, [city])
    db.session.commit()
    return Generated(scale=scale, challenge_id=shown["id"], event_challenge_id=events[0]["challenge_id"],
                     event_id=events[0]["id"], counts=counts)


@dataclass
class FanoutData:
    """The officer who opens the calls, and each call with the number of its city's subscribers."""

    officer_email: str
    password: str
    calls: list[tuple[int, int]]  # (subscribers, challenge id)


def generate_fanout(subscribers: list[int], seed: int = 2026) -> FanoutData:
    """One approved call without market dialogue per city, the n-th city with subscribers[n] subscribers."""
    world = _new_world(seed)
    cities = world.cities[:len(subscribers)]
    officer = _officer(world, [city.id for city in cities])
    world.staff = {city.id: [officer] for city in world.cities}
    _challenges(world, [S.APPROVED] * len(cities), direct=True)
    people = insert_rows(User, (_user(n, f"Subscriber {n}", world) for n in range(sum(subscribers))),
                         returning=True)
    rows, start = [], 0
    for city, count in zip(cities, subscribers):
        rows += [{"user_id": user, "city_id": city.id, "theme_id": None} for user in people[start:start + count]]
        start += count
    insert_rows(Subscription, rows)
    db.session.commit()
    return FanoutData(OFFICER_EMAIL, PASSWORD, [(n, c["id"]) for n, c in zip(subscribers, world.challenges)])
