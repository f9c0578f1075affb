"""Keyset pagination, the one way every list pages: read one row more than a page, never count or skip.

A page starts after a cursor: the id of the last row of the page before. The
cursor row's sort values are looked up within the same (scoped) statement, so
a cursor naming a row the reader may not see starts the list from the top, and
the page is then the rows that sort after those values. The cost of a page does
not depend on how deep into the list it is.

Each order term is a column or expression, optionally `.desc()`; a term whose
value may be NULL is marked `.nulls_last()` (NULLs then sort after every value,
the same on SQLite and PostgreSQL). The last term must make the order unique,
usually the cursor column itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, Sequence, TypeVar

from flask import request
from sqlalchemy import ColumnElement, Select, and_, false, or_, tuple_
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from core.extensions import db
from core.limits import bounded_int

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a list: its items, the cursor it started after, and the cursor of the next page."""

    items: list[T]
    after: int | None = None  # None: the first page
    next_after: int | None = None  # None: the last page

    @property
    def has_more(self) -> bool:
        """True when another page follows."""
        return self.next_after is not None


def after_arg() -> int | None:
    """The cursor a list page was asked for (`after` in the query string); None for the first page."""
    return request.args.get("after", type=bounded_int)


@dataclass(frozen=True)
class _Term:
    """One order term taken apart: the expression, its direction and whether NULLs sort last."""

    expr: Any
    descending: bool
    nullable: bool


def _term(term: Any) -> _Term:
    """Read `col`, `col.desc()`, `col.asc().nulls_last()` and the like."""
    nullable = isinstance(term, UnaryExpression) and term.modifier is operators.nulls_last_op
    if nullable:
        term = term.element
    descending = isinstance(term, UnaryExpression) and term.modifier is operators.desc_op
    if isinstance(term, UnaryExpression) and term.modifier in (operators.desc_op, operators.asc_op):
        term = term.element
    return _Term(_clause(term), descending, nullable)


def _clause(expr: Any) -> Any:
    """The SQL expression behind a mapped attribute (User.id), or expr itself."""
    return expr.__clause_element__() if hasattr(expr, "__clause_element__") else expr


def _after_value(term: _Term, value: Any) -> ColumnElement[bool]:
    """Rows whose term sorts strictly after value (NULLs last)."""
    if value is None:
        return false()
    beyond = term.expr < value if term.descending else term.expr > value
    return or_(beyond, term.expr.is_(None)) if term.nullable else beyond


def _equal(term: _Term, value: Any) -> ColumnElement[bool]:
    """Rows whose term equals value, NULL equal to NULL."""
    return term.expr.is_(None) if value is None else term.expr == value


def _after(terms: list[_Term], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows that sort after the row with these values."""
    if not any(t.nullable for t in terms) and len({t.descending for t in terms}) == 1:
        # One direction and no NULLs: a row comparison, which an index on the terms serves directly.
        left, right = tuple_(*(t.expr for t in terms)), tuple_(*values)
        return left < right if terms[0].descending else left > right
    return or_(*(and_(*(_equal(t, v) for t, v in zip(terms[:i], values[:i])), _after_value(term, values[i]))
                 for i, term in enumerate(terms)))


def _cursor_values(stmt: Select, terms: list[_Term], cursor: Any, after: int) -> Sequence[Any] | None:
    """The sort values of the cursor row, found within stmt; None when stmt does not hold it."""
    if all(t.expr.compare(_clause(cursor)) for t in terms):
        return [after] * len(terms)
    return db.session.execute(stmt.with_only_columns(*(t.expr for t in terms)).where(cursor == after)
                              .limit(1)).first()


def keyset_page(stmt: Select, order: Sequence[Any], after: int | None, size: int, *, cursor: Any,
                options: Sequence[Any] = (), rows: bool = False) -> Page:
    """The page of stmt in `order` after the row whose `cursor` column is `after`; size+1 rows read.

    `options` are loader options of the page's query (not of the cursor look-up); `rows`
    gives result rows (an entity and more columns, the cursor read from the first) for scalars.
    """
    terms = [_term(t) for t in order]
    page_stmt = stmt
    if after is not None:
        values = _cursor_values(stmt, terms, cursor, after)
        if values is not None:
            page_stmt = stmt.where(_after(terms, values))
        else:
            after = None
    page_stmt = page_stmt.options(*options).order_by(*order).limit(size + 1)
    result = db.session.execute(page_stmt)
    items = list(result.all() if rows else result.scalars())
    more = len(items) > size
    items = items[:size]
    last = (items[-1][0] if rows else items[-1]) if more else None
    return Page(items, after, getattr(last, cursor.key) if last is not None else None)
