"""Login failures counted per (account, client) and per client, answered with a growing wait, never a lockout.

An attacker's wrong passwords slow down the attacker's client only: the owner's
right password from another client is never refused because of them. The first
failures are free; after that each one doubles the wait before the next try
(1, 2, 4 ... seconds, at most five minutes), and a run of failures is
forgotten an hour after it began. The counts live in the rate limiter's storage
(Redis when REDIS_URL is set, memory otherwise), so every web process sees the
same numbers and `limiter.reset()` clears them with the rest.

Requests already past the check when another one records a failure are not
stopped; with gunicorn's sync workers that lets at most one extra guess per
worker through, and each guess costs an Argon2 verification.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask_babel import ngettext
from limits.storage import MemoryStorage, Storage

from auth.services.accounts import normalise_email
from core.extensions import limiter

WINDOW = 3600  # seconds after its first failure that a run of failures is forgotten
MAX_WAIT = 300
PAIR_FREE = 5  # wrong passwords for one account from one client before the waits start
CLIENT_FREE = 20  # failures from one client, whatever the accounts (password spraying)


def wait_after(failures: int, free: int) -> int:
    """Seconds to wait after the n-th failure: none while free, then 1, 2, 4 ... up to MAX_WAIT."""
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 16), MAX_WAIT)


@dataclass(frozen=True)
class Wait:
    """A client must wait before its next try; `for_account` when the wait is for one account only."""

    seconds: int
    for_account: bool

    @property
    def message(self) -> str:
        """What the login page says, translated."""
        if self.for_account:
            return ngettext("Too many wrong passwords for this account from your device. "
                            "Wait %(num)d second and try again, or reset your password.",
                            "Too many wrong passwords for this account from your device. "
                            "Wait %(num)d seconds and try again, or reset your password.", self.seconds)
        return ngettext("Too many failed logins from your network. Wait %(num)d second and try again.",
                        "Too many failed logins from your network. Wait %(num)d seconds and try again.",
                        self.seconds)


def _key(kind: str, *parts: str) -> str:
    """A storage key; hashed, so that no email address is kept in Redis."""
    digest = hashlib.sha256("\0".join(parts).encode("utf-8", "replace")).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


class LoginThrottle:
    """Counts failures in a `limits` storage and says how long a client must wait."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    def _counts(self, email: str, client: str) -> list[tuple[str, int, bool]]:
        """(key, free failures, for one account) of the two counts a login attempt touches."""
        return [(_key("pair", normalise_email(email), client), PAIR_FREE, True),
                (_key("client", client), CLIENT_FREE, False)]

    def wait(self, email: str, client: str) -> Wait | None:
        """The wait still in force for this account from this client, if any."""
        for key, _free, for_account in self._counts(email, client):
            if self.storage.get(f"{key}:wait") > 0:
                remaining = math.ceil(self.storage.get_expiry(f"{key}:wait") - time.time())
                return Wait(max(1, remaining), for_account)
        return None

    def record_failure(self, email: str, client: str) -> None:
        """Count a wrong password (or unknown address) and start the wait it earns."""
        for key, free, _for_account in self._counts(email, client):
            seconds = wait_after(self.storage.incr(key, WINDOW), free)
            if seconds:
                self.storage.clear(f"{key}:wait")
                self.storage.incr(f"{key}:wait", seconds)

    def record_success(self, email: str, client: str) -> None:
        """The right password: forget this pair's failures."""
        # The client's count stays: otherwise logging in to one's own account would reset a spraying run.
        key = self._counts(email, client)[0][0]
        self.storage.clear(key)
        self.storage.clear(f"{key}:wait")


def login_throttle() -> LoginThrottle:
    """The throttle on the app's rate-limit storage (this process's memory when rate limits are off)."""
    return LoginThrottle(limiter.storage if limiter.enabled else _LOCAL)


_LOCAL = MemoryStorage()
