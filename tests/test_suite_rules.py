"""The test suite's own rules: no service is skipped silently."""
from __future__ import annotations

import pytest


NEEDS_REDIS = """
import pytest

def test_needs_redis(redis_url):
    assert redis_url

def test_skips_itself():
    pytest.skip("nothing to do here")
"""


@pytest.mark.parametrize("required, expected", [("", {"skipped": 2}), ("1", {"failed": 1, "errors": 1})])
def test_a_missing_service_is_skipped_with_its_reason_or_fails_when_required(pytester, monkeypatch, required,
                                                                             expected):
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    monkeypatch.setenv("KOKEILU_REQUIRE_SERVICES", required)
    pytester.makepyfile(NEEDS_REDIS)
    result = pytester.runpytest("-p", "tests.conftest", "-rsfE", "-p", "no:cacheprovider")
    result.assert_outcomes(**expected)
    result.stdout.fnmatch_lines(["*TEST_REDIS_URL is not set: this test needs Redis*"])
