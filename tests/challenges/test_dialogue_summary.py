"""The dialogue summary, and what closing the dialogue needs: all meeting minutes and a published summary."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from challenges.models import ChallengeState, MeetingSlot
from challenges.services import dialogue as service
from challenges.workflow import dialogue_complete, workflow_of
from core.audit import AuditEntry
from core.extensions import db
from core.models import utcnow
from tests.factories import (OFFICER_ACTION, OFFICER_PAGE, as_user, assert_outcome, audit_count, dialogue_challenge,
                             html, outcome, person)

S = ChallengeState


def _blocked_by(dw) -> str | None:
    """Why the dialogue cannot close now (in English), or None."""
    with force_locale("en"):
        reason = dialogue_complete(dw.challenge, dw.officer)
        return None if reason is None else str(reason)


def _summary_url(dw) -> str:
    """The officer's summary page."""
    return f"/manage/challenges/{dw.challenge.id}/dialogue/summary"


def test_publishing_the_summary_and_recording_minutes_let_the_dialogue_close(app, dw):
    start = utcnow() - timedelta(hours=3)
    slot = MeetingSlot(challenge_id=dw.challenge.id, starts_at=start, ends_at=start + timedelta(hours=1),
                       place="Room", booked_by_org_id=dw.company.id, booked_at=start - timedelta(days=1))
    db.session.add(slot)
    db.session.commit()
    assert "minutes" in _blocked_by(dw)
    client = as_user(app, dw.officer)
    client.post(f"/manage/challenges/{dw.challenge.id}/dialogue/meetings/{slot.id}/minutes",
                data={"minutes": "Talked about sensors."})
    db.session.expire_all()
    assert "summary" in _blocked_by(dw)
    response = client.post(_summary_url(dw), data={
        "summary": "Companies can deliver in 3 months.", "changes": "Pilot length is now 3 months.",
        "publish": "Publish"})
    assert response.status_code == 302
    db.session.expire_all()
    assert _blocked_by(dw) is None
    assert audit_count("dialogue_summary_published") == 1
    # Before its scheduled end, ending the dialogue needs a reason.
    workflow_of(dw.challenge).apply(dw.challenge, "open_call", dw.officer, comment="Enough was learned.")
    db.session.commit()
    assert dw.challenge.state == S.OPEN.value


def test_a_saved_but_unpublished_summary_does_not_close_the_dialogue(app, dw):
    response = as_user(app, dw.officer).post(_summary_url(dw), data={"summary": "Draft", "save": "Save"})
    assert response.status_code == 302
    db.session.expire_all()
    assert dw.challenge.dialogue_summary == "Draft" and dw.challenge.dialogue_summary_published_at is None
    assert "summary" in _blocked_by(dw)
    assert "Draft" not in html(as_user(app).get(f"/challenges/{dw.challenge.id}/dialogue"))


def test_summary_is_public_once_published(app, dw):
    as_user(app, dw.officer).post(_summary_url(dw), data={"summary": "We learned a lot.",
                                                          "changes": "Budget raised.", "publish": "Publish"})
    for viewer in (None, dw.other_member):
        page = html(as_user(app, viewer).get(f"/challenges/{dw.challenge.id}/dialogue"))
        assert "We learned a lot." in page and "Budget raised." in page


def test_an_empty_summary_cannot_be_published(app, dw):
    response = as_user(app, dw.officer).post(_summary_url(dw), data={"summary": "", "changes": "x",
                                                                     "publish": "Publish"})
    assert response.status_code == 400 and 'id="summary-error"' in html(response)
    assert "x" in html(response)
    db.session.expire_all()
    assert dw.challenge.dialogue_summary_published_at is None


def test_summary_publishing_is_audited_with_the_actor(app, dw):
    as_user(app, dw.officer).post(_summary_url(dw), data={"summary": "Done", "publish": "Publish"})
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "dialogue_summary_published"))
    assert entry.actor_id == dw.officer.id and entry.object_id == dw.challenge.id


def test_summary_cannot_be_written_for_a_challenge_without_dialogue(app, dw):
    challenge = dialogue_challenge(dw.city, dw.officer, S.APPROVED, workflow="challenge.direct.v1")
    response = as_user(app, dw.officer).post(f"/manage/challenges/{challenge.id}/dialogue/summary",
                                             data={"summary": "x", "publish": "Publish"})
    assert response.status_code == 400 and "can no longer be changed" in html(response)


def test_public_dialogue_of_a_challenge_without_dialogue_shows_only_questions(app, dw):
    challenge = dialogue_challenge(dw.city, dw.officer, S.OPEN, workflow="challenge.direct.v1")
    dialogue = service.public_dialogue(challenge, dw.member)
    assert dialogue.events == [] and dialogue.slots == [] and dialogue.can_ask and not dialogue.can_register


@pytest.mark.parametrize("role", list(OFFICER_PAGE))
def test_summary_and_overview_pages_per_role(app, dw, role):
    client = as_user(app, person(dw, role))
    for path in ("/summary", ""):
        response = client.get(f"/manage/challenges/{dw.challenge.id}/dialogue{path}")
        assert outcome(response) == OFFICER_PAGE[role]
    assert_outcome(outcome(client.post(_summary_url(dw), data={})), OFFICER_ACTION[role])


def test_platform_admin_reads_officer_pages_but_cannot_change_them(app, dw, make_user):
    admin = make_user(platform_admin=True)
    client = as_user(app, admin)
    assert client.get(_summary_url(dw)).status_code == 200
    assert client.post(_summary_url(dw), data={"summary": "x", "publish": "Publish"}).status_code == 403
