"""Shared test data: the world every route is requested in, and the outcome each role expects there.

`MATRIX` says, for every route in `app.url_map`, how it is requested and what
each role gets: OK (served: 2xx, a redirect that is not to the login page, or
a 400 for the empty form the matrix posts), LOGIN (redirect to the login
page), FORBIDDEN (403), NOT_FOUND (404). The authorization matrix test checks
those outcomes; the input harness uses the same table to know which role may
use a route and how to reach it.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Callable

import wtforms
from flask import current_app

from auth.models import Invitation, Membership, MembershipStatus, OrgKind, Role
from challenges.models import Attachment, Challenge, DialogueEvent, MeetingSlot, Question, RfiQuestion
from core.models import utcnow
from tests.conftest import ROLES

OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", "forbidden", "not found"
VISITOR = "anonymous"
ALL = (VISITOR, *ROLES)


@dataclass
class World:
    """The objects the matrix requests: a home city and company for the roles, and strangers."""

    city: object
    other_city: object
    company: object
    other_company: object
    city_person: object
    other_city_person: object
    join_request: object
    invitation: object
    challenge: object  # published, in market dialogue, of the home city
    draft: object  # an unpublished challenge of the home city
    event: object
    slot: object
    question: object
    rfi_question: object
    attachment: object


@dataclass(frozen=True)
class Entry:
    """How one route is requested, and what each role gets."""

    method: str
    url: Callable[[World], str]
    expect: dict[str, str]


def everyone(outcome: str) -> dict[str, str]:
    """The same outcome for every role."""
    return {role: outcome for role in ALL}


def members_only(allowed: set[str], others: str = FORBIDDEN) -> dict[str, str]:
    """Visitors log in, the allowed roles are served, the rest get `others`."""
    return {role: LOGIN if role == VISITOR else OK if role in allowed else others for role in ALL}


LOGGED_IN = members_only(set(ROLES))
USER_ADMINS = {"platform_admin", "city_admin"}
PLATFORM = {"platform_admin"}
CITY_INVITERS = {"platform_admin", "city_admin"}
COMPANY_MANAGERS = {"platform_admin", "company_owner"}
CITY_STAFF = {"platform_admin", "city_admin", "officer", "decision_maker"}
OFFICERS = {"officer"}
COMPANIES = {"company_owner", "company_member"}


def _dialogue(w: "World") -> str:
    """The public dialogue pages of the world's published challenge."""
    return f"/challenges/{w.challenge.id}/dialogue"


def _manage_dialogue(w: "World") -> str:
    """The officer's dialogue pages of the world's published challenge."""
    return f"/manage/challenges/{w.challenge.id}/dialogue"


