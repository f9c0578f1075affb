"""A pilot site's host is a person: an account linked at once, or an invitation that links the site on acceptance."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from auth.models import Invitation, Membership, User
from auth.permissions import roles_for
from auth.roles import Role
from challenges.models import Follow, PilotSite
from challenges.services.sites import HostStatus, host_contacts, save_sites
from core.audit import AuditEntry
from core.extensions import db
from core.models import utcnow
from tests.factories import PASSWORD, S, make_challenge, queries_of_get


pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def challenge(cast):
    """A draft of the city with one site, Kallion koulu, without a host."""
    return make_challenge(cast["city"], cast["officer"])


def _save(client, challenge, *rows: dict, version=None):
    """Post the sites form with the given rows (each: id, name, kind, host_name, host_email, remove)."""
    data = {"version": version or challenge.state_version}
    for index, row in enumerate(rows):
        data.update({f"sites-{index}-{key}": value for key, value in row.items()})
    return client.post(f"/manage/challenges/{challenge.id}/edit/sites", data=data)


def _site_row(challenge, email="", name="", **extra):
    """The challenge's first site as a form row naming its host."""
    site = challenge.sites[0]
    return {"id": site.id, "name": site.name, "kind": site.kind, "address": site.address or "", "host_name": name,
            "host_email": email, **extra}


def _fresh_site(site_id: int) -> PilotSite:
    """A site as the database holds it now."""
    db.session.expire_all()
    return db.session.get(PilotSite, site_id)


def _link(message) -> str:
    """The path of the invitation link in an email."""
    match = re.search(r"http://localhost(/invitations/[\w-]+)", message.body)
    assert match, message.body
    return match.group(1)


