"""The main public and staff pages at a phone's width (375 × 740), in Finnish and Swedish: each passes axe
and the page itself never scrolls sideways; a wide table scrolls inside its own box."""
from __future__ import annotations

from typing import Any

import pytest

from challenges.models import Criterion, EventRegistration, Question
from core.extensions import db
from tests.factories import add_event, add_slot, build_dialogue_world, make_user
from tests.live import PHONE, checked_page, session_cookie

BROWSER_LOCALES = {"fi": "fi-FI", "sv": "sv-SE"}


def phone_page(browser, live_server, language: str, cookie: str | None = None):
    """A phone-sized page in language, logged in by cookie when given; every page visited must pass axe."""
    return checked_page(browser, live_server, BROWSER_LOCALES[language], viewport=PHONE, cookie=cookie)


def _world(live_server, language: str) -> dict[str, Any]:
    """Helsinki's challenge in market dialogue with criteria, an event, registrations, a meeting time and a question."""
    app = live_server.app
    with app.app_context():
        dw = build_dialogue_world()
        for user in (dw.officer, dw.member):
            user.locale = language
        dw.challenge.criteria.extend([
            Criterion(position=0, name="Sopivuus haasteeseen", name_sv="Lämplighet för utmaningen", weight=60,
                      scale=["Ei lainkaan", "Heikko", "Tyydyttävä", "Hyvä", "Erittäin hyvä", "Erinomainen"]),
            Criterion(position=1, name="Kokeilusuunnitelman toteutettavuus", weight=40, min_score=2, scale=[])])
        event = add_event(dw.challenge, capacity=1, title="Infotilaisuus koulujen välipaloista")
        add_slot(dw.challenge, place="Kaupungintalo, Pohjoisesplanadi 11")
        db.session.add_all([
            EventRegistration(event_id=event.id, user_id=dw.member.id, organisation_id=dw.company.id,
                              status="registered"),
            EventRegistration(event_id=event.id, user_id=make_user(dw.company).id, organisation_id=dw.company.id,
                              status="waiting"),
            Question(challenge_id=dw.challenge.id, asked_by_id=dw.member.id, organisation_id=dw.company.id,
                     text="Voiko kokeilun toteuttaa myös iltapäiväkerhossa, jos koulun tilat ovat varattuja?")])
        db.session.commit()
        admin = make_user(platform_admin=True, locale=language)
        ids = {"challenge": dw.challenge.id, "event": event.id, "city": dw.city.id, "member": dw.member.id}
        cookies = {"officer": session_cookie(app, dw.officer), "member": session_cookie(app, dw.member),
                   "admin": session_cookie(app, admin)}
        db.session.remove()
    return {**ids, "cookies": cookies}


def _public_pages(w: dict[str, Any]) -> list[str]:
    c = w["challenge"]
    return ["/", "/challenges", f"/challenges/{c}", f"/challenges/{c}/dialogue",
            f"/challenges/{c}/dialogue/events/{w['event']}", "/login", "/register", "/accessibility"]


def _staff_pages(w: dict[str, Any]) -> list[str]:
    m = f"/manage/challenges/{w['challenge']}"
    return ["/manage/challenges", m, f"{m}/edit/criteria", f"{m}/edit/texts", f"{m}/attachments", f"{m}/dialogue",
            f"{m}/dialogue/questions", f"{m}/dialogue/events/{w['event']}/registrations", f"{m}/dialogue/meetings"]


def _admin_pages(w: dict[str, Any]) -> list[str]:
    return ["/admin/users", f"/admin/users/{w['member']}", "/admin/organisations",
            f"/organisations/{w['city']}/invitations"]


def _company_pages(w: dict[str, Any]) -> list[str]:
    return ["/following", f"/challenges/{w['challenge']}/dialogue/questions"]


def _no_sideways_scroll(page, path: str) -> None:
    """Go to path and check the page is no wider than the phone (a wide table may scroll in its box)."""
    response = page.goto(path)
    assert response.status == 200, path
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{path} is {width}px wide on a {PHONE['width']}px screen"


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_public_pages_fit_a_phone(browser, live_server, language):
    w = _world(live_server, language)
    with phone_page(browser, live_server, language) as page:
        for path in _public_pages(w):
            _no_sideways_scroll(page, path)
            assert page.locator("html").get_attribute("lang") == language


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_staff_pages_fit_a_phone(browser, live_server, language):
    w = _world(live_server, language)
    with phone_page(browser, live_server, language, w["cookies"]["officer"]) as page:
        for path in _staff_pages(w):
            _no_sideways_scroll(page, path)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_admin_pages_fit_a_phone(browser, live_server, language):
    w = _world(live_server, language)
    with phone_page(browser, live_server, language, w["cookies"]["admin"]) as page:
        for path in _admin_pages(w):
            _no_sideways_scroll(page, path)


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_company_pages_fit_a_phone(browser, live_server, language):
    w = _world(live_server, language)
    with phone_page(browser, live_server, language, w["cookies"]["member"]) as page:
        for path in _company_pages(w):
            _no_sideways_scroll(page, path)


def test_a_wide_table_scrolls_in_its_focusable_box(browser, live_server):
    w = _world(live_server, "fi")
    with phone_page(browser, live_server, "fi", w["cookies"]["officer"]) as page:
        page.goto("/manage/challenges")
        box = page.locator("main .table-responsive").first
        assert box.get_attribute("tabindex") == "0" and box.get_attribute("role") == "region"
        assert box.get_attribute("aria-label")
        assert box.evaluate("el => getComputedStyle(el).overflowX") == "auto"
        pill = page.locator("main .pill").first
        assert pill.inner_text().strip()  # a state is written out, not only coloured
