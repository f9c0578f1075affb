"""Fixtures: the app on SQLite or PostgreSQL, a client, users in every role, the shared worlds, Redis, mail.

Choose the database with `--db=sqlite` (default) or `--db=postgresql`; the
PostgreSQL server comes from TEST_DATABASE_URL, which `make test` sets after
starting a throwaway server. The schema is created once per test session and
every table is emptied after each test (after each module where a module keeps
one app context, as the authorization matrix does).

Tests that need Redis take `redis_url`: without TEST_REDIS_URL they are skipped
with the reason, so `pytest` runs on a subset anywhere. scripts/test.sh sets
KOKEILU_REQUIRE_SERVICES=1, under which a missing service and any skip fail.

The helpers behind these fixtures live in tests/factories.py; this file is
never imported.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import force_locale

from app import create_app
from auth.models import Organisation, User
from core.extensions import db as _db
from core.extensions import mail
from core.jobs import get_queue
from tests import factories
from tests.factories import IsolatedClient, app_config

pytest_plugins = ["tests.live", "pytester"]  # pytester: tests/test_suite_rules.py runs pytest on a sample


def pytest_addoption(parser: pytest.Parser) -> None:
    """--db chooses the database the suite runs against."""
    parser.addoption("--db", choices=("sqlite", "postgresql"), default="sqlite",
                     help="database to run the tests against")


def _worker() -> str:
    """The xdist worker id ("gw0", ...) or "main"."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


# --- services: required under scripts/test.sh, otherwise a clear skip ---------------------------

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


@pytest.fixture
def redis_queue(app: Flask, redis_url: str) -> Iterator[Any]:
    """The app with a real RQ queue of its own on the test Redis; jobs wait there until a test runs them."""
    app.config.update(REDIS_URL=redis_url, RQ_QUEUE=f"kokeilu-test-queue-{_worker()}")
    app.extensions.pop("kokeilu_redis", None)
    queue = get_queue(app)
    queue.empty()
    yield queue
    queue.empty()


def postgres_server_url() -> str:
    """The URL of the test PostgreSQL server (set by `make test`); --db=postgresql fails without it."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        pytest.fail("TEST_DATABASE_URL is not set: run the suite with `make test`, "
                    "which starts a throwaway PostgreSQL server.", pytrace=False)
    return url


# --- the database and the app ----------------------------------------------------------------------

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
    app = create_app(app_config(database_url, UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads"))))
    app.test_client_class = IsolatedClient
    return app


@pytest.fixture
def app(_session_app: Flask) -> Iterator[Flask]:
    """The app inside an app context; settings, extension state and tables are restored afterwards.

    A module whose tests only read (or renew what they use up) may override this fixture with a
    module-scoped one over `factories.app_context`, as tests/test_authorization_matrix.py does.
    """
    with factories.app_context(_session_app) as app:
        yield app


@pytest.fixture
def other_process(app: Flask, database_url: str) -> Iterator[Flask]:
    """A second app on the test database, as another web process: its own engine, sessions and page cache."""
    other = create_app(app_config(database_url, UPLOAD_DIR=app.config["UPLOAD_DIR"]))
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app: Flask):
    """The Flask-SQLAlchemy handle, bound to the test app."""
    return _db


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client for the app (each request in its own app context, as in production)."""
    return app.test_client()


@pytest.fixture
def english(client: FlaskClient) -> None:
    """The client reads pages in English, so that assertions read the source strings.

    A module opts in with `pytestmark = pytest.mark.usefixtures("english")`.
    """
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def in_english(app: Flask, english: None) -> Iterator[None]:
    """Pages and service messages outside a request in English, so that assertions read the source strings."""
    with force_locale("en"):
        yield


@pytest.fixture
def outbox(app: Flask) -> Iterator[list]:
    """Every email Flask-Mail sends during the test (delivered in-process after commit)."""
    with mail.record_messages() as messages:
        yield messages


# --- people and worlds (tests/factories.py makes them) --------------------------------------------

@pytest.fixture
def make_org(db) -> Callable[..., Organisation]:
    """Create an organisation; kind "city" by default."""
    return factories.make_org


@pytest.fixture
def make_user(db) -> Callable[..., User]:
    """Create a verified user, optionally with roles in an organisation."""
    return factories.make_user


@pytest.fixture
def user_with_role(db) -> Callable[..., User]:
    """Create a user holding one of ROLES (in the given organisation, or a new one)."""
    return factories.user_with_role


@pytest.fixture
def login(client: FlaskClient) -> Callable[[User], User]:
    """Log a user in on the test client (as the login form would)."""

    def do(user: User) -> User:
        return factories.log_in(client, user)

    return do


@pytest.fixture
def login_as(user_with_role, login) -> Callable[..., User]:
    """Create a user in a role and log them in: `login_as("officer", org=helsinki)`."""

    def do(role: str, org: Organisation | None = None, **fields: Any) -> User:
        return login(user_with_role(role, org, **fields))

    return do


@pytest.fixture
def cast(db) -> dict[str, Any]:
    """A city with people in every role of the challenge lifecycle, and outsiders."""
    return factories.make_cast()


@pytest.fixture
def dw(db) -> factories.DialogueWorld:
    """The dialogue world: Helsinki runs a challenge in market dialogue."""
    return factories.build_dialogue_world()
