"""A challenge's limits hold in the form and in the service: sites, amounts, dates, attachments, the feed."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from auth.roles import Role
from challenges.models import Attachment, Challenge, PilotSite
from challenges.services import challenges as services
from challenges.services.attachments import add_attachment
from challenges.services.sites import MAX_SITES, save_sites
from core.extensions import db
from core.models import utcnow
from core.refusals import Refused
from tests.factories import World, build_world
from tests.factories import error_next_to as _error_next_to

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def world(db) -> World:
    """The shared world: a Helsinki-like city whose draft the officer edits."""
    return build_world()


@pytest.fixture
def officer(world, make_user, login):
    """An officer of the world's city, logged in."""
    return login(make_user(world.city, (Role.OFFICER.value,)))


def _fresh(challenge: Challenge) -> Challenge:
    db.session.expire_all()
    return db.session.get(Challenge, challenge.id)


# --- pilot sites ---------------------------------------------------------------------------

def _site_rows(challenge: Challenge, extra: int = 0) -> dict[str, object]:
    """The sites editor's fields for every site of the challenge, plus `extra` new sites."""
    data: dict[str, object] = {"version": challenge.state_version}
    for i, site in enumerate(challenge.sites):
        data.update({f"sites-{i}-id": site.id, f"sites-{i}-name": site.name, f"sites-{i}-kind": site.kind})
    for j in range(len(challenge.sites), len(challenge.sites) + extra):
        data.update({f"sites-{j}-id": "", f"sites-{j}-name": f"Koulu {j}", f"sites-{j}-kind": "school"})
    return data


def test_sites_editor_works_at_the_limit_and_refuses_one_site_more(client, world, officer):
    challenge = world.draft
    challenge.sites = [PilotSite(name=f"Koulu {n}", kind="school", city_id=world.city.id)
                       for n in range(MAX_SITES - 1)]
    db.session.commit()
    url = f"/manage/challenges/{challenge.id}/edit/sites"
    assert client.post(url, data=_site_rows(challenge, extra=1)).status_code == 302
    challenge = _fresh(challenge)
    assert len(challenge.sites) == MAX_SITES
    page = client.get(url)
    assert page.status_code == 200  # it was a 500 once the 30th site was saved
    assert f'name="sites-{MAX_SITES}-name"' not in page.get_data(as_text=True)  # no row for more
    response = client.post(url, data=_site_rows(challenge, extra=1))
    assert response.status_code == 400
    assert "at most 30 pilot sites" in _error_next_to(response.get_data(as_text=True),
                                                      f"sites-{MAX_SITES}-name")
    assert len(_fresh(challenge).sites) == MAX_SITES


def test_service_refuses_more_sites_than_the_limit(world, officer):
    challenge = world.draft
    rows = [{"id": None, "remove": False, "name": f"Koulu {n}", "kind": "school"}
            for n in range(MAX_SITES + 1)]
    with pytest.raises(Refused) as refused:
        save_sites(challenge, officer, rows)
    assert list(refused.value.errors) == [("sites", MAX_SITES, "name")]
    db.session.rollback()
    save_sites(challenge, officer, rows[:-1])
    with pytest.raises(Refused) as refused:  # a full challenge takes no new row
        save_sites(challenge, officer, [{"id": None, "remove": False, "name": "Yksi liikaa", "kind": "school"}])
    assert list(refused.value.errors) == [("sites", 0, "name")]


# --- budget and schedule -------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("sNaN", "Enter an amount in digits"), ("Infinity", "Enter an amount in digits"),
    ("1e20", "The amount is too large."), ("10000000000", "The amount is too large.")])
def test_budget_refuses_amounts_the_database_cannot_hold(client, world, officer, value, message):
    response = client.post(f"/manage/challenges/{world.draft.id}/edit/budget", data={
        "pilot_kind": "paid", "compensation": "fixed", "max_per_pilot": value, "total_budget": "50000",
        "pilot_count": "2"})
    assert response.status_code == 400
    assert message in _error_next_to(response.get_data(as_text=True), "max_per_pilot")
    assert _fresh(world.draft).max_per_pilot is None


@pytest.mark.parametrize("amount", [Decimal("sNaN"), Decimal("-Infinity"), Decimal("1e20"), "abc"])
def test_budget_service_refuses_amounts_the_database_cannot_hold(world, officer, amount):
    with pytest.raises(Refused) as refused:
        services.update_budget(world.draft, officer, {"pilot_kind": "paid", "compensation": "fixed",
                                                      "max_per_pilot": amount, "pilot_count": 10**12})
    assert set(refused.value.errors) == {"max_per_pilot", "pilot_count"}


@pytest.mark.parametrize("name, value", [("selection_on", "0001-01-01"), ("pilot_ends_on", "9999-12-31"),
                                         ("proposals_close_at", "0001-01-01T00:00")])
def test_schedule_refuses_dates_outside_the_window(client, world, officer, name, value):
    response = client.post(f"/manage/challenges/{world.draft.id}/edit/schedule", data={name: value})
    assert response.status_code == 400
    assert _error_next_to(response.get_data(as_text=True), name) == (
        "Enter a date between the years 2000 and 2100.")


def test_schedule_service_refuses_year_one(world, officer):
    with pytest.raises(Refused) as refused:
        services.update_schedule(world.draft, officer, {
            "selection_on": date(1, 1, 1), "questions_close_at": datetime(1, 1, 1, tzinfo=timezone.utc)})
    assert set(refused.value.errors) == {"selection_on", "questions_close_at"}


# --- attachments ---------------------------------------------------------------------------

def _files(app) -> set[str]:
    return {p.name for p in Path(app.config["UPLOAD_DIR"]).iterdir()}


@pytest.mark.parametrize("title", ["Suunnitelma\x00", "Suunnitelma\x0b", "x" * 201])
def test_refused_attachment_leaves_no_row_and_no_file(app, client, world, officer, title):
    before = _files(app)
    response = client.post(f"/manage/challenges/{world.draft.id}/attachments",
                           data={"title": title, "file": (io.BytesIO(b"%PDF-1.7 plan"), "plan.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1  # the world's own
    assert _files(app) == before


def test_attachment_service_checks_the_title_before_writing_the_file(app, world, officer):
    before = _files(app)
    upload = io.BytesIO(b"%PDF-1.7 plan")
    with pytest.raises(Refused):
        add_attachment(world.draft, officer, FileStorage(upload, filename="plan.pdf"), "Plan\x00")
    assert _files(app) == before


# --- the feed ------------------------------------------------------------------------------

def test_feed_is_valid_xml_whatever_a_title_holds(client, world):
    challenge = world.challenge
    challenge.state = "open"
    challenge.opened_at = challenge.criteria_locked_at = utcnow()
    challenge.title_fi = "Haaste\x0b\x1f ja\x08 muuta"  # written past the forms, straight to the database
    challenge.summary_fi = "Tiivistelmä\x0c"
    db.session.commit()
    response = client.get("/challenges/feed.atom")
    assert response.status_code == 200
    entry = ET.fromstring(response.data).find(f"{ATOM}entry")  # noqa: S314  (our own feed)
    assert entry.find(f"{ATOM}title").text == "Haaste ja muuta"
    assert entry.find(f"{ATOM}summary").text.startswith("Tiivistelmä")
