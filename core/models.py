"""The typed declarative base shared by every model, small column helpers, and how rows and SQLite lock."""
from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import DeclarativeBase, object_session, registry
from sqlalchemy.orm.exc import StaleDataError

# Stable constraint names, so that migrations can drop and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


_SQL_VALUE = re.compile(r"[a-z][a-z0-9_]*")


def sql_values(values: Iterable[str]) -> str:
    """Stored values (an enum, or some of its members) as a SQL list for CHECK constraints: "'a', 'b'".

    The list becomes DDL text, so only lower-case identifiers are accepted.
    """
    names = [member.value if isinstance(member, enum.Enum) else member for member in values]
    bad = [name for name in names if not _SQL_VALUE.fullmatch(name)]
    if bad or not names:
        raise ValueError(f"not a list of stored values for a CHECK constraint: {bad or names}")
    return ", ".join(f"'{name}'" for name in names)


def utcnow() -> datetime:
    """The current time as an aware UTC datetime."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no zone, PostgreSQL keeps one; this type makes both read back
    aware UTC datetimes and refuses naive ones on the way in.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        """Convert an aware datetime to UTC before storing it."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        """Return stored values as aware UTC datetimes."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base with the constraint naming convention."""

    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime()},
    )


SQLITE_BUSY_TIMEOUT_MS = 30_000  # how long a writer waits for the one before it to commit


def _is_sqlite(dbapi_connection) -> bool:
    """True for a pysqlite connection."""
    return type(dbapi_connection).__module__.startswith("sqlite3")


@event.listens_for(Engine, "connect")
def _sqlite_connection(dbapi_connection, connection_record) -> None:
    """Set up each SQLite connection: foreign keys on, writers queue, transactions begun by us.

    pysqlite runs reads outside any transaction and begins one only at the first
    write, so a check and the write that depends on it are not atomic; with its
    own transaction handling switched off, `_sqlite_begin` begins every one.
    """
    if not _is_sqlite(dbapi_connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")  # SQLite checks foreign keys only when asked, per connection
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode=WAL")  # a commit appends to a log: cheaper, and never waits for readers
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    """Begin every SQLite transaction holding the write lock, so that writers run one after another.

    SQLite has no row locks: two requests that count an event's places and then
    register would both count the old number. BEGIN IMMEDIATE makes the second
    wait until the first commits, which SELECT ... FOR UPDATE does on PostgreSQL.
    It goes to the driver directly, as PostgreSQL's BEGIN does, so that it is not
    counted as one of a page's queries.
    """
    if conn.dialect.name == "sqlite":
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")


def lock_row(obj: Any) -> None:
    """Reload obj's columns (call it before changing them) and keep its row locked until the transaction ends.

    A check made after this stays true until commit: a simultaneous request doing
    the same waits here and then sees what this one wrote. PostgreSQL takes
    FOR NO KEY UPDATE (rows that refer to obj can still be inserted); on SQLite the
    transaction already holds the database's write lock, so the reload is all.
    """
    columns = [attr.key for attr in inspect(obj).mapper.column_attrs]
    try:
        object_session(obj).refresh(obj, columns, with_for_update={"key_share": True})
    except InvalidRequestError as exc:  # the row is gone: a simultaneous request removed it
        raise StaleDataError(f"{obj!r} was removed by another transaction") from exc
