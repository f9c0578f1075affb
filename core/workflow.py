"""The workflow engine: declarative transition tables and the one place that applies them.

A `Workflow` is data: states, and transitions (action, source states, target
state, roles allowed, guards, whether a comment is required). It is validated
when it is built. `allowed()` says which actions a user may take now and why
the blocked ones are blocked; `apply()` is the only code that changes an
object's state: it checks, changes, writes the audit row and lets the package
queue its notifications, all in the caller's transaction.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.extensions import db
from core.refusals import Refused

SYSTEM = "system"  # the role of the scheduler and other time-driven moves

Guard = Callable[[Any, Any], "str | None"]
"""A pure check of (object, user); returns a human-readable reason when it blocks."""

RolesFor = Callable[[Any, Any], "set[str]"]
Notifier = Callable[[Any, "Transition", Any, audit.AuditEntry], None]


def not_actor_of(*actions: str, reason: Any = None) -> Guard:
    """A guard: the user must not be the person who took any of `actions` on this object.

    Sign-offs (approval, selection, pilot acceptance, the procurement decision)
    are made by someone other than whoever prepared them. The audit log is the
    record of who did what, so the guard reads it: one query on the
    (object_type, object_id) index. Any earlier time counts, so stepping back
    and letting a colleague resubmit does not make the preparer a signer.
    """
    message = reason or _l("You took an earlier step of this yourself, so someone else must sign it off.")

    def guard(obj: Any, user: Any) -> Any:
        if user is None or getattr(obj, "id", None) is None:
            return None  # the system acts for no one; an unsaved object has no history
        object_type, object_id = audit.object_key(obj)
        took_part = db.session.scalar(
            select(audit.AuditEntry.id)
            .where(audit.AuditEntry.object_type == object_type, audit.AuditEntry.object_id == object_id,
                   audit.AuditEntry.action.in_(actions), audit.AuditEntry.actor_id == user.id)
            .limit(1))
        return message if took_part is not None else None

    guard.__name__ = f"not_actor_of_{'_'.join(actions)}"
    guard.__doc__ = f"Refuses whoever took {', '.join(actions)} on this object."
    return guard


class WorkflowDefinitionError(ValueError):
    """A transition table that cannot be run as written."""


class TransitionError(Refused):
    """A transition was refused; `message` is safe to show to the user."""


class NotAllowed(TransitionError):
    """The user's roles do not include this action in this state."""

    status_code = 403


class Blocked(TransitionError):
    """A guard refused; the message is its reason."""

    status_code = 409


class StaleState(TransitionError):
    """The page the user acted on no longer shows the object's state."""

    status_code = 409


class CommentRequired(TransitionError):
    """This action needs a written reason."""

    status_code = 400


@dataclass(frozen=True)
class Transition:
    """One row of a transition table."""

    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    label: Any
    guards: tuple[Guard, ...] = ()
    comment_required: bool = False
    style: str = "primary"
    effect: Callable[[Any, Any], None] | None = None  # records facts of the move, e.g. a timestamp

    def blocked_reason(self, obj: Any, user: Any) -> Any:
        """The first guard's reason for refusing, or None when all pass."""
        for guard in self.guards:
            reason = guard(obj, user)
            if reason:
                return reason
        return None


@dataclass(frozen=True)
class Option:
    """An action as offered to one user: enabled, or disabled with a reason."""

    transition: Transition
    reason: Any = None

    @property
    def enabled(self) -> bool:
        """True when the user can take this action now."""
        return self.reason is None


class Stateful(Protocol):
    """What the engine needs of an object: a `state` and an `id`."""

    id: int
    state: str