def _count(model, *where) -> int:
    """Rows of a model matching where."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- naming the host -----------------------------------------------------------------------

def test_site_host_with_an_account_is_linked_at_once_and_given_the_host_role(client, cast, challenge, login,
                                                                              make_user, outbox):
    host = make_user(email="rehtori@example.org", name="Riikka Rehtori")
    login(cast["officer"])
    response = _save(client, challenge, _site_row(challenge, " Rehtori@Example.org ", "Typed name"))
    assert response.status_code == 302
    site = _fresh_site(challenge.sites[0].id)
    assert (site.host_id, site.host_invitation_id) == (host.id, None)
    assert _count(Membership, Membership.user_id == host.id, Membership.organisation_id == cast["city"].id,
                  Membership.role == Role.HOST.value) == 1
    assert outbox == [] and _count(Invitation) == 0
    contact = host_contacts(challenge)[site.id]
    assert (contact.name, contact.email, contact.status) == ("Riikka Rehtori", "rehtori@example.org",
                                                            HostStatus.LINKED)
    entry = db.session.scalar(select(AuditEntry).filter_by(action="site_host_changed"))
    assert (entry.actor_id, entry.data["change"], entry.data["site"]) == (cast["officer"].id, "linked",
                                                                         "Kallion koulu")


def test_site_host_without_an_account_is_invited_by_email_after_commit(client, cast, challenge, login, outbox):
    login(cast["officer"])
    assert _save(client, challenge, _site_row(challenge, "uusi.rehtori@example.org", "Ulla Uusi")).status_code == 302
    invitation = db.session.scalar(select(Invitation))
    assert (invitation.email, invitation.name, invitation.role, invitation.organisation_id) == (
        "uusi.rehtori@example.org", "Ulla Uusi", Role.HOST.value, cast["city"].id)
    assert _fresh_site(challenge.sites[0].id).host_invitation_id == invitation.id
    [message] = outbox
    assert message.recipients == ["uusi.rehtori@example.org"]
    assert "Kallion koulu" in message.subject and "Koulujen sisäilma" in message.body
    html = client.get(f"/manage/challenges/{challenge.id}/edit/sites").get_data(as_text=True)
    assert "invited, has not accepted yet" in html and 'value="uusi.rehtori@example.org"' in html


def test_site_host_invitation_accepted_as_a_new_account_links_the_site(client, cast, challenge, login, outbox):
    login(cast["officer"])
    _save(client, challenge, _site_row(challenge, "uusi.rehtori@example.org", "Ulla Uusi"))
    client.post("/logout")
    response = client.post(_link(outbox[-1]), data={"name": "Ulla Uusi", "password": PASSWORD,
                                                    "password_confirm": PASSWORD, "accept_terms": "y"})
    assert response.status_code == 302
    host = db.session.scalar(select(User).filter_by(email="uusi.rehtori@example.org"))
    site = _fresh_site(challenge.sites[0].id)
    assert (site.host_id, site.host_invitation_id) == (host.id, None)
    assert host_contacts(challenge)[site.id].status is HostStatus.LINKED
    assert "host" in roles_for(host, challenge) and "host" in roles_for(host, site)
    entry = db.session.scalar(select(AuditEntry).filter_by(action="site_host_accepted"))
    assert (entry.object_type, entry.object_id, entry.actor_id) == ("challenges", challenge.id, host.id)


def test_site_host_invitation_for_two_sites_is_one_email_and_links_both(client, cast, challenge, login, outbox,
                                                                         make_user):
    other = make_challenge(cast["city"], cast["officer"], title_fi="Toinen haaste")
    login(cast["officer"])
    _save(client, challenge, _site_row(challenge, "rehtori@example.org"))
    _save(client, other, _site_row(other, "rehtori@example.org"))
    assert len(outbox) == 1 and _count(Invitation) == 1
    client.post("/logout")
    host = login(make_user(email="rehtori@example.org"))  # registered on their own in the meantime
    assert client.post(_link(outbox[0])).status_code == 302
    assert {_fresh_site(c.sites[0].id).host_id for c in (challenge, other)} == {host.id}


def test_site_host_changed_or_removed_withdraws_the_invitation_nobody_waits_for(client, cast, challenge, login,
                                                                                outbox):
    login(cast["officer"])
    _save(client, challenge, _site_row(challenge, "eka@example.org"))
    db.session.expire_all()
    _save(client, challenge, _site_row(challenge, "toka@example.org"))
    first, second = db.session.scalars(select(Invitation).order_by(Invitation.id)).all()
    assert first.revoked_at is not None and second.is_open
    assert [m.recipients for m in outbox] == [["eka@example.org"], ["toka@example.org"]]
    db.session.expire_all()
    _save(client, challenge, _site_row(challenge, ""))
    db.session.expire_all()
    assert db.session.get(Invitation, second.id).revoked_at is not None
    assert not _fresh_site(challenge.sites[0].id).has_host
    withdrawn = client.get(_link(outbox[-1]))
    assert withdrawn.status_code >= 400 and 'name="password"' not in withdrawn.get_data(as_text=True)
    assert _count(User, User.email == "toka@example.org") == 0


def test_site_host_invitation_stays_open_while_another_site_waits_for_it(client, cast, challenge, login):
    login(cast["officer"])
    site = challenge.sites[0]
    _save(client, challenge, _site_row(challenge, "rehtori@example.org"),
          {"name": "Pasilan kirjasto", "kind": "library", "host_email": "rehtori@example.org"})
    db.session.expire_all()
    second = max(s.id for s in _fresh_site(site.id).challenge.sites)
    _save(client, challenge, _site_row(challenge, ""),
          {"id": second, "name": "Pasilan kirjasto", "kind": "library", "host_email": "rehtori@example.org"})
    invitation = db.session.scalar(select(Invitation))
    assert invitation.is_open and _fresh_site(second).host_invitation_id == invitation.id
    assert not _fresh_site(site.id).has_host


def test_site_host_lapsed_invitation_is_sent_again_on_the_next_save(client, cast, challenge, login, outbox):
    login(cast["officer"])
    _save(client, challenge, _site_row(challenge, "rehtori@example.org"))
    invitation = db.session.scalar(select(Invitation))
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/manage/challenges/{challenge.id}/edit/sites").get_data(as_text=True)
    assert "the invitation expired or was withdrawn" in html
    db.session.expire_all()
    _save(client, challenge, _site_row(challenge, "rehtori@example.org"))
    assert len(outbox) == 2 and _count(Invitation) == 2
    assert host_contacts(challenge)[challenge.sites[0].id].status is HostStatus.INVITED


def test_site_host_typed_before_accounts_is_invited_on_the_next_save(client, cast, challenge, login, outbox):
    site = challenge.sites[0]
    site.uninvited_host_name, site.uninvited_host_email = "Vanha Rehtori", "vanha@example.org"
    db.session.commit()
    login(cast["officer"])
    html = client.get(f"/manage/challenges/{challenge.id}/edit/sites").get_data(as_text=True)
    assert "not invited yet" in html and 'value="vanha@example.org"' in html and 'value="Vanha Rehtori"' in html
    db.session.expire_all()
    _save(client, challenge, _site_row(challenge, "vanha@example.org", "Vanha Rehtori"))
    site = _fresh_site(site.id)
    assert (site.uninvited_host_name, site.uninvited_host_email) == (None, None)
    assert [m.recipients for m in outbox] == [["vanha@example.org"]]
    assert host_contacts(challenge)[site.id].status is HostStatus.INVITED


def test_site_host_unchanged_is_not_invited_again(client, cast, challenge, login, outbox):
    login(cast["officer"])
    _save(client, challenge, _site_row(challenge, "rehtori@example.org"))
    db.session.expire_all()
    response = _save(client, challenge, _site_row(challenge, "Rehtori@example.org"))
    assert response.status_code == 302 and len(outbox) == 1
    assert "Nothing was changed." in client.get(response.headers["Location"]).get_data(as_text=True)


# --- refusals ------------------------------------------------------------------------------

@pytest.mark.parametrize("name, email, message", [
    ("Riikka", "", "Give the contact person&#39;s email address"),
    ("", "not-an-email", "Enter a valid email address"),
])
def test_site_host_incomplete_is_refused_next_to_the_email(client, cast, challenge, login, outbox, name, email,
                                                            message):
    login(cast["officer"])
    response = _save(client, challenge, _site_row(challenge, email, name))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert re.search(rf'id="sites-0-host_email-error"[^>]*>\s*{message}', html)
    assert outbox == [] and not _fresh_site(challenge.sites[0].id).has_host


def test_site_host_with_a_deactivated_account_is_refused(cast, challenge, make_user):
    make_user(email="poissa@example.org").active = False
    db.session.commit()
    with pytest.raises(Exception, match="no longer in use"):
        save_sites(challenge, cast["officer"], [_site_row(challenge, "poissa@example.org")])
    assert not challenge.sites[0].has_host


# --- what the host is ----------------------------------------------------------------------

def test_site_host_role_belongs_to_the_named_site_and_needs_the_city_role(cast, challenge, make_user):
    host = make_user(email="rehtori@example.org")
    save_sites(challenge, cast["officer"], [
        _site_row(challenge, "rehtori@example.org"), {"id": None, "name": "Puisto", "kind": "park"}])
    db.session.commit()
    hosted, other = challenge.sites
    assert "host" in roles_for(host, challenge) and "host" in roles_for(host, hosted)
    assert "host" not in roles_for(host, other)
    assert "officer" in roles_for(cast["officer"], hosted) and "host" not in roles_for(cast["officer"], hosted)
    for person in ("company_owner", "decision_maker", "other_city_officer"):
        assert "host" not in roles_for(cast[person], challenge), person
    db.session.delete(db.session.scalar(select(Membership).filter_by(user_id=host.id, role=Role.HOST.value)))
    db.session.commit()
    db.session.expire_all()
    assert "host" not in roles_for(db.session.get(User, host.id), challenge)  # withdrawn by the city's admin


def test_site_host_change_is_audited_but_not_told_to_followers(client, cast, challenge, login, outbox):
    challenge.state, challenge.published_at = S.MARKET_DIALOGUE.value, utcnow()
    db.session.add(Follow(user=cast["company_owner"], challenge=challenge))
    db.session.commit()
    version = challenge.state_version
    login(cast["officer"])
    assert _save(client, challenge, _site_row(challenge, "rehtori@example.org")).status_code == 302
    assert [m.recipients for m in outbox] == [["rehtori@example.org"]]  # the invitation, no news to followers
    db.session.expire_all()
    assert challenge.state_version > version  # a sites form opened before is now stale
    html = client.get(f"/manage/challenges/{challenge.id}").get_data(as_text=True)
    assert "Pilot site contact person changed" in html and "rehtori@example.org" in html


def test_site_hosts_on_staff_pages_cost_the_same_queries_for_one_site_and_many(client, cast, login, make_user):
    login(cast["officer"])
    small, large = (make_challenge(cast["city"], cast["officer"], title_fi=f"Haaste {n}") for n in (1, 2))
    save_sites(small, cast["officer"], [_site_row(small, "kutsuttu0@example.org")])
    rows = [_site_row(large, "kutsuttu0@example.org")]
    for n in range(12):
        email = make_user().email if n % 2 else f"kutsuttu{n}@example.org"
        rows.append({"id": None, "name": f"Koulu {n}", "kind": "school", "host_email": email})
    save_sites(large, cast["officer"], rows)
    db.session.commit()
    for page in ("/manage/challenges/{}", "/manage/challenges/{}/edit/sites", "/challenges/{}"):
        assert queries_of_get(client, page.format(small.id)) == queries_of_get(client, page.format(large.id)), page
