"""The workflow engine on a small sample table: states and their attributes, every transition, every role,
every guard reason, guards and subscribers added by a downstream package, versions."""
from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from core.audit import AuditEntry
from core.jobs import enqueue_after_commit
from core.workflow import (SYSTEM, Blocked, CommentRequired, NotAllowed, StaleState, State, StateEnum, Transition,
                           Workflow, WorkflowDefinitionError, WorkflowRegistry, not_actor_of, states_where,
                           transitioned)
from tests.factories import count_queries


class SampleState(StateEnum):
    """The sample's states, declaring what each allows."""

    DRAFT = State("draft", "Draft", editable=True)
    REVIEW = State("review", "In review", editable=True, attrs={"reviewers_see": True})
    PUBLISHED = State("published", "Approved", public_label="Published", public=True, locked=True)
    ARCHIVED = State("archived", "Archived", public=True, locked=True, terminal=True)
    CANCELLED = State("cancelled", "Cancelled", terminal=True)


STATES = SampleState.states()


@dataclass
class Sample:
    """A stand-in for a stateful model: the engine needs only id, state and a table name."""

    __tablename__ = "samples"
    id: int = 1
    state: str = "draft"
    title: str = "A title"
    author_id: int = -1  # nobody, unless a test says otherwise
    workflow: str = "sample.v1"
    scores_pending: list = field(default_factory=list)


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


def sample_roles(user, obj) -> set[str]:
    """A user's role comes from SAMPLE_ROLES."""
    return {SAMPLE_ROLES[user.id]}


def make_workflow(name: str = "sample.v1", transitions=None) -> Workflow:
    """The sample workflow (or another version of it)."""
    return Workflow(name, SampleState.DRAFT, STATES, TRANSITIONS if transitions is None else transitions,
                    roles_for=sample_roles)


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
    other = next(s.value for s in SampleState if s not in transition.sources)
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


def test_a_comment_rule_may_depend_on_the_object(db, person):
    untitled_needs_reason = Transition("submit", ("draft",), "review", frozenset({"author"}), "Submit",
                                       comment_required=lambda obj: not obj.title)
    workflow = make_workflow("sample.v7", [untitled_needs_reason, *TRANSITIONS[1:]])
    assert untitled_needs_reason.needs_comment(Sample(title="")) is True
    assert untitled_needs_reason.needs_comment(Sample(title="Named")) is False
    untitled = Sample(title="")
    with pytest.raises(CommentRequired):
        workflow.apply(untitled, "submit", person("author"))
    assert untitled.state == "draft"
    titled = Sample(title="Named")
    workflow.apply(titled, "submit", person("author"))
    assert titled.state == "review"


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


def test_effect_records_facts_of_the_move(db):
    sample = Sample(state="published")
    make_workflow().apply(sample, "archive", None)
    assert sample.archived_by_system is True


TWO = (State("draft", "Draft"), State("review", "Review", terminal=True))


@pytest.mark.parametrize("transitions, message", [
    ([Transition("go", ("draft",), "nowhere", frozenset({"a"}), "Go")], "unknown states"),
    ([Transition("go", ("draft",), "review", frozenset({"a"}), "Go")] * 2, "defined twice"),
    ([Transition("go", ("draft",), "review", frozenset(), "Go")], "needs sources and roles"),
    ([Transition("go", ("draft",), "review", frozenset({"a"}), "Go", guards=("x",))], "callables"),
    ([Transition("go", ("draft",), "review", frozenset({"a"}), "Go"),
      Transition("back", ("review",), "draft", frozenset({"a"}), "Back")], "terminal state 'review' has a way out"),
])
def test_invalid_tables_are_refused_when_loaded(transitions, message):
    with pytest.raises(WorkflowDefinitionError, match=message):
        Workflow("bad.v1", "draft", TWO, transitions, roles_for=lambda u, o: set())


def test_unreachable_state_is_refused_when_loaded():
    with pytest.raises(WorkflowDefinitionError, match="never reached"):
        Workflow("bad.v1", "draft", (State("draft", "D", terminal=True), State("lost", "L", terminal=True)), [],
                 roles_for=lambda u, o: set())


def test_state_without_a_way_out_must_be_marked_terminal():
    states = (State("draft", "Draft"), State("review", "Review"))
    with pytest.raises(WorkflowDefinitionError, match="'review' is a dead end"):
        Workflow("bad.v1", "draft", states, [Transition("go", ("draft",), "review", {"a"}, "Go")],
                 roles_for=lambda u, o: set())


@pytest.mark.parametrize("name", ["sample", "sample.v0", "Sample.v1", "sample.direct", "sample.v1.direct"])
def test_workflow_name_must_carry_a_version(name):
    with pytest.raises(WorkflowDefinitionError, match="version"):
        make_workflow(name)


