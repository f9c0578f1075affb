"""The workflow engine: declarative state and transition tables, and the one place that applies them.

A `Workflow` is data: its states (each a `State` declaring what it allows) and
its transitions (action, source states, target state, roles allowed, guards,
whether a comment is required). It is validated when it is built. `allowed()`
says which actions a user may take now and why the blocked ones are blocked;
`apply()` is the only code that changes an object's state: it checks, changes,
writes the audit row and sends the `transitioned` signal, all in the caller's
transaction.

Extension points, so that a package builds on a workflow without its owner
importing it:
- `registry.add_guard(family, action, guard)` adds a guard to every version and
  variant of a family (`Workflow.extend` to one table); it blocks and explains
  exactly like a guard of the table.
- `transitioned` is sent after every move; any package subscribes to it (in its
  `init_app`) to queue notifications or record facts of its own.
- Names carry a version ("challenge.direct.v1"): an object stores the name it
  started with and keeps that table when a newer version is registered.
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any, Callable, Protocol

import blinker
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from core import audit
from core.enums import LabelledEnum
from core.extensions import db
from core.refusals import Refused

SYSTEM = "system"  # the role of the scheduler and other time-driven moves

Guard = Callable[[Any, Any], "str | None"]
"""A pure check of (object, user); returns a human-readable reason when it blocks."""

RolesFor = Callable[[Any, Any], "set[str]"]

transitioned = blinker.Namespace().signal("transitioned")
"""Sent by `apply()` after the audit row, inside the caller's transaction.

