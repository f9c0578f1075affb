"""Company self-registration, email verification, join requests and password reset."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from auth.models import Membership, MembershipStatus, Organisation, OrgKind, TokenPurpose, User, UserToken
from auth.passwords import hash_password
from auth.roles import Role
from auth.services.accounts import add_membership, create_user, find_user_by_email, normalise_email
from auth.tokens import RESET_PASSWORD_LIFETIME, VERIFY_EMAIL_LIFETIME, consume, issue_user_token
from core import audit
from core.extensions import db
from core.jobs import enqueue_after_commit
from core.links import absolute_url
from core.mail import queue_email
from core.models import utcnow
from core.pagination import Page, keyset_page
from core.refusals import Refused

TERMS_VERSION = "2026-01"
NEW_COMPANY = "new"
JOIN_COMPANY = "join"
REQUESTS_PAGE_SIZE = 50


@dataclass
class Registration:
    """What a company user typed on the registration form."""

    name: str
    email: str
    password: str
    locale: str
    company_action: str
    business_id: str
    company_name: str | None = None


def _company_by_business_id(business_id: str) -> Organisation | None:
    """The active company with this business ID, if registered."""
    return db.session.scalar(select(Organisation).where(
        Organisation.business_id == business_id, Organisation.kind == OrgKind.COMPANY.value,
        Organisation.is_active.is_(True)))


def _check_company(reg: Registration) -> Organisation | None:
    """Refuse a business ID that cannot be used as asked; the company to join when joining.

    Checked the same way whether or not the address has an account, so that the
    answer tells nothing about the address (business IDs are public anyway).
    """
    taken = db.session.scalar(select(Organisation).where(Organisation.business_id == reg.business_id))
    if reg.company_action == NEW_COMPANY and taken is not None:
        raise Refused(_l("A company with this business ID is already registered. Choose “Join a company "
                         "already registered” to ask its owners to let you in."), "business_id")
    if reg.company_action == JOIN_COMPANY:
        company = _company_by_business_id(reg.business_id)
        if company is None:
            raise Refused(_l("No company with this business ID is registered. "
                             "Check the number, or choose “Register a new company”."), "business_id")
        return company
    return None


def _slugify(text: str) -> str:
    """A lower-case ASCII slug of a name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "company"


def _unique_slug(name: str, business_id: str) -> str:
    """The name's slug, made unique with the business ID when it is taken."""
    slug = _slugify(name)
    if db.session.scalar(select(Organisation.id).where(Organisation.slug == slug)) is None:
        return slug
    return f"{slug}-{business_id}"


def _create_company(reg: Registration, owner: User) -> Organisation:
    """A new company with the registering user as its owner."""
    name = (reg.company_name or "").strip()
    company = Organisation(kind=OrgKind.COMPANY.value, name=name, business_id=reg.business_id,
                           slug=_unique_slug(name, reg.business_id))
    db.session.add(company)
    db.session.flush()
    audit.record("organisation_created", company, owner, data={"business_id": company.business_id})
    add_membership(owner, company, Role.OWNER.value, actor=owner)
    return company


def active_owners(company: Organisation) -> list[User]:
    """Owners in force of a company, whose accounts can still be used."""
    return list(db.session.scalars(
        select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == company.id, Membership.role == Role.OWNER.value,
               Membership.status == MembershipStatus.ACTIVE.value,
               User.active.is_(True), User.anonymised_at.is_(None))
        .order_by(User.id)))


def _request_to_join(user: User, company: Organisation) -> Membership:
    """A pending membership; every owner is asked to approve it by email."""
    membership = add_membership(user, company, Role.MEMBER.value, actor=user,
                                status=MembershipStatus.PENDING.value)
    link = absolute_url("auth.join_requests", org_id=company.id)
    for owner in active_owners(company):
        queue_email("join_request", to=owner.email, locale=owner.locale, owner=owner,
                    requester=user, company=company, link=link)
    return membership


def send_verification(user: User) -> None:
    """Email a fresh link that confirms the user's address (valid 48 hours)."""
    raw = issue_user_token(user, TokenPurpose.VERIFY_EMAIL, VERIFY_EMAIL_LIFETIME)
    queue_email("verify_email", to=user.email, locale=user.locale, user=user,
                link=absolute_url("auth.verify_email", token=raw), hours=48)


def _tell_owner_of_registration_attempt(owner: User, password: str) -> None:
    """Someone registered with an address that has an account: its owner is told, nothing else happens."""
    if owner.is_active:
        queue_email("registration_attempt", to=owner.email, locale=owner.locale, user=owner,
                    login_link=absolute_url("auth.login"),
                    reset_link=absolute_url("auth.request_password_reset"))
    # Hashing is what creating an account costs most; paying it here too keeps the time uninformative.
    hash_password(password)


