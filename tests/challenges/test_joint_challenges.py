"""A challenge owned by two cities: roles, scoping, the catalogue, notifications and the database's rules."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from auth.permissions import roles_for
from auth.roles import COMPANY, PARTNER_DECISION_MAKER, PLATFORM_ADMIN, Role
from challenges.models import Challenge, ChallengeCity, PilotSite, Subscription
from challenges.ownership import add_partner, lead_city, owned_by, owners_among, owning_cities, owning_city_ids
from challenges.permissions import can_edit, can_view, is_city_staff
from challenges.services.challenges import staff_challenges
from challenges.workflow import DIRECT, workflow_of
from core.extensions import db
from tests.factories import (as_user, count_queries, make_joint_cast, make_joint_challenge, make_org, make_user,
                             queries_of_get)

# What each person is to a draft challenge that Helsinki leads and Espoo joins: partner cities
# co-manage (officers and admins), the lead city decides (DESIGN.md sections 1 and 6b).
EXPECTED_ROLES = {
    "officer": {Role.OFFICER},
    "decision_maker": {Role.DECISION_MAKER},
    "city_admin": {Role.CITY_ADMIN},
    "partner_officer": {Role.OFFICER},
    "partner_decision_maker": {PARTNER_DECISION_MAKER},
    "partner_admin": {Role.CITY_ADMIN},
    "other_city_officer": set(),
    "company_owner": {COMPANY},
    "platform_admin": {PLATFORM_ADMIN},
}
OWNING_CITIES_STAFF = {"officer", "decision_maker", "city_admin", "partner_officer", "partner_decision_maker",
                       "partner_admin"}


@pytest.fixture
def cast(db) -> dict:
    """Helsinki (the lead) and Espoo (the partner) with their staff, and a third city's officer."""
    return make_joint_cast()


@pytest.fixture(autouse=True)
def english(app):
    """Service calls outside a request speak the default language; these tests read English pages."""
    with force_locale("en"):
        yield


def _page(response) -> str:
    """The text of a page."""
    return response.get_data(as_text=True)


@pytest.mark.parametrize("person", EXPECTED_ROLES)
def test_joint_challenge_roles_come_from_each_owning_city(cast, person):
    challenge = make_joint_challenge(cast)
    assert roles_for(cast[person], challenge) == EXPECTED_ROLES[person]
    owner = person in OWNING_CITIES_STAFF
    assert is_city_staff(cast[person], challenge) is owner
    assert can_view(cast[person], challenge) is (owner or person == "platform_admin")
    assert can_edit(cast[person], challenge) is (person in {"officer", "partner_officer"})


def test_joint_challenge_ownership_reads_lead_first(cast):
    challenge = make_joint_challenge(cast)
    db.session.expire_all()
    challenge = db.session.get(Challenge, challenge.id)
    assert lead_city(challenge) == cast["city"]
    assert owning_cities(challenge) == [cast["city"], cast["partner"]]
    assert owning_city_ids(challenge) == {cast["city"].id, cast["partner"].id}
    third = cast["other_city_officer"].memberships[0].organisation_id
    assert owners_among(challenge, {cast["partner"].id, third}) == {cast["partner"].id}


def test_joint_challenge_partner_officer_sends_it_and_only_the_lead_decision_maker_approves(client, cast, login,
                                                                                          outbox):
    challenge = make_joint_challenge(cast)
    url = f"/manage/challenges/{challenge.id}/transition"
    login(cast["partner_officer"])
    assert client.post(url, data={"action": "submit_for_approval", "seen_state": "draft"}).status_code == 302
    assert [m.recipients for m in outbox] == [[cast["decision_maker"].email]]  # the lead's, not the partner's
    login(cast["partner_decision_maker"])
    assert "approve" not in {o.transition.action for o in workflow_of(challenge).allowed(
        challenge, cast["partner_decision_maker"])}
    refused = client.post(url, data={"action": "approve", "seen_state": "awaiting_approval"})
    assert refused.status_code == 403
    login(cast["decision_maker"])
    assert client.post(url, data={"action": "approve", "seen_state": "awaiting_approval"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).state == "approved"


def test_joint_challenge_pages_open_to_both_cities_staff_and_not_to_a_third_city(client, cast, login):
    challenge = make_joint_challenge(cast)
    page = f"/manage/challenges/{challenge.id}"
    for person, status in (("partner_officer", 200), ("partner_decision_maker", 200), ("partner_admin", 200),
                           ("other_city_officer", 404)):
        login(cast[person])
        assert client.get(page).status_code == status, person
    login(cast["partner_officer"])
    assert "Helsinki, Espoo" in _page(client.get(page))
    edit = client.post(f"{page}/edit/texts", data={
        "version": challenge.state_version, "language": "fi", "title_fi": "Yhteinen haaste",
        "summary_fi": "Kahden kaupungin haaste."})
    assert edit.status_code == 302
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).title_fi == "Yhteinen haaste"


