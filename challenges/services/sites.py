"""A challenge's pilot sites (the schools, day-care centres and other places where pilots run) and their hosts.

A site belongs to one of the challenge's owning cities (a new one to the lead)
and may name its host, the contact person there (DESIGN.md's pilot host). An
address that already has an account is linked at once and given the host role
in the site's city; any other address is invited by email, sent after commit
through the auth package's invitations, and accepting links every site waiting
for that invitation. Who hosts a site is for the city's staff: the public never
sees it, and a change of host is audited without telling the followers.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.models import Invitation, Organisation, User
from auth.roles import Role
from auth.services.accounts import add_membership, find_user_by_email, normalise_email
from auth.services.invitations import invite, on_accepted, open_invitation, revoke_invitation
from challenges.models import Challenge, PilotSite, SiteKind
from challenges.ownership import lead_city
from challenges.services.challenges import assign, check_version, clean, record_change
from core import audit
from core.enums import LabelledEnum
from core.extensions import db
from core.models import utcnow
from core.refusals import Refused

MAX_SITES = 30
SITE_FIELDS = ("name", "kind", "address")
HOST_FIELDS = ("host_name", "host_email")
ROW_FIELDS = SITE_FIELDS + HOST_FIELDS


class HostStatus(LabelledEnum):
    """How far a site's host is from being a linked account."""

    LINKED = "linked", _l("has an account")
    INVITED = "invited", _l("invited, has not accepted yet")
    LAPSED = "lapsed", _l("the invitation expired or was withdrawn: saving the sites sends a new one")
    NOT_INVITED = "not_invited", _l("not invited yet: saving the sites sends the invitation")
    NO_ADDRESS = "no_address", _l("no email address: add one so that they can be invited")


@dataclass(frozen=True)
class HostContact:
    """Who hosts a site, as the city's staff see it."""

    name: str | None
    email: str | None
    status: HostStatus
    expires_at: datetime | None = None

    @property
    def status_label(self):
        """The translated status."""
        return self.status.label


def _contact(row: Any) -> HostContact | None:
    """A site's host from one row of host_contacts()'s query."""
    if row.user_email is not None:
        return HostContact(row.user_name, row.user_email, HostStatus.LINKED)
    if row.invitation_email is not None:
        still_open = (row.accepted_at is None and row.revoked_at is None and row.expires_at > utcnow())
        return HostContact(row.invitation_name, row.invitation_email,
                           HostStatus.INVITED if still_open else HostStatus.LAPSED, row.expires_at)
    if row.uninvited_host_email:
        return HostContact(row.uninvited_host_name, row.uninvited_host_email, HostStatus.NOT_INVITED)
    if row.uninvited_host_name:
        return HostContact(row.uninvited_host_name, None, HostStatus.NO_ADDRESS)
    return None


def host_contacts(challenge: Challenge) -> dict[int, HostContact]:
    """The host of each of the challenge's sites, by site id, in one query (sites without one left out)."""
    stmt = (select(PilotSite.id, User.name.label("user_name"), User.email.label("user_email"),
                   Invitation.name.label("invitation_name"), Invitation.email.label("invitation_email"),
                   Invitation.expires_at, Invitation.accepted_at, Invitation.revoked_at,
                   PilotSite.uninvited_host_name, PilotSite.uninvited_host_email)
            .outerjoin(User, User.id == PilotSite.host_id)
            .outerjoin(Invitation, Invitation.id == PilotSite.host_invitation_id)
            .where(PilotSite.challenge_id == challenge.id))
    contacts = {row.id: _contact(row) for row in db.session.execute(stmt)}
    return {site_id: contact for site_id, contact in contacts.items() if contact is not None}


# --- checking what was typed ---------------------------------------------------------------

def too_many_sites() -> str:
    """The message when a challenge would get more sites than MAX_SITES."""
    return _("A challenge can have at most %(n)d pilot sites. Remove one before adding another.", n=MAX_SITES)


def _host_error(row: dict[str, Any]) -> str | None:
    """Why a row's host cannot be named, if it cannot."""
    email = row.get("host_email")
    if not email:
        return _("Give the contact person's email address: they are invited by email.") if row.get(
            "host_name") else None
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return _("Enter a valid email address.")
    account = find_user_by_email(email)
    if account is not None and not account.is_active:
        return _("This address belongs to an account that is no longer in use. Name another contact person.")
    return None


def _site_errors(index: int, row: dict[str, Any]) -> dict[Any, Any]:
    """Messages for one site row, keyed ("sites", index, field)."""
    errors: dict[Any, Any] = {}
    if not row.get("name"):
        errors[("sites", index, "name")] = _("Name the site.")
    if row.get("kind") not in {k.value for k in SiteKind}:
        errors[("sites", index, "kind")] = _("Choose the kind of site.")
    host_error = _host_error(row)
    if host_error:
        errors[("sites", index, "host_email")] = host_error
    return errors


