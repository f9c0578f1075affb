"""One refusal for every business rule that says no, and the one helper that puts it on a form.

A service raises `Refused` with a message safe to show and the form field it
belongs to; a rule that checks many fields at once (rows of sites, criteria)
raises it with an `errors` mapping whose keys are field names or row keys
such as ("sites", 0, "name"). The view rolls back, calls `put_on_form` and
answers with the refusal's `status_code`.
"""
from __future__ import annotations

from typing import Any

ErrorKey = str | tuple[str, int, str] | None  # None: the message is about the whole form


class Refused(Exception):
    """A rule refused the action; `errors` maps a field (or row field, or None) to a message safe to show."""

    status_code = 400

    def __init__(self, message: Any, field: ErrorKey = None, *, errors: dict[ErrorKey, Any] | None = None,
                 status_code: int | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.errors = errors if errors is not None else {field: message}
        if status_code is not None:
            self.status_code = status_code

    @classmethod
    def with_errors(cls, errors: dict[ErrorKey, Any]) -> Refused:
        """A refusal of several fields at once; its own message is the first of them."""
        return cls(next(iter(errors.values())), errors=errors)


class Conflict(Refused):
    """The thing changed or was locked since the user looked at it."""

    status_code = 409


class Stale(Conflict):
    """The form was loaded from an older version of what it edits."""


def refuse_if(condition: Any, message: Any, field: ErrorKey = None, status_code: int = 400) -> None:
    """Raise Refused when condition holds: a rule written as one line."""
    if condition:
        raise Refused(message, field, status_code=status_code)


def _field(form: Any, key: ErrorKey) -> Any:
    """The form field an error key names: the form's own `field_for` when it maps rows, else by name."""
    if key is None:
        return None
    if hasattr(form, "field_for"):
        return form.field_for(key)
    return form._fields.get(key) if isinstance(key, str) else None


def put_on_form(form: Any, refusal: Refused) -> list[Any]:
    """Show each message next to its field; the rest go above the form and are returned."""
    loose = []
    for key, message in refusal.errors.items():
        field = _field(form, key)
        if field is None:
            loose.append(message)
        else:
            field.errors = [*field.errors, message]
    form.form_errors.extend(loose)
    return loose
