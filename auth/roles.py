"""Every role name in one place: the roles people hold in an organisation, and the roles `roles_for` derives.

`roles_for(user, obj)` answers with these names and every check compares with
them, never with a string spelled out. A held role is one of `Role`, whose value
is what memberships and invitations store ("admin" for a city's administrator
since the first migration: the name in code is `Role.CITY_ADMIN`). A derived
role is not stored: `roles_for` gives it from the account or from the object.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from core.enums import LabelledEnum


class Role(LabelledEnum):
    """A role held in an organisation (a membership row)."""

    CITY_ADMIN = "admin", _l("Administrator")
    OFFICER = "officer", _l("Officer")
    DECISION_MAKER = "decision_maker", _l("Decision maker")
    EVALUATOR = "evaluator", _l("Evaluator")
    OWNER = "owner", _l("Owner")
    MEMBER = "member", _l("Member")
    HOST = "host", _l("Pilot site contact")  # the contact person at a pilot site (DESIGN.md's pilot host)


# --- derived roles: never stored, given by roles_for ---------------------------------------

PLATFORM_ADMIN = "platform_admin"  # an operator of the site (User.is_platform_admin), to any object
SELF = "self"  # a user to their own account
COMPANY = "company"  # acts for a company (owner or member of one): follows, takes part in dialogue, proposes
PUBLIC = "public"  # anyone, for an object that is published
# A decision maker of a partner city of a joint challenge: reads its staff pages, signs nothing
# (the lead city's decision makers approve and sign; challenges/permissions.py).
PARTNER_DECISION_MAKER = "partner_decision_maker"

DERIVED = (PLATFORM_ADMIN, SELF, COMPANY, PUBLIC, PARTNER_DECISION_MAKER)

# --- groups used by the scoping helpers ------------------------------------------------------

CITY_STAFF = (Role.CITY_ADMIN, Role.OFFICER, Role.DECISION_MAKER)  # who works on a city's challenges
COMPANY_ROLES = (Role.OWNER, Role.MEMBER)  # who acts for a company
