"""Text search in SQL: the one way a typed text becomes a LIKE pattern, so no wildcard slips through."""
from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

ESCAPE = "\\"


def like_pattern(text: str) -> str:
    """A LIKE pattern matching text anywhere, with %, _ and the escape character taken literally."""
    escaped = text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return f"%{escaped}%"


def contains_text(column: Any, text: str) -> ColumnElement[bool]:
    """column LIKE '%text%' with the wildcards of text escaped (case as the column and text have it)."""
    return column.like(like_pattern(text), escape=ESCAPE)
