"""Creating and editing challenges: sections, messages next to fields, stale forms, locks, access, lists."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from auth.models import OrgKind
from auth.roles import Role
from challenges.models import Challenge, CriteriaTemplate, Follow, Theme
from challenges.services import challenges as services
from challenges.services.criteria import replace_criteria, template_criteria
from challenges.services.sites import host_contacts
from challenges.services.themes import ensure_themes
from challenges.workflow import DIRECT, WITH_DIALOGUE
from core.audit import AuditEntry
from core.extensions import db
from core.refusals import Conflict
from tests.factories import count_queries, make_challenge
from tests.factories import error_next_to as _error_of
from tests.factories import html as _html


def _fresh(challenge) -> Challenge:
    db.session.expire_all()
    return db.session.get(Challenge, challenge.id)


# --- creation ------------------------------------------------------------------------------

def test_new_challenge_is_a_draft_of_the_officers_city(client, cast, login, make_org, make_user):
    second = make_org(OrgKind.CITY.value, name="Espoo")
    make_user(second, (Role.DECISION_MAKER.value,))
    login(cast["officer"])
    form = _html(client.get("/manage/challenges/new"))
    assert "Helsinki" in form and "Espoo" not in form
    response = client.post("/manage/challenges/new", data={
        "city_id": cast["city"].id, "variant": DIRECT, "pilot_kind": "co_development",
        "title_fi": " Liikuntaa välitunneille ", "summary_fi": "Lisää liikettä koulupäivään."})
    assert response.status_code == 302
    challenge = db.session.scalars(select(Challenge)).one()
    assert response.headers["Location"] == f"/manage/challenges/{challenge.id}"
    assert (challenge.state, challenge.workflow, challenge.pilot_kind) == ("draft", DIRECT, "co_development")
    assert challenge.title_fi == "Liikuntaa välitunneille" and challenge.created_by_id == cast["officer"].id
    with force_locale("fi"):
        assert challenge.ipr_terms == str(services.DEFAULT_IPR_TERMS)
    assert challenge.personal_data_allowed is False
    assert "helsinki" in challenge.search_document and "liikuntaa välitunneille" in challenge.search_document
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "challenge_created")) == 1


def test_new_challenge_in_another_city_is_refused(client, cast, login, make_org):
    login(cast["officer"])
    other = make_org(OrgKind.CITY.value)
    response = client.post("/manage/challenges/new", data={
        "city_id": other.id, "variant": DIRECT, "pilot_kind": "paid", "title_fi": "T", "summary_fi": "S"})
    assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Challenge)) == 0


def test_new_challenge_without_a_title_keeps_the_typed_summary(client, cast, login):
    login(cast["officer"])
    response = client.post("/manage/challenges/new", data={
        "city_id": cast["city"].id, "variant": WITH_DIALOGUE, "pilot_kind": "paid", "title_fi": "",
        "summary_fi": "Tärkeä tiivistelmä"})
    assert response.status_code == 400
    html = _html(response)
    assert "Write the title in Finnish." in _error_of(html, "title_fi") and "Tärkeä tiivistelmä" in html


@pytest.mark.parametrize("role, status", [("decision_maker", 403), ("city_admin", 403),
                                          ("company_owner", 403), ("platform_admin", 403)])
def test_only_officers_create_challenges(client, cast, login, role, status):
    login(cast[role])
    assert client.get("/manage/challenges/new").status_code == status


def test_visitor_is_sent_to_log_in_from_the_manage_pages(client, cast):
    challenge = make_challenge(cast["city"], cast["officer"])
    for url in ("/manage/challenges", "/manage/challenges/new", f"/manage/challenges/{challenge.id}",
                f"/manage/challenges/{challenge.id}/edit/texts"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


# --- access to a challenge's manage pages --------------------------------------------------

@pytest.mark.parametrize("state, role, detail, edit", [
    ("draft", "officer", 200, 200),
    ("draft", "decision_maker", 200, 403),
    ("draft", "city_admin", 200, 403),
    ("draft", "platform_admin", 200, 403),
    ("draft", "other_city_officer", 404, 404),
    ("draft", "company_owner", 404, 404),
    ("open", "officer", 200, 200),
    ("open", "other_city_officer", 403, 403),
    ("open", "company_owner", 403, 403),
    ("awarded", "officer", 200, 403),
])
def test_manage_pages_by_role(client, cast, login, state, role, detail, edit):
    challenge = make_challenge(cast["city"], cast["officer"], state=state)
    login(cast[role])
    assert client.get(f"/manage/challenges/{challenge.id}").status_code == detail
    assert client.get(f"/manage/challenges/{challenge.id}/edit/budget").status_code == edit
    assert client.get(f"/manage/challenges/{challenge.id}/attachments").status_code == edit


def test_unknown_section_is_404(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    assert client.get(f"/manage/challenges/{challenge.id}/edit/secrets").status_code == 404


# --- texts ---------------------------------------------------------------------------------

def _texts(challenge, **overrides):
    data = {"version": challenge.state_version, "language": "fi", "title_fi": challenge.title_fi,
            "summary_fi": challenge.summary_fi, "title_sv": "", "summary_sv": "", "title_en": "",
            "summary_en": "", "problem": "", "end_users": ""}
    data.update(overrides)
    return data


def test_texts_are_saved_and_searchable(client, cast, login):
    themes = ensure_themes()
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/texts", data=_texts(
        challenge, title_sv="Skolornas Luft", summary_sv="Sammanfattning", problem="CO2 nousee",
        end_users="Oppilaat ja opettajat", themes=[themes[0].id, themes[5].id]))
    assert response.status_code == 302
    challenge = _fresh(challenge)
    assert challenge.title_sv == "Skolornas Luft" and challenge.title_en is None
    assert {t.slug for t in challenge.themes} == {"learning", "climate"}
    doc = challenge.search_document
    assert "skolornas luft" in doc and "co2 nousee" in doc and "oppilaat" in doc and "helsingfors" in doc
    assert doc == doc.lower()


def test_authoritative_language_needs_its_title_and_summary(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/texts",
                           data=_texts(challenge, language="en", problem="Typed problem text"))
    assert response.status_code == 400
    html = _html(response)
    assert "Write the title in this language." in _error_of(html, "title_en")
    assert "Write the summary in this language." in _error_of(html, "summary_en")
    assert "Typed problem text" in html
    assert _fresh(challenge).language == "fi"


def test_ensure_themes_is_idempotent_and_named_in_three_languages(db):
    first = ensure_themes()
    again = ensure_themes()
    assert [t.id for t in first] == [t.id for t in again]
    assert db.session.scalar(select(func.count()).select_from(Theme)) == 6
    assert {t.slug for t in first} == {"learning", "circular-economy", "mobility", "health-and-wellbeing",
                                       "employment", "climate"}
    assert all(t.name_fi and t.name_sv and t.name_en for t in first)


# --- sites ---------------------------------------------------------------------------------

def test_sites_are_added_edited_and_removed(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    site = challenge.sites[0]
    login(cast["officer"])
    form = _html(client.get(f"/manage/challenges/{challenge.id}/edit/sites"))
    assert 'name="sites-1-name"' in form  # the empty row for a new site
    response = client.post(f"/manage/challenges/{challenge.id}/edit/sites", data={
        "version": challenge.state_version,
        "sites-0-id": site.id, "sites-0-name": "Kallion koulu (B-talo)", "sites-0-kind": "school",
        "sites-0-host_email": "uusi@example.org",
        "sites-1-id": "", "sites-1-name": "Pasilan kirjasto", "sites-1-kind": "library",
        "sites-1-address": "Kellosilta 9"})
    assert response.status_code == 302
    challenge = _fresh(challenge)
    assert [(s.name, s.kind) for s in challenge.sites] == [("Kallion koulu (B-talo)", "school"),
                                                          ("Pasilan kirjasto", "library")]
    assert host_contacts(challenge)[challenge.sites[0].id].email == "uusi@example.org"  # invited
    response = client.post(f"/manage/challenges/{challenge.id}/edit/sites", data={
        "version": challenge.state_version,
        "sites-0-id": challenge.sites[0].id, "sites-0-name": "x", "sites-0-kind": "school",
        "sites-0-remove": "y",
        "sites-1-id": challenge.sites[1].id, "sites-1-name": "Pasilan kirjasto", "sites-1-kind": "library"})
    assert response.status_code == 302
    assert [s.name for s in _fresh(challenge).sites] == ["Pasilan kirjasto"]


def test_site_without_a_kind_is_refused_next_to_the_field(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/sites", data={
        "version": challenge.state_version, "sites-0-id": challenge.sites[0].id, "sites-0-name": "Koulu",
        "sites-0-kind": "school", "sites-1-name": "Uusi puisto", "sites-1-kind": "",
        "sites-1-host_email": "not-an-email"})
    assert response.status_code == 400
    html = _html(response)
    assert "valid email" in _error_of(html, "sites-1-host_email")
    assert "Uusi puisto" in html


# --- budget --------------------------------------------------------------------------------

def _budget(challenge, **overrides):
    data = {"version": challenge.state_version, "pilot_kind": "paid", "max_per_pilot": "15000",
            "total_budget": "30000", "pilot_count": "2", "compensation": "fixed", "offers_site_access": "y",
            "offers_compensation": "y", "offer_details": "Koulun tilat"}
    data.update(overrides)
    return data


def test_budget_is_saved(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    assert client.post(f"/manage/challenges/{challenge.id}/edit/budget",
                       data=_budget(challenge, compensation="price_scored")).status_code == 302
    challenge = _fresh(challenge)
    assert (challenge.max_per_pilot, challenge.total_budget, challenge.pilot_count) == (
        Decimal("15000"), Decimal("30000"), 2)
    assert challenge.compensation == "price_scored" and challenge.offers_facilitation is False


def test_co_development_has_no_payment(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/budget",
                           data=_budget(challenge, pilot_kind="co_development", offers_compensation=""))
    assert response.status_code == 400
    assert "no payment" in _error_of(_html(response), "max_per_pilot")
    response = client.post(f"/manage/challenges/{challenge.id}/edit/budget", data=_budget(
        challenge, pilot_kind="co_development", max_per_pilot="", total_budget="", offers_compensation=""))
    assert response.status_code == 302
    assert _fresh(challenge).pilot_kind == "co_development" and _fresh(challenge).max_per_pilot is None


def test_total_budget_below_the_maximum_per_pilot_is_refused(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/budget",
                           data=_budget(challenge, total_budget="1000"))
    assert response.status_code == 400
    assert "cannot be less" in _error_of(_html(response), "total_budget")


# --- schedule ------------------------------------------------------------------------------

def _schedule(challenge, **overrides):
    data = {"version": challenge.state_version, "dialogue_starts_at": "2030-01-07T09:00",
            "dialogue_ends_at": "2030-02-07T16:00", "questions_close_at": "2030-02-14T16:00",
            "proposals_close_at": "2030-03-01T16:00", "selection_on": "2030-03-20",
            "pilot_starts_on": "2030-04-01", "pilot_ends_on": "2030-06-15"}
    data.update(overrides)
    return data


def test_schedule_is_typed_in_helsinki_time_and_stored_in_utc(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    assert client.post(f"/manage/challenges/{challenge.id}/edit/schedule",
                       data=_schedule(challenge)).status_code == 302
    challenge = _fresh(challenge)
    assert challenge.proposals_close_at == datetime(2030, 3, 1, 14, 0, tzinfo=timezone.utc)
    form = _html(client.get(f"/manage/challenges/{challenge.id}/edit/schedule"))
    assert 'value="2030-03-01T16:00"' in form


@pytest.mark.parametrize("overrides, field, message", [
    ({"dialogue_ends_at": "2030-01-07T09:00"}, "dialogue_ends_at", "must end after it starts"),
    ({"questions_close_at": "2030-02-01T16:00"}, "questions_close_at", "cannot be before the dialogue ends"),
    ({"proposals_close_at": "2030-02-14T16:00"}, "proposals_close_at", "must be after the question deadline"),
    ({"selection_on": "2030-03-01"}, "selection_on", "must be after the proposal deadline"),
    ({"pilot_starts_on": "2030-03-19"}, "pilot_starts_on", "cannot start before the selection date"),
    ({"pilot_ends_on": "2030-04-01"}, "pilot_ends_on", "must end after they start"),
    ({"questions_close_at": "", "proposals_close_at": "2030-02-01T16:00"}, "proposals_close_at",
     "out of order"),
])
def test_schedule_out_of_order_is_refused_next_to_the_field(client, cast, login, overrides, field, message):
    challenge = make_challenge(cast["city"], cast["officer"])
    before = challenge.proposals_close_at
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/schedule",
                           data=_schedule(challenge, **overrides))
    assert response.status_code == 400
    assert message in _error_of(_html(response), field)
    assert _fresh(challenge).proposals_close_at == before


def test_question_deadline_may_equal_the_end_of_the_dialogue(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    assert client.post(f"/manage/challenges/{challenge.id}/edit/schedule", data=_schedule(
        challenge, questions_close_at="2030-02-07T16:00")).status_code == 302


def test_direct_challenge_has_no_dialogue_dates(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"], variant=DIRECT)
    login(cast["officer"])
    form = _html(client.get(f"/manage/challenges/{challenge.id}/edit/schedule"))
    assert 'name="dialogue_starts_at"' not in form
    assert client.post(f"/manage/challenges/{challenge.id}/edit/schedule",
                       data=_schedule(challenge)).status_code == 302
    assert _fresh(challenge).dialogue_starts_at is None


# --- criteria ------------------------------------------------------------------------------

def _criteria(challenge, weights, **extra):
    data = {"version": challenge.state_version}
    for i, weight in enumerate(weights):
        data.update({f"criteria-{i}-name": f"Kriteeri {i}", f"criteria-{i}-weight": str(weight),
                     f"criteria-{i}-scale_0": "Ei lainkaan", f"criteria-{i}-scale_5": "Erinomainen"})
    data.update(extra)
    return data


def test_criteria_weights_must_sum_to_100(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/criteria", data=_criteria(
        challenge, [50, 30], **{"criteria-1-description": "Kirjoitettu kuvaus"}))
    assert response.status_code == 400
    html = _html(response)
    assert "add up to 80" in _error_of(html, "criteria-0-weight") and "exactly 100" in html
    assert "Kirjoitettu kuvaus" in html
    assert _fresh(challenge).weight_total == 100  # unchanged


def test_criteria_are_replaced_in_order_with_their_scale(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/criteria", data=_criteria(
        challenge, [50, 30, 20], **{"criteria-2-min_score": "2"}))
    assert response.status_code == 302
    criteria = _fresh(challenge).criteria
    assert [(c.name, c.weight, c.min_score) for c in criteria] == [
        ("Kriteeri 0", 50, None), ("Kriteeri 1", 30, None), ("Kriteeri 2", 20, 2)]
    assert criteria[0].scale == ["Ei lainkaan", "", "", "", "", "Erinomainen"]
    response = client.post(f"/manage/challenges/{challenge.id}/edit/criteria",
                           data=_criteria(_fresh(challenge), [100]))
    assert response.status_code == 302 and [c.weight for c in _fresh(challenge).criteria] == [100]


def test_criterion_weight_out_of_range_is_refused_next_to_the_field(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/criteria",
                           data=_criteria(challenge, [0, 100]))
    assert response.status_code == 400
    assert "from 1 to 100" in _error_of(_html(response), "criteria-0-weight")


def test_new_criteria_start_from_the_default_template(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"], complete=False)
    login(cast["officer"])
    html = _html(client.get(f"/manage/challenges/{challenge.id}/edit/criteria"))
    weights = [int(w) for w in re.findall(r'name="criteria-\d+-weight"[^>]*value="(\d+)"', html)]
    assert len(weights) == 4 and sum(weights) == 100
    assert "Fit to the challenge" in html


def test_new_criteria_start_from_the_citys_template(client, cast, login):
    db.session.add(CriteriaTemplate(city_id=cast["city"].id, items=[
        {"name": "Kaupungin oma", "description": "", "weight": 70, "min_score": 2, "scale": ["a"] * 6},
        {"name": "Hinta", "description": "", "weight": 30, "min_score": None, "scale": ["b"] * 6}]))
    db.session.commit()
    challenge = make_challenge(cast["city"], cast["officer"], complete=False)
    login(cast["officer"])
    html = _html(client.get(f"/manage/challenges/{challenge.id}/edit/criteria"))
    assert "Kaupungin oma" in html and "Fit to the challenge" not in html
    assert template_criteria(cast["city"])[0]["weight"] == 70


def test_criteria_are_locked_once_the_call_opens(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"], variant=DIRECT, state="approved")
    services.transition_challenge(challenge, "open_call", cast["officer"], seen_state="approved")
    db.session.commit()
    with pytest.raises(Conflict):
        replace_criteria(challenge, cast["officer"], [{"name": "Uusi", "weight": 100}])
    db.session.rollback()
    login(cast["officer"])
    html = _html(client.get(f"/manage/challenges/{challenge.id}/edit/criteria"))
    assert "can no longer change" in html and 'name="criteria-0-weight"' not in html and "Sopivuus" in html
    response = client.post(f"/manage/challenges/{challenge.id}/edit/criteria",
                           data=_criteria(_fresh(challenge), [100]))
    assert response.status_code == 403
    assert [c.weight for c in _fresh(challenge).criteria] == [60, 40]
    assert "Fixed since the call opened." in _html(client.get(f"/manage/challenges/{challenge.id}"))


# --- stale forms ---------------------------------------------------------------------------

def test_stale_form_is_refused_with_409_keeping_what_was_typed(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    seen = challenge.state_version
    services.update_terms(challenge, cast["officer"], {"reporting_duties": "Toinen virkailija muutti tätä"})
    db.session.commit()
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/terms", data={
        "version": seen, "ipr_terms": "Oikeudet yritykselle",
        "reporting_duties": "Minun kirjoittamani teksti"})
    assert response.status_code == 409
    html = _html(response)
    assert "Someone changed this challenge" in html and "Minun kirjoittamani teksti" in html
    assert _fresh(challenge).reporting_duties == "Toinen virkailija muutti tätä"
    current = re.search(r'name="version" type="hidden" value="(\d+)"', html) or re.search(
        r'id="version" name="version" type="hidden" value="(\d+)"', html)
    assert current and int(current.group(1)) == _fresh(challenge).state_version


def test_form_loaded_before_a_state_change_is_stale(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"], state="approved")
    seen = challenge.state_version
    services.transition_challenge(challenge, "start_dialogue", cast["officer"], seen_state="approved")
    db.session.commit()
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/budget",
                           data=_budget(challenge, version=seen, reason="Budjetti kasvoi"))
    assert response.status_code == 409


# --- after publication ---------------------------------------------------------------------

def test_changes_after_publication_are_audited_and_followers_told(client, cast, login, make_user, outbox):
    challenge = make_challenge(cast["city"], cast["officer"], state="market_dialogue")
    follower = make_user(locale="sv")
    db.session.add(Follow(user_id=follower.id, challenge_id=challenge.id))
    db.session.commit()
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/edit/budget", data=_budget(
        challenge, max_per_pilot="25000", total_budget="50000", reason="Lisärahoitus"))
    assert response.status_code == 302
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "challenge_amended")).one()
    assert entry.data["fields"] == ["max_per_pilot", "offer_details", "total_budget"]
    assert entry.actor_id == cast["officer"].id
    assert [m.recipients for m in outbox] == [[follower.email]]
    assert "budget" in outbox[0].body and f"/challenges/{challenge.id}" in outbox[0].body
    assert '<html lang="sv">' in outbox[0].html


def test_changes_before_publication_tell_no_one(client, cast, login, make_user, outbox):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    assert client.post(f"/manage/challenges/{challenge.id}/edit/budget",
                       data=_budget(challenge)).status_code == 302
    assert outbox == []


def test_saving_without_changes_writes_nothing(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    terms = {"version": challenge.state_version, **{name: getattr(challenge, name) for name in services.TERMS_FIELDS
                                                     if name != "personal_data_allowed"}}
    assert client.post(f"/manage/challenges/{challenge.id}/edit/terms", data=terms).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)
                             .where(AuditEntry.action == "challenge_updated")) == 0


# --- the staff list ------------------------------------------------------------------------

def _many(cast, n):
    for _ in range(n):
        make_challenge(cast["city"], cast["officer"], complete=False)


def test_staff_list_runs_the_same_queries_for_3_and_30_challenges(client, cast, login):
    login(cast["officer"])
    _many(cast, 3)
    client.get("/manage/challenges")  # warm-up: first-request work is not the list's
    with count_queries() as few:
        assert client.get("/manage/challenges").status_code == 200
    _many(cast, 27)
    with count_queries() as many:
        response = client.get("/manage/challenges")
    assert response.status_code == 200 and 'rel="next"' in _html(response)
    assert len(few) == len(many) and len(many) <= 10


def test_staff_list_shows_own_cities_only_and_filters_by_state(client, cast, login, make_org, make_user):
    mine = make_challenge(cast["city"], cast["officer"], title_fi="Oma haaste")
    make_challenge(cast["city"], cast["officer"], state="open", title_fi="Avoin haaste")
    other_city = make_org(OrgKind.CITY.value)
    make_challenge(other_city, make_user(other_city, (Role.OFFICER.value,)), title_fi="Vieras haaste")
    login(cast["decision_maker"])
    html = _html(client.get("/manage/challenges"))
    assert "Oma haaste" in html and "Avoin haaste" in html and "Vieras haaste" not in html
    html = _html(client.get("/manage/challenges?state=open"))
    assert "Avoin haaste" in html and "Oma haaste" not in html
    assert f"/manage/challenges/{mine.id}" in _html(client.get("/manage/challenges?state=draft"))
    assert client.get("/manage/challenges?state=nonsense").status_code == 400


def test_platform_admin_sees_every_citys_challenges(client, cast, login, make_org, make_user):
    other_city = make_org(OrgKind.CITY.value)
    make_challenge(other_city, make_user(other_city, (Role.OFFICER.value,)), title_fi="Vieras haaste")
    login(cast["platform_admin"])
    assert "Vieras haaste" in _html(client.get("/manage/challenges"))


@pytest.mark.parametrize("role", ["company_owner", "evaluator", "user"])
def test_staff_list_is_forbidden_to_others(client, cast, login_as, role):
    login_as(role)
    assert client.get("/manage/challenges").status_code == 403


def test_staff_list_pages_by_cursor(client, cast, login):
    _many(cast, 30)
    login(cast["officer"])
    first = _html(client.get("/manage/challenges"))
    cursor = re.search(r'after=(\d+)', first).group(1)
    second = _html(client.get(f"/manage/challenges?after={cursor}"))
    ids_first = set(re.findall(r'/manage/challenges/(\d+)"', first))
    ids_second = set(re.findall(r'/manage/challenges/(\d+)"', second))
    assert len(ids_first) == 25 and len(ids_second) == 5 and not ids_first & ids_second