def test_joint_challenge_is_on_the_staff_list_of_each_owning_city(client, cast, login):
    challenge = make_joint_challenge(cast)
    for person, listed in (("officer", True), ("partner_officer", True), ("partner_decision_maker", True),
                           ("other_city_officer", False)):
        assert (challenge in staff_challenges(cast[person]).items) is listed, person
        login(cast[person])
        assert (f"/manage/challenges/{challenge.id}\"" in _page(client.get("/manage/challenges"))) is listed


def test_joint_challenge_is_found_under_each_city_in_the_catalogue(client, cast):
    challenge = make_joint_challenge(cast, state="open")
    third = make_org(name="Tampere")
    link = f'href="/challenges/{challenge.id}"'
    for query, found in ((f"city={cast['city'].slug}", True), (f"city={cast['partner'].slug}", True),
                         (f"city={third.slug}", False), ("q=esbo", True)):
        assert (link in _page(client.get(f"/challenges?{query}"))) is found, query
    assert "Helsinki, Espoo" in _page(client.get(f"/challenges/{challenge.id}"))


def test_joint_challenge_open_call_tells_subscribers_of_either_city_once(client, cast, login, outbox):
    challenge = make_joint_challenge(cast, variant=DIRECT, state="approved")
    lead_fan, partner_fan, both, elsewhere = (make_user() for _ in range(4))
    db.session.add_all([
        Subscription(user_id=lead_fan.id, city_id=cast["city"].id),
        Subscription(user_id=partner_fan.id, city_id=cast["partner"].id),
        Subscription(user_id=both.id, city_id=cast["city"].id),
        Subscription(user_id=both.id, city_id=cast["partner"].id),
        Subscription(user_id=elsewhere.id, city_id=make_org().id)])
    db.session.commit()
    login(cast["partner_officer"])  # a partner's officer runs the call too
    response = client.post(f"/manage/challenges/{challenge.id}/transition",
                           data={"action": "open_call", "seen_state": "approved"})
    assert response.status_code == 302
    assert sorted(r for m in outbox for r in m.recipients) == sorted(
        [lead_fan.email, partner_fan.email, both.email])


def test_joint_challenge_site_host_holds_the_host_role_in_the_sites_city(cast):
    challenge = make_joint_challenge(cast)
    [espoo_site] = [s for s in challenge.sites if s.city_id == cast["partner"].id]
    espoo_host = make_user(cast["partner"], (Role.HOST.value,))
    wrong_city_host = make_user(cast["city"], (Role.HOST.value,))  # Helsinki's host role: not Espoo's site
    espoo_site.host_id = espoo_host.id
    db.session.commit()
    assert Role.HOST in roles_for(espoo_host, challenge) and Role.HOST in roles_for(espoo_host, espoo_site)
    espoo_site.host_id = wrong_city_host.id
    db.session.commit()
    assert Role.HOST not in roles_for(wrong_city_host, challenge)


def test_ownership_lead_city_staff_and_outsiders_are_answered_without_a_query(cast):
    challenge = make_joint_challenge(cast)
    db.session.expire_all()
    challenge = db.session.get(Challenge, challenge.id)
    people = [cast[p] for p in ("officer", "decision_maker", "company_owner", "platform_admin")]
    for person in people:
        person.memberships  # noqa: B018  (loaded as the logged-in user's are)
    with count_queries() as statements:
        for person in people:
            roles_for(person, challenge)
    assert statements == []
    cast["partner_officer"].memberships  # noqa: B018
    with count_queries() as statements:
        roles_for(cast["partner_officer"], challenge)
        roles_for(cast["partner_officer"], challenge)
    assert len(statements) == 1  # the partners are looked up once per challenge


def test_ownership_pages_of_a_joint_challenge_cost_a_partner_no_more_queries_than_the_lead(app, cast):
    challenge = make_joint_challenge(cast, state="open")
    for page in (f"/manage/challenges/{challenge.id}", f"/challenges/{challenge.id}"):
        lead, partner = (queries_of_get(as_user(app, cast[p]), page) for p in ("officer", "partner_officer"))
        assert partner == lead <= 10, page


def test_ownership_database_holds_one_lead_and_sites_of_owning_cities(cast):
    challenge = make_joint_challenge(cast)
    third = make_org()
    db.session.add(ChallengeCity(challenge_id=challenge.id, city_id=third.id, lead=True))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(PilotSite(challenge_id=challenge.id, city_id=third.id, name="Muualla", kind="school"))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalars(sa.select(Challenge.id).where(owned_by([third.id]))).all() == []


def test_ownership_refuses_a_company_or_a_second_row_for_one_city(cast):
    challenge = make_joint_challenge(cast)
    with pytest.raises(ValueError, match="not a city"):
        add_partner(challenge, make_org("company"))
    with pytest.raises(ValueError, match="already owns"):
        add_partner(challenge, cast["partner"])
