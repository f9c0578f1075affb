"""The workflow engine on a small sample table: every transition, every role, every guard reason."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.audit import AuditEntry
from core.jobs import enqueue_after_commit
from core.workflow import (SYSTEM, Blocked, CommentRequired, NotAllowed, StaleState, Transition, Workflow,
                           WorkflowDefinitionError, WorkflowRegistry, not_actor_of)
from tests.factories import count_queries

STATES = {"draft": "Draft", "review": "In review", "published": "Published", "archived": "Archived",
          "cancelled": "Cancelled"}


@dataclass
class Sample:
    """A stand-in for a stateful model: the engine needs only id, state and a table name."""

    __tablename__ = "samples"
    id: int = 1
    state: str = "draft"
    title: str = "A title"
    author_id: int = -1  # nobody, unless a test says otherwise
    notified: list = field(default_factory=list)


def needs_title(obj, user):
    """A sample cannot go to review without a title."""
    return None if obj.title else "Write a title first."


def not_own(obj, user):
    """Nobody approves their own sample."""
    return "You cannot approve your own sample." if user is not None and user.id == obj.author_id else None


TRANSITIONS = [
    Transition("submit", ("draft",), "review", frozenset({"author"}), "Submit", guards=(needs_title,)),
    Transition("approve", ("review",), "published", frozenset({"approver"}), "Approve", guards=(not_own,)),
    Transition("reject", ("review",), "draft", frozenset({"approver"}), "Reject", comment_required=True),
    Transition("archive", ("published",), "archived", frozenset({SYSTEM}), "Archive",
               effect=lambda obj, user: setattr(obj, "archived_by_system", user is None)),
    Transition("cancel", ("draft", "review"), "cancelled", frozenset({"author", "approver"}), "Cancel",
               comment_required=True),
]
ROLES = ("author", "approver", "reader", SYSTEM)


SAMPLE_ROLES: dict[int, str] = {}  # user id -> the one sample role the test gave that user


def make_workflow(notify=None) -> Workflow:
    """The sample workflow; a user's role comes from SAMPLE_ROLES."""
    return Workflow("sample", "draft", STATES, TRANSITIONS,
                    roles_for=lambda user, obj: {SAMPLE_ROLES[user.id]}, notify=notify)


@pytest.fixture
def person(make_user):
    """Make a real user holding one sample role (None stands for the system)."""

    def make(role: str):
        if role == SYSTEM:
            return None
        user = make_user()
        SAMPLE_ROLES[user.id] = role
        return user

    return make


def entries(db) -> list[AuditEntry]:
    """Audit rows written so far."""
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


CASES = [(t, role) for t in TRANSITIONS for role in ROLES]


@pytest.mark.parametrize("transition, role", CASES, ids=[f"{t.action}-{r}" for t, r in CASES])
def test_apply_allows_exactly_the_roles_in_the_table(db, person, transition, role):
    sample = Sample(state=transition.sources[0])
    workflow = make_workflow()
    actor = person(role)
    if role not in transition.roles:
        with pytest.raises(NotAllowed):
            workflow.apply(sample, transition.action, actor, comment="why")
        assert sample.state == transition.sources[0]
        return
    entry = workflow.apply(sample, transition.action, actor, comment="why")
    db.session.commit()
    assert sample.state == transition.target
    [row] = entries(db)
    assert (row.action, row.object_type, row.object_id) == (transition.action, "samples", 1)
    assert (row.from_state, row.to_state) == (transition.sources[0], transition.target)
    assert row.actor_id == (actor.id if actor else None) and row.id == entry.id
    assert row.comment == "why"


@pytest.mark.parametrize("transition", TRANSITIONS, ids=[t.action for t in TRANSITIONS])
def test_apply_refuses_from_a_state_outside_the_sources(db, person, transition):
    other = next(s for s in STATES if s not in transition.sources)
    sample = Sample(state=other)
    role = next(iter(transition.roles))
    with force_locale("en"), pytest.raises(NotAllowed, match="not available in the current state"):
        make_workflow().apply(sample, transition.action, person(role), comment="why")
    assert sample.state == other and entries(db) == []


def test_guard_reason_blocks_submit_without_title(db, person):
    sample = Sample(title="")
    with pytest.raises(Blocked, match="Write a title first."):
        make_workflow().apply(sample, "submit", person("author"))
    assert sample.state == "draft"


def test_guard_reason_blocks_approving_own_sample(db, person):
    approver = person("approver")
    sample = Sample(state="review", author_id=approver.id)
    with pytest.raises(Blocked, match="You cannot approve your own sample."):
        make_workflow().apply(sample, "approve", approver)


@pytest.mark.parametrize("action, state, role", [("reject", "review", "approver"),
                                                 ("cancel", "draft", "author")])
def test_comment_is_required_where_the_table_says(db, person, action, state, role):
    sample = Sample(state=state)
    with pytest.raises(CommentRequired):
        make_workflow().apply(sample, action, person(role), comment="   ")
    assert sample.state == state


def test_stale_page_is_refused(db, person):
    sample = Sample(state="review")
    with force_locale("en"), pytest.raises(StaleState, match="out of date"):
        make_workflow().apply(sample, "cancel", person("author"), comment="x", seen_state="draft")
    assert sample.state == "review" and entries(db) == []


