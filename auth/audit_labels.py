"""How the account events in the audit log read on history pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.audit import register_action_labels

ACTION_LABELS = {
    "login": _l("Logged in"),
    "login_failed": _l("Failed login"),
    "logout": _l("Logged out"),
    "user_registered": _l("Account created"),
    "email_verified": _l("Email address confirmed"),
    "password_reset_requested": _l("New password requested"),
    "password_reset": _l("New password set"),
    "password_changed": _l("Password changed"),
    "password_change_refused": _l("Password change refused"),
    "profile_updated": _l("Details changed"),
    "notification_preferences_changed": _l("Email notification settings changed"),
    "personal_data_exported": _l("Personal data downloaded"),
    "account_deletion_refused": _l("Account deletion refused"),
    "account_anonymised": _l("Account deleted"),
    "user_deactivated": _l("Account deactivated"),
    "user_reactivated": _l("Account reactivated"),
    "membership_added": _l("Role added"),
    "membership_removed": _l("Role removed"),
    "membership_approved": _l("Request to join approved"),
    "membership_rejected": _l("Request to join rejected"),
    "organisation_created": _l("Organisation created"),
    "organisation_updated": _l("Organisation details changed"),
    "invitation_sent": _l("Invitation sent"),
    "invitation_revoked": _l("Invitation revoked"),
    "invitation_accepted": _l("Invitation accepted"),
}

register_action_labels(ACTION_LABELS)
