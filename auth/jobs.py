"""Jobs of the accounts package: work whose time would tell an anonymous visitor whether an account exists.

They take the typed address rather than an id: which account (if any) it
belongs to is exactly what the request must not find out while the visitor
waits. Running one twice sends a second link at most; each link works once.
"""
from __future__ import annotations

from auth.services.registration import request_password_reset, resend_verification
from core.extensions import db


def send_password_reset_link(email: str) -> None:
    """Email a reset link if an active account has this address; otherwise do nothing."""
    request_password_reset(email)
    db.session.commit()


def send_verification_link(email: str) -> None:
    """Email a new verification link if an unverified account has this address; otherwise do nothing."""
    resend_verification(email)
    db.session.commit()