MATRIX: dict[str, Entry] = {
    # core
    "core.index": Entry("GET", lambda w: "/", everyone(OK)),
    "core.health": Entry("GET", lambda w: "/healthz", everyone(OK)),
    "core.set_language": Entry("POST", lambda w: "/language", everyone(OK)),
    "core.accessibility": Entry("GET", lambda w: "/accessibility", everyone(OK)),
    "core.accessibility_feedback": Entry("GET", lambda w: "/accessibility/feedback", everyone(OK)),
    "static": Entry("GET", lambda w: "/static/css/kokeilu.css", everyone(OK)),
    "bootstrap.static": Entry("GET", lambda w: "/bootstrap/static/css/bootstrap.min.css", everyone(OK)),
    # login, registration, tokens
    "auth.login": Entry("GET", lambda w: "/login", everyone(OK)),
    "auth.logout": Entry("POST", lambda w: "/logout", LOGGED_IN),
    "auth.register": Entry("GET", lambda w: "/register", everyone(OK)),
    "auth.terms": Entry("GET", lambda w: "/terms", everyone(OK)),
    "auth.email_sent": Entry("GET", lambda w: "/email-sent/registration", everyone(OK)),
    "auth.verify_email": Entry("GET", lambda w: "/verify/not-a-token", everyone(OK)),
    "auth.resend_verification": Entry("GET", lambda w: "/verify/resend", everyone(OK)),
    "auth.request_password_reset": Entry("GET", lambda w: "/password/reset", everyone(OK)),
    "auth.reset_password": Entry("GET", lambda w: "/password/reset/not-a-token", everyone(OK)),
    "auth.accept_invitation": Entry("GET", lambda w: "/invitations/not-a-token", everyone(OK)),
    # own account
    "auth.account": Entry("GET", lambda w: "/account", LOGGED_IN),
    "auth.change_own_password": Entry("POST", lambda w: "/account/password", LOGGED_IN),
    "auth.export_data": Entry("GET", lambda w: "/account/export", LOGGED_IN),
    "auth.delete_account": Entry("GET", lambda w: "/account/delete", LOGGED_IN),
    # invitations to the home city
    "auth.invitations": Entry("GET", lambda w: f"/organisations/{w.city.id}/invitations",
                              members_only(CITY_INVITERS)),
    "auth.revoke_invitation": Entry(
        "POST", lambda w: f"/organisations/{w.city.id}/invitations/{w.invitation.id}/revoke",
        members_only(CITY_INVITERS)),
    # join requests to the home company
    "auth.join_requests": Entry("GET", lambda w: f"/organisations/{w.company.id}/requests",
                                members_only(COMPANY_MANAGERS)),
    "auth.approve_join_request": Entry(
        "POST", lambda w: f"/organisations/{w.company.id}/requests/{w.join_request.id}/approve",
        members_only(COMPANY_MANAGERS)),
    "auth.reject_join_request": Entry(
        "POST", lambda w: f"/organisations/{w.company.id}/requests/{w.join_request.id}/reject",
        members_only(COMPANY_MANAGERS)),
    # administration of people in the home city
    "auth.admin_users": Entry("GET", lambda w: "/admin/users", members_only(USER_ADMINS)),
    "auth.admin_user": Entry("GET", lambda w: f"/admin/users/{w.city_person.id}", members_only(USER_ADMINS)),
    "auth.admin_deactivate_user": Entry("POST", lambda w: f"/admin/users/{w.city_person.id}/deactivate",
                                        members_only(USER_ADMINS)),
    "auth.admin_reactivate_user": Entry("POST", lambda w: f"/admin/users/{w.city_person.id}/reactivate",
                                        members_only(USER_ADMINS)),
    "auth.admin_add_membership": Entry("POST", lambda w: f"/admin/users/{w.city_person.id}/memberships",
                                       members_only(USER_ADMINS)),
    "auth.admin_remove_membership": Entry(
        "POST", lambda w: f"/admin/users/{w.city_person.id}/memberships/"
                          f"{w.city_person.memberships[0].id}/remove", members_only(USER_ADMINS)),
    "auth.admin_organisations": Entry("GET", lambda w: "/admin/organisations", members_only(USER_ADMINS)),
    "auth.admin_new_organisation": Entry("GET", lambda w: "/admin/organisations/new", members_only(PLATFORM)),
    "auth.admin_edit_organisation": Entry("GET", lambda w: f"/admin/organisations/{w.company.id}/edit",
                                          members_only(PLATFORM)),
    # public catalogue and following
    "challenges.catalogue": Entry("GET", lambda w: "/challenges", everyone(OK)),
    "challenges.feed": Entry("GET", lambda w: "/challenges/feed.atom", everyone(OK)),
    "challenges.detail": Entry("GET", lambda w: f"/challenges/{w.challenge.id}", everyone(OK)),
    "challenges.attachment_download": Entry(
        "GET", lambda w: f"/challenges/{w.challenge.id}/attachments/{w.attachment.id}", everyone(OK)),
    "challenges.follow": Entry("POST", lambda w: f"/challenges/{w.challenge.id}/follow", LOGGED_IN),
    "challenges.unfollow": Entry("POST", lambda w: f"/challenges/{w.challenge.id}/unfollow", LOGGED_IN),
    "challenges.following": Entry("GET", lambda w: "/following", LOGGED_IN),
    "challenges.subscriptions": Entry("GET", lambda w: "/subscriptions", LOGGED_IN),
    # the city's own management of its challenges
    "challenges.manage_list": Entry("GET", lambda w: "/manage/challenges", members_only(CITY_STAFF)),
    "challenges.manage_new": Entry("GET", lambda w: "/manage/challenges/new", members_only(OFFICERS)),
    "challenges.manage_detail": Entry("GET", lambda w: f"/manage/challenges/{w.challenge.id}",
                                      members_only(CITY_STAFF)),
    "challenges.manage_edit": Entry("GET", lambda w: f"/manage/challenges/{w.challenge.id}/edit/texts",
                                    members_only(OFFICERS)),
    "challenges.manage_transition": Entry("POST", lambda w: f"/manage/challenges/{w.challenge.id}/transition",
                                          members_only(CITY_STAFF)),
    "challenges.manage_attachments": Entry("GET", lambda w: f"/manage/challenges/{w.challenge.id}/attachments",
                                           members_only(OFFICERS)),
    "challenges.manage_attachment_delete": Entry(
        "POST", lambda w: f"/manage/challenges/{w.challenge.id}/attachments/{w.attachment.id}/delete",
        members_only(OFFICERS)),
    # market dialogue: public pages, company actions, the officer's pages
    "challenges.dialogue_public": Entry("GET", lambda w: _dialogue(w), everyone(OK)),
    "challenges.dialogue_event": Entry("GET", lambda w: f"{_dialogue(w)}/events/{w.event.id}", everyone(OK)),
    "challenges.dialogue_event_calendar": Entry(
        "GET", lambda w: f"{_dialogue(w)}/events/{w.event.id}/calendar.ics", everyone(OK)),
    "challenges.dialogue_register": Entry("POST", lambda w: f"{_dialogue(w)}/events/{w.event.id}/register",
                                          members_only(COMPANIES)),
    "challenges.dialogue_cancel_registration": Entry(
        "POST", lambda w: f"{_dialogue(w)}/events/{w.event.id}/cancel", members_only(COMPANIES)),
    "challenges.dialogue_book_slot": Entry("POST", lambda w: f"{_dialogue(w)}/meetings/{w.slot.id}/book",
                                           members_only(COMPANIES)),
    "challenges.dialogue_cancel_booking": Entry("POST", lambda w: f"{_dialogue(w)}/meetings/{w.slot.id}/cancel",
                                                members_only(COMPANIES)),
    "challenges.dialogue_ask": Entry("GET", lambda w: f"{_dialogue(w)}/questions", members_only(COMPANIES)),
    "challenges.dialogue_rfi": Entry("GET", lambda w: f"{_dialogue(w)}/rfi", members_only(COMPANIES)),
    "challenges.dialogue_manage": Entry("GET", lambda w: _manage_dialogue(w), members_only(CITY_STAFF)),
    "challenges.dialogue_event_new": Entry("GET", lambda w: f"{_manage_dialogue(w)}/events/new",
                                           members_only(CITY_STAFF)),
    "challenges.dialogue_event_edit": Entry("GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/edit",
                                            members_only(CITY_STAFF)),
    "challenges.dialogue_event_registrations": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/registrations", members_only(CITY_STAFF)),
    "challenges.dialogue_event_record": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/events/{w.event.id}/record", members_only(CITY_STAFF)),
    "challenges.dialogue_slots": Entry("GET", lambda w: f"{_manage_dialogue(w)}/meetings", members_only(CITY_STAFF)),
    "challenges.dialogue_slot_delete": Entry(
        "POST", lambda w: f"{_manage_dialogue(w)}/meetings/{w.slot.id}/delete", members_only(OFFICERS)),
    "challenges.dialogue_slot_minutes": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/meetings/{w.slot.id}/minutes", members_only(CITY_STAFF)),
    "challenges.dialogue_questions": Entry("GET", lambda w: f"{_manage_dialogue(w)}/questions",
                                           members_only(CITY_STAFF)),
    "challenges.dialogue_publish_answers": Entry("POST", lambda w: f"{_manage_dialogue(w)}/questions/publish",
                                                 members_only(OFFICERS)),
    "challenges.dialogue_answer": Entry("GET", lambda w: f"{_manage_dialogue(w)}/questions/{w.question.id}",
                                        members_only(CITY_STAFF)),
    "challenges.dialogue_rfi_manage": Entry("GET", lambda w: f"{_manage_dialogue(w)}/rfi", members_only(CITY_STAFF)),
    "challenges.dialogue_rfi_question_edit": Entry(
        "GET", lambda w: f"{_manage_dialogue(w)}/rfi/{w.rfi_question.id}/edit", members_only(CITY_STAFF)),
    "challenges.dialogue_rfi_question_delete": Entry(
        "POST", lambda w: f"{_manage_dialogue(w)}/rfi/{w.rfi_question.id}/delete", members_only(OFFICERS)),
    "challenges.dialogue_rfi_responses": Entry("GET", lambda w: f"{_manage_dialogue(w)}/rfi/responses",
                                               members_only(CITY_STAFF)),
    "challenges.dialogue_rfi_synthesis": Entry("GET", lambda w: f"{_manage_dialogue(w)}/rfi/synthesis",
                                               members_only(CITY_STAFF)),
    "challenges.dialogue_summary": Entry("GET", lambda w: f"{_manage_dialogue(w)}/summary",
                                         members_only(CITY_STAFF)),
}