def _row_errors(rows: list[dict[str, Any]], by_id: dict[int, PilotSite]) -> dict[Any, Any]:
    """Every message about the rows: unknown sites, incomplete rows, too many sites."""
    errors: dict[Any, Any] = {}
    for index, row in enumerate(rows):
        if row.get("id") is not None and row["id"] not in by_id:
            errors[("sites", index, "name")] = _("This site is no longer part of the challenge.")
        elif not row.get("remove"):
            errors.update(_site_errors(index, row))
    removed = {row["id"] for row in rows if row.get("remove") and row.get("id") in by_id}
    new = [index for index, row in enumerate(rows) if row.get("id") is None and not row.get("remove")]
    if new and len(by_id) - len(removed) + len(new) > MAX_SITES:
        errors[("sites", new[-1], "name")] = too_many_sites()
    return errors


# --- hosts ---------------------------------------------------------------------------------

def _audit_host(challenge: Challenge, site: PilotSite, actor: User | None, change: str) -> None:
    """File a change of host under the challenge (the public never sees hosts: followers are not told)."""
    audit.record("site_host_changed", challenge, actor, data={"site_id": site.id, "site": site.name,
                                                              "change": change})


def _release_host(site: PilotSite, actor: User | None) -> bool:
    """Unname the site's host; an invitation no other site waits for is withdrawn. True if one was named."""
    had_host, invitation_id = site.has_host, site.host_invitation_id
    site.host_id = site.host_invitation_id = None
    site.uninvited_host_name = site.uninvited_host_email = None
    if invitation_id is not None:
        db.session.flush()
        shared = db.session.scalar(select(PilotSite.id).where(PilotSite.host_invitation_id == invitation_id)
                                   .limit(1))
        if shared is None:
            revoke_invitation(db.session.get(Invitation, invitation_id), actor)
    return had_host


def _site_city(site: PilotSite) -> Organisation:
    """The owning city a site belongs to, which hands its host the host role (already loaded with the challenge)."""
    return db.session.get(Organisation, site.city_id)


def _invite_host(challenge: Challenge, site: PilotSite, actor: User, email: str, name: str | None) -> int:
    """The id of the open host invitation of this address in the site's city, sent now if there is none."""
    city = _site_city(site)
    existing = open_invitation(city, email, Role.HOST.value)
    if existing is not None:  # one person, one invitation, however many sites wait for it
        return existing.id
    return invite(city, email, name, Role.HOST.value, challenge.language, actor,
                  email_event="host_invitation", site=site, challenge=challenge).id


def _set_host(challenge: Challenge, site: PilotSite, actor: User, email: str | None,
              name: str | None) -> bool:
    """Name the site's host by email: link an account, or invite; True when the host changed."""
    if not email:
        changed = _release_host(site, actor)
        if changed:
            _audit_host(challenge, site, actor, "removed")
        return changed
    email = normalise_email(email)
    account = find_user_by_email(email)
    if account is not None:
        if site.host_id == account.id:
            return False
        _release_host(site, actor)
        site.host_id = account.id
        add_membership(account, _site_city(site), Role.HOST.value, actor=actor)
        _audit_host(challenge, site, actor, "linked")
        return True
    current = db.session.get(Invitation, site.host_invitation_id) if site.host_invitation_id else None
    if current is not None and current.email == email and current.is_open:
        return False
    _release_host(site, actor)
    site.host_invitation_id = _invite_host(challenge, site, actor, email, name)
    _audit_host(challenge, site, actor, "invited")
    return True


@on_accepted
def _link_waiting_sites(invitation: Invitation, user: User) -> None:
    """The person accepted a host invitation: every site that waits for it now names their account."""
    sites = db.session.scalars(select(PilotSite).where(PilotSite.host_invitation_id == invitation.id)).all()
    for site in sites:
        site.host_invitation_id, site.host_id = None, user.id
        audit.record("site_host_accepted", site.challenge, user, data={"site_id": site.id, "site": site.name})
    db.session.flush()


# --- saving the sites ----------------------------------------------------------------------

def save_sites(challenge: Challenge, user: User, rows: list[dict[str, Any]], *,
               seen_version: Any = None) -> list[str]:
    """Add, edit and remove pilot sites and name their hosts in one go.

    A row has `id` (None for a new site), `remove`, the site's fields and its
    host's name and email. Returns the changed fields ("site_hosts" when only
    hosts changed, which the public does not see).
    """
    check_version(challenge, seen_version)
    by_id = {s.id: s for s in challenge.sites}
    rows = [{**row, **{k: clean(row.get(k)) for k in ROW_FIELDS}} for row in rows]
    errors = _row_errors(rows, by_id)
    if errors:
        raise Refused.with_errors(errors)
    changed = hosts_changed = False
    for row in rows:
        site = by_id.get(row.get("id"))
        if row.get("remove"):
            if site is not None:
                _release_host(site, user)
                challenge.sites.remove(site)
                changed = True
            continue
        if site is None:
            site = PilotSite(city_id=lead_city(challenge).id, **{k: row[k] for k in SITE_FIELDS})
            challenge.sites.append(site)
            db.session.flush()
            changed = True
        else:
            changed = bool(assign(site, row, SITE_FIELDS)) or changed
        hosts_changed = _set_host(challenge, site, user, row["host_email"], row["host_name"]) or hosts_changed
    if hosts_changed:
        challenge.updated_at = utcnow()  # a new version: a form loaded before is stale
    record_change(challenge, user, ["sites"] if changed else [])
    return ["sites"] if changed else ["site_hosts"] if hosts_changed else []
