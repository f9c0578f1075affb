"""Password hashing with Argon2id (argon2-cffi)."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12


@cache
def _hasher_for(profile: str) -> PasswordHasher:
    """A hasher with one of argon2-cffi's parameter profiles ("CHEAPEST" only for tests)."""
    return PasswordHasher.from_parameters(getattr(profiles, profile))


def _hasher() -> PasswordHasher:
    """The hasher configured for this app (RFC 9106 low-memory profile by default)."""
    return _hasher_for(current_app.config.get("PASSWORD_HASH_PROFILE", "RFC_9106_LOW_MEMORY"))


def hash_password(password: str) -> str:
    """An Argon2id hash of password."""
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when password matches the hash; a missing hash costs the same time as a wrong one."""
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    """Verified against when no account matches, so an unknown email costs the same time."""
    return hasher.hash("kokeilu-no-such-account")


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _hasher().check_needs_rehash(password_hash)