# Requests that reach into another organisation: never served, and not even confirmed to exist.
CROSS_ORGANISATION: list[tuple[str, str, Callable[[World], str], set[str]]] = [
    ("city admin opens a person of another city", "GET",
     lambda w: f"/admin/users/{w.other_city_person.id}", {"city_admin"}),
    ("city admin deactivates a person of another city", "POST",
     lambda w: f"/admin/users/{w.other_city_person.id}/deactivate", {"city_admin"}),
    ("company owner opens another company's requests", "GET",
     lambda w: f"/organisations/{w.other_company.id}/requests", {"company_owner"}),
    ("city admin invites to another city", "GET",
     lambda w: f"/organisations/{w.other_city.id}/invitations", {"city_admin"}),
    ("an unpublished challenge is hidden from everyone outside its city", "GET",
     lambda w: f"/challenges/{w.draft.id}", {"company_owner", "evaluator", "user"}),
    ("another city's officer opens a draft's management page", "GET",
     lambda w: f"/manage/challenges/{w.draft.id}", {"officer_elsewhere"}),
    ("another city's officer edits a draft", "GET",
     lambda w: f"/manage/challenges/{w.draft.id}/edit/texts", {"officer_elsewhere"}),
    ("another city's officer opens a draft's dialogue", "GET",
     lambda w: f"/manage/challenges/{w.draft.id}/dialogue", {"officer_elsewhere"}),
    ("a company downloads an unpublished challenge's attachment", "GET",
     lambda w: f"/challenges/{w.draft.id}/attachments/{w.attachment.id}", {"company_owner"}),
    ("a company reads the RFI responses", "GET",
     lambda w: f"/manage/challenges/{w.challenge.id}/dialogue/rfi/responses", {"company_owner"}),
]


