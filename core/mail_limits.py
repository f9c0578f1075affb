"""Limits on the anonymous forms that make the platform send email: per client, and per recipient.

A form anyone may post that sends email is a relay: to flood someone's inbox,
or to put a stranger's words in front of them under our name. Each such form
counts its uses per client, and every email these forms cause to one address
is counted together, whichever form caused it, so that the limits cannot be
added up by switching forms. Only submissions that passed the form's own checks
are counted. The counts live in Flask-Limiter's storage (Redis when
REDIS_URL is set), shared by every web process; addresses are stored hashed.
"""
from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.strategies import FixedWindowRateLimiter

from core.extensions import limiter

RECIPIENT_LIMIT = "5 per hour;10 per day"  # emails anonymous forms may cause to one address


@dataclass(frozen=True)
class Refusal:
    """A limit was reached: for the recipient's address or for the client, and when it lifts."""

    recipient: bool
    seconds: int

    @property
    def message(self) -> str:
        """What the form says, translated."""
        minutes = max(1, math.ceil(self.seconds / 60))
        if self.recipient:
            return ngettext("Too many emails were sent to this address. Wait %(num)d minute and try again.",
                            "Too many emails were sent to this address. Wait %(num)d minutes and try again.",
                            minutes)
        return ngettext("Too many messages were sent from your network. Wait %(num)d minute and try again.",
                        "Too many messages were sent from your network. Wait %(num)d minutes and try again.",
                        minutes)


def _use(limit: str, *identity: str) -> int:
    """Count one use against every part of limit; or, when one is full, count nothing and return its wait."""
    if not limiter.enabled:  # RATELIMIT_ENABLED=False switches these limits off with the others
        return 0
    strategy = FixedWindowRateLimiter(limiter.storage)
    items = parse_many(limit)
    full = [strategy.get_window_stats(item, *identity).reset_time - time.time()
            for item in items if not strategy.test(item, *identity)]
    if full:
        return max(1, math.ceil(max(full)))
    for item in items:
        strategy.hit(item, *identity)
    return 0


def client_refusal(form: str, limit: str) -> Refusal | None:
    """Count one use of an anonymous email form by this client; a Refusal when its limit is reached."""
    wait = _use(limit, "email-form", form, get_remote_address())
    return Refusal(recipient=False, seconds=wait) if wait else None


def recipient_refusal(email: str) -> Refusal | None:
    """Count one email to this address from an anonymous form; a Refusal when the address has had enough."""
    digest = hashlib.sha256((email or "").strip().lower().encode("utf-8", "replace")).hexdigest()[:32]
    wait = _use(RECIPIENT_LIMIT, "email-recipient", digest)
    return Refusal(recipient=True, seconds=wait) if wait else None
