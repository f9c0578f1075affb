"""A challenge from draft to open call in the browser, in Finnish and in Swedish.

An officer of Helsinki writes a challenge with a market dialogue and sends it for
approval, a decision maker approves it, the officer starts the dialogue with an
info session, a company follows the challenge, registers and asks a question,
the officer publishes the answer (the follower gets an email), a visitor reads
it without learning who asked, and the officer publishes the dialogue summary
and opens the call. Every page is checked with axe in the user's language.
Elements are found by names, ids and addresses, so the test reads the same in
both languages.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from auth.demo import ensure_cities
from auth.models import Organisation, OrgKind
from auth.roles import Role
from auth.services.accounts import add_membership, create_user
from challenges.models import Challenge, ChallengeState
from challenges.services.themes import ensure_themes
from core.extensions import db
from tests.factories import PASSWORD
from tests.live import AxeCheckedPage, checked_page

HELSINKI = ZoneInfo("Europe/Helsinki")
BROWSER_LOCALES = {"fi": "fi-FI", "sv": "sv-SE"}

OFFICER = "olli.virkamies@hel.example"
DECISION_MAKER = "paivi.paattaja@hel.example"
OWNER = "kaisa@ruokaviisas.example"
OWNER_NAME = "Kaisa Yrittäjä"
COMPANY_NAME = "Ruokaviisas Oy"
QUESTION = "Voiko pilotin toteuttaa myös iltapäiväkerhossa?"
ANSWER = "Kyllä voi: iltapäiväkerhot kuuluvat pilottikohteisiin."


# --- helpers ---------------------------------------------------------------------------------

def local(moment: datetime, with_time: bool = True) -> str:
    """A Helsinki time as a datetime-local (or date) input wants it."""
    return moment.strftime("%Y-%m-%dT%H:%M" if with_time else "%Y-%m-%d")


def submit(page, selector: str) -> None:
    """Click a submit button and wait until the page it leads to has loaded."""
    with page.expect_navigation():
        page.locator(selector).click()


def login(page, email: str) -> None:
    """Log in through the login form."""
    page.goto("/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    submit(page, "main button[type=submit]")
    assert page.locator("header form[action$='/logout']").count() == 1


def logout(page) -> None:
    """Log out with the button in the header."""
    submit(page, "header form[action$='/logout'] button[type=submit]")
    assert page.locator("header a[href='/login']").count() == 1


def transition(page, challenge_id: int, action: str, reason: str | None = None) -> None:
    """Take a workflow action with its button on the challenge's staff overview (writing its reason)."""
    page.goto(f"/manage/challenges/{challenge_id}")
    form = f"form:has(input[name=action][value={action}])"
    if reason is not None:
        page.locator(f"{form} textarea[name=comment]").fill(reason)
    submit(page, f"{form} button[type=submit]")
    assert page.locator("#error-summary, .alert-danger").count() == 0
    assert page.locator(".alert-success").count() == 1


def save_section(page, challenge_id: int, section: str, values: dict[str, str]) -> None:
    """Fill an edit section of the challenge (text, selects, radios by value) and save it."""
    page.goto(f"/manage/challenges/{challenge_id}/edit/{section}")
    for name, value in values.items():
        field = page.locator(f"[name='{name}']")
        kind = field.first.evaluate("el => el.tagName === 'SELECT' ? 'select' : el.type")
        if kind == "select":
            field.select_option(value)
        elif kind == "radio":
            page.locator(f"input[name='{name}'][value='{value}']").check()
        else:
            field.fill(value)
    submit(page, "main form button[type=submit]:not([name])")  # Save, not a row's Add or Remove
    page.wait_for_url(f"**/manage/challenges/{challenge_id}")
    assert page.locator(".alert-success").count() == 1


def state_of(live_server, challenge_id: int) -> str:
    """The challenge's state as stored."""
    with live_server.app.app_context():
        state = db.session.get(Challenge, challenge_id).state
        db.session.remove()
    return state


# --- fixtures --------------------------------------------------------------------------------

