"""What the tests share: factories, clients, the readers of answers, the worlds, and the authorization matrix.

Test modules import from here (and tests/live.py for the browser), never from
each other or from conftest.py, which only turns these helpers into fixtures.

`MATRIX` says, for every route in `app.url_map`, how it is requested and the
exact answer each role gets: a status (200, 400 for the empty form the matrix
posts, 403, 404), `LOGIN` (sent to the login page), or the path a 302 leads to.
The authorization matrix test checks those answers; the input harness uses the
same table to know which role may use a route and how to reach it.
"""
from __future__ import annotations

import contextvars
import dataclasses
import importlib
import itertools
import pkgutil
import re
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Union
from urllib.parse import urlsplit

import sqlalchemy as sa
import wtforms
from flask import Flask, current_app, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from jinja2 import FileSystemBytecodeCache
from sqlalchemy import event, func, select

from app import create_app
from auth.models import Invitation, Membership, MembershipStatus, Organisation, OrgKind, User
from auth.roles import Role
from auth.services.accounts import add_membership, create_user
from auth.validators import business_id_check_digit
from challenges.models import (Attachment, Challenge, ChallengeState, Criterion, DialogueEvent, MeetingSlot,
                               PilotSite, Question, RfiQuestion, Theme)
from challenges.ownership import add_partner, lead_city, start_ownership
from challenges.services.challenges import build_search_document, create_challenge
from challenges.workflow import DIRECT, WITH_DIALOGUE
from core.audit import AuditEntry
from core.extensions import db, limiter
from core.models import utcnow
from pilots.proposals.models import Proposal, ProposalVersion
from pilots.proposals.services import content_of, sha256_of
from pilots.proposals.workflow import CURRENT as PROPOSAL_WORKFLOW

S = ChallengeState
PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


# --- the app and its clients ---------------------------------------------------------------------

_TEMPLATE_CACHE = FileSystemBytecodeCache(tempfile.mkdtemp(prefix="kokeilu-jinja-"))


def app_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    """Settings for an app under test."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
        "WTF_CSRF_ENABLED": False,
        "REDIS_URL": None,
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": None,
        "MAIL_SUPPRESS_SEND": True,
        "SERVER_NAME": None,
        "BASE_URL": "http://localhost",
        "PASSWORD_HASH_PROFILE": "CHEAPEST",  # Argon2 at full strength would dominate test time
        "JINJA_BYTECODE_CACHE": _TEMPLATE_CACHE,  # templates compiled once for every app the tests build
    }
    config.update(overrides)
    return config


# --- rows written with SQL alone, for the migration tests of older schemas -----------------------

@contextmanager
def migrated_database(url: str, revision: str = "head") -> Iterator[Any]:
    """An app on a new database built by the migrations up to revision, inside its context; yields `db`."""
    app = create_app(app_config(url))
    with app.app_context():
        upgrade(revision=revision)
        yield db
        db.session.remove()
        db.engine.dispose()


def stored_now(conn: sa.Connection) -> datetime:
    """Now, as the app stores it on this database: naive UTC in SQLite, aware in PostgreSQL."""
    now = datetime.now(timezone.utc)
    return now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now


def insert_old_user(conn: sa.Connection, email: str, name: str) -> int:
    """A verified account written with SQL; returns its id."""
    users = sa.Table("users", sa.MetaData(), autoload_with=conn)
    now = stored_now(conn)
    return conn.execute(users.insert().values(
        email=email, name=name, locale="fi", active=True, is_platform_admin=False, created_at=now,
        email_verified_at=now, session_version=1)).inserted_primary_key[0]


def insert_old_challenge(conn: sa.Connection, city_slug: str) -> dict[str, int]:
    """A seeded city's draft challenge and the account that made it, written with SQL; returns their ids."""
    challenges = sa.Table("challenges", sa.MetaData(), autoload_with=conn)
    now = stored_now(conn)
    city = conn.scalar(sa.text("SELECT id FROM organisations WHERE slug = :slug"), {"slug": city_slug})
    officer = insert_old_user(conn, "officer@example.org", "Olli")
    challenge = conn.execute(challenges.insert().values(
        city_id=city, created_by_id=officer, workflow="challenge.direct.v1", state="draft", state_version=1,
        pilot_kind="paid", language="fi", title_fi="Haaste", summary_fi="Tiivistelmä",
        offers_site_access=True, offers_facilitation=False, offers_data=False, offers_compensation=True,
        compensation="fixed", personal_data_allowed=False, created_at=now, updated_at=now,
        search_document="haaste")).inserted_primary_key[0]
    return {"city": city, "officer": officer, "challenge": challenge}


@contextmanager
def app_context(app: Flask) -> Iterator[Flask]:
    """The app inside an app context; settings, extension state and tables are restored afterwards."""
    config, extensions = dict(app.config), dict(app.extensions)
    limiter.reset()
    try:
        with app.app_context():
            try:
                yield app
            finally:
                db.session.remove()
                empty_tables()
    finally:
        app.config.clear()
        app.config.update(config)
        app.extensions.clear()
        app.extensions.update(extensions)


