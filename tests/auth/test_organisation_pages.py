"""An organisation's own pages from the navigation: a city admin's invitations, a company owner's join
requests and invitations to colleagues, and what the start page shows them (and an evaluator)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from auth.models import Invitation, Membership, MembershipStatus, OrgKind
from auth.roles import Role
from tests.factories import (PASSWORD, add_invitation, add_join_request, as_user, count_queries, error_next_to,
                             html, make_org, make_user)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def company(db):
    """A company with its owner and a member."""
    company = make_org(OrgKind.COMPANY.value, name="Acme Oy")
    return {"company": company, "owner": make_user(company, (Role.OWNER.value,), name="Olga Owner"),
            "member": make_user(company, (Role.MEMBER.value,))}


def invite(app, user, organisation, **overrides):
    """Post the invitation form of an organisation as user."""
    data = {"email": "colleague@acme.example", "name": "Cole League", "role": "member", "locale": "en"}
    data.update(overrides)
    return as_user(app, user).post(f"/organisations/{organisation.id}/invitations", data=data)


def test_company_owner_invites_a_colleague_who_joins_as_a_member(app, db, outbox, company):
    response = invite(app, company["owner"], company["company"])
    assert response.status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.organisation_id, invitation.role, invitation.email) == (
        company["company"].id, Role.MEMBER.value, "colleague@acme.example")
    [message] = outbox
    assert message.recipients == ["colleague@acme.example"] and "Acme Oy" in message.body
    token = re.search(r"/invitations/([\w-]+)", message.body).group(1)
    client = as_user(app)
    response = client.post(f"/invitations/{token}", data={
        "name": "Cole League", "password": PASSWORD, "password_confirm": PASSWORD, "accept_terms": "y"})
    assert response.status_code == 302
    joined = db.session.scalar(select(Membership).where(Membership.organisation_id == company["company"].id,
                                                        Membership.role == Role.MEMBER.value,
                                                        Membership.user.has(email="colleague@acme.example")))
    assert joined is not None and joined.status == MembershipStatus.ACTIVE.value


def test_company_owner_may_invite_another_owner_but_no_city_role(app, db, company):
    assert invite(app, company["owner"], company["company"], role="owner").status_code == 302
    response = invite(app, company["owner"], company["company"], email="x@acme.example", role="officer")
    assert response.status_code == 400
    assert error_next_to(html(response), "role")
    assert db.session.scalar(select(Invitation).where(Invitation.role == "officer")) is None


def test_company_member_cannot_invite(app, db, company):
    assert invite(app, company["member"], company["company"]).status_code == 403
    assert as_user(app, company["member"]).get(f"/organisations/{company['company'].id}/invitations").status_code == 403
    assert db.session.scalar(select(Invitation)) is None


def test_company_owner_cannot_invite_to_another_company(app, db, company):
    other = make_org(OrgKind.COMPANY.value)
    assert invite(app, company["owner"], other).status_code == 403
    assert db.session.scalar(select(Invitation)) is None


def test_company_owner_cannot_invite_themselves(app, db, company):
    response = invite(app, company["owner"], company["company"], email=company["owner"].email, role="owner")
    assert response.status_code == 400
    assert "You cannot invite yourself" in error_next_to(html(response), "email")
    assert db.session.scalar(select(Invitation)) is None


def test_navigation_leads_a_company_owner_to_the_join_requests_with_their_number(app, company):
    add_join_request(company["company"])
    add_join_request(company["company"])
    page = html(as_user(app, company["owner"]).get("/following"))
    link = re.search(r'<a class="nav-link" href="([^"]+)">Organisation <span[^>]*>(\d+)</span>', page)
    assert link and link.groups() == (f"/organisations/{company['company'].id}/requests", "2")
    requests = html(as_user(app, company["owner"]).get(link.group(1)))
    assert f'href="/organisations/{company["company"].id}/invitations"' in requests  # the organisation's tabs
    assert "Organisation" not in re.search(r"<header.*?</header>", html(
        as_user(app, company["member"]).get("/following")), re.S).group(0)


def test_navigation_leads_a_city_admin_to_the_invitations(app):
    city = make_org(OrgKind.CITY.value)
    admin = make_user(city, (Role.CITY_ADMIN.value,))
    page = html(as_user(app, admin).get("/following"))
    assert f'href="/organisations/{city.id}/invitations">Organisation' in page


def test_start_page_lists_join_requests_and_open_invitations_of_the_organisation(app, company):
    request = add_join_request(company["company"])
    add_invitation(company["company"], company["owner"])
    other = make_org(OrgKind.COMPANY.value)
    add_join_request(other)
    page = html(as_user(app, company["owner"]).get("/start"))
    requests = re.search(r'aria-labelledby="panel-join_requests".*?</section>', page, re.S).group(0)
    assert request.user.name in requests and requests.count("<li") == 1  # not the other company's
    invitations = re.search(r'aria-labelledby="panel-invitations".*?</section>', page, re.S).group(0)
    assert "@example.org" in invitations


def test_start_page_tells_an_evaluator_what_will_appear(app):
    evaluator = make_user(make_org(OrgKind.CITY.value), (Role.EVALUATOR.value,))
    page = html(as_user(app, evaluator).get("/start"))
    assert "Evaluation assigned to you" in page
    assert "When the evaluation of a challenge opens, the proposals you are asked to score appear here" in page


def test_start_page_queries_of_an_owner_are_bounded_whatever_the_number_of_requests(app, company):
    client = as_user(app, company["owner"])
    add_join_request(company["company"])
    add_invitation(company["company"], company["owner"])
    client.get("/start")
    with count_queries() as few:
        client.get("/start")
    for _n in range(15):
        add_join_request(company["company"])
        add_invitation(company["company"], company["owner"])
    with count_queries() as many:
        assert client.get("/start").status_code == 200
    assert len(few) == len(many) <= 10


def test_invitation_without_an_email_asks_for_the_invited_persons_address_keeping_what_was_typed(app, db, company):
    response = invite(app, company["owner"], company["company"], email="")
    assert response.status_code == 400
    message = error_next_to(html(response), "email")
    assert "Enter the email address of the person to invite." in message and "your" not in message
    assert 'value="Cole League"' in html(response)
