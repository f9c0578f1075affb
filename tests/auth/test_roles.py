"""Role names come from auth/roles.py alone: one name per role, the same for every object, never spelled out."""
from __future__ import annotations

import ast
from pathlib import Path

from auth.permissions import roles_for
from auth.roles import DERIVED, Role
from tests.factories import make_cast, make_challenge, make_user

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = ("app.py", "auth", "challenges", "core", "scripts")
# Strings that equal a role name but mean something else: the kind of organisation a company is, and a
# translated description of a demo account.
NOT_ROLES = {("auth/models.py", "company"), ("auth/services/registration.py", "company"),
             ("auth/demo.py", "evaluator")}


def _string_constants(path: Path) -> set[str]:
    """Every string literal in a Python file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)}


def test_roles_held_and_derived_have_distinct_names():
    assert len(set(DERIVED)) == len(DERIVED)
    assert not set(Role.values()) & set(DERIVED)


def test_roles_are_never_spelled_as_strings_in_the_application():
    names = set(Role.values()) | set(DERIVED) | {"city_admin"}  # the old second name of a city's admin
    spelled = set()
    for top in APPLICATION:
        for path in sorted((ROOT / top).rglob("*.py")) if (ROOT / top).is_dir() else [ROOT / top]:
            where = str(path.relative_to(ROOT))
            if where == "auth/roles.py":
                continue
            spelled |= {(where, value) for value in _string_constants(path) & names} - NOT_ROLES
    assert spelled == set(), "use the constants of auth/roles.py"


def test_roles_city_admin_has_one_name_for_a_colleague_and_for_a_challenge(db):
    cast = make_cast()
    colleague = make_user(cast["city"], (Role.OFFICER.value,))
    challenge = make_challenge(cast["city"], cast["officer"])
    admin = cast["city_admin"]
    assert Role.CITY_ADMIN in roles_for(admin, colleague) and Role.CITY_ADMIN in roles_for(admin, challenge)
    assert roles_for(admin, cast["city"]) == {Role.CITY_ADMIN.value}