@dataclass
class Workflow:
    """A named, validated transition table."""

    name: str
    initial: str
    states: dict[str, Any]
    transitions: list[Transition]
    roles_for: RolesFor
    notify: Notifier | None = None
    _by_action: dict[str, Transition] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_action = {}
        self.validate()

    def validate(self) -> None:
        """Refuse a table with unknown states, duplicate actions or unreachable states."""
        if self.initial not in self.states:
            raise WorkflowDefinitionError(f"{self.name}: initial state {self.initial!r} is not a state")
        reached = {self.initial}
        for t in self.transitions:
            if t.action in self._by_action:
                raise WorkflowDefinitionError(f"{self.name}: action {t.action!r} is defined twice")
            unknown = [s for s in (*t.sources, t.target) if s not in self.states]
            if unknown:
                raise WorkflowDefinitionError(f"{self.name}.{t.action}: unknown states {unknown}")
            if not t.sources or not t.roles:
                raise WorkflowDefinitionError(f"{self.name}.{t.action}: needs sources and roles")
            if not all(callable(g) for g in t.guards):
                raise WorkflowDefinitionError(f"{self.name}.{t.action}: guards must be callables")
            self._by_action[t.action] = t
            reached.add(t.target)
        unreachable = set(self.states) - reached
        if unreachable:
            raise WorkflowDefinitionError(f"{self.name}: states never reached: {sorted(unreachable)}")

    def transition(self, action: str) -> Transition:
        """The transition for an action name; KeyError for an unknown action."""
        return self._by_action[action]

    def _roles(self, obj: Any, user: Any) -> set[str]:
        """The user's roles for this object; the system actor has only SYSTEM."""
        return {SYSTEM} if user is None else set(self.roles_for(user, obj))

    def from_state(self, state: str) -> Iterable[Transition]:
        """Transitions that leave a state, in table order."""
        return (t for t in self.transitions if state in t.sources)

    def allowed(self, obj: Stateful, user: Any) -> list[Option]:
        """The actions this user could take on obj now, each enabled or with its blocking reason."""
        roles = self._roles(obj, user)
        return [
            Option(t, t.blocked_reason(obj, user))
            for t in self.from_state(obj.state)
            if roles & t.roles
        ]

    def check(self, obj: Stateful, action: str, user: Any, *, comment: str | None = None,
              seen_state: str | None = None) -> Transition:
        """Raise a TransitionError unless user may take action on obj now."""
        t = self._by_action.get(action)
        if seen_state is not None and seen_state != obj.state:
            raise StaleState(_l("This page was out of date: the item has changed since you opened it. "
                                "Review its current state and try again."))
        if t is None or obj.state not in t.sources:
            raise NotAllowed(_l("This action is not available in the current state."))
        if not self._roles(obj, user) & t.roles:
            raise NotAllowed(_l("You do not have permission to do this."))
        reason = t.blocked_reason(obj, user)
        if reason:
            raise Blocked(reason)
        if t.comment_required and not (comment or "").strip():
            raise CommentRequired(_l("Write a reason for this action."), field="comment")
        return t

    def apply(self, obj: Stateful, action: str, user: Any, *, comment: str | None = None,
              seen_state: str | None = None, data: dict[str, Any] | None = None) -> audit.AuditEntry:
        """Check and take an action: change state, audit, notify. Flushes, never commits."""
        t = self.check(obj, action, user, comment=comment, seen_state=seen_state)
        source = obj.state
        obj.state = t.target
        if t.effect is not None:
            t.effect(obj, user)
        try:
            db.session.flush()
        except StaleDataError as exc:  # another request moved it first (version column)
            db.session.rollback()
            raise StaleState(_l("Someone else changed this item at the same time. "
                                "Review its current state and try again.")) from exc
        entry = audit.record(action, obj, user, from_state=source, to_state=t.target,
                             comment=(comment or "").strip() or None, data=data)
        if self.notify is not None:
            self.notify(obj, t, user, entry)
        return entry


class WorkflowRegistry:
    """Workflows by name, so that an object keeps the definition it started with."""

    def __init__(self) -> None:
        self._workflows: dict[str, Workflow] = {}

    def register(self, workflow: Workflow) -> Workflow:
        """Add a workflow; names are unique."""
        if workflow.name in self._workflows:
            raise WorkflowDefinitionError(f"workflow {workflow.name!r} is registered twice")
        self._workflows[workflow.name] = workflow
        return workflow

    def get(self, name: str) -> Workflow:
        """The workflow registered under name."""
        return self._workflows[name]

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        return sorted(self._workflows)


registry = WorkflowRegistry()
