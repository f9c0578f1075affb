"""A person's own account: profile, password, personal data export and erasure."""
from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from auth.models import Membership, MembershipStatus, Organisation, User, UserToken
from auth.passwords import hash_password, verify_password
from auth.roles import Role
from core import audit
from core.audit import AuditEntry
from core.extensions import db
from core.models import utcnow
from core.notifications import DigestItem, NotificationPreference, preferences_of, save_preferences
from core.refusals import Refused

ANONYMISED_NAME = "Deleted user"


def update_profile(user: User, name: str, locale: str) -> User:
    """Change a person's name and preferred language (for pages and emails)."""
    changed = sorted(key for key, value in (("name", name.strip()), ("locale", locale))
                     if getattr(user, key) != value)
    user.name = name.strip()
    user.locale = locale
    if changed:
        audit.record("profile_updated", user, user, data={"fields": changed})
    return user


def update_notification_preferences(user: User, choices: dict[str, str]) -> list[str]:
    """Store how the person gets each kind of email; returns the kinds that changed (audited)."""
    changed = save_preferences(user.id, choices)
    if changed:
        audit.record("notification_preferences_changed", user, user, data={"kinds": changed})
    return changed


def check_current_password(user: User, password: str, action: str) -> None:
    """Refuse (and audit) when password is not the user's current one."""
    if not verify_password(user.password_hash, password):
        audit.record(f"{action}_refused", user, user, data={"reason": "wrong_password"})
        raise Refused(_("The current password is wrong."), field="current_password")


def change_password(user: User, current: str, new: str) -> User:
    """Set a new password after checking the current one; every other session is logged out."""
    check_current_password(user, current, "password_change")
    user.password_hash = hash_password(new)
    user.session_version += 1
    audit.record("password_changed", user, user)
    return user


def personal_data(user: User) -> dict[str, Any]:
    """Everything stored about a person, for the export (never the password hash); audited."""
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id == user.id)
                                 .order_by(AuditEntry.id))
    data = {
        "profile": {key: _json_value(getattr(user, key)) for key in (
            "id", "email", "name", "locale", "active", "is_platform_admin", "created_at",
            "email_verified_at", "terms_accepted_at", "terms_version", "last_login_at")},
        "memberships": [{
            "organisation": m.organisation.name, "organisation_kind": m.organisation.kind,
            "business_id": m.organisation.business_id, "role": m.role, "status": m.status,
            "created_at": _json_value(m.created_at)} for m in user.memberships],
        "notifications": {kind.value: delivery.value for kind, delivery in preferences_of(user.id).items()},
        "actions": [{
            "at": _json_value(e.created_at), "action": e.action, "object_type": e.object_type,
            "object_id": e.object_id, "from_state": e.from_state, "to_state": e.to_state,
            "comment": e.comment, "data": e.data} for e in entries],
    }
    audit.record("personal_data_exported", user, user)
    return data


def _json_value(value: Any) -> Any:
    """Datetimes as ISO 8601 strings; everything else as is."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def organisations_left_without_owner(user: User) -> list[Organisation]:
    """Organisations where user is the only active owner and other people are active members."""
    owned = [m.organisation for m in user.memberships if m.role == Role.OWNER.value and m.is_active]
    return [org for org in owned if _other_active_owners(org, user) == 0
            and _other_active_members(org, user) > 0]


def _other_active_owners(org: Organisation, user: User) -> int:
    """How many other active people own org."""
    return _count_members(org, user, Membership.role == Role.OWNER.value)


def _other_active_members(org: Organisation, user: User) -> int:
    """How many other active people hold any role in force in org."""
    return _count_members(org, user)


def _count_members(org: Organisation, user: User, *where: Any) -> int:
    """Active people other than user with an active membership of org matching where."""
    stmt = (select(func.count(func.distinct(Membership.user_id))).join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == org.id, Membership.user_id != user.id,
                   Membership.status == MembershipStatus.ACTIVE.value, User.active.is_(True),
                   User.anonymised_at.is_(None), *where))
    return db.session.scalar(stmt) or 0


def anonymise_account(user: User, password: str) -> User:
    """Erase a person's data at their request: the row stays (audit rows point at it), its content goes."""
    check_current_password(user, password, "account_deletion")
    orphaned = organisations_left_without_owner(user)
    if orphaned:
        names = ", ".join(org.display_name for org in orphaned)
        raise Refused(_("You are the only owner of %(names)s, which has other members. "
                               "Transfer ownership first: make another member an owner, then try again.",
                               names=names))
    removed = [{"organisation_id": m.organisation_id, "role": m.role} for m in user.memberships]
    for membership in list(user.memberships):
        db.session.delete(membership)
    db.session.execute(delete(UserToken).where(UserToken.user_id == user.id))
    for held in (DigestItem, NotificationPreference):  # the digest's subjects may name the person's work
        db.session.execute(delete(held).where(held.user_id == user.id))
    user.email = f"deleted-{user.id}@anonymised.invalid"
    user.name = ANONYMISED_NAME
    user.password_hash = None
    user.active = False
    user.anonymised_at = utcnow()
    user.session_version += 1
    db.session.flush()
    db.session.expire(user, ["memberships"])
    audit.record("account_anonymised", user, user, data={"memberships_removed": removed})
    return user