def empty_tables() -> None:
    """Delete every row, children first (TRUNCATE on PostgreSQL)."""
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def end_transaction(session: sa.orm.Session) -> None:
    """Commit the test's transaction, keeping what it loaded as it was (nothing is expired)."""
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own app context, as in production.

    Flask reuses an app context that is already pushed (the test's), which would
    share `g`, the cached login and the database session between requests.
    Running each request in an empty `contextvars.Context` avoids that.
    """

    def open(self, *args: Any, **kwargs: Any):
        """Make the request outside the test's contexts, as another process would.

        The test's own transaction ends first: a browser holds no database lock,
        and on SQLite an open transaction would keep the request from writing.
        (A redirect followed by the client comes back here outside the test's context.)
        """
        if has_app_context():
            end_transaction(db.session())
        return contextvars.Context().run(super().open, *args, **kwargs)


def log_in(client: FlaskClient, user: User) -> User:
    """Log a user in on a test client, as the login form would (by the session it leaves)."""
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True
    return user


def as_user(app: Flask, user: User | None = None) -> FlaskClient:
    """A separate test client in English, logged in as user when given."""
    app.test_client_class = IsolatedClient
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # visitors' pages; users have locale "en"
    if user is not None:
        log_in(client, user)
    return client


# --- reading what happened -------------------------------------------------------------------------

LOGIN = "login"


def outcome(response) -> int | str:
    """How a user meets a response: LOGIN when sent to the login page, otherwise its status code."""
    location = response.headers.get("Location", "")
    if response.status_code in (302, 303) and urlsplit(location).path == "/login":
        return LOGIN
    return response.status_code


def destination(response) -> int | str:
    """Where a response leaves its user: LOGIN, the path a 302 leads to, or the status code."""
    seen = outcome(response)
    return urlsplit(response.headers["Location"]).path if seen == 302 else seen


def html(response) -> str:
    """The response body as text."""
    return response.get_data(as_text=True)


def error_next_to(page: str, field_id: str) -> str:
    """The message shown next to a field (the field macro's `<id>-error` element)."""
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</div>', page, re.S)
    assert match, f"no error shown next to {field_id}"
    return match.group(1).strip()


@contextmanager
def count_queries() -> Iterator[list[str]]:
    """The SQL statements run inside the block, in order."""
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def queries_of_get(client: FlaskClient, url: str) -> int:
    """How many SQL statements one GET of url issues (it must succeed)."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def visit(app: Flask, url: str, **headers: str) -> tuple[Any, int]:
    """A visitor's GET of url from app (another process, say), in English, and how many SQL statements it ran.

    The test's own transaction is committed first, as the browser of the person who made a change
    waits for it.
    """
    end_transaction(db.session())
    with app.app_context(), count_queries() as statements:
        response = as_user(app).get(url, headers=headers)
    return response, len(statements)


def audit_count(action: str) -> int:
    """How many audit rows of an action exist."""
    return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def audit_entries(action: str) -> list[AuditEntry]:
    """Audit rows of an action, oldest first, read afresh."""
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                   .order_by(AuditEntry.id)))


# --- people and organisations --------------------------------------------------------------------

def business_id(seed: int) -> str:
    """A valid Finnish business ID (Y-tunnus) derived from seed."""
    for n in itertools.count(seed * 13 % 9_000_000 + 1_000_000):
        check = business_id_check_digit(f"{n:07d}")
        if check is not None:
            return f"{n:07d}-{check}"
    raise AssertionError("unreachable")


def make_org(kind: str = OrgKind.CITY.value, **fields: Any) -> Organisation:
    """A saved organisation; kind "city" by default."""
    n = next(_counter)
    defaults: dict[str, Any] = {"kind": kind, "slug": f"{kind}-{n}", "name": f"{kind.title()} {n}"}
    if kind == OrgKind.COMPANY.value:
        defaults["business_id"] = business_id(n)
    defaults.update(fields)
    org = Organisation(**defaults)
    db.session.add(org)
    db.session.commit()
    return org


def make_user(org: Organisation | None = None, roles: tuple[str, ...] = (), *, email: str | None = None,
              name: str | None = None, password: str = PASSWORD, verified: bool = True,
              platform_admin: bool = False, locale: str = "en") -> User:
    """A saved, verified user, optionally with roles in an organisation."""
    n = next(_counter)
    user = create_user(email or f"user{n}@example.org", name or f"User {n}", password,
                       locale=locale, verified=verified, terms_version="test")
    user.is_platform_admin = platform_admin
    for role in roles:
        add_membership(user, org, role, actor=None)
    db.session.commit()
    return user


ROLE_SETUP: dict[str, tuple[str, tuple[str, ...], bool]] = {
    # role name in tests: (organisation kind, membership roles, platform admin)
    "platform_admin": ("", (), True),
    "city_admin": (OrgKind.CITY.value, (Role.CITY_ADMIN.value,), False),
    "officer": (OrgKind.CITY.value, (Role.OFFICER.value,), False),
    "decision_maker": (OrgKind.CITY.value, (Role.DECISION_MAKER.value,), False),
    "evaluator": (OrgKind.CITY.value, (Role.EVALUATOR.value,), False),
    "company_owner": (OrgKind.COMPANY.value, (Role.OWNER.value,), False),
    "company_member": (OrgKind.COMPANY.value, (Role.MEMBER.value,), False),
    "user": ("", (), False),  # verified account without memberships
}
ROLES = tuple(ROLE_SETUP)


def user_with_role(role: str, org: Organisation | None = None, **fields: Any) -> User:
    """A saved user holding one of ROLES (in the given organisation, or a new one)."""
    kind, roles, is_admin = ROLE_SETUP[role]
    if kind and org is None:
        org = make_org(kind)
    return make_user(org, roles, platform_admin=is_admin, **fields)


def registration_form(**overrides: Any) -> dict[str, Any]:
    """A complete, valid registration of a new company (a None override leaves the field out)."""
    data = {"name": "Maija Meikäläinen", "email": "maija@yritys.example", "password": PASSWORD,
            "password_confirm": PASSWORD, "locale": "en", "company_action": "new",
            "business_id": "2736490-4", "company_name": "Yritys Oy", "accept_terms": "y"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- challenges --------------------------------------------------------------------------------

UNPUBLISHED_STATES = {S(name) for name in S.states_where(public=False)}
LOCKED_STATES = {S(name) for name in S.states_where(locked=True)}


def new_challenge(city: Organisation, creator: User, state: S = S.OPEN, *, themes: list[Theme] = (),
                  deadline_days: float | None = 20, opened_days_ago: float | None = None,
                  published_days_ago: float = 30, **fields: Any) -> Challenge:
    """An unsaved challenge in a state, with the facts that state implies (publication, lock, opening)."""
    now = utcnow()
    values: dict[str, Any] = {
        "created_by_id": creator.id, "workflow": DIRECT, "state": state.value,
        "title_fi": "Haaste", "summary_fi": "Kuvaus", "problem": "Ongelma",
        "proposals_close_at": None if deadline_days is None else now + timedelta(days=deadline_days),
        "questions_close_at": None if deadline_days is None else now + timedelta(days=deadline_days - 7),
    }
    if state not in UNPUBLISHED_STATES:
        values["published_at"] = now - timedelta(days=published_days_ago)
    if state in LOCKED_STATES:
        opened = now - timedelta(days=opened_days_ago if opened_days_ago is not None else 10)
        values.update(criteria_locked_at=opened, opened_at=opened)
    values.update(fields)
    challenge = Challenge(**values)
    start_ownership(challenge, city)
    challenge.themes = list(themes)
    challenge.search_document = build_search_document(challenge)
    return challenge


def add_challenge(*args: Any, **kwargs: Any) -> Challenge:
    """A saved challenge (see new_challenge)."""
    challenge = new_challenge(*args, **kwargs)
    db.session.add(challenge)
    db.session.commit()
    return challenge


def dialogue_challenge(city: Organisation, creator: User, state: S = S.MARKET_DIALOGUE,
                       **fields: Any) -> Challenge:
    """A saved challenge of the dialogue workflow in a state, with dates that keep every window open."""
    now = utcnow()
    values: dict[str, Any] = {
        "workflow": WITH_DIALOGUE, "title_fi": "Koulun haaste", "title_en": "School challenge",
        "dialogue_starts_at": now - timedelta(days=5), "dialogue_ends_at": now + timedelta(days=20),
        "questions_close_at": now + timedelta(days=25), **fields}
    return add_challenge(city, creator, state, deadline_days=40, opened_days_ago=1, published_days_ago=10,
                         **values)


def make_challenge(city: Organisation, officer: User, *, variant: str = WITH_DIALOGUE,
                   state: str = S.DRAFT.value, due: bool = False, complete: bool = True,
                   pilot_kind: str = "paid", **fields: Any) -> Challenge:
    """A challenge made by the service with every publication requirement met, put in `state` as the
    lifecycle would leave it.

    `due` puts the proposal deadline in the past (for closing); otherwise it is a month ahead.
    """
    challenge = create_challenge(city, officer, variant, pilot_kind, "Koulujen sisäilma",
                                 "Ratkaisuja luokkien ilmanlaatuun.", title_sv="Skolornas inneluft")
    if complete:
        _complete(challenge, variant, pilot_kind, due)
    challenge.state = state
    if S(state) not in UNPUBLISHED_STATES:
        challenge.published_at = utcnow() - timedelta(days=50)
    if S(state) in LOCKED_STATES:
        challenge.opened_at = challenge.criteria_locked_at = utcnow() - timedelta(days=45)
    if variant == WITH_DIALOGUE and state != S.DRAFT.value:
        challenge.dialogue_summary = "Opimme paljon."
        challenge.dialogue_summary_published_at = utcnow() - timedelta(days=46)
    for name, value in fields.items():
        setattr(challenge, name, value)
    db.session.commit()
    return challenge


def _complete(challenge: Challenge, variant: str, pilot_kind: str, due: bool) -> None:
    """Fill in everything publication asks for: problem, a site, budget, schedule and criteria."""
    now = utcnow()
    deadline = now - timedelta(days=1) if due else now + timedelta(days=30)
    challenge.problem = "Luokkien ilma on huonoa iltapäivisin."
    challenge.end_users = "Oppilaat ja opettajat."
    challenge.sites.append(PilotSite(name="Kallion koulu", kind="school", address="Porvoonkatu 2",
                                     city_id=lead_city(challenge).id))
    if pilot_kind == "paid":
        challenge.max_per_pilot, challenge.total_budget, challenge.pilot_count = (
            Decimal("20000"), Decimal("40000"), 2)
    if variant == WITH_DIALOGUE:
        challenge.dialogue_starts_at = deadline - timedelta(days=40)
        challenge.dialogue_ends_at = deadline - timedelta(days=20)
    challenge.questions_close_at = deadline - timedelta(days=10)
    challenge.proposals_close_at = deadline
    challenge.criteria.clear()  # the city's template criteria, replaced by two known ones
    db.session.flush()
    challenge.criteria.extend([
        Criterion(position=0, name="Sopivuus", weight=60, scale=["0", "1", "2", "3", "4", "5"]),
        Criterion(position=1, name="Toteutettavuus", weight=40, scale=["0", "1", "2", "3", "4", "5"])])


def make_cast(make_org: Callable[..., Organisation] = make_org, make_user: Callable[..., User] = make_user,
              city: Organisation | None = None) -> dict[str, Any]:
    """A city and one person in every role the challenge lifecycle knows, plus outsiders."""
    city = city or make_org(OrgKind.CITY.value, name="Helsinki", name_sv="Helsingfors", name_en="Helsinki")
    company = make_org(OrgKind.COMPANY.value)
    return {
        "city": city, "company": company,
        "officer": make_user(city, (Role.OFFICER.value,), name="Olli Officer"),
        "decision_maker": make_user(city, (Role.DECISION_MAKER.value,), name="Dora Decider"),
        "city_admin": make_user(city, (Role.CITY_ADMIN.value,)),
        "platform_admin": make_user(platform_admin=True),
        "company_owner": make_user(company, (Role.OWNER.value,)),
        "other_city_officer": make_user(make_org(OrgKind.CITY.value), (Role.OFFICER.value,)),
        "system": None,
    }


def make_joint_cast() -> dict[str, Any]:
    """make_cast's city as the lead, a partner city (Espoo) with its own staff, and a third city's officer."""
    cast = make_cast()
    partner = make_org(OrgKind.CITY.value, name="Espoo", name_sv="Esbo", name_en="Espoo")
    return {**cast, "partner": partner,
            "partner_officer": make_user(partner, (Role.OFFICER.value,), name="Paula Partner"),
            "partner_decision_maker": make_user(partner, (Role.DECISION_MAKER.value,), name="Pertti Partner"),
            "partner_admin": make_user(partner, (Role.CITY_ADMIN.value,))}


def make_joint_challenge(cast: dict[str, Any], **kwargs: Any) -> Challenge:
    """A challenge led by the cast's city (see make_challenge), with the partner city and a site of its own."""
    challenge = make_challenge(cast["city"], cast["officer"], **kwargs)
    add_partner(challenge, cast["partner"], Decimal("15000"))
    challenge.sites.append(PilotSite(name="Ison Omenan kirjasto", kind="library", city_id=cast["partner"].id))
    challenge.search_document = build_search_document(challenge)
    db.session.commit()
    return challenge


def add_event(challenge: Challenge, *, capacity: int | None = None, starts_in: timedelta = timedelta(days=3),
              **fields: Any) -> DialogueEvent:
    """A saved dialogue event of the challenge."""
    starts = utcnow() + starts_in
    values: dict[str, Any] = {"challenge_id": challenge.id, "kind": "info_session", "title": "Info session",
                              "starts_at": starts, "ends_at": starts + timedelta(hours=2),
                              "location": "City Hall", "capacity": capacity}
    values.update(fields)
    event = DialogueEvent(**values)
    db.session.add(event)
    db.session.commit()
    return event


def add_slot(challenge: Challenge, *, starts_in: timedelta = timedelta(days=2),
             booked_by: Organisation | None = None, **fields: Any) -> MeetingSlot:
    """A saved one-to-one meeting slot, optionally booked by a company."""
    starts = utcnow() + starts_in
    slot = MeetingSlot(challenge_id=challenge.id, starts_at=starts, ends_at=starts + timedelta(minutes=45),
                       place=fields.pop("place", "Room 101"), **fields)
    if booked_by is not None:
        slot.booked_by_org_id, slot.booked_at = booked_by.id, utcnow()
    db.session.add(slot)
    db.session.commit()
    return slot


# --- the dialogue tests' world and the answers they expect ---------------------------------------

@dataclass
class DialogueWorld:
    """A city running a dialogue challenge, its staff, two companies, and a stranger city."""

    city: Organisation
    other_city: Organisation
    officer: User
    decision_maker: User
    city_admin: User
    other_officer: User
    company: Organisation
    other_company: Organisation
    member: User
    other_member: User
    challenge: Challenge


def build_dialogue_world() -> DialogueWorld:
    """Helsinki runs a challenge in market dialogue; Acme's member and Beta's owner take part."""
    city = make_org(OrgKind.CITY.value, name="Helsinki")
    other_city = make_org(OrgKind.CITY.value, name="Tampere")
    officer = make_user(city, (Role.OFFICER.value,), name="Olga Officer")
    company = make_org(OrgKind.COMPANY.value, name="Acme Robotics Oy")
    other_company = make_org(OrgKind.COMPANY.value, name="Beta Learning Ab")
    return DialogueWorld(
        city=city, other_city=other_city, officer=officer,
        decision_maker=make_user(city, (Role.DECISION_MAKER.value,)),
        city_admin=make_user(city, (Role.CITY_ADMIN.value,)),
        other_officer=make_user(other_city, (Role.OFFICER.value,)),
        company=company, other_company=other_company,
        member=make_user(company, (Role.MEMBER.value,), name="Alice Asker", email="alice@acme.example"),
        other_member=make_user(other_company, (Role.OWNER.value,), name="Bob Other"),
        challenge=dialogue_challenge(city, officer))


# Who asks, and what they get. LOGIN is a redirect to the login page; "ok" is checked by assert_outcome.
OFFICER_PAGE = {"visitor": LOGIN, "officer": 200, "decision_maker": 200, "city_admin": 200,
                "other_officer": 403, "member": 403}
OFFICER_ACTION = {"visitor": LOGIN, "officer": "ok", "decision_maker": 403, "city_admin": 403,
                  "other_officer": 403, "member": 403}
COMPANY_ACTION = {"visitor": LOGIN, "officer": 403, "decision_maker": 403, "city_admin": 403,
                  "other_officer": 403, "member": "ok"}
PUBLIC_PAGE = {"visitor": 200, "officer": 200, "decision_maker": 200, "city_admin": 200,
               "other_officer": 200, "member": 200}


def person(dw: DialogueWorld, role: str) -> User | None:
    """The dialogue world's user for a role name of the tables above."""
    return None if role == "visitor" else getattr(dw, role)


def assert_outcome(got: int | str, expected: int | str) -> None:
    """"ok" accepts a success, a redirect after success, or a 400 for an empty form."""
    if expected == "ok":
        assert got in (200, 302, 400), got
    else:
        assert got == expected


# --- the catalogue tests' world ------------------------------------------------------------------

def build_catalogue_world() -> dict[str, Any]:
    """Two cities with an officer each, and two themes."""
    helsinki = make_org(OrgKind.CITY.value, slug="helsinki", name="Helsinki", name_sv="Helsingfors")
    tampere = make_org(OrgKind.CITY.value, slug="tampere", name="Tampere", name_sv="Tammerfors")
    learning = Theme(slug="learning", name_fi="Oppiminen", name_sv="Lärande", name_en="Learning")
    climate = Theme(slug="climate", name_fi="Ilmasto", name_sv="Klimat", name_en="Climate")
    db.session.add_all([learning, climate])
    db.session.commit()
    officer = make_user(helsinki, (Role.OFFICER.value,))
    other_officer = make_user(tampere, (Role.OFFICER.value,))
    return {"helsinki": helsinki, "tampere": tampere, "learning": learning, "climate": climate,
            "officer": officer, "other_officer": other_officer}


# --- the authorization matrix's world ----------------------------------------------------------------

@dataclass(frozen=True)
class World:
    """The objects the matrix requests: a home city and company for the roles, and strangers."""

    city: Organisation
    other_city: Organisation
    company: Organisation
    other_company: Organisation
    inviter: User  # the home city's admin, who invited and made the challenges
    city_person: User
    other_city_person: User
    join_request: Membership
    invitation: Invitation
    challenge: Challenge  # published, in market dialogue, of the home city
    draft: Challenge  # an unpublished challenge of the home city
    event: DialogueEvent
    slot: MeetingSlot
    question: Question
    rfi_question: RfiQuestion
    attachment: Attachment
    open_call: Challenge  # the home city's challenge open for proposals
    proposal: Proposal  # the home company's submitted proposal to open_call


def build_world() -> World:
    """A home city and company (where the matrix's roles belong) and a stranger of each."""
    city, other_city = make_org(OrgKind.CITY.value), make_org(OrgKind.CITY.value)
    company, other_company = make_org(OrgKind.COMPANY.value), make_org(OrgKind.COMPANY.value)
    inviter = make_user(city, (Role.CITY_ADMIN.value,))
    texts = {"title_fi": "Haaste", "summary_fi": "Tiivistelmä"}
    challenge = dialogue_challenge(city, inviter, **texts)
    question = Question(challenge_id=challenge.id, asked_by_id=make_user().id, organisation_id=other_company.id,
                        text="How many schools?")
    db.session.add(question)
    db.session.commit()
    return World(
        city=city, other_city=other_city, company=company, other_company=other_company, inviter=inviter,
        city_person=make_user(city, (Role.OFFICER.value,)),
        other_city_person=make_user(other_city, (Role.OFFICER.value,)),
        join_request=add_join_request(company), invitation=add_invitation(city, inviter),
        challenge=challenge, draft=dialogue_challenge(city, inviter, S.DRAFT, **texts),
        event=add_event(challenge, title="Info", location="Town hall"),
        slot=add_slot(challenge, starts_in=timedelta(days=4), place="Town hall"),
        question=question, rfi_question=add_rfi_question(challenge), attachment=add_attachment(challenge, inviter),
        **_open_call(city, inviter, company))


def _open_call(city: Organisation, inviter: User, company: Organisation) -> dict[str, Any]:
    """The home city's open call and the home company's submitted proposal to it."""
    open_call = add_challenge(city, inviter, S.OPEN, title_fi="Avoin haku", summary_fi="Tiivistelmä")
    return {"open_call": open_call,
            "proposal": add_proposal(open_call, company, make_user(company, (Role.MEMBER.value,)),
                                     state="submitted")}


# A proposal's required sections, filled in.
PROPOSAL_TEXTS = {"solution": "Anturit luokkiin", "maturity": "Käytössä Tampereella", "plan_what": "Mittaus",
                  "plan_where": "Kallion koulu", "plan_with_whom": "Opettajat", "plan_when": "Syksy",
                  "kpis": "CO2 alle 1000 ppm", "end_user_participation": "Oppilaat arvioivat"}


def add_proposal(challenge: Challenge, company: Organisation, author: User, *, state: str = "draft",
                 **fields: Any) -> Proposal:
    """A saved proposal with its required sections and criteria answered; a submitted one has version 1."""
    values: dict[str, Any] = {**PROPOSAL_TEXTS, "criterion_answers": {str(c.id): "Vastaus" for c in challenge.criteria},
                              "secret_sections": [], **fields}
    proposal = Proposal(challenge=challenge, organisation=company, created_by=author, workflow=PROPOSAL_WORKFLOW,
                        state=state, language="fi", **values)
    db.session.add(proposal)
    db.session.flush()
    if state != "draft":
        content = content_of(proposal)
        proposal.submitted_at = utcnow()
        db.session.add(ProposalVersion(proposal=proposal, number=1, content=content, sha256=sha256_of(content),
                                       submitted_at=proposal.submitted_at, submitted_by=author))
    db.session.commit()
    return proposal


def add_join_request(company: Organisation) -> Membership:
    """A new person's pending request to join the company."""
    request = Membership(user_id=make_user().id, organisation_id=company.id, role=Role.MEMBER.value,
                         status=MembershipStatus.PENDING.value)
    db.session.add(request)
    db.session.commit()
    return request


def add_invitation(city: Organisation, inviter: User) -> Invitation:
    """An open invitation to the city's officers."""
    n = next(_counter)
    invitation = Invitation(email=f"invited{n}@example.org", organisation_id=city.id, role=Role.OFFICER.value,
                            token_hash=f"{n:064x}", invited_by_id=inviter.id,
                            expires_at=utcnow() + timedelta(days=7))
    db.session.add(invitation)
    db.session.commit()
    return invitation


def add_rfi_question(challenge: Challenge) -> RfiQuestion:
    """A question of the challenge's request for information, after those it has."""
    position = db.session.scalar(select(func.coalesce(func.max(RfiQuestion.position), 0))
                                 .where(RfiQuestion.challenge_id == challenge.id)) + 1
    question = RfiQuestion(challenge_id=challenge.id, position=position, text="What would it cost?")
    db.session.add(question)
    db.session.commit()
    return question


def add_attachment(challenge: Challenge, uploader: User) -> Attachment:
    """An attachment of the challenge, with its file in the upload directory."""
    stored_name = f"{next(_counter):032x}"
    attachment = Attachment(owner=challenge, title="Plan", stored_name=stored_name,
                            original_name="plan.pdf", content_type="application/pdf", size=5, sha256="0" * 64,
                            uploaded_by_id=uploader.id)
    db.session.add(attachment)
    db.session.commit()
    uploads = Path(current_app.config["UPLOAD_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / stored_name).write_bytes(b"%PDF-")
    return attachment


# What a request uses up, made again for the next case: a revoked invitation is not revoked twice.
RENEW: dict[str, Callable[[World], Any]] = {
    "invitation": lambda w: add_invitation(w.city, w.inviter),
    "join_request": lambda w: add_join_request(w.company),
    "city_person": lambda w: make_user(w.city, (Role.OFFICER.value,)),
    "attachment": lambda w: add_attachment(w.challenge, w.inviter),
    "slot": lambda w: add_slot(w.challenge),
    "rfi_question": lambda w: add_rfi_question(w.challenge),
}


def renewed(world: World, names: tuple[str, ...]) -> World:
    """The world with fresh objects in place of the named ones."""
    return dataclasses.replace(world, **{name: RENEW[name](world) for name in names})


def forget(*objects: Any) -> None:
    """Drop objects from the test's session, a person's memberships with them.

    A request may have deleted them, and SQLite gives the id of a deleted last row to the next row,
    which the session would otherwise take for the deleted one.
    """
    for obj in objects:
        if isinstance(obj, User):
            user_id = sa.inspect(obj).identity[0]
            for other in list(db.session.identity_map.values()):
                if isinstance(other, Membership) and sa.inspect(other).dict.get("user_id") == user_id:
                    db.session.expunge(other)
        if obj in db.session:
            db.session.expunge(obj)


def home_org(role: str, world: World) -> Organisation | None:
    """The organisation a matrix role belongs to."""
    if role.startswith("company"):
        return world.company
    return world.city if role in ("city_admin", "officer", "decision_maker", "evaluator") else None


# --- the authorization matrix --------------------------------------------------------------------

VISITOR = "anonymous"
ALL = (VISITOR, *ROLES)
# An expected answer: a status code, LOGIN, or the path a 302 leads to (fixed, or found in the world).
Expected = Union[int, str, Callable[[World], str]]
REFUSED = (LOGIN, 403, 404)


@dataclass(frozen=True)
class Entry:
    """How one route is requested, what each role gets, and what a request uses up (see RENEW)."""

    method: str
    url: Callable[[World], str]
    expect: dict[str, Expected]
    uses_up: tuple[str, ...] = ()
    logs_out: bool = False  # the request ends every session of its user, who is made anew for each case

    def expected(self, role: str, world: World) -> int | str:
        """The exact answer role gets in world."""
        value = self.expect[role]
        return value(world) if callable(value) else value

    def lets_in(self, role: str) -> bool:
        """Whether the route serves role (whatever it then answers), rather than refusing it."""
        return self.expect[role] not in REFUSED

    def kind(self, role: str) -> int | str:
        """The kind of answer role gets: served, or the refusal."""
        return "served" if self.lets_in(role) else self.expect[role]


def everyone(expected: Expected) -> dict[str, Expected]:
    """The same answer for every role."""
    return {role: expected for role in ALL}


def members_only(allowed: set[str], served: Expected = 200, others: Expected = 403) -> dict[str, Expected]:
    """Visitors log in, the allowed roles are served, the rest get `others`."""
    return {role: LOGIN if role == VISITOR else served if role in allowed else others for role in ALL}


def visitors_only(served: Expected = 200, others: Expected = "/") -> dict[str, Expected]:
    """A page for visitors: anyone logged in is sent elsewhere (the front page)."""
    return {role: served if role == VISITOR else others for role in ALL}


USER_ADMINS = {"platform_admin", "city_admin"}
PLATFORM = {"platform_admin"}
CITY_INVITERS = {"platform_admin", "city_admin"}
COMPANY_MANAGERS = {"platform_admin", "company_owner"}
CITY_STAFF = {"platform_admin", "city_admin", "officer", "decision_maker"}
OFFICERS = {"officer"}
COMPANIES = {"company_owner", "company_member"}
PROPOSAL_READERS = {"city_admin", "officer", "decision_maker"}  # the owning city's staff, platform admins not


def logged_in(served: Expected = 200) -> dict[str, Expected]:
    """Visitors log in; anyone logged in gets `served`."""
    return members_only(set(ROLES), served)


def _dialogue(w: World) -> str:
    """The public dialogue pages of the world's published challenge."""
    return f"/challenges/{w.challenge.id}/dialogue"


def _manage_dialogue(w: World) -> str:
    """The officer's dialogue pages of the world's published challenge."""
    return f"/manage/challenges/{w.challenge.id}/dialogue"


def _person(w: World) -> str:
    """The administration page of the home city's person."""
    return f"/admin/users/{w.city_person.id}"


def _invitations(w: World) -> str:
    """The home city's invitations."""
    return f"/organisations/{w.city.id}/invitations"


def _requests(w: World) -> str:
    """The home company's join requests."""
    return f"/organisations/{w.company.id}/requests"


MATRIX: dict[str, Entry] = {
    # core
    "core.index": Entry("GET", lambda w: "/", everyone(200)),
    "core.health": Entry("GET", lambda w: "/healthz", everyone(200)),
    "core.set_language": Entry("POST", lambda w: "/language", logged_in(400)),
    "core.choose_language": Entry("GET", lambda w: "/language?lang=sv", everyone("/")),
    "core.accessibility": Entry("GET", lambda w: "/accessibility", everyone(200)),
    "core.start": Entry("GET", lambda w: "/start", logged_in()),
    "core.accessibility_feedback": Entry("GET", lambda w: "/accessibility/feedback", everyone(200)),
    "static": Entry("GET", lambda w: "/static/css/kokeilu.css", everyone(200)),
    "bootstrap.static": Entry("GET", lambda w: "/bootstrap/static/css/bootstrap.min.css", everyone(200)),
    # login, registration, tokens (a link with a token that is no token is answered with a page that says so)
    "auth.login": Entry("GET", lambda w: "/login", visitors_only(others="/start")),
    "auth.logout": Entry("POST", lambda w: "/logout", logged_in("/"), logs_out=True),
    "auth.register": Entry("GET", lambda w: "/register", visitors_only()),
    "auth.terms": Entry("GET", lambda w: "/terms", everyone(200)),
    "auth.email_sent": Entry("GET", lambda w: "/email-sent/registration", everyone(200)),
    "auth.verify_email": Entry("GET", lambda w: "/verify/not-a-token", everyone(400)),
    "auth.resend_verification": Entry("GET", lambda w: "/verify/resend", everyone(200)),
    "auth.request_password_reset": Entry("GET", lambda w: "/password/reset", everyone(200)),
    "auth.reset_password": Entry("GET", lambda w: "/password/reset/not-a-token", everyone(400)),
    "auth.accept_invitation": Entry("GET", lambda w: "/invitations/not-a-token", everyone(400)),
    # own account
    "auth.account": Entry("GET", lambda w: "/account", logged_in()),
    "auth.change_own_password": Entry("POST", lambda w: "/account/password", logged_in(400)),
    "auth.account_notifications": Entry("POST", lambda w: "/account/notifications", logged_in(400)),
    "auth.export_data": Entry("GET", lambda w: "/account/export", logged_in()),
    "auth.delete_account": Entry("GET", lambda w: "/account/delete", logged_in()),
    # invitations to the home city
    "auth.invitations": Entry("GET", _invitations, members_only(CITY_INVITERS)),
    "auth.revoke_invitation": Entry(
        "POST", lambda w: f"{_invitations(w)}/{w.invitation.id}/revoke",
        members_only(CITY_INVITERS, _invitations), uses_up=("invitation",)),
    # join requests to the home company
    "auth.join_requests": Entry("GET", _requests, members_only(COMPANY_MANAGERS)),
    "auth.approve_join_request": Entry(
        "POST", lambda w: f"{_requests(w)}/{w.join_request.id}/approve",
        members_only(COMPANY_MANAGERS, _requests), uses_up=("join_request",)),
    "auth.reject_join_request": Entry(
        "POST", lambda w: f"{_requests(w)}/{w.join_request.id}/reject",
        members_only(COMPANY_MANAGERS, _requests), uses_up=("join_request",)),
    # administration of people in the home city
    "auth.admin_users": Entry("GET", lambda w: "/admin/users", members_only(USER_ADMINS)),
    "auth.admin_user": Entry("GET", _person, members_only(USER_ADMINS)),
    "auth.admin_deactivate_user": Entry("POST", lambda w: f"{_person(w)}/deactivate",
                                        members_only(USER_ADMINS, _person), uses_up=("city_person",)),
    "auth.admin_reactivate_user": Entry("POST", lambda w: f"{_person(w)}/reactivate",
                                        members_only(USER_ADMINS, _person), uses_up=("city_person",)),
    "auth.admin_add_membership": Entry("POST", lambda w: f"{_person(w)}/memberships",
                                       members_only(USER_ADMINS, 400)),
    "auth.admin_remove_membership": Entry(
        "POST", lambda w: f"{_person(w)}/memberships/{w.city_person.memberships[0].id}/remove",
        members_only(USER_ADMINS, _person), uses_up=("city_person",)),
    "auth.admin_organisations": Entry("GET", lambda w: "/admin/organisations", members_only(USER_ADMINS)),
    "auth.admin_new_organisation": Entry("GET", lambda w: "/admin/organisations/new", members_only(PLATFORM)),
    "auth.admin_edit_organisation": Entry("GET", lambda w: f"/admin/organisations/{w.company.id}/edit",
                                          members_only(PLATFORM)),
    # public catalogue and following (following twice, or unfollowing what one does not follow, changes nothing)
    "challenges.catalogue": Entry("GET", lambda w: "/challenges", everyone(200)),
    "challenges.feed": Entry("GET", lambda w: "/challenges/feed.atom", everyone(200)),
    "challenges.detail": Entry("GET", lambda w: f"/challenges/{w.challenge.id}", everyone(200)),
    "challenges.attachment_download": Entry(
        "GET", lambda w: f"/challenges/{w.challenge.id}/attachments/{w.attachment.id}", everyone(200)),
    "challenges.follow": Entry("POST", lambda w: f"/challenges/{w.challenge.id}/follow",
                               logged_in(lambda w: f"/challenges/{w.challenge.id}")),
    "challenges.unfollow": Entry("POST", lambda w: f"/challenges/{w.challenge.id}/unfollow",
                                 logged_in(lambda w: f"/challenges/{w.challenge.id}")),
    "challenges.following": Entry("GET", lambda w: "/following", logged_in()),
    "challenges.subscriptions": Entry("GET", lambda w: "/subscriptions", logged_in()),
    # the city's own management of its challenges
    "challenges.manage_list": Entry("GET", lambda w: "/manage/challenges", members_only(CITY_STAFF)),
    "challenges.manage_new": Entry("GET", lambda w: "/manage/challenges/new", members_only(OFFICERS)),
    "challenges.manage_detail": Entry("GET", lambda w: f"/manage/challenges/{w.challenge.id}",
                                      members_only(CITY_STAFF)),
    "challenges.manage_edit": Entry("GET", lambda w: f"/manage/challenges/{w.challenge.id}/edit/texts",
                                    members_only(OFFICERS)),
    "challenges.manage_transition": Entry("POST", lambda w: f"/manage/challenges/{w.challenge.id}/transition",
                                          members_only(CITY_STAFF, 400)),
    "challenges.manage_attachments": Entry("GET", lambda w: f"/manage/challenges/{w.challenge.id}/attachments",
                                           members_only(OFFICERS)),
    "challenges.manage_attachment_delete": Entry(
        "POST", lambda w: f"/manage/challenges/{w.challenge.id}/attachments/{w.attachment.id}/delete",
        members_only(OFFICERS, lambda w: f"/manage/challenges/{w.challenge.id}/attachments"),
        uses_up=("attachment",)),
    # market dialogue: public pages, company actions (the empty form names no company), the officer's pages
    "challenges.dialogue_public": Entry("GET", _dialogue, everyone(200)),
    "challenges.dialogue_event": Entry("GET", lambda w: f"{_dialogue(w)}/events/{w.event.id}", everyone(200)),
    "challenges.dialogue_event_calendar": Entry(
        "GET", lambda w: f"{_dialogue(w)}/events/{w.event.id}/calendar.ics", everyone(200)),
    "challenges.dialogue_register": Entry("POST", lambda w: f"{_dialogue(w)}/events/{w.event.id}/register",
                                          members_only(COMPANIES, 400)),
    "challenges.dialogue_cancel_registration": Entry(
        "POST", lambda w: f"{_dialogue(w)}/events/{w.event.id}/cancel", members_only(COMPANIES, 400)),
    "challenges.dialogue_book_slot": Entry("POST", lambda w: f"{_dialogue(w)}/meetings/{w.slot.id}/book",
                                           members_only(COMPANIES, 400)),
    "challenges.dialogue_cancel_booking": Entry("POST", lambda w: f"{_dialogue(w)}/meetings/{w.slot.id}/cancel",
                                                members_only(COMPANIES, 400)),
    "challenges.dialogue_ask": Entry("GET", lambda w: f"{_dialogue(w)}/questions", members_only(COMPANIES)),
    "challenges.dialogue_rfi": Entry("GET", lambda w: f"{_dialogue(w)}/rfi", members_only(COMPANIES)),
    "challenges.dialogue_manage": Entry("GET", _manage_dialogue, members_only(CITY_STAFF)),
    "challenges.dialogue_event_new": Entry("GET", lambda w: f"{_manage_dialogue(w)}/events/new",
                                           members_only(CITY_STAFF)),
    "challenges.dialogue_event_edit": Entry("GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/edit",
                                            members_only(CITY_STAFF)),
    "challenges.dialogue_event_registrations": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/registrations", members_only(CITY_STAFF)),
    "challenges.dialogue_event_record": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/record", members_only(CITY_STAFF)),
    "challenges.dialogue_event_cancel": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/cancel", members_only(CITY_STAFF)),
    "challenges.dialogue_event_registrations_csv": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/registrations.csv", members_only(CITY_STAFF)),
    "challenges.dialogue_event_message": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/message", members_only(CITY_STAFF)),
    "challenges.dialogue_slot_series": Entry("GET", lambda w: f"{_manage_dialogue(w)}/meetings/series",
                                             members_only(CITY_STAFF)),
    "challenges.dialogue_question_wording": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/questions/{w.question.id}/wording", members_only(CITY_STAFF)),
    "challenges.dialogue_slots": Entry("GET", lambda w: f"{_manage_dialogue(w)}/meetings",
                                       members_only(CITY_STAFF)),
    "challenges.dialogue_slot_delete": Entry(
        "POST", lambda w: f"{_manage_dialogue(w)}/meetings/{w.slot.id}/delete",
        members_only(OFFICERS, lambda w: f"{_manage_dialogue(w)}/meetings"), uses_up=("slot",)),
    "challenges.dialogue_slot_minutes": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/meetings/{w.slot.id}/minutes", members_only(CITY_STAFF)),
    "challenges.dialogue_questions": Entry("GET", lambda w: f"{_manage_dialogue(w)}/questions",
                                           members_only(CITY_STAFF)),
    "challenges.dialogue_publish_answers": Entry("POST", lambda w: f"{_manage_dialogue(w)}/questions/publish",
                                                 members_only(OFFICERS, 400)),
    "challenges.dialogue_answer": Entry("GET", lambda w: f"{_manage_dialogue(w)}/questions/{w.question.id}",
                                        members_only(CITY_STAFF)),
    "challenges.dialogue_rfi_manage": Entry("GET", lambda w: f"{_manage_dialogue(w)}/rfi",
                                            members_only(CITY_STAFF)),
    "challenges.dialogue_rfi_question_edit": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/rfi/{w.rfi_question.id}/edit", members_only(CITY_STAFF)),
    "challenges.dialogue_rfi_question_delete": Entry(
        "POST", lambda w: f"{_manage_dialogue(w)}/rfi/{w.rfi_question.id}/delete",
        members_only(OFFICERS, lambda w: f"{_manage_dialogue(w)}/rfi"), uses_up=("rfi_question",)),
    "challenges.dialogue_rfi_responses": Entry("GET", lambda w: f"{_manage_dialogue(w)}/rfi/responses",
                                               members_only(CITY_STAFF)),
    "challenges.dialogue_rfi_synthesis": Entry("GET", lambda w: f"{_manage_dialogue(w)}/rfi/synthesis",
                                               members_only(CITY_STAFF)),
    "challenges.dialogue_summary": Entry("GET", lambda w: f"{_manage_dialogue(w)}/summary",
                                         members_only(CITY_STAFF)),
    # proposals: the company's editor and pages; the owning city's staff read submitted ones; nobody else
    "pilots.proposal_edit": Entry("GET", lambda w: f"/challenges/{w.open_call.id}/proposal",
                                  members_only(COMPANIES)),
    "pilots.proposal": Entry("GET", lambda w: f"/proposals/{w.proposal.id}",
                             members_only(COMPANIES | PROPOSAL_READERS, others=404)),
    "pilots.proposal_version": Entry("GET", lambda w: f"/proposals/{w.proposal.id}/versions/1",
                                     members_only(COMPANIES | PROPOSAL_READERS, others=404)),
    "pilots.proposal_withdraw": Entry(
        "POST", lambda w: f"/proposals/{w.proposal.id}/withdraw",
        {**members_only(COMPANIES, 400, others=404), **{role: 403 for role in PROPOSAL_READERS}}),
    "pilots.challenge_proposals": Entry("GET", lambda w: f"/manage/challenges/{w.open_call.id}/proposals",
                                        members_only(PROPOSAL_READERS)),
}

# Requests that reach into another organisation: (label, method, URL, roles, the exact refusal).
# 404 where even the existence of the object is not confirmed.
CROSS_ORGANISATION: list[tuple[str, str, Callable[[World], str], set[str], int]] = [
    ("city admin opens a person of another city", "GET",
     lambda w: f"/admin/users/{w.other_city_person.id}", {"city_admin"}, 404),
    ("city admin deactivates a person of another city", "POST",
     lambda w: f"/admin/users/{w.other_city_person.id}/deactivate", {"city_admin"}, 404),
    ("company owner opens another company's requests", "GET",
     lambda w: f"/organisations/{w.other_company.id}/requests", {"company_owner"}, 403),
    ("city admin invites to another city", "GET",
     lambda w: f"/organisations/{w.other_city.id}/invitations", {"city_admin"}, 403),
    ("company owner invites to another company", "GET",
     lambda w: f"/organisations/{w.other_company.id}/invitations", {"company_owner"}, 403),
    ("an unpublished challenge is hidden from everyone outside its city", "GET",
     lambda w: f"/challenges/{w.draft.id}", {"company_owner", "evaluator", "user"}, 404),
    ("another city's officer opens a draft's management page", "GET",
     lambda w: f"/manage/challenges/{w.draft.id}", {"officer_elsewhere"}, 404),
    ("another city's officer edits a draft", "GET",
     lambda w: f"/manage/challenges/{w.draft.id}/edit/texts", {"officer_elsewhere"}, 404),
    ("another city's officer opens a draft's dialogue", "GET",
     lambda w: f"/manage/challenges/{w.draft.id}/dialogue", {"officer_elsewhere"}, 404),
    ("a company downloads an unpublished challenge's attachment", "GET",
     lambda w: f"/challenges/{w.draft.id}/attachments/{w.attachment.id}", {"company_owner"}, 404),
    ("a company reads the RFI responses", "GET",
     lambda w: f"/manage/challenges/{w.challenge.id}/dialogue/rfi/responses", {"company_owner"}, 403),
    ("another city's officer reads a company's proposal", "GET",
     lambda w: f"/proposals/{w.proposal.id}", {"officer_elsewhere"}, 404),
    ("another city's officer lists a challenge's proposals", "GET",
     lambda w: f"/manage/challenges/{w.open_call.id}/proposals", {"officer_elsewhere"}, 403),
]


# --- the app's form classes ----------------------------------------------------------------------

APP_PACKAGES = ("auth", "challenges", "core", "pilots")


def app_form_classes() -> list[type]:
    """Every WTForms form class the app's packages define at module level (each module imported first)."""
    root = Path(__file__).resolve().parents[1]
    for package in APP_PACKAGES:
        for module in pkgutil.walk_packages([str(root / package)], prefix=f"{package}."):
            importlib.import_module(module.name)
    found, todo = set(), list(wtforms.Form.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APP_PACKAGES and "<locals>" not in cls.__qualname__:
            found.add(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")
