"""Wording a native officer expects on the pages: event sign-up is not account sign-up, and no count says zero."""
from __future__ import annotations

import pytest

from core.extensions import db
from tests.factories import add_event, as_user, html

EMPTY_CATALOGUE = {"fi": "Haasteita ei löytynyt", "sv": "Inga utmaningar hittades", "en": "No challenges found"}
EVENT_BUTTON = {"fi": "Ilmoittaudu", "sv": "Anmäl dig", "en": "Register"}
ACCOUNT_BUTTON = {"fi": "Rekisteröidy", "sv": "Registrera dig", "en": "Register"}


def _reader(app, language: str):
    """A visitor's client reading the site in language."""
    client = as_user(app)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


@pytest.mark.parametrize("language", EMPTY_CATALOGUE)
def test_empty_catalogue_says_none_were_found_without_a_zero(app, db, language):
    page = html(_reader(app, language).get("/challenges?q=nothingmatchesthis"))
    assert EMPTY_CATALOGUE[language] in page
    assert "0 " not in page.split('id="result-count"', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_one_challenge_found_reads_naturally(app, dw, language):
    page = html(_reader(app, language).get("/challenges"))
    assert {"fi": "Löytyi 1 haaste", "sv": "1 utmaning hittades"}[language] in page


@pytest.mark.parametrize("language", EVENT_BUTTON)
def test_event_button_asks_to_sign_up_for_the_event_not_for_an_account(app, dw, language):
    event = add_event(dw.challenge)
    dw.member.locale = language
    db.session.commit()
    page = html(as_user(app, dw.member).get(f"/challenges/{dw.challenge.id}/dialogue/events/{event.id}"))
    assert f">{EVENT_BUTTON[language]}<" in page.replace("\n", "").replace("  ", "")
    if language != "en":
        assert ACCOUNT_BUTTON[language] not in page


@pytest.mark.parametrize("language", ACCOUNT_BUTTON)
def test_account_form_button_registers_an_account(app, db, language):
    page = html(_reader(app, language).get("/register"))
    assert ACCOUNT_BUTTON[language] in page
