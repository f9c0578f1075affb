"""Shared fixtures: the app on SQLite or PostgreSQL, a client, users in every role, factories, mail.

Choose the database with `--db=sqlite` (default) or `--db=postgresql`; the
PostgreSQL server comes from TEST_DATABASE_URL, which `make test` sets after
starting a throwaway server. The schema is created once per test session and
every table is emptied after each test.

Tests that need Redis take `redis_url`: without TEST_REDIS_URL they are skipped
with the reason, so `pytest` runs on a subset anywhere. scripts/test.sh sets
KOKEILU_REQUIRE_SERVICES=1, under which a missing service and any skip fail.
"""
from __future__ import annotations

import contextvars
import itertools
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from jinja2 import FileSystemBytecodeCache

from app import create_app
from auth.models import Organisation, OrgKind, Role, User
from auth.services.accounts import add_membership, create_user
from auth.validators import business_id_check_digit
from core.extensions import db as _db
from core.extensions import mail

pytest_plugins = ["tests.live", "pytester"]  # pytester: tests/test_suite_rules.py runs pytest on a sample

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def pytest_addoption(parser: pytest.Parser) -> None:
    """--db chooses the database the suite runs against."""
    parser.addoption("--db", choices=("sqlite", "postgresql"), default="sqlite",
                     help="database to run the tests against")


def _worker() -> str:
    """The xdist worker id ("gw0", ...) or "main"."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def services_required() -> bool:
    """Whether a missing service is a failure (scripts/test.sh) rather than a reason to skip."""
    return os.environ.get("KOKEILU_REQUIRE_SERVICES") == "1"


def service_url(variable: str, service: str) -> str:
    """The URL of a test service from the environment; skip the test without it, or fail when required."""
    url = os.environ.get(variable)
    if url:
        return url
    reason = (f"{variable} is not set: this test needs {service}. "
              f"scripts/test.sh (and `make test`) starts a throwaway one and sets it.")
    if services_required():
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Iterator[None]:
    """Under KOKEILU_REQUIRE_SERVICES=1 nothing is skipped in silence: a skip is a failure."""
    result = yield
    report = result.get_result()
    if services_required() and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"skipped, which KOKEILU_REQUIRE_SERVICES=1 forbids: {reason}"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The throwaway Redis that scripts/test.sh starts (TEST_REDIS_URL)."""
    return service_url("TEST_REDIS_URL", "Redis")


def postgres_server_url() -> str:
    """The URL of the test PostgreSQL server (set by `make test`); --db=postgresql fails without it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: run the suite with `make test`, "
                    "which starts a throwaway PostgreSQL server.", pytrace=False)
    return url


def create_postgres_database(name: str) -> str:
    """(Re)create an empty database on the test server; returns its URL."""
    server = sa.make_url(postgres_server_url())
    engine = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked postgresql_only are not collected on SQLite, which serialises its writers."""
    if config.getoption("--db") == "postgresql":
        return
    kept = [item for item in items if item.get_closest_marker("postgresql_only") is None]
    config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept


@pytest.fixture(scope="session")
def db_kind(request: pytest.FixtureRequest) -> str:
    """"sqlite" or "postgresql"."""
    return request.config.getoption("--db")


@pytest.fixture(scope="session")
def fresh_database_url(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], str]:
    """Make an empty database of the chosen kind under a name; returns its URL."""

    def make(name: str) -> str:
        if db_kind == "postgresql":
            return create_postgres_database(f"kokeilu_{name}_{_worker()}")
        return f"sqlite:///{tmp_path_factory.mktemp(name) / 'test.db'}"

    return make


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
        "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "JINJA_BYTECODE_CACHE": _TEMPLATE_CACHE,  # Argon2 at full strength would dominate test time
    }
    config.update(overrides)
    return config


@pytest.fixture(scope="session")
def database_url(fresh_database_url: Callable[[str], str]) -> str:
    """The session's database, with the schema created once."""
    url = fresh_database_url("tests")
    app = create_app(app_config(url))
    with app.app_context():
        _db.create_all()
        _db.engine.dispose()
    return url


