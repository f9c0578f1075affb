"""Demo data: every state of the challenge workflow, made with the real services, and nothing added twice."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from auth import demo as auth_demo
from challenges import demo
from challenges.models import (Challenge, ChallengeState, DialogueEvent, EventRegistration, Follow, Question,
                               Subscription)
from core.audit import AuditEntry
from auth.models import User
from core.extensions import db
from tests.factories import as_user, html

COUNTED = (Challenge, DialogueEvent, EventRegistration, Question, Follow, Subscription, AuditEntry)


def _counts() -> dict[str, int]:
    """How many rows each demo-relevant table holds."""
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def test_demo_load_covers_every_state_and_adds_nothing_the_second_time(app):
    auth_demo.load()
    assert demo.load() == len(demo.CHALLENGES)
    db.session.commit()
    states = Counter(db.session.scalars(select(Challenge.state)))
    assert set(states) == {s.value for s in ChallengeState}
    first = _counts()
    auth_demo.load()
    assert demo.load() == 0
    db.session.commit()
    assert _counts() == first
    assert Counter(db.session.scalars(select(Challenge.state))) == states
    _assert_consistent()


def _assert_consistent() -> None:
    """Each demo challenge carries the facts of its state, and its audit trail ends in that state."""
    challenges = db.session.scalars(select(Challenge)).all()
    for challenge in challenges:
        if challenge.state not in (ChallengeState.DRAFT.value, ChallengeState.AWAITING_APPROVAL.value):
            assert challenge.published_at is not None, challenge.title_fi
            assert challenge.weight_total == 100, challenge.title_fi
        assert challenge.search_document, challenge.title_fi
        # every state the challenge went through is in its audit trail, ending with the current one
        moves = db.session.scalars(select(AuditEntry.to_state).where(
            AuditEntry.object_type == "challenges", AuditEntry.object_id == challenge.id,
            AuditEntry.to_state.is_not(None)).order_by(AuditEntry.id)).all()
        assert moves[-1] == challenge.state, challenge.title_fi
    open_calls = [c for c in challenges if c.state == ChallengeState.OPEN.value]
    assert open_calls and all(c.proposals_close_at > c.opened_at for c in open_calls)
    by_title = {c.title_fi: c for c in challenges}
    food = by_title["Ruokahävikin vähentäminen koulujen ruokaloissa"]
    assert food.dialogue_summary_published_at and food.rfi_synthesis_published_at
    assert db.session.scalar(select(func.count()).select_from(Question).where(
        Question.challenge_id == food.id, Question.published_at.is_not(None))) == 2
    registered = db.session.scalars(select(EventRegistration).join(DialogueEvent).where(
        DialogueEvent.challenge_id == food.id)).all()
    assert {r.user.email for r in registered} == {"company@example.com", "company2@example.com"}


def test_demo_catalogue_shows_only_published_challenges(app, client):
    auth_demo.load()
    demo.load()
    db.session.commit()
    page = client.get("/challenges").get_data(as_text=True)
    assert "Ruokahävikin vähentäminen koulujen ruokaloissa" in page
    assert "Puistonpenkkien kunnon seuranta" not in page  # a draft
    assert "Nuorten kesätyöpaikkojen välitys" not in page  # awaiting approval
    found = client.get("/challenges?q=food+waste", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 challenge found" in found and "Reducing food waste in school canteens" in found


def test_demo_gives_helsinkis_decision_maker_a_challenge_awaiting_approval(app):
    auth_demo.load()
    demo.load()
    db.session.commit()
    decider = db.session.scalar(select(User).where(User.email == "decision.helsinki@example.com"))
    page = html(as_user(app, decider).get("/start"))
    assert "Kaupunkipyörien talvikäyttö" in page[page.index('id="panel-approvals"'):]