def register_company_user(reg: Registration) -> User | None:
    """Create an account for a company's person: a new company they own, or a request to join one.

    Everything is checked before anything is created, so a refusal leaves nothing behind. An
    address that already has an account gets an email instead and None is returned: the page
    answers as for a new account, so registration never tells whether an address is known.
    """
    company = _check_company(reg)
    existing = find_user_by_email(reg.email)
    if existing is not None:
        _tell_owner_of_registration_attempt(existing, reg.password)
        return None
    user = create_user(reg.email, reg.name, reg.password, locale=reg.locale, terms_version=TERMS_VERSION)
    audit.record("user_registered", user, user, data={"company_action": reg.company_action,
                                                      "terms_version": TERMS_VERSION})
    if company is None:
        _create_company(reg, user)
    else:
        _request_to_join(user, company)
    send_verification(user)
    return user


def verify_email(token: UserToken) -> User:
    """Confirm the address a checked verification token was sent to."""
    user = token.user
    consume(token)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record("email_verified", user, user)
    return user


def ask_for_verification_link(email: str) -> None:
    """Queue a new verification link for after the response, whether or not the address has an account."""
    from auth.jobs import send_verification_link

    enqueue_after_commit(send_verification_link, normalise_email(email))


def ask_for_password_reset(email: str) -> None:
    """Queue the reset for after the response: the request itself is the same for known and unknown addresses.

    Looking the account up, storing a token, auditing and rendering the email
    took 33 ms for a known address against 12 ms for an unknown one, which told
    anyone timing the form which addresses have accounts.
    """
    from auth.jobs import send_password_reset_link

    enqueue_after_commit(send_password_reset_link, normalise_email(email))


def resend_verification(email: str) -> None:
    """Send a new verification link, but only to an existing account that is not yet verified."""
    user = find_user_by_email(email)
    if user is not None and user.is_active and not user.is_verified:
        send_verification(user)


def request_password_reset(email: str) -> None:
    """Email a reset link (valid one hour) when an active account has this address; else nothing."""
    user = find_user_by_email(email)
    if user is None or not user.is_active:
        return
    raw = issue_user_token(user, TokenPurpose.RESET_PASSWORD, RESET_PASSWORD_LIFETIME)
    audit.record("password_reset_requested", user, None)
    queue_email("password_reset", to=user.email, locale=user.locale, user=user,
                link=absolute_url("auth.reset_password", token=raw))


def reset_password(token: UserToken, password: str) -> User:
    """Set a new password with a checked reset token; every old session of the user ends."""
    user = token.user
    consume(token)
    user.password_hash = hash_password(password)
    user.session_version += 1
    if user.email_verified_at is None:  # the emailed link proved the address
        user.email_verified_at = utcnow()
    audit.record("password_reset", user, user)
    return user


def pending_requests(company: Organisation, after: int | None = None,
                     size: int = REQUESTS_PAGE_SIZE) -> Page[Membership]:
    """A page of the requests to join a company, oldest first (users loaded in the same query)."""
    stmt = select(Membership).where(Membership.organisation_id == company.id,
                                    Membership.status == MembershipStatus.PENDING.value)
    return keyset_page(stmt, (Membership.created_at, Membership.id), after, size, cursor=Membership.id)


def approve_join_request(membership: Membership, actor: User) -> Membership:
    """Let a pending requester into the company and tell them."""
    membership.status = MembershipStatus.ACTIVE.value
    audit.record("membership_approved", membership.user, actor, from_state=MembershipStatus.PENDING.value,
                 to_state=MembershipStatus.ACTIVE.value,
                 data={"organisation_id": membership.organisation_id, "role": membership.role})
    user, company = membership.user, membership.organisation
    queue_email("join_request_approved", to=user.email, locale=user.locale, user=user, company=company,
                link=absolute_url("auth.login"))
    return membership


def reject_join_request(membership: Membership, actor: User) -> None:
    """Refuse a pending request: the row goes, the audit row and an email to the requester stay."""
    user, company = membership.user, membership.organisation
    audit.record("membership_rejected", user, actor, from_state=MembershipStatus.PENDING.value,
                 data={"organisation_id": company.id, "role": membership.role})
    db.session.delete(membership)
    db.session.flush()
    queue_email("join_request_rejected", to=user.email, locale=user.locale, user=user, company=company)