@pytest.fixture
def journey_page(browser, live_server, language: str) -> Iterator[AxeCheckedPage]:
    """A page whose browser speaks the journey's language; every page visited must pass axe."""
    with checked_page(browser, live_server, BROWSER_LOCALES[language]) as checked:
        yield checked


def make_people(live_server, language: str) -> None:
    """Helsinki with an officer and a decision maker, themes, and a company with its owner."""
    with live_server.app.app_context():
        helsinki = ensure_cities()["helsinki"]
        ensure_themes()
        company = Organisation(kind=OrgKind.COMPANY.value, slug="ruokaviisas", name=COMPANY_NAME,
                               business_id="2736490-4", is_sme=True)
        db.session.add(company)
        people = [(OFFICER, "Olli Virkamies", helsinki, Role.OFFICER),
                  (DECISION_MAKER, "Päivi Päättäjä", helsinki, Role.DECISION_MAKER),
                  (OWNER, OWNER_NAME, company, Role.OWNER)]
        for email, name, organisation, role in people:
            user = create_user(email, name, PASSWORD, verified=True, locale=language, terms_version="2026-01")
            add_membership(user, organisation, role.value, actor=None)
        db.session.commit()
        db.session.remove()


# --- the journey -----------------------------------------------------------------------------

@pytest.mark.parametrize("language", ["fi", "sv"])
def test_officer_runs_a_challenge_from_draft_to_open_call(journey_page, live_server, live_mail, language):
    page = journey_page
    make_people(live_server, language)
    now = datetime.now(HELSINKI).replace(second=0, microsecond=0)

    # The officer writes the challenge, fills what publication needs and sends it for approval.
    login(page, OFFICER)
    assert page.locator("html").get_attribute("lang") == language
    page.goto("/manage/challenges/new")
    page.locator("input[name=variant][value='challenge.with_dialogue.v1']").check()
    page.locator("input[name=pilot_kind][value=paid]").check()
    page.locator("input[name=title_fi]").fill("Välipalat kouluihin")
    page.locator("textarea[name=summary_fi]").fill("Terveellisiä välipaloja koululaisille ilman hävikkiä.")
    submit(page, "main form button[type=submit]")
    challenge_id = int(re.search(r"/manage/challenges/(\d+)$", page.url).group(1))

    save_section(page, challenge_id, "texts", {  # Helsinki is bilingual: Swedish is needed too
        "problem": "Koululaiset jättävät välipalan väliin, ja tarjottu ruoka päätyy hävikkiin.",
        "end_users": "Alakoulujen oppilaat.", "title_sv": "Mellanmål i skolorna",
        "summary_sv": "Hälsosamma mellanmål för skolelever utan matsvinn.",
        "problem_sv": "Eleverna hoppar över mellanmålet, och maten blir svinn.", "end_users_sv": "Lågstadieelever."})
    save_section(page, challenge_id, "sites", {
        "sites-0-name": "Kallion ala-aste", "sites-0-kind": "school", "sites-0-address": "Porvoonkatu 2"})
    save_section(page, challenge_id, "budget", {
        "pilot_kind": "paid", "max_per_pilot": "20000", "total_budget": "40000", "pilot_count": "2",
        "compensation": "fixed"})
    save_section(page, challenge_id, "schedule", {
        "dialogue_starts_at": local(now - timedelta(hours=1)),
        "dialogue_ends_at": local(now + timedelta(days=9)),
        "questions_close_at": local(now + timedelta(days=10)),
        "proposals_close_at": local(now + timedelta(days=30)),
        "selection_on": local(now + timedelta(days=40), with_time=False),
        "pilot_starts_on": local(now + timedelta(days=50), with_time=False),
        "pilot_ends_on": local(now + timedelta(days=150), with_time=False)})
    save_section(page, challenge_id, "criteria", {})  # the template's criteria sum to 100
    transition(page, challenge_id, "submit_for_approval")
    logout(page)

    # The decision maker approves it for publication.
    login(page, DECISION_MAKER)
    transition(page, challenge_id, "approve")
    logout(page)

    # The officer starts the market dialogue and announces an info session.
    login(page, OFFICER)
    transition(page, challenge_id, "start_dialogue")
    page.goto(f"/manage/challenges/{challenge_id}/dialogue")
    page.locator(f"a[href='/manage/challenges/{challenge_id}/dialogue/events/new']").click()
    page.wait_for_url("**/dialogue/events/new")
    starts = (now + timedelta(days=2)).replace(hour=10, minute=0)
    page.locator("select[name=kind]").select_option("info_session")
    page.locator("input[name=title]").fill("Infotilaisuus")
    page.locator("input[name=starts_at]").fill(local(starts))
    page.locator("input[name=ends_at]").fill(local(starts + timedelta(hours=2)))
    page.locator("input[name=location]").fill("Kaupungintalo, Pohjoisesplanadi 11")
    page.locator("input[name=capacity]").fill("30")
    submit(page, "main form button[type=submit]")
    event_id = int(re.search(rf"/challenges/{challenge_id}/dialogue/events/(\d+)$", page.url).group(1))
    logout(page)

    # The company owner follows the challenge, registers for the info session and asks a question.
    login(page, OWNER)
    page.goto(f"/challenges/{challenge_id}")
    submit(page, f"form[action='/challenges/{challenge_id}/follow'] button[type=submit]")
    assert page.locator(f"form[action='/challenges/{challenge_id}/unfollow']").count() == 1
    events = f"/challenges/{challenge_id}/dialogue/events/{event_id}"
    submit(page, f"form[action='{events}/register'] button[type=submit]")
    assert page.locator(f"form[action='{events}/cancel']").count() == 1
    page.locator(f"a[href='/challenges/{challenge_id}/dialogue/questions']").click()
    page.wait_for_url(f"**/challenges/{challenge_id}/dialogue/questions")
    page.locator("textarea[name=text]").fill(QUESTION)
    submit(page, "main form button[type=submit]")
    assert page.locator(".alert-success").count() == 1
    logout(page)

    # The officer answers and publishes the answer; the follower is told by email.
    login(page, OFFICER)
    page.goto(f"/manage/challenges/{challenge_id}/dialogue/questions")
    page.locator(f"a[href^='/manage/challenges/{challenge_id}/dialogue/questions/']").click()
    page.wait_for_url(re.compile(rf"/manage/challenges/{challenge_id}/dialogue/questions/\d+$"))
    page.locator("textarea[name=answer]").fill(ANSWER)
    submit(page, "main form:not([action]) button[type=submit]")
    submit(page, "form[action$='/questions/publish'] button[type=submit]")
    page.wait_for_url(f"**/manage/challenges/{challenge_id}/dialogue/questions")
    assert page.locator(".alert-success").count() == 1
    [email] = [m for m in live_mail if m.recipients == [OWNER] and ANSWER in m.body]
    assert QUESTION in email.body and f"/challenges/{challenge_id}/dialogue" in email.body
    logout(page)

    # A visitor reads the answer without learning who asked.
    for path in (f"/challenges/{challenge_id}/dialogue", f"/challenges/{challenge_id}"):
        page.goto(path)
        assert ANSWER in page.locator(".dialogue-answer").inner_text()
        html = page.content()
        for secret in (COMPANY_NAME, "Ruokaviisas", OWNER_NAME, OWNER):
            assert secret not in html, f"{secret!r} shown on {path}"

    # The officer publishes the dialogue summary and opens the call.
    login(page, OFFICER)
    page.goto(f"/manage/challenges/{challenge_id}/dialogue/summary")
    page.locator("textarea[name=summary]").fill("Yritykset toivoivat pidempää pilottijaksoa.")
    page.locator("textarea[name=changes]").fill("Pilottijaksoa pidennettiin kahteen kuukauteen.")
    submit(page, "input[type=submit][name=publish]")
    assert page.locator("input[type=submit][name=save]").count() == 0  # offered only before publication
    assert state_of(live_server, challenge_id) == ChallengeState.MARKET_DIALOGUE.value
    # The dialogue was to run nine days more: ending it now needs a reason.
    transition(page, challenge_id, "open_call", reason="Yritykset vastasivat jo kaikkeen, mitä kysyimme.")
    assert state_of(live_server, challenge_id) == ChallengeState.OPEN.value
    assert page.locator("form:has(input[name=action][value=open_call])").count() == 0
    logout(page)
