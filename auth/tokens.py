"""Single-use, expiring tokens sent by email; only their SHA-256 is stored.

The raw token travels in the emailed link and is never saved; core/tokens.py
makes it and its digest. Checking a token answers why it cannot be used
(unknown, expired, used, revoked) so the page can say so; `consume()` marks it
used together with any other open token of the same user and purpose.
"""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import select, update

from auth.models import Invitation, TokenPurpose, User, UserToken
from core.extensions import db
from core.models import utcnow
from core.tokens import digest_of, new_token

VERIFY_EMAIL_LIFETIME = timedelta(hours=48)
RESET_PASSWORD_LIFETIME = timedelta(hours=1)
INVITATION_LIFETIME = timedelta(days=7)


class TokenProblem(str, enum.Enum):
    """Why a token cannot be used."""

    INVALID = "invalid"  # unknown, tampered or for another purpose
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"


class TokenError(Exception):
    """A token that cannot be used, with the reason."""

    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def issue_user_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    """Store a new token for user and return the raw value to email (flushes)."""
    raw, digest = new_token()
    db.session.add(UserToken(user_id=user.id, purpose=purpose.value, token_hash=digest,
                             expires_at=utcnow() + lifetime))
    db.session.flush()
    return raw


def _check_times(expires_at: datetime, used_at: datetime | None) -> None:
    """Refuse a used or expired token (used first: it is the more useful answer)."""
    if used_at is not None:
        raise TokenError(TokenProblem.USED)
    if expires_at <= utcnow():
        raise TokenError(TokenProblem.EXPIRED)


def check_user_token(raw: str, purpose: TokenPurpose) -> UserToken:
    """The stored token for raw, if it can still be used; raises TokenError otherwise."""
    token = db.session.scalar(select(UserToken).where(UserToken.token_hash == digest_of(raw)))
    if token is None or token.purpose != purpose.value or not token.user.is_active:
        raise TokenError(TokenProblem.INVALID)
    _check_times(token.expires_at, token.used_at)
    return token


def consume(token: UserToken) -> None:
    """Mark a token used, and retire the user's other open tokens of the same purpose."""
    now = utcnow()
    token.used_at = now
    db.session.execute(
        update(UserToken)
        .where(UserToken.user_id == token.user_id, UserToken.purpose == token.purpose,
               UserToken.used_at.is_(None), UserToken.id != token.id)
        .values(used_at=now)
    )
    db.session.flush()


def check_invitation_token(raw: str) -> Invitation:
    """The invitation for raw, if it is still open; raises TokenError otherwise."""
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == digest_of(raw)))
    if invitation is None:
        raise TokenError(TokenProblem.INVALID)
    if invitation.revoked_at is not None:
        raise TokenError(TokenProblem.REVOKED)
    _check_times(invitation.expires_at, invitation.accepted_at)
    return invitation
