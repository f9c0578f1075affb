"""Whole public pages cached for anonymous visitors, invalidated by a data version moved in the same transaction.

A view decorated with `@public_page(...)` is served to a visitor who is not
logged in and has nothing of their own waiting in the session (a flashed
message) from a cache: Redis when REDIS_URL is set, else a bounded store in
this process. The key is the data version, the page's language, its path and
its query string reduced to the arguments the page reads. Every change to a
row of a table that shows on those pages (`shows_on_public_pages`) gives the
`data_versions` row a new value in the transaction that makes the change, so
a page read after the commit, by any process, is built afresh. A cached page
carries an ETag of its content: a browser that has it gets a 304.

Pages must hold nothing of the visitor's: a response that set a cookie,
touched the session or made a CSRF token is never stored.
"""
from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable, Protocol
from urllib.parse import urlencode

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from redis.exceptions import RedisError
from sqlalchemy import BigInteger, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.datastructures import ImmutableMultiDict

from core.extensions import db
from core.i18n import current_language

log = logging.getLogger(__name__)

PAGE_SECONDS = 60  # how long a page may lag the clock (the data never: its version moves)
PAGE_ENTRIES = 500  # pages kept in one process without Redis
MAX_QUERY = 500  # a longer query string is served without the cache
REDIS_PREFIX = "kokeilu:page:"
# What the session may hold for a page to be shared: nothing these keys hold is shown on it.
UNSHOWN_SESSION_KEYS = frozenset({"csrf_token", "_fresh", "lang"})
CHANGED = "kokeilu_public_data_changed"  # session.info: this transaction changed what public pages show

_public_tables: set[str] = set()


# --- the data version ----------------------------------------------------------------------------

class DataVersion(db.Model):
    """The one row whose value changes with every commit that changes what the public pages show."""

    __tablename__ = "data_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Random rather than counted: a counter would start again in a restored or new database and
    # meet pages cached under its old numbers in a shared Redis.
    version: Mapped[int] = mapped_column(BigInteger)


_NEW_VERSION = text("INSERT INTO data_versions (id, version) VALUES (1, :version) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version")


_READ_VERSION = select(DataVersion.version).where(DataVersion.id == 1)


def new_version() -> int:
    """A version no page has been cached under."""
    return secrets.randbits(62)


def shows_on_public_pages(*tables: Any) -> None:
    """Declare models (or tables) whose rows show on cached public pages: changing one moves the version."""
    _public_tables.update(getattr(t, "__tablename__", None) or t.name for t in tables)


def public_tables() -> frozenset[str]:
    """The tables declared with shows_on_public_pages."""
    return frozenset(_public_tables)


def _is_public(obj: Any) -> bool:
    """True for a row of a table declared with shows_on_public_pages."""
    return getattr(type(obj), "__tablename__", None) in _public_tables


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, flush_context) -> None:
    """Note that the flush wrote a public row (new, deleted, or really changed)."""
    if session.info.get(CHANGED):
        return
    dirty = (obj for obj in session.dirty if session.is_modified(obj))
    if any(_is_public(obj) for group in (session.new, session.deleted, dirty) for obj in group):
        session.info[CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state) -> None:
    """Note an UPDATE, DELETE or INSERT statement run on a public table (they bypass the flush)."""
    if state.is_update or state.is_delete or state.is_insert:
        if getattr(state.statement.table, "name", None) in _public_tables:
            state.session.info[CHANGED] = True


@event.listens_for(Session, "before_commit")
def _move_version(session: Session) -> None:
    """Give the version a new value in the committing transaction, as its last statement.

    Last, so that the row lock PostgreSQL takes for it is held only for the commit
    and no other lock is waited for while holding it. A savepoint waits for the outer commit.
    """
    if session.in_nested_transaction():
        return
    session.flush()
    if session.info.pop(CHANGED, False):
        session.execute(_NEW_VERSION, {"version": new_version()})


@event.listens_for(Session, "after_transaction_end")
def _forget_changes(session: Session, transaction) -> None:
    """A rolled-back transaction changed nothing."""
    if transaction.parent is None:
        session.info.pop(CHANGED, None)


def data_version() -> int | None:
    """The current data version, read once per request; None before anything was ever written.

    Read on the session's connection (a Core statement skips the ORM's work), in the request's
    transaction: on SQLite a second connection would wait for the lock the session may hold.
    """
    if "data_version" not in g:
        g.data_version = db.session.connection().scalar(_READ_VERSION)
    return g.data_version


# --- where pages are kept -------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    """A page as it is sent: body, content type and the ETag of its content."""

    body: bytes
    content_type: str
    etag: str

    @classmethod
    def of(cls, body: bytes, content_type: str) -> Page:
        """A page with its ETag computed from its content."""
        return cls(body, content_type, hashlib.sha256(body).hexdigest()[:32])

    def response(self):
        """The response a visitor gets: revalidated each time, so a changed page is never shown stale."""
        response = current_app.response_class(self.body, content_type=self.content_type)
        response.set_etag(self.etag)
        response.headers["Cache-Control"] = "no-cache"
        response.vary.update(("Cookie", "Accept-Language"))
        return response.make_conditional(request)


class PageStore(Protocol):
    """Keeps pages by key."""

    def get(self, key: str) -> Page | None: ...

    def put(self, key: str, page: Page) -> None: ...


