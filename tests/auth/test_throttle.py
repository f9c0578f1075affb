"""The login throttle on its own: doubling waits, counts per (account, client) and per client, Redis too."""
import os

from limits.storage import MemoryStorage, storage_from_string

from auth.throttle import MAX_WAIT, LoginThrottle, wait_after


def test_wait_after_is_free_then_doubles_up_to_the_cap():
    assert [wait_after(n, free=5) for n in range(1, 10)] == [0, 0, 0, 0, 1, 2, 4, 8, 16]
    assert wait_after(40, free=5) == MAX_WAIT


def _exercise(throttle: LoginThrottle) -> None:
    """Failures for one account from one client slow that pair only, until its owner gets in."""
    for _n in range(5):
        throttle.record_failure("Owner@Example.org", "203.0.113.1")
    wait = throttle.wait("owner@example.org ", "203.0.113.1")
    assert wait is not None and wait.seconds == 1 and wait.for_account
    assert throttle.wait("owner@example.org", "198.51.100.2") is None  # the owner's own device
    assert throttle.wait("other@example.org", "203.0.113.1") is None  # another account from the same client
    throttle.record_success("owner@example.org", "203.0.113.1")
    assert throttle.wait("owner@example.org", "203.0.113.1") is None


def test_throttle_in_memory():
    _exercise(LoginThrottle(MemoryStorage()))


def test_throttle_counts_per_client_across_accounts():
    throttle = LoginThrottle(MemoryStorage())
    for n in range(20):
        throttle.record_failure(f"random{n}@example.org", "203.0.113.1")
    wait = throttle.wait("someone@example.org", "203.0.113.1")
    assert wait is not None and not wait.for_account
    assert throttle.wait("someone@example.org", "198.51.100.2") is None


def test_throttle_in_redis(redis_url):
    storage = storage_from_string(redis_url, key_prefix=f"test-throttle-{os.getpid()}")
    storage.reset()
    try:
        _exercise(LoginThrottle(storage))
    finally:
        storage.reset()