def build_world(db, make_org, make_user) -> World:
    """A home city and company (where the matrix's roles belong) and a stranger of each."""
    city, other_city = make_org(OrgKind.CITY.value), make_org(OrgKind.CITY.value)
    company, other_company = make_org(OrgKind.COMPANY.value), make_org(OrgKind.COMPANY.value)
    city_person = make_user(city, (Role.OFFICER.value,))
    other_city_person = make_user(other_city, (Role.OFFICER.value,))
    applicant = make_user()
    join_request = Membership(user_id=applicant.id, organisation_id=company.id, role=Role.MEMBER.value,
                              status=MembershipStatus.PENDING.value)
    inviter = make_user(city, (Role.CITY_ADMIN.value,))
    invitation = Invitation(email="invited@example.org", organisation_id=city.id, role=Role.OFFICER.value,
                            token_hash="0" * 64, invited_by_id=inviter.id, expires_at=utcnow() + timedelta(days=7))
    db.session.add_all([join_request, invitation])
    db.session.commit()
    challenge = _challenge(db, city, inviter, state="market_dialogue", published_at=utcnow())
    draft = _challenge(db, city, inviter, state="draft", published_at=None)
    now = utcnow()
    event = DialogueEvent(challenge_id=challenge.id, kind="info_session", title="Info", location="Town hall",
                          starts_at=now + timedelta(days=3), ends_at=now + timedelta(days=3, hours=2))
    slot = MeetingSlot(challenge_id=challenge.id, place="Town hall", starts_at=now + timedelta(days=4),
                       ends_at=now + timedelta(days=4, hours=1))
    question = Question(challenge_id=challenge.id, asked_by_id=applicant.id, organisation_id=other_company.id,
                        text="How many schools?")
    rfi_question = RfiQuestion(challenge_id=challenge.id, position=1, text="What would it cost?")
    attachment = Attachment(owner=challenge, title="Plan", stored_name="0" * 32,
                            original_name="plan.pdf", content_type="application/pdf", size=5, sha256="0" * 64,
                            uploaded_by_id=inviter.id)
    db.session.add_all([event, slot, question, rfi_question, attachment])
    db.session.commit()
    uploads = Path(current_app.config["UPLOAD_DIR"])
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / attachment.stored_name).write_bytes(b"%PDF-")
    return World(city, other_city, company, other_company, city_person, other_city_person, join_request,
                 invitation, challenge, draft, event, slot, question, rfi_question, attachment)


def _challenge(db, city, creator, **fields) -> Challenge:
    """A challenge of the city in the given state."""
    now = utcnow()
    challenge = Challenge(city_id=city.id, created_by_id=creator.id, workflow="challenge.with_dialogue",
                          title_fi="Haaste", summary_fi="Tiivistelmä", questions_close_at=now + timedelta(days=20),
                          proposals_close_at=now + timedelta(days=30), **fields)
    db.session.add(challenge)
    db.session.commit()
    return challenge


def outcome(response) -> str:
    """Classify a response as one of the matrix outcomes."""
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return LOGIN
    return {403: FORBIDDEN, 404: NOT_FOUND}.get(response.status_code,
                                                OK if response.status_code in (200, 302, 303, 400) else
                                                f"unexpected {response.status_code}")


def home_org(role: str, world: World):
    """The organisation a matrix role belongs to."""
    if role.startswith("company"):
        return world.company
    return world.city if role in ("city_admin", "officer", "decision_maker", "evaluator") else None


APP_PACKAGES = ("auth", "challenges", "core")


def app_form_classes() -> list[type]:
    """Every WTForms form class the app's packages define at module level (each module imported first)."""
    root = Path(__file__).resolve().parents[1]
    for package in APP_PACKAGES:
        for module in pkgutil.walk_packages([str(root / package)], prefix=f"{package}."):
            importlib.import_module(module.name)
    found, todo = set(), list(wtforms.Form.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if cls.__module__.split(".")[0] in APP_PACKAGES and "<locals>" not in cls.__qualname__:
            found.add(cls)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")
