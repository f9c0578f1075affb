"""The test suite's own rules: shared helpers come from tests/factories.py, and no service is skipped silently."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent


def imported_modules(source: str, path: Path) -> set[str]:
    """The dotted names of the modules a file at path imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(TESTS.parent).with_suffix("").parts[:-1])
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)  # `from tests import test_x`
    return names


def forbidden(names: set[str]) -> set[str]:
    """The test modules and conftest files among imported names."""
    return {name for name in names
            if name.split(".")[0] == "tests" and name.split(".")[-1].startswith(("test_", "conftest"))}


def test_no_test_module_imports_another_or_conftest():
    offending = {}
    for path in sorted(TESTS.rglob("*.py")):
        bad = forbidden(imported_modules(path.read_text(encoding="utf-8"), path))
        if bad:
            offending[str(path.relative_to(TESTS.parent))] = sorted(bad)
    assert offending == {}, "import shared helpers from tests/factories.py (fixtures come from conftest.py)"


def test_the_import_rule_sees_every_form_of_import():
    source = ("import tests.auth.test_login\nfrom tests.challenges.test_events import dw\n"
              "from . import test_rfi\nfrom .. import conftest\nfrom tests.factories import html\n")
    names = imported_modules(source, TESTS / "challenges" / "test_sample.py")
    assert forbidden(names) == {"tests.auth.test_login", "tests.challenges.test_events",
                                "tests.challenges.test_rfi", "tests.conftest"}


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
