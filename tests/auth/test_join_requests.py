"""Requests to join a company: seen, approved and refused by its owners only."""
import pytest
from sqlalchemy import select

from auth.models import Membership
from auth.services.accounts import add_membership
from core.audit import AuditEntry


pytestmark = pytest.mark.usefixtures("english")  # pages in English, whatever translations exist


@pytest.fixture
def company(make_org):
    """A registered company."""
    return make_org("company")


@pytest.fixture
def pending(db, company, make_user):
    """A pending request to join the company, from a user writing in Swedish."""
    user = make_user(email="requester@example.org", name="Requester Person", locale="sv")
    membership = add_membership(user, company, "member", actor=user, status="pending")
    db.session.commit()
    return membership


def urls(org_id, membership_id):
    """The list, approve and reject addresses."""
    base = f"/organisations/{org_id}/requests"
    return base, f"{base}/{membership_id}/approve", f"{base}/{membership_id}/reject"


def test_join_requests_owner_sees_pending_requests(client, login_as, company, pending):
    login_as("company_owner", org=company)
    listing, approve, reject = urls(company.id, pending.id)
    html = client.get(listing).get_data(as_text=True)
    assert "Requester Person" in html and "requester@example.org" in html
    assert f'action="{approve}"' in html and f'action="{reject}"' in html


def test_join_requests_owner_approves(client, db, outbox, login_as, company, pending):
    owner = login_as("company_owner", org=company)
    _, approve, _ = urls(company.id, pending.id)
    response = client.post(approve)
    assert response.status_code == 302
    db.session.refresh(pending)
    assert pending.status == "active"
    entry = db.session.scalar(select(AuditEntry).filter_by(action="membership_approved"))
    assert (entry.actor_id, entry.from_state, entry.to_state) == (owner.id, "pending", "active")
    [message] = outbox
    assert message.recipients == ["requester@example.org"]
    assert "Requester Person" in message.body
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "There are no requests waiting" in html


def test_join_requests_owner_rejects(client, db, outbox, login_as, company, pending):
    login_as("company_owner", org=company)
    _, _, reject = urls(company.id, pending.id)
    membership_id = pending.id
    assert client.post(reject).status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, membership_id) is None
    entry = db.session.scalar(select(AuditEntry).filter_by(action="membership_rejected"))
    assert entry.data["organisation_id"] == company.id
    assert [m.recipients for m in outbox] == [["requester@example.org"]]


def test_join_requests_platform_admin_may_approve(client, db, login_as, company, pending):
    login_as("platform_admin")
    _, approve, _ = urls(company.id, pending.id)
    assert client.post(approve).status_code == 302


@pytest.mark.parametrize("role", ["company_member", "other_owner", "city_admin", "user"])
def test_join_requests_refused_to_others(client, db, login_as, company, pending, role):
    if role == "company_member":
        login_as("company_member", org=company)
    elif role == "other_owner":
        login_as("company_owner")
    else:
        login_as(role)
    listing, approve, reject = urls(company.id, pending.id)
    assert client.get(listing).status_code == 403
    assert client.post(approve).status_code == 403
    assert client.post(reject).status_code == 403
    db.session.refresh(pending)
    assert pending.status == "pending"


def test_join_requests_anonymous_is_sent_to_login(client, company, pending):
    listing, approve, _ = urls(company.id, pending.id)
    for response in (client.get(listing), client.post(approve)):
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_join_requests_another_companys_request_is_not_found(client, db, login_as, make_org, company,
                                                            pending):
    other = make_org("company")
    login_as("company_owner", org=other)
    _, approve, reject = urls(other.id, pending.id)
    assert client.post(approve).status_code == 404
    assert client.post(reject).status_code == 404
    db.session.refresh(pending)
    assert pending.status == "pending"


def test_join_requests_unknown_ids_are_not_found(client, login_as, company, pending):
    login_as("company_owner", org=company)
    assert client.get("/organisations/99999/requests").status_code == 404
    _, approve, _ = urls(company.id, 99999)
    assert client.post(approve).status_code == 404


def test_join_requests_active_membership_cannot_be_approved_again(client, login_as, company):
    owner = login_as("company_owner", org=company)
    _, approve, reject = urls(company.id, owner.memberships[0].id)
    assert client.post(approve).status_code == 404
    assert client.post(reject).status_code == 404