The sender is the workflow's family ("challenge"), so a receiver connects to one
family: `transitioned.connect(receiver, sender="challenge")`. Keyword arguments:
workflow, obj, transition, user (None for the system) and entry (the audit row).
Receivers queue side effects with `enqueue_after_commit` or the outbox, never send
them directly: a rollback must take the move and its consequences back together.
"""


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


# --- states ------------------------------------------------------------------------------

@dataclass(frozen=True)
class State:
    """One state of a workflow and what it allows; checks, constraints and lists derive from these rows.

    `label` is what staff read; `public_label` what companies and the public read
    (internal words such as "approved" stay internal). A state that is not public
    has no public label. `attrs` holds a family's own attributes (for a challenge:
    which dialogue activities run, its catalogue group), read by `states_where`
    like the flags. A state means the same in every table of its family: the
    database's constraints are built from it.
    """

    name: str
    label: Any
    public_label: Any = None
    editable: bool = False  # its content can still be changed by its owners
    public: bool = False  # the public may see an object in this state
    locked: bool = False  # its terms are fixed (for a challenge: criteria and weights, once the call opens)
    terminal: bool = False  # nothing follows: no transition leaves it
    attrs: Mapping[str, Any] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", self.name):
            raise WorkflowDefinitionError(f"state name {self.name!r} is not a lower-case identifier")
        if not self.public and self.public_label is not None:
            raise WorkflowDefinitionError(f"state {self.name!r} is not public, so it has no public label")
        if self.public and self.public_label is None:
            object.__setattr__(self, "public_label", self.label)
        object.__setattr__(self, "attrs", MappingProxyType(dict(self.attrs)))

    def has(self, **flags: Any) -> bool:
        """True when every given flag or attribute has the given value: `state.has(public=True)`."""
        return all(self._value(key) == wanted for key, wanted in flags.items())

    def _value(self, key: str) -> Any:
        """A flag (dataclass field) or an attribute of attrs; None for an attribute the state lacks."""
        return getattr(self, key) if key in _FLAGS else self.attrs.get(key)


_FLAGS = frozenset(f.name for f in fields(State)) - {"name", "label", "attrs"}


def states_where(states: Iterable[State], **flags: Any) -> tuple[str, ...]:
    """The names of the states whose flags and attributes have the given values, in table order."""
    states = tuple(states)
    unknown = [key for key in flags if key not in _FLAGS and not any(key in s.attrs for s in states)]
    if unknown:
        raise KeyError(f"no state has the attributes {unknown}")
    return tuple(s.name for s in states if s.has(**flags))


class StateEnum(LabelledEnum):
    """A family's state names as an enum whose members carry their `State`: `OPEN = State("open", ...)`.

    Code names states as members (`ChallengeState.OPEN`, equal to "open"); the
    rows give every table of the family, its constraints and its pages the same
    attributes.
    """

    state: State

    def __new__(cls, state: State) -> StateEnum:
        member = str.__new__(cls, state.name)
        member._value_ = state.name
        member.state = state
        member.label = state.label
        return member

    @property
    def public_label(self) -> Any:
        """What the public reads for this state (None when it never sees it)."""
        return self.state.public_label

    @classmethod
    def states(cls) -> tuple[State, ...]:
        """Every state row, in definition order."""
        return tuple(member.state for member in cls)

    @classmethod
    def states_where(cls, **flags: Any) -> tuple[str, ...]:
        """The names of the states whose flags and attributes have the given values."""
        return states_where(cls.states(), **flags)


def _state_name(state: State | str) -> str:
    """A state given as a row, an enum member or a name, as its name."""
    return state.name if isinstance(state, State) else str(state)


# --- transitions -------------------------------------------------------------------------

@dataclass(frozen=True)
class Transition:
    """One row of a transition table; states may be given as names, `State` rows or `StateEnum` members."""

    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    label: Any
    guards: tuple[Guard, ...] = ()
    comment_required: bool | Callable[[Any], bool] = False  # a callable decides per object
    style: str = "primary"
    effect: Callable[[Any, Any], None] | None = None  # records facts of the move, e.g. a timestamp

    def __post_init__(self) -> None:
        object.__setattr__(self, "sources", tuple(_state_name(s) for s in self.sources))
        object.__setattr__(self, "target", _state_name(self.target))
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "guards", tuple(self.guards))

    def needs_comment(self, obj: Any) -> bool:
        """Whether taking this action on obj needs a reason."""
        required = self.comment_required
        return bool(required(obj) if callable(required) else required)


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


# --- workflows -----------------------------------------------------------------------------

_NAME = re.compile(r"(?P<base>[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\.v(?P<version>[1-9][0-9]*)")


class Workflow:
    """A named, versioned, validated table of states and transitions.

    The name is "<family>[.<variant>].v<version>", e.g. "challenge.with_dialogue.v1".
    """

    def __init__(self, name: str, initial: State | str, states: Iterable[State | StateEnum],
                 transitions: Iterable[Transition], roles_for: RolesFor, *, label: Any = None) -> None:
        match = _NAME.fullmatch(name)
        if match is None:
            raise WorkflowDefinitionError(f"workflow name {name!r} is not '<family>[.<variant>].v<version>'")
        self.name, self.version = name, int(match["version"])
        self.family = match["base"].split(".")[0]
        self.label = label  # what the variant is called where people choose one
        self.initial = _state_name(initial)
        self.states: dict[str, State] = {}
        for state in states:
            row = state.state if isinstance(state, StateEnum) else state
            if row.name in self.states:
                raise WorkflowDefinitionError(f"{name}: state {row.name!r} is listed twice")
            self.states[row.name] = row
        self.transitions = list(transitions)
        self.roles_for = roles_for
        self._by_action: dict[str, Transition] = {}
        self._extra_guards: dict[str, list[Guard]] = {}
        self.validate()

    def __repr__(self) -> str:
        return f"<Workflow {self.name}>"

    def validate(self) -> None:
        """Refuse unknown states, duplicate actions, unreachable states, dead ends, exits from end states."""
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
            _require_callables(f"{self.name}.{t.action}", t.guards)
            self._by_action[t.action] = t
            reached.add(t.target)
        unreachable = set(self.states) - reached
        if unreachable:
            raise WorkflowDefinitionError(f"{self.name}: states never reached: {sorted(unreachable)}")
        left = {s for t in self.transitions for s in t.sources}
        for state in self.states.values():
            if state.terminal and state.name in left:
                raise WorkflowDefinitionError(f"{self.name}: terminal state {state.name!r} has a way out")
            if not state.terminal and state.name not in left:
                raise WorkflowDefinitionError(f"{self.name}: state {state.name!r} is a dead end; "
                                              "mark it terminal or add a transition from it")

    # --- reading the table ---

    def transition(self, action: str) -> Transition:
        """The transition for an action name; KeyError for an unknown action."""
        return self._by_action[action]

    def state(self, name: str) -> State:
        """The state row of a name; KeyError for a state this table does not have."""
        return self.states[name]

    def states_where(self, **flags: Any) -> tuple[str, ...]:
        """The names of this table's states whose flags and attributes have the given values."""
        return states_where(self.states.values(), **flags)

    def from_state(self, state: str) -> Iterable[Transition]:
        """Transitions that leave a state, in table order."""
        return (t for t in self.transitions if state in t.sources)

    def guards_of(self, transition: Transition) -> tuple[Guard, ...]:
        """The table's guards of a transition, then those other packages added, in the order added."""
        return transition.guards + tuple(self._extra_guards.get(transition.action, ()))

    # --- extending it ---

    def extend(self, action: str, *guards: Guard) -> None:
        """Add guards to one action of this table (a package that builds on it blocks what it must)."""
        if action not in self._by_action:
            raise WorkflowDefinitionError(f"{self.name}: no action {action!r} to add guards to")
        _require_callables(f"{self.name}.{action}", guards)
        self._extra_guards.setdefault(action, []).extend(guards)

    # --- using it ---

    def _roles(self, obj: Any, user: Any) -> set[str]:
        """The user's roles for this object; the system actor has only SYSTEM."""
        return {SYSTEM} if user is None else set(self.roles_for(user, obj))

    def blocked_reason(self, transition: Transition, obj: Any, user: Any) -> Any:
        """The first guard's reason for refusing, or None when all pass."""
        for guard in self.guards_of(transition):
            reason = guard(obj, user)
            if reason:
                return reason
        return None

    def allowed(self, obj: Stateful, user: Any) -> list[Option]:
        """The actions this user could take on obj now, each enabled or with its blocking reason."""
        roles = self._roles(obj, user)
        return [
            Option(t, self.blocked_reason(t, obj, user))
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
        reason = self.blocked_reason(t, obj, user)
        if reason:
            raise Blocked(reason)
        if t.needs_comment(obj) and not (comment or "").strip():
            raise CommentRequired(_l("Write a reason for this action."), field="comment")
        return t

    def apply(self, obj: Stateful, action: str, user: Any, *, comment: str | None = None,
              seen_state: str | None = None, data: dict[str, Any] | None = None) -> audit.AuditEntry:
        """Check and take an action: change state, audit, send `transitioned`. Flushes, never commits.

        A simultaneous change found at the flush raises StaleState and leaves the
        session as the failed flush left it: the caller rolls back (core/errors.py
        answers an uncaught one with 409 and rolls back too).
        """
        t = self.check(obj, action, user, comment=comment, seen_state=seen_state)
        source = obj.state
        obj.state = t.target
        if t.effect is not None:
            t.effect(obj, user)
        try:
            db.session.flush()
        except StaleDataError as exc:  # another request moved it first (version column)
            raise StaleState(_l("Someone else changed this item at the same time. "
                                "Review its current state and try again.")) from exc
        entry = audit.record(action, obj, user, from_state=source, to_state=t.target,
                             comment=(comment or "").strip() or None, data=data)
        transitioned.send(self.family, workflow=self, obj=obj, transition=t, user=user, entry=entry)
        return entry


def _require_callables(where: str, guards: Iterable[Any]) -> None:
    """Refuse guards that cannot be called."""
    if not all(callable(g) for g in guards):
        raise WorkflowDefinitionError(f"{where}: guards must be callables")


class WorkflowRegistry:
    """Workflows by name, so that an object keeps the definition it started with; guards added by family."""

    def __init__(self) -> None:
        self._workflows: dict[str, Workflow] = {}
        self._family_guards: list[tuple[str, str, Guard]] = []  # (family, action, guard), in the order added

    def register(self, workflow: Workflow) -> Workflow:
        """Add a workflow: names are unique, and a state means the same in every table of a family."""
        if workflow.name in self._workflows:
            raise WorkflowDefinitionError(f"workflow {workflow.name!r} is registered twice")
        for other in self.family(workflow.family):
            differing = [n for n in workflow.states.keys() & other.states.keys()
                         if workflow.states[n] != other.states[n]]
            if differing:
                raise WorkflowDefinitionError(f"{workflow.name}: states {sorted(differing)} differ from "
                                              f"{other.name}'s; a changed state needs a new name")
        for family, action, guard in self._family_guards:
            if family == workflow.family and action in workflow._by_action:
                workflow.extend(action, guard)
        self._workflows[workflow.name] = workflow
        return workflow

    def unregister(self, name: str) -> None:
        """Remove a workflow that no stored object uses (a table never put to use, e.g. in a test)."""
        del self._workflows[name]

    def add_guard(self, family: str, action: str, guard: Guard) -> None:
        """Add a guard to `action` in every version and variant of a family, present and future.

        For one table only, use that workflow's `extend`. The action must exist in
        at least one registered table of the family, so that a misspelling fails
        at start-up rather than guarding nothing.
        """
        members = [w for w in self.family(family) if action in w._by_action]
        if not members:
            raise WorkflowDefinitionError(f"no registered {family!r} workflow has an action {action!r}")
        _require_callables(f"{family}.{action}", (guard,))
        self._family_guards.append((family, action, guard))
        for workflow in members:
            workflow.extend(action, guard)

    def remove_guard(self, family: str, action: str, guard: Guard) -> None:
        """Take back a guard added with `add_guard` (a package switched off, e.g. at the end of a test)."""
        self._family_guards.remove((family, action, guard))
        for workflow in self.family(family):
            if guard in workflow._extra_guards.get(action, ()):
                workflow._extra_guards[action].remove(guard)

    def get(self, name: str) -> Workflow:
        """The workflow registered under name."""
        return self._workflows[name]

    def names(self) -> list[str]:
        """Every registered name, sorted."""
        return sorted(self._workflows)

    def family(self, family: str) -> list[Workflow]:
        """Every registered version and variant of a family, by name."""
        return [self._workflows[n] for n in self.names() if self._workflows[n].family == family]


registry = WorkflowRegistry()
