"""Labelled enums: stored values with their translated labels, one list for forms, constraints and pages."""
from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a label, a lazy translation: `CITY = "city", label`.

    The value is what the database stores; `label` is what people read. A form's
    choices, a CHECK constraint's list and a page's label all come from here.
    """

    label: Any

    def __new__(cls, value: str, label: Any) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls, members: Iterable[LabelledEnum] | None = None) -> list[tuple[str, Any]]:
        """(value, label) pairs for a select or radio field, of every member or of `members`, in order."""
        return [(member.value, member.label) for member in (cls if members is None else members)]

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """Every stored value, in definition order."""
        return tuple(member.value for member in cls)

    @classmethod
    def label_of(cls, value: str) -> Any:
        """The label of a stored value; ValueError for a value that is not a member."""
        return cls(value).label