def test_name_gives_family_and_version():
    workflow = make_workflow("sample.fast.v12")
    assert (workflow.family, workflow.version) == ("sample", 12)


def test_registry_keeps_each_definition_under_its_name():
    registry = WorkflowRegistry()
    workflow = registry.register(make_workflow())
    assert registry.get("sample.v1") is workflow and registry.names() == ["sample.v1"]
    with pytest.raises(WorkflowDefinitionError):
        registry.register(make_workflow())


# --- states declare their attributes ------------------------------------------------------

def test_states_where_selects_by_flags_and_attributes_in_table_order():
    workflow = make_workflow()
    assert workflow.states_where(public=True) == ("published", "archived")
    assert workflow.states_where(editable=True) == ("draft", "review")
    assert workflow.states_where(public=True, terminal=False) == ("published",)
    assert workflow.states_where(reviewers_see=True) == ("review",)
    assert SampleState.states_where(locked=True) == ("published", "archived")
    with pytest.raises(KeyError):
        workflow.states_where(no_such_attribute=True)


def test_public_label_differs_from_the_internal_one_and_private_states_have_none():
    assert (SampleState.PUBLISHED.label, SampleState.PUBLISHED.public_label) == ("Approved", "Published")
    assert SampleState.ARCHIVED.public_label == "Archived"  # public, and no word of its own
    assert SampleState.DRAFT.public_label is None
    with pytest.raises(WorkflowDefinitionError, match="not public"):
        State("secret", "Secret", public_label="Shown")


def test_state_enum_members_are_the_stored_names_and_carry_their_rows():
    assert SampleState.REVIEW == "review" and SampleState("review") is SampleState.REVIEW
    assert SampleState.REVIEW.state.attrs["reviewers_see"] is True
    assert SampleState.choices()[0] == ("draft", "Draft")
    assert states_where(STATES, terminal=True) == ("archived", "cancelled")


def test_transitions_take_states_as_members_rows_or_names():
    row = Transition("submit", (SampleState.DRAFT, SampleState.REVIEW.state), "published", {"author"}, "Submit")
    assert row.sources == ("draft", "review") and row.target == "published"
    assert type(row.sources[0]) is str and row.roles == frozenset({"author"})


def test_a_state_means_the_same_in_every_table_of_a_family():
    registry = WorkflowRegistry()
    registry.register(make_workflow())
    changed = (*STATES[:2], State("published", "Approved", public=True), *STATES[3:])  # no longer locked
    with pytest.raises(WorkflowDefinitionError, match="differ"):
        registry.register(Workflow("sample.v2", "draft", changed, TRANSITIONS, roles_for=sample_roles))
    registry.register(Workflow("other.v1", "draft", changed, TRANSITIONS, roles_for=sample_roles))  # another family


# --- versions -----------------------------------------------------------------------------

def test_object_keeps_the_table_of_the_version_it_started_on(db, person):
    registry = WorkflowRegistry()
    registry.register(make_workflow())
    # Version 2 lets the author publish without review; samples begun on version 1 still go through it.
    direct = Transition("publish", ("draft",), "published", {"author"}, "Publish")
    registry.register(make_workflow("sample.v2", [direct, *TRANSITIONS]))
    author = person("author")
    old, new = Sample(id=1, workflow="sample.v1"), Sample(id=2, workflow="sample.v2")
    assert [o.transition.action for o in registry.get(old.workflow).allowed(old, author)] == ["submit", "cancel"]
    with pytest.raises(NotAllowed):
        registry.get(old.workflow).apply(old, "publish", author)
    registry.get(new.workflow).apply(new, "publish", author)
    assert (old.state, new.state) == ("draft", "published")


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
    return Workflow("sign_off.v1", "draft", STATES, SIGN_OFF, roles_for=lambda user, obj: {"author"})


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


# --- extension points: a downstream package adds guards and subscribes, unknown to the owner ---

class ScoresPackage:
    """Stands for a package built on the sample workflow (as pilots/ is on the challenge's): the owner of the
    table does not import it; it adds its guard to the family and subscribes to the signal when set up."""

    def __init__(self) -> None:
        self.told: list[tuple] = []  # what the subscriber received
        self.sent: list[str] = []  # what its jobs did after the commit

    @staticmethod
    def every_score_submitted(sample, user):
        """Publishing waits for the scores this package keeps."""
        return f"{len(sample.scores_pending)} scores are not submitted." if sample.scores_pending else None

    def on_transitioned(self, family, *, workflow, obj, transition, user, entry):
        """Queue a notice for after the commit, as a package's notifications do."""
        self.told.append((family, workflow.name, obj.id, transition.action, entry.id, entry.action))
        enqueue_after_commit(self.sent.append, transition.action)

    def init_app(self, registry: WorkflowRegistry) -> None:
        """What the package's init_app does: register its guard and connect its subscriber."""
        registry.add_guard("sample", "approve", self.every_score_submitted)
        transitioned.connect(self.on_transitioned, sender="sample")

    def close(self) -> None:
        """Disconnect (a test ends; a package never does)."""
        transitioned.disconnect(self.on_transitioned, sender="sample")


