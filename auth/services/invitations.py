"""Invitations to a city's roles: sent by its admins, accepted through an emailed link.

Other packages invite too (a challenge's pilot site names its contact person)
and learn of the acceptance through `on_accepted` hooks, so this module needs
to know nothing about them.
"""
from __future__ import annotations

from typing import Any, Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, select

from auth.models import Invitation, Membership, Organisation, User
from auth.permissions import can_accept_invitation
from auth.services.accounts import add_membership, create_user, find_user_by_email, normalise_email
from auth.services.registration import TERMS_VERSION
from auth.tokens import INVITATION_LIFETIME
from core import audit
from core.extensions import db
from core.links import absolute_url
from core.mail import queue_email
from core.models import utcnow
from core.pagination import Page, keyset_page
from core.refusals import Refused
from core.tokens import new_token

PAGE_SIZE = 50

AcceptanceHook = Callable[[Invitation, User], None]
_acceptance_hooks: list[AcceptanceHook] = []


def on_accepted(hook: AcceptanceHook) -> AcceptanceHook:
    """Register hook(invitation, user), run in the transaction that accepts any invitation."""
    _acceptance_hooks.append(hook)
    return hook


def _open(organisation: Organisation) -> Select:
    """Invitations of an organisation not yet accepted, revoked or expired."""
    return select(Invitation).where(Invitation.organisation_id == organisation.id,
                                    Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None),
                                    Invitation.expires_at > utcnow())


def open_invitations(organisation: Organisation, after: int | None = None,
                     size: int = PAGE_SIZE) -> Page[Invitation]:
    """A page of the organisation's open invitations, newest first."""
    return keyset_page(_open(organisation), (Invitation.created_at.desc(), Invitation.id.desc()), after, size,
                       cursor=Invitation.id)


def open_invitation(organisation: Organisation, email: str, role: str) -> Invitation | None:
    """The open invitation of this address to this role in the organisation, if there is one."""
    return db.session.scalars(_open(organisation).where(Invitation.email == normalise_email(email),
                                                        Invitation.role == role)).first()


def _check_invitation(organisation: Organisation, email: str, role: str, actor: User) -> None:
    """Refuse an invitation to oneself, or one that would change nothing or duplicate an open one."""
    if normalise_email(actor.email) == email:
        raise Refused(_l("You cannot invite yourself: another administrator gives you new roles."), "email")
    user = find_user_by_email(email)
    if user is not None and db.session.scalar(select(Membership.id).filter_by(
            user_id=user.id, organisation_id=organisation.id, role=role)) is not None:
        raise Refused(_l("This person already has that role in the organisation."), "email")
    if open_invitation(organisation, email, role) is not None:
        raise Refused(_l("An invitation to this address for this role is already open. "
                         "Revoke it first if you want to send a new one."), "email")


def invite(organisation: Organisation, email: str, name: str | None, role: str, locale: str,
           actor: User, *, email_event: str = "invitation", **context: Any) -> Invitation:
    """Invite a person by email to a role in the organisation (valid seven days).

    A package that invites for a purpose of its own sends its own email
    (`email_event`, with `context` for the template) around the same link.
    """
    email = normalise_email(email)
    _check_invitation(organisation, email, role, actor)
    raw, digest = new_token()
    invitation = Invitation(email=email, name=(name or "").strip() or None, organisation=organisation,
                            role=role, locale=locale, token_hash=digest, invited_by=actor,
                            expires_at=utcnow() + INVITATION_LIFETIME)
    db.session.add(invitation)
    db.session.flush()
    audit.record("invitation_sent", invitation, actor,
                 data={"organisation_id": organisation.id, "email": email, "role": role})
    queue_email(email_event, to=email, locale=locale, invitation=invitation, organisation=organisation,
                link=absolute_url("auth.accept_invitation", token=raw), days=INVITATION_LIFETIME.days, **context)
    return invitation


def revoke_invitation(invitation: Invitation, actor: User) -> bool:
    """Withdraw an open invitation; False when it was already accepted or revoked."""
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        return False
    invitation.revoked_at = utcnow()
    audit.record("invitation_revoked", invitation, actor, data={"email": invitation.email})
    return True


def _accept(invitation: Invitation, user: User) -> Membership:
    """Give the invited role, close the invitation and let the packages that invited act on it."""
    invitation.accepted_at = utcnow()
    membership = add_membership(user, invitation.organisation, invitation.role, actor=invitation.invited_by)
    audit.record("invitation_accepted", invitation, user,
                 data={"organisation_id": invitation.organisation_id, "role": invitation.role})
    for hook in _acceptance_hooks:
        hook(invitation, user)
    return membership


def accept_invitation(invitation: Invitation, user: User) -> Membership:
    """An existing account, logged in as the invited address, takes up the invitation (unless it sent it)."""
    if not can_accept_invitation(user, invitation):
        raise PermissionError("the invitation is for another address, or was sent by its holder")
    return _accept(invitation, user)


def accept_invitation_as_new_user(invitation: Invitation, name: str, password: str) -> User:
    """Create a verified account for the invited address (the link proved it) and give the role."""
    if find_user_by_email(invitation.email) is not None:
        raise Refused(_l("An account with this email address already exists. Log in to accept."), "name")
    user = create_user(invitation.email, name, password, locale=invitation.locale, verified=True,
                       terms_version=TERMS_VERSION)
    audit.record("user_registered", user, user, data={"invitation_id": invitation.id,
                                                      "terms_version": TERMS_VERSION})
    _accept(invitation, user)
    return user
