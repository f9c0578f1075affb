"""Browser testing: a live server, headless Debian Chromium through Playwright, axe on every page.

`page` is a Playwright page wrapped so that every page the test visits is
checked with axe-core before the test acts on it, and the last one at the end;
any violation fails the test. Chromium is the system one
(`shutil.which("chromium")`), never a downloaded build.
"""
from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server

from app import create_app
from core.extensions import db as _db
from core.extensions import mail

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


@pytest.fixture
def live_server(database_url: str, tmp_path) -> Iterator[LiveServer]:
    """A running Kokeilu on the test database; tables emptied afterwards."""
    from tests.conftest import _empty_tables, app_config

    app = create_app(app_config(database_url, UPLOAD_DIR=str(tmp_path / "uploads"),
                                 BASE_URL="http://127.0.0.1"))
    with LiveServer(app) as server:
        app.config["BASE_URL"] = server.url
        yield server
    with app.app_context():
        _db.session.remove()
        _empty_tables()
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


@pytest.fixture
def page(browser, live_server: LiveServer) -> Iterator[AxeCheckedPage]:
    """A new browser page on the live server; every page visited must pass axe."""
    context = browser.new_context(base_url=live_server.url, locale="fi-FI")
    context.set_default_timeout(10_000)
    checked = AxeCheckedPage(context.new_page())
    yield checked
    try:
        checked.check_accessibility()
    finally:
        context.close()
