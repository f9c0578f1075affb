"""Random tokens handed out in links and stored only as their SHA-256.

Account tokens (email verification, password reset), invitations and, later,
the links of anonymous survey respondents all use these: the raw token goes
into the link and is never saved, the database keeps its digest, and a link
is recognised by looking its digest up.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32  # 256 bits of randomness; 43 URL-safe characters
DIGEST_LENGTH = 64  # characters of a SHA-256 hex digest, the width of every token_hash column


def new_token() -> tuple[str, str]:
    """A fresh (raw token for the link, digest to store) pair."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, digest_of(token)


def digest_of(token: str | None) -> str:
    """The SHA-256 hex digest under which a token is stored (a missing token has the digest of "")."""
    return hashlib.sha256((token or "").encode("utf-8", "replace")).hexdigest()


def matches(token: str | None, digest: str | None) -> bool:
    """True when token is the one stored as digest, compared in constant time.

    Lookups by digest in SQL need no such care (the digest of a guess reveals
    nothing about the stored one); this is for a digest already in hand.
    """
    if not digest:
        return False
    return hmac.compare_digest(digest_of(token), digest)
