"""Browser testing: a live server, headless Debian Chromium through Playwright, axe on every page.

`page` is a Playwright page wrapped so that every page the test visits is
checked with axe-core before the test acts on it, and the last one at the end;
any violation fails the test. Chromium is the system one
(`shutil.which("chromium")`), never a downloaded build.
"""
from __future__ import annotations

import http.client
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
from werkzeug.serving import make_server

from app import create_app
from core.extensions import db as _db
from core.extensions import mail
from tests.factories import app_config, empty_tables

CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class LiveServer:
    """The app served on a free loopback port in a background thread."""

    def __init__(self, app) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@dataclass(frozen=True)
class Call:
    """One HTTP request of a crowd: method, path, form fields, and the session cookie of who sends it."""

    method: str
    path: str
    form: dict[str, Any] | None = None
    cookie: str | None = None


@dataclass(frozen=True)
class Answer:
    """What the server answered to one call (status 0: no answer, `body` says why)."""

    status: int
    body: str
    location: str | None = None


def session_cookie(app, user) -> str:
    """A Cookie header value that logs user in, signed as the login form's session would be."""
    serializer = app.session_interface.get_signing_serializer(app)
    value = serializer.dumps({"_user_id": user.get_id(), "_fresh": True})
    return f"{app.config['SESSION_COOKIE_NAME']}={value}"


def _send(url: str, call: Call, barrier: threading.Barrier, timeout: float) -> Answer:
    """Connect, wait for the others at the barrier, then send call and read the answer."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        conn.connect()
        headers = {"Accept-Language": "en"}
        if call.cookie:
            headers["Cookie"] = call.cookie
        body = None
        if call.form is not None:
            body = urlencode(call.form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        barrier.wait(timeout)
        conn.request(call.method, call.path, body=body, headers=headers)
        response = conn.getresponse()
        return Answer(response.status, response.read().decode("utf-8", "replace"),
                      response.getheader("Location"))
    except Exception as exc:  # a refused or timed-out request is an answer the test must see
        barrier.abort()  # nobody waits for a call that will never be sent
        return Answer(0, f"{type(exc).__name__}: {exc}")
    finally:
        conn.close()


def at_once(server: LiveServer, calls: list[Call], timeout: float = 120) -> list[Answer]:
    """Send every call from its own thread, released together, as simultaneous users would; answers in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[Answer | None] = [None] * len(calls)

    def run(index: int) -> None:
        answers[index] = _send(server.url, calls[index], barrier, timeout)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 10)
    return [a if a is not None else Answer(0, "no answer in time") for a in answers]


@pytest.fixture
def live_server(database_url: str, tmp_path) -> Iterator[LiveServer]:
    """A running Kokeilu on the test database; tables emptied afterwards."""
    app = create_app(app_config(database_url, UPLOAD_DIR=str(tmp_path / "uploads"),
                                 BASE_URL="http://127.0.0.1"))
    with LiveServer(app) as server:
        app.config["BASE_URL"] = server.url
        yield server
    with app.app_context():
        _db.session.remove()
        empty_tables()
        _db.engine.dispose()


@pytest.fixture
def live_mail(live_server: LiveServer) -> Iterator[list]:
    """Emails the live server sends (recorded through Flask-Mail's signal)."""
    with live_server.app.app_context(), mail.record_messages() as messages:
        yield messages


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for the session."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: run the suite with `make test`, which installs it.",
                    pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class AxeCheckedPage:
    """A Playwright page that runs axe-core on each newly loaded page before the test uses it."""

    def __init__(self, page: Any) -> None:
        from axe_playwright_python.sync_playwright import Axe

        self._page = page
        self._axe = Axe()
        self._loads = 0
        self._checked = 0
        self.reports: list[str] = []
        page.on("load", self._on_load)

    def _on_load(self, _page: Any) -> None:
        """Count a load; the check runs when the test next touches the page."""
        self._loads += 1

    def check_accessibility(self) -> None:
        """Run axe on the current page if it has not been checked since it loaded."""
        if self._checked == self._loads:
            return
        self._page.wait_for_load_state("load")
        self._checked = self._loads
        results = self._axe.run(self._page)
        if results.violations_count:
            report = f"{self._page.url}\n{results.generate_report()}"
            self.reports.append(report)
            raise AssertionError(f"axe found accessibility violations on {report}")

    def __getattr__(self, name: str) -> Any:
        """Delegate to the Playwright page, checking the loaded page first."""
        self.check_accessibility()
        return getattr(self._page, name)


PHONE = {"width": 375, "height": 740}  # a phone's screen, for the narrow-layout tests


@contextmanager
def checked_page(browser, live_server: LiveServer, locale: str, *, viewport: dict[str, int] | None = None,
                 cookie: str | None = None) -> Iterator[AxeCheckedPage]:
    """A new browser page on the live server in a browser speaking locale (at viewport, logged in by a
    "name=value" session cookie when given); every page visited must pass axe."""
    context = browser.new_context(base_url=live_server.url, locale=locale,
                                  **({"viewport": viewport} if viewport else {}))
    context.set_default_timeout(10_000)
    if cookie:
        name, value = cookie.split("=", 1)
        context.add_cookies([{"name": name, "value": value, "url": live_server.url}])
    checked = AxeCheckedPage(context.new_page())
    try:
        yield checked
        checked.check_accessibility()
    finally:
        context.close()


@pytest.fixture
def page(browser, live_server: LiveServer) -> Iterator[AxeCheckedPage]:
    """A new browser page on the live server, in Finnish; every page visited must pass axe."""
    with checked_page(browser, live_server, "fi-FI") as checked:
        yield checked
