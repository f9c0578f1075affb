"""Accounts: finding, creating and authenticating users, and giving them roles."""
from __future__ import annotations

from sqlalchemy import func, select

from auth.models import Membership, MembershipStatus, Organisation, User
from auth.passwords import hash_password, needs_rehash, verify_password
from core import audit
from core.extensions import db
from core.models import utcnow


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding spaces."""
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The account with this email, if any."""
    return db.session.scalar(select(User).where(func.lower(User.email) == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The user when email and password match an active account; audits the attempt.

    An unverified account is returned (so the page can say what to do) but not logged in.
    """
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        audit.record("login_failed", user, None, data={"reason": "credentials" if not ok else "inactive"})
        return None
    if not user.is_verified:  # the view refuses it and asks for the emailed link
        audit.record("login_failed", user, None, data={"reason": "unverified"})
        return user
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    audit.record("login", user, user)
    return user


def create_user(email: str, name: str, password: str | None, *, locale: str = "fi",
                verified: bool = False, terms_version: str | None = None) -> User:
    """A new account; emails are stored normalised."""
    now = utcnow()
    user = User(email=normalise_email(email), name=name.strip(), locale=locale,
                password_hash=hash_password(password) if password else None,
                email_verified_at=now if verified else None,
                terms_accepted_at=now if terms_version else None, terms_version=terms_version)
    db.session.add(user)
    db.session.flush()
    return user


def add_membership(user: User, organisation: Organisation, role: str, actor: User | None,
                   status: str = MembershipStatus.ACTIVE.value) -> Membership:
    """Give user a role in an organisation (once); audited as a role change."""
    existing = db.session.scalar(select(Membership).filter_by(
        user_id=user.id, organisation_id=organisation.id, role=role))
    if existing is not None:
        return existing
    membership = Membership(user=user, organisation=organisation, role=role, status=status)
    db.session.add(membership)
    db.session.flush()
    audit.record("membership_added", user, actor,
                 data={"organisation_id": organisation.id, "role": role, "status": status})
    return membership