@pytest.fixture(scope="session")
def _session_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app per test session: building the URL map and templates per test would dominate the run."""
    return create_app(app_config(database_url, UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads"))))


@pytest.fixture
def app(_session_app: Flask) -> Iterator[Flask]:
    """The app inside an app context; settings, extension state and tables are restored afterwards."""
    from core.extensions import limiter

    config, extensions = dict(_session_app.config), dict(_session_app.extensions)
    limiter.reset()
    with _session_app.app_context():
        yield _session_app
        _db.session.remove()
        _empty_tables()
    _session_app.config.clear()
    _session_app.config.update(config)
    _session_app.extensions.clear()
    _session_app.extensions.update(extensions)


def _empty_tables() -> None:
    """Delete every row, children first (TRUNCATE on PostgreSQL)."""
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def db(app: Flask):
    """The Flask-SQLAlchemy handle, bound to the test app."""
    return _db


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
            _end_transaction(_db.session())
        return contextvars.Context().run(super().open, *args, **kwargs)


def _end_transaction(session: sa.orm.Session) -> None:
    """Commit the test's transaction, keeping what it loaded as it was (nothing is expired)."""
    expire, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app."""
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def outbox(app: Flask) -> Iterator[list]:
    """Every email Flask-Mail sends during the test (delivered in-process after commit)."""
    with mail.record_messages() as messages:
        yield messages


# --- factories -------------------------------------------------------------------------

def _business_id(seed: int) -> str:
    """A valid Finnish business ID (Y-tunnus) derived from seed."""
    for n in itertools.count(seed * 13 % 9_000_000 + 1_000_000):
        check = business_id_check_digit(f"{n:07d}")
        if check is not None:
            return f"{n:07d}-{check}"
    raise AssertionError("unreachable")


@pytest.fixture
def make_org(db) -> Callable[..., Organisation]:
    """Create an organisation; kind "city" by default."""

    def make(kind: str = OrgKind.CITY.value, **fields: Any) -> Organisation:
        n = next(_counter)
        defaults: dict[str, Any] = {"kind": kind, "slug": f"{kind}-{n}", "name": f"{kind.title()} {n}"}
        if kind == OrgKind.COMPANY.value:
            defaults["business_id"] = _business_id(n)
        defaults.update(fields)
        org = Organisation(**defaults)
        db.session.add(org)
        db.session.commit()
        return org

    return make


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """Create a verified user, optionally with roles in an organisation."""

    def make(org: Organisation | None = None, roles: tuple[str, ...] = (), *, email: str | None = None,
             name: str | None = None, password: str = PASSWORD, verified: bool = True,
             platform_admin: bool = False, locale: str = "en") -> User:
        n = next(_counter)
        user = create_user(email or f"user{n}@example.org", name or f"User {n}", password,
                           locale=locale, verified=verified, terms_version="test")
        user.is_platform_admin = platform_admin
        for role in roles:
            add_membership(user, org, role, actor=None)
        db.session.commit()
        return user

    return make


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


@pytest.fixture
def user_with_role(make_org, make_user) -> Callable[..., User]:
    """Create a user holding one of ROLES (in the given organisation, or a new one)."""

    def make(role: str, org: Organisation | None = None, **fields: Any) -> User:
        kind, roles, is_admin = ROLE_SETUP[role]
        if kind and org is None:
            org = make_org(kind)
        return make_user(org, roles, platform_admin=is_admin, **fields)

    return make


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], User]:
    """Log a user in on the test client (as the login form would)."""

    def do(user: User) -> User:
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return do


@pytest.fixture
def login_as(user_with_role, login) -> Callable[..., User]:
    """Create a user in a role and log them in: `login_as("officer", org=helsinki)`."""

    def do(role: str, org: Organisation | None = None, **fields: Any) -> User:
        return login(user_with_role(role, org, **fields))

    return do