class MemoryStore:
    """Pages kept in this process: the least recently used go first, none outlives `seconds`."""

    def __init__(self, entries: int, seconds: float) -> None:
        self.entries, self.seconds = entries, seconds
        self._pages: OrderedDict[str, tuple[float, Page]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Page | None:
        """The page kept under key, unless it has expired."""
        with self._lock:
            kept = self._pages.get(key)
            if kept is None or kept[0] < time.monotonic():
                self._pages.pop(key, None)
                return None
            self._pages.move_to_end(key)
            return kept[1]

    def put(self, key: str, page: Page) -> None:
        """Keep page under key, dropping the least recently used beyond `entries`."""
        with self._lock:
            self._pages[key] = (time.monotonic() + self.seconds, page)
            self._pages.move_to_end(key)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)


class RedisStore:
    """Pages kept in Redis, shared by every web process; each expires after `seconds`.

    A page is one value: its ETag and content type on a line each, then the body.
    Redis being down makes every request a miss, never an error.
    """

    def __init__(self, redis: Any, seconds: int) -> None:
        self.redis, self.seconds = redis, seconds

    def get(self, key: str) -> Page | None:
        """The page kept under key, or None."""
        try:
            value = self.redis.get(REDIS_PREFIX + key)
        except RedisError:
            log.warning("page cache: Redis did not answer; the page is built", exc_info=True)
            return None
        if value is None:
            return None
        etag, content_type, body = value.split(b"\n", 2)
        return Page(body, content_type.decode(), etag.decode())

    def put(self, key: str, page: Page) -> None:
        """Keep page under key for `seconds`."""
        value = b"\n".join((page.etag.encode(), page.content_type.encode(), page.body))
        try:
            self.redis.set(REDIS_PREFIX + key, value, ex=self.seconds)
        except RedisError:
            log.warning("page cache: Redis did not answer; the page was not kept", exc_info=True)


def _store() -> PageStore:
    """This app's page store, made on first use (Redis when configured)."""
    app = current_app._get_current_object()
    store = app.extensions.get("kokeilu_page_store")
    if store is None:
        from core.jobs import _redis as redis_of  # the connection the job queue uses

        redis, seconds = redis_of(app), app.config["PAGE_CACHE_SECONDS"]
        store = RedisStore(redis, seconds) if redis is not None else MemoryStore(
            app.config["PAGE_CACHE_ENTRIES"], seconds)
        app.extensions["kokeilu_page_store"] = store
    return store


# --- the decorator --------------------------------------------------------------------------------

def _readable(name: str, value: str, checks: dict[str, Callable[[str], Any]]) -> bool:
    """True for a value that is not empty and passes its check, if it has one."""
    if not value:
        return False
    try:
        checks.get(name, str)(value)
    except ValueError:
        return False
    return True


def _page_args(names: tuple[str, ...], checks: dict[str, Callable[[str], Any]]) -> ImmutableMultiDict:
    """The query arguments the page reads, sorted: the first value of each, stripped, if readable."""
    given = request.args.to_dict()  # the first value of each; missing keys cost no KeyError this way
    values = ((name, (given.get(name) or "").strip()) for name in sorted((*names, *checks)))
    return ImmutableMultiDict([(name, value) for name, value in values if _readable(name, value, checks)])


def _shared_visit() -> bool:
    """A GET or HEAD by a visitor who is not logged in and whose session holds nothing the page shows."""
    return (current_app.config["PAGE_CACHE_SECONDS"] > 0 and request.method in ("GET", "HEAD")
            and set(session) <= UNSHOWN_SESSION_KEYS and not current_user.is_authenticated)


def _shareable(response) -> bool:
    """A successful response with nothing of the visitor's: no cookie, no session change, no CSRF token."""
    csrf_field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    return (response.status_code == 200 and not session.modified and csrf_field not in g
            and "Set-Cookie" not in response.headers)


def _key(version: int) -> str | None:
    """The page's key under this version: language, path and page arguments; None when too long to keep."""
    query = urlencode(list(request.args.items(multi=True)))
    if len(query) > MAX_QUERY:
        return None
    key = f"{version}|{current_language()}|{request.path}|{query}"
    return hashlib.sha256(key.encode()).hexdigest()


def _serve(view: Callable[..., Any], args: tuple, kwargs: dict[str, Any]):
    """The cached page, or the view's page kept for the next visitor when it holds nothing of this one's."""
    version = data_version()
    key = _key(version) if version is not None else None
    page = _store().get(key) if key else None
    if page is None:
        response = current_app.make_response(view(*args, **kwargs))
        if not _shareable(response):
            return response
        page = Page.of(response.get_data(), response.content_type)
        if key:
            _store().put(key, page)
    return page.response()


def public_page(*names: str, **checks: Callable[[str], Any]):
    """Cache the view's page for anonymous visitors; `names` (and `checks`, checked) are the arguments it reads.

    The view sees only those query arguments, so any other, empty or malformed one
    (a check raising ValueError) neither reaches the page nor makes another copy of it.
    """

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            request.args = _page_args(names, checks)
            if not _shared_visit():
                return view(*args, **kwargs)
            return _serve(view, args, kwargs)

        return wrapper

    return decorate


def page_url() -> str:
    """This page's address as the page reads it (a cached page drops the arguments it does not read)."""
    query = urlencode(list(request.args.items(multi=True)))
    return f"{request.path}?{query}" if query else request.path


def init_page_cache(app: Flask) -> None:
    """Settings of the page cache and the template global `page_url`."""
    app.config.setdefault("PAGE_CACHE_SECONDS", PAGE_SECONDS)
    app.config.setdefault("PAGE_CACHE_ENTRIES", PAGE_ENTRIES)
    app.jinja_env.globals["page_url"] = page_url
