"""Keyset pagination: every row once, in order, across NULLs, ties and mixed directions, on both databases."""
from __future__ import annotations

import re

from sqlalchemy import event, select

from auth.models import Organisation
from core.extensions import db
from core.pagination import keyset_page

# Swedish names with NULLs and ties; the Finnish names tie too, so the id decides last.
SWEDISH = ["Abo", None, "Esbo", "Abo", None, "Vanda", "Esbo", None, "Uleaborg"]


def _walk(stmt, order, size, cursor=Organisation.id) -> list[int]:
    """The ids of every page of stmt, following the cursors."""
    ids, after = [], None
    while True:
        page = keyset_page(stmt, order, after, size, cursor=cursor)
        ids += [o.id for o in page.items]
        if not page.has_more:
            return ids
        after = page.next_after


def _orgs(make_org) -> list[Organisation]:
    """Nine cities: names with ties, Swedish names with ties and NULLs."""
    return [make_org(name=f"Kaupunki {n % 3}", name_sv=sv) for n, sv in enumerate(SWEDISH)]


def _in_one_query(order) -> list[int]:
    """The ids in order as one query without pages returns them: what the pages must add up to."""
    return list(db.session.scalars(select(Organisation.id).order_by(*order)))


def test_keyset_page_walks_mixed_directions_and_nulls_last_once_in_order(make_org):
    orgs = _orgs(make_org)
    order = (Organisation.name_sv.desc().nulls_last(), Organisation.name, Organisation.id.desc())
    expected = _in_one_query(order)
    assert sorted(expected) == sorted(o.id for o in orgs)
    assert [o.name_sv for o in map(lambda i: db.session.get(Organisation, i), expected)][-3:] == [None] * 3
    for size in (1, 2, 4, 20):
        assert _walk(select(Organisation), order, size) == expected, size


def test_keyset_page_walks_one_direction_with_a_row_comparison(make_org):
    _orgs(make_org)
    expected = _in_one_query((Organisation.name, Organisation.id))
    for size in (1, 2, 5):
        assert _walk(select(Organisation), (Organisation.name, Organisation.id), size) == expected


def test_a_cursor_outside_the_statement_starts_from_the_first_page(make_org):
    orgs = _orgs(make_org)
    helsinki_only = select(Organisation).where(Organisation.id.in_([o.id for o in orgs[:3]]))
    page = keyset_page(helsinki_only, (Organisation.name, Organisation.id), orgs[-1].id, 2, cursor=Organisation.id)
    assert page.after is None
    assert [o.id for o in page.items] == [o.id for o in sorted(orgs[:3], key=lambda o: (o.name, o.id))][:2]


def test_keyset_page_reads_one_row_more_and_never_counts(make_org):
    _orgs(make_org)
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        first = keyset_page(select(Organisation), (Organisation.name, Organisation.id), None, 4,
                            cursor=Organisation.id)
        keyset_page(select(Organisation), (Organisation.name, Organisation.id), first.next_after, 4,
                    cursor=Organisation.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(first.items) == 4 and first.has_more and first.next_after == first.items[-1].id
    assert len(statements) == 3  # the first page; then the cursor's values and the second page
    assert not any(re.search(r"count\(", s, re.IGNORECASE) for s in statements)
