"""Each role's start page in the browser, as a new user tries it: log in with a demo account, land on the
start page, find the demo's pending items under headings in the account's language (Finnish and Swedish),
and follow an item to where the work is done. Every page visited is checked with axe, also at phone width,
where the navigation is a menu that opens without JavaScript.
"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from app import create_app
from auth import demo as auth_demo
from auth.models import User
from challenges import demo as challenges_demo
from core.extensions import db
from core.settings import DEMO_MARKER, set_setting
from tests.factories import app_config, empty_tables
from tests.live import PHONE, LiveServer, checked_page

BROWSER_LOCALES = {"fi": "fi-FI", "sv": "sv-SE"}
# The start page's headings (panel key: Finnish, Swedish) and other words the tests look for.
HEADINGS = {
    "returned": ("Sinulle palautetut haasteet", "Utmaningar som skickats tillbaka till dig"),
    "questions": ("Vastausta odottavat kysymykset", "Frågor som väntar på svar"),
    "calls": ("Päättyvät haut", "Ansökningar som stängs"),
    "approvals": ("Hyväksyntääsi odottavat haasteet", "Utmaningar som väntar på ditt godkännande"),
    "invitations": ("Avoimet kutsut", "Öppna inbjudningar"),
    "join_requests": ("Pyynnöt liittyä organisaatioosi", "Begäranden om att ansluta till din organisation"),
    "registrations": ("Ilmoittautumisesi tilaisuuksiin", "Era anmälningar till evenemang"),
    "meetings": ("Kahdenväliset tapaamisesi", "Era enskilda möten"),
    "company_questions": ("Kysymyksesi", "Era frågor"),
    "evaluation": ("Sinulle osoitettu arviointi", "Bedömning som tilldelats dig"),
}
MY_TASKS = ("Omat tehtävät", "Mina uppgifter")
WAITING = ("Odottaa vastausta", "Väntar på svar")
EVALUATION_LATER = ("Kun haasteen arviointi alkaa", "När bedömningen av en utmaning börjar")
MENU = ("Valikko", "Meny")


@pytest.fixture(scope="module")
def demo_server(database_url: str, tmp_path_factory) -> Iterator[LiveServer]:
    """Kokeilu with the demo data loaded, served for the whole module (the tests only read and log in)."""
    app = create_app(app_config(database_url, UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads"))))
    with app.app_context():
        auth_demo.load()
        challenges_demo.load()
        set_setting(DEMO_MARKER, True)
        db.session.commit()
        db.session.remove()
    with LiveServer(app) as server:
        yield server
    with app.app_context():
        db.session.remove()
        empty_tables()
        db.engine.dispose()


@pytest.fixture
def start_page(browser, demo_server, language: str):
    """A browser speaking the language, on the demo server; every page visited must pass axe."""
    with checked_page(browser, demo_server, BROWSER_LOCALES[language]) as checked:
        yield checked


def speaks(server: LiveServer, email: str, language: str) -> None:
    """The demo account reads Kokeilu in this language (its saved choice)."""
    with server.app.app_context():
        db.session.scalar(select(User).where(User.email == email)).locale = language
        db.session.commit()
        db.session.remove()


def log_in(page, server: LiveServer, email: str, language: str) -> None:
    """Open the login page as a visitor, find the demo account listed there, log in, land on the start page."""
    speaks(server, email, language)
    page.goto("/login")
    assert email in page.locator("#demo-heading + p + ul").inner_text()
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(auth_demo.DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main button[type=submit]").click()
    assert page.url.endswith("/start")
    assert page.locator("html").get_attribute("lang") == language
    assert page.get_by_role("heading", level=1).inner_text() == MY_TASKS[_index(language)]


def _index(language: str) -> int:
    """0 for Finnish, 1 for Swedish: the column of the tables above."""
    return ("fi", "sv").index(language)


def panel(page, key: str, language: str):
    """A panel of the start page, found by its heading in the language."""
    heading = page.locator(f"#panel-{key}")
    assert heading.inner_text().startswith(HEADINGS[key][_index(language)])
    return page.locator(f"section[aria-labelledby='panel-{key}']")


def nav_count(page, href: str) -> int:
    """The number shown on a navigation item, 0 when it shows none."""
    badge = page.locator(f"header nav a[href='{href}'] .badge")
    return int(badge.inner_text()) if badge.count() else 0


LANGUAGES = pytest.mark.parametrize("language", ["fi", "sv"])


@LANGUAGES
def test_start_page_officer_finds_questions_returned_challenges_and_calls(start_page, demo_server, language):
    page = start_page
    log_in(page, demo_server, "officer.helsinki@example.com", language)
    returned = panel(page, "returned", language)
    assert "Leikkipuistojen" in returned.inner_text() or "lekparker" in returned.inner_text()
    assert "Pilottikohteita on vain yksi" in returned.inner_text()  # the decision maker's reason
    questions = panel(page, "questions", language)
    assert "Voiko pilottiin osallistua useampi koulu" in questions.inner_text()
    assert panel(page, "calls", language).locator("a").count() >= 1
    assert nav_count(page, "/start") >= 3
    # The question links to the page where it is answered.
    with page.expect_navigation():
        questions.locator("a").first.click()
    assert "/dialogue/questions/" in page.url
    assert "Voiko pilottiin osallistua useampi koulu" in page.locator("main").inner_text()


@LANGUAGES
def test_start_page_decision_maker_finds_the_challenge_awaiting_approval(start_page, demo_server, language):
    page = start_page
    log_in(page, demo_server, "decision.oulu@example.com", language)
    approvals = panel(page, "approvals", language)
    assert "Nuorten kesätyöpaikkojen välitys" in approvals.inner_text()
    with page.expect_navigation():
        approvals.locator("a").first.click()
    assert page.locator("form:has(input[name=action][value=approve])").count() == 1


@LANGUAGES
def test_start_page_city_admin_finds_the_open_invitation(start_page, demo_server, language):
    page = start_page
    log_in(page, demo_server, "officer.tampere@example.com", language)
    assert "Ulla Uusi" in panel(page, "invitations", language).inner_text()
    with page.expect_navigation():
        page.locator("header nav a", has_text="Organisa").click()  # "Organisaatio", "Organisation"
    assert page.url.endswith("/invitations")
    assert "uusi.virkailija@example.com" in page.locator("main").inner_text()


@LANGUAGES
def test_start_page_company_owner_finds_the_join_request_and_registrations(start_page, demo_server, language):
    page = start_page
    log_in(page, demo_server, "company@example.com", language)
    assert "Jaana Jäsen" in panel(page, "join_requests", language).inner_text()
    assert "Infotilaisuus: liikettä välitunneille" in panel(page, "registrations", language).inner_text()
    assert panel(page, "meetings", language).locator("a").count() == 1
    organisation = page.locator("header nav a", has_text="Organisa")
    assert organisation.locator(".badge").inner_text() == "1"
    with page.expect_navigation():
        organisation.click()
    assert page.url.endswith("/requests")
    assert "jaana.jasen@example.com" in page.locator("main").inner_text()


@LANGUAGES
def test_start_page_company_user_finds_its_question_waiting(start_page, demo_server, language):
    page = start_page
    log_in(page, demo_server, "company2@example.com", language)
    questions = panel(page, "company_questions", language).inner_text()
    assert "Voiko pilottiin osallistua useampi koulu" in questions and WAITING[_index(language)] in questions
    assert "Infotilaisuus: liikettä välitunneille" in panel(page, "registrations", language).inner_text()


@LANGUAGES
def test_start_page_evaluator_is_told_what_will_appear(start_page, demo_server, language):
    page = start_page
    log_in(page, demo_server, "evaluator@example.com", language)
    assert EVALUATION_LATER[_index(language)] in panel(page, "evaluation", language).inner_text()


@LANGUAGES
def test_start_page_at_phone_width_opens_the_menu_without_javascript(browser, demo_server, language):
    # Kokeilu's pages load no script: the menu is plain HTML
    with checked_page(browser, demo_server, BROWSER_LOCALES[language], viewport=PHONE) as page:
        speaks(demo_server, "company@example.com", language)
        page.goto("/login")
        page.locator("input[name=email]").fill("company@example.com")
        page.locator("input[name=password]").fill(auth_demo.DEMO_PASSWORD)
        with page.expect_navigation():
            page.locator("main button[type=submit]").click()
        menu = page.locator("header summary")
        assert menu.inner_text() == MENU[_index(language)]
        assert not page.locator("header nav a[href='/start']").is_visible()
        menu.focus()
        page.keyboard.press("Enter")  # a <details> opens from the keyboard
        assert page.locator("header nav a[href='/start']").is_visible()
        page.check_accessibility()