def test_allowed_lists_enabled_actions_and_reasons_for_blocked_ones(person):
    workflow = make_workflow()
    approver = person("approver")
    options = workflow.allowed(Sample(state="review", author_id=approver.id), approver)
    assert [(o.transition.action, o.enabled, o.reason) for o in options] == [
        ("approve", False, "You cannot approve your own sample."),
        ("reject", True, None),
        ("cancel", True, None),
    ]
    assert workflow.allowed(Sample(state="review"), person("reader")) == []
    assert [o.transition.action for o in workflow.allowed(Sample(state="published"), None)] == ["archive"]


def test_notify_hook_runs_inside_apply_and_its_jobs_wait_for_commit(db):
    ran = []

    def notify(obj, transition, user, entry):
        enqueue_after_commit(ran.append, (transition.action, entry.id))

    sample = Sample(state="published")
    make_workflow(notify).apply(sample, "archive", None)
    assert ran == []
    db.session.commit()
    assert ran == [("archive", entries(db)[0].id)]


def test_effect_records_facts_of_the_move(db):
    sample = Sample(state="published")
    make_workflow().apply(sample, "archive", None)
    assert sample.archived_by_system is True


def test_rolled_back_transition_leaves_no_audit_row_and_sends_nothing(db):
    ran = []
    sample = Sample(state="published")
    make_workflow(lambda *a: enqueue_after_commit(ran.append, "sent")).apply(sample, "archive", None)
    db.session.rollback()
    db.session.commit()
    assert entries(db) == [] and ran == []


@pytest.mark.parametrize("transitions, message", [
    ([Transition("go", ("draft",), "nowhere", frozenset({"a"}), "Go")], "unknown states"),
    ([Transition("go", ("draft",), "review", frozenset({"a"}), "Go")] * 2, "defined twice"),
    ([Transition("go", ("draft",), "review", frozenset(), "Go")], "needs sources and roles"),
    ([Transition("go", ("draft",), "review", frozenset({"a"}), "Go", guards=("x",))], "callables"),
])
def test_invalid_tables_are_refused_when_loaded(transitions, message):
    states = {"draft": "Draft", "review": "Review"}
    with pytest.raises(WorkflowDefinitionError, match=message):
        Workflow("bad", "draft", states, transitions, roles_for=lambda u, o: set())


def test_unreachable_state_is_refused_when_loaded():
    with pytest.raises(WorkflowDefinitionError, match="never reached"):
        Workflow("bad", "draft", {"draft": "D", "lost": "L"}, [], roles_for=lambda u, o: set())


def test_registry_keeps_each_definition_under_its_name():
    registry = WorkflowRegistry()
    workflow = registry.register(make_workflow())
    assert registry.get("sample") is workflow and registry.names() == ["sample"]
    with pytest.raises(WorkflowDefinitionError):
        registry.register(make_workflow())


# --- separation of duties: not the person who took an earlier action ---------------------------

SIGN_OFF = [
    Transition("submit", ("draft",), "review", frozenset({"author"}), "Submit"),
    Transition("approve", ("review",), "published", frozenset({"author"}), "Approve",
               guards=(not_actor_of("submit"),)),
    Transition("archive", ("published",), "archived", frozenset({SYSTEM}), "Archive"),
    Transition("cancel", ("draft", "review"), "cancelled", frozenset({"author"}), "Cancel"),
]


def sign_off_workflow() -> Workflow:
    """A table where everybody may both submit and approve, so only the audit log tells them apart."""
    return Workflow("sign-off", "draft", STATES, SIGN_OFF, roles_for=lambda user, obj: {"author"})


def test_not_actor_of_blocks_the_person_who_took_the_earlier_action(db, make_user):
    workflow, submitter, other = sign_off_workflow(), make_user(), make_user()
    sample = Sample()
    workflow.apply(sample, "submit", submitter)
    db.session.commit()
    with force_locale("en"):
        [approve, _cancel] = workflow.allowed(sample, submitter)
        assert not approve.enabled
        assert str(approve.reason) == "You took an earlier step of this yourself, so someone else must sign it off."
        with pytest.raises(Blocked):
            workflow.apply(sample, "approve", submitter)
    assert sample.state == "review"
    workflow.apply(sample, "approve", other)
    db.session.commit()
    assert sample.state == "published"


def test_not_actor_of_reads_only_this_objects_history(db, make_user):
    workflow, person = sign_off_workflow(), make_user()
    workflow.apply(Sample(id=1), "submit", person)
    sample = Sample(id=2, state="review")
    workflow.apply(sample, "approve", person)  # submitted by someone else (no row of theirs for sample 2)
    assert sample.state == "published"


def test_not_actor_of_uses_its_own_reason_and_one_query(db, make_user):
    guard = not_actor_of("submit", "cancel", reason="Ask a colleague.")
    person, other = make_user(), make_user()
    sample = Sample()
    sign_off_workflow().apply(sample, "cancel", person, comment="x")
    db.session.refresh(other)  # loaded now, so that only the guard's own queries are counted
    with count_queries() as statements:
        assert guard(sample, person) == "Ask a colleague."
        assert guard(sample, other) is None
    assert len(statements) == 2  # one query per check
    assert guard(sample, None) is None  # the system is never the earlier actor