@pytest.fixture
def scores():
    """A registry with two versions and a variant of the sample table, and the package set up on it."""
    registry = WorkflowRegistry()
    for name in ("sample.v1", "sample.v2", "sample.fast.v1"):
        registry.register(make_workflow(name))
    package = ScoresPackage()
    package.init_app(registry)
    yield registry, package
    package.close()


def test_added_guard_blocks_and_explains_like_a_table_guard(db, person, scores):
    registry, _package = scores
    approver = person("approver")
    sample = Sample(state="review", scores_pending=["a", "b"])
    for name in ("sample.v1", "sample.v2", "sample.fast.v1"):  # every version and variant of the family
        workflow = registry.get(name)
        [approve] = [o for o in workflow.allowed(sample, approver) if o.transition.action == "approve"]
        assert approve.reason == "2 scores are not submitted."
        with pytest.raises(Blocked, match="2 scores are not submitted."):
            workflow.check(sample, "approve", approver)
    sample.scores_pending.clear()
    registry.get("sample.v2").apply(sample, "approve", approver)
    assert sample.state == "published"


def test_table_guards_speak_before_added_ones(person, scores):
    registry, _package = scores
    approver = person("approver")
    own = Sample(state="review", author_id=approver.id, scores_pending=["a"])
    assert registry.get("sample.v1").blocked_reason(registry.get("sample.v1").transition("approve"), own,
                                                    approver) == "You cannot approve your own sample."


def test_added_guard_reaches_a_version_registered_later(person, scores):
    registry, _package = scores
    later = registry.register(make_workflow("sample.v3"))
    with pytest.raises(Blocked, match="1 scores are not submitted."):
        later.check(Sample(state="review", scores_pending=["a"]), "approve", person("approver"))


def test_extend_guards_one_table_only(person):
    registry = WorkflowRegistry()
    one, other = registry.register(make_workflow("sample.v1")), registry.register(make_workflow("sample.v2"))
    one.extend("submit", lambda sample, user: "Not on Fridays." if sample.title == "Friday" else None)
    author = person("author")
    with pytest.raises(Blocked, match="Not on Fridays."):
        one.check(Sample(title="Friday"), "submit", author)
    assert other.check(Sample(title="Friday"), "submit", author).action == "submit"


def test_guard_for_an_action_no_table_has_is_refused_at_start_up(scores):
    registry, _package = scores
    with pytest.raises(WorkflowDefinitionError, match="'aprove'"):
        registry.add_guard("sample", "aprove", ScoresPackage.every_score_submitted)
    with pytest.raises(WorkflowDefinitionError, match="no action 'aprove'"):
        registry.get("sample.v1").extend("aprove", ScoresPackage.every_score_submitted)


def test_transitioned_is_sent_after_the_audit_row_and_its_jobs_wait_for_the_commit(db, scores):
    registry, package = scores
    sample = Sample(state="published")
    entry = registry.get("sample.fast.v1").apply(sample, "archive", None)
    assert package.told == [("sample", "sample.fast.v1", 1, "archive", entry.id, "archive")]
    assert package.sent == []
    db.session.commit()
    assert package.sent == ["archive"] and entries(db)[0].id == entry.id


def test_transitioned_reaches_only_the_family_subscribed_to(db, scores):
    _registry, package = scores
    other = Workflow("other.v1", "draft", STATES, TRANSITIONS, roles_for=sample_roles)
    other.apply(Sample(state="published"), "archive", None)
    assert package.told == []


def test_rolled_back_transition_leaves_no_audit_row_and_sends_nothing(db, scores):
    registry, package = scores
    registry.get("sample.v1").apply(Sample(state="published"), "archive", None)
    db.session.rollback()
    db.session.commit()
    assert entries(db) == [] and package.sent == []


def test_refused_transition_sends_nothing(db, person, scores):
    registry, package = scores
    with pytest.raises(NotAllowed):
        registry.get("sample.v1").apply(Sample(state="draft"), "archive", person("author"))
    assert package.told == [] and entries(db) == []


def test_removed_guard_blocks_no_more(person, scores):
    registry, _package = scores
    registry.remove_guard("sample", "approve", ScoresPackage.every_score_submitted)
    sample = Sample(state="review", scores_pending=["a"])
    assert registry.get("sample.v1").check(sample, "approve", person("approver")).action == "approve"
    assert registry.register(make_workflow("sample.v3")).guards_of(TRANSITIONS[1]) == (not_own,)
