"""Every list page reads its rows through an index on PostgreSQL at scale 1, checked with EXPLAIN ANALYZE.

Scale 1 (issue 9): 1,000 challenges, 2,000 users, 20,000 dialogue records and
200,000 audit rows, made here with INSERT ... SELECT generate_series in a few
seconds. Each page's queries are run by the real service functions, captured
as sent to the database, and explained with their parameters.

A page names the table its filter or order narrows. Its main queries (the
ones with a LIMIT, and the catalogue's count) must read at most a quarter of
that table's rows, and never sequentially:
- with sequential scans priced out (`enable_seqscan = off`), for every page: the
  plan shows that an index serves the filter, whatever a small table's costs.
  Without one PostgreSQL still scans the table, or reads a whole index and
  sorts, and the test fails (test_without_its_index_a_page_reads_its_whole_table
  drops each index in turn to show it);
- with the planner's own costs, for the pages over the tables of 10,000 rows
  and more (the audit log, the event registrations): the planner picks the index.
  A table of 1,000 challenges fills some hundred pages, and for a filter that
  keeps a sixth of it reading them all is the right plan.
The first catalogue page without filters reads every public challenge by design:
its order puts the open calls first by a deadline compared with now, which no
index holds; it is not listed here.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event, select

from auth.demo import ensure_cities
from auth.models import Membership, MembershipStatus, Organisation, Role, User
from auth.services.admin import list_users
from auth.services.invitations import open_invitations
from auth.services.registration import pending_requests
from challenges.models import Challenge, DialogueEvent, Theme
from challenges.services.catalogue import CatalogueQuery, catalogue_page, newly_opened
from challenges.services.challenges import staff_challenges, unanswered_questions
from challenges.services.dialogue.reading import event_registrations, questions_for_staff
from challenges.services.following import followed_challenges
from challenges.services.themes import ensure_themes
from challenges.states import ChallengeState as S
from core import audit
from core.audit import AuditEntry
from core.extensions import db
from core.models import utcnow
from tests.factories import app_context

pytestmark = pytest.mark.postgresql_only

CHALLENGES, USERS, COMPANIES, INVITATIONS = 1_000, 2_000, 200, 2_000
EVENTS, REGISTRATIONS, QUESTIONS, SLOTS = 1_000, 12_000, 6_000, 1_000  # 20,000 dialogue records
AUDIT_ROWS = 200_000
SHARE = 0.25  # of its table's rows a page may read
LARGE = 10_000  # rows from which the planner's own choice must be an index at scale 1
SEARCH_WORDS = [f"sana{n}" for n in range(50)]  # each in one challenge of fifty
# Of every hundred challenges, so many are in each state: few wait for approval, many are done.
STATE_SHARES = {S.DRAFT: 5, S.AWAITING_APPROVAL: 1, S.APPROVED: 3, S.MARKET_DIALOGUE: 8, S.OPEN: 15, S.CLOSED: 5,
                S.EVALUATION: 8, S.AWARDED: 5, S.UNSUCCESSFUL: 4, S.PILOTING: 15, S.COMPLETED: 26,
                S.CANCELLED: 5}


# --- scale 1 -----------------------------------------------------------------------------------

def _run(sql: str, **params: Any) -> None:
    """One bulk statement."""
    db.session.execute(sa.text(sql), params)


def _people(cities: list[int]) -> None:
    """Companies, users in three languages, their memberships (some pending) and invitations."""
    _run("""INSERT INTO organisations (kind, slug, name, business_id, is_active, created_at)
            SELECT 'company', 'company-' || g, 'Company ' || g, lpad(g::text, 7, '0') || '-0', true, now()
            FROM generate_series(1, :n) g""", n=COMPANIES)
    _run("""INSERT INTO users (email, name, locale, active, is_platform_admin, session_version, created_at,
                               email_verified_at)
            SELECT 'user' || g || '@scale.example.org', 'Person ' || md5(g::text),
                   (ARRAY['fi', 'sv', 'en'])[g % 3 + 1], true, false, 1, now(), now()
            FROM generate_series(1, :n) g""", n=USERS)
    # A third are officers of a city, the rest members of a company; one in twenty asks to join.
    _run("""INSERT INTO memberships (user_id, organisation_id, role, status, created_at)
            SELECT u.id,
                   CASE WHEN u.id % 3 = 0 THEN (CAST(:cities AS integer[]))[u.id % 6 + 1]
                        ELSE (SELECT min(id) FROM organisations WHERE kind = 'company') + u.id % :companies END,
                   CASE WHEN u.id % 3 = 0 THEN 'officer' ELSE 'member' END,
                   CASE WHEN u.id % 20 = 1 THEN 'pending' ELSE 'active' END,
                   now() - u.id * interval '1 minute'
            FROM users u""", cities=cities, companies=COMPANIES)
    _run("""INSERT INTO invitations (email, organisation_id, role, locale, token_hash, invited_by_id, created_at,
                                     expires_at)
            SELECT 'invited' || g || '@scale.example.org', (CAST(:cities AS integer[]))[g % 6 + 1], 'officer',
                   'fi', md5(g::text) || md5(g::text), (SELECT min(id) FROM users), now() - g * interval '1 hour',
                   now() + (g % 14 - 7) * interval '1 day'
            FROM generate_series(1, :n) g""", cities=cities, n=INVITATIONS)


def _challenges(cities: list[int], themes: list[int]) -> None:
    """Challenges of six cities in every state, with a theme, searchable words, followers and subscribers."""
    states = [state.value for state, share in STATE_SHARES.items() for _ in range(share)]
    _run("""INSERT INTO challenges (city_id, created_by_id, workflow, state, state_version, pilot_kind, language,
                                    title_fi, summary_fi, problem, offers_site_access, offers_facilitation,
                                    offers_data, offers_compensation, compensation, personal_data_allowed,
                                    created_at, updated_at, published_at, opened_at, criteria_locked_at,
                                    questions_close_at, proposals_close_at, search_document)
            SELECT (CAST(:cities AS integer[]))[g % 6 + 1], (SELECT min(id) FROM users),
                   'challenge.with_dialogue.v1', s.state, 1, 'paid', 'fi', 'Haaste ' || g,
                   repeat('Tiivistelmä ', 20), repeat('Ongelma ', 50), true, false, false, false, 'fixed', false,
                   now() - g * interval '1 day', now() - g * interval '1 hour',
                   CASE WHEN s.state = ANY(CAST(:public AS text[])) THEN now() - g * interval '1 day' END,
                   CASE WHEN s.state = ANY(CAST(:locked AS text[])) THEN now() - g * interval '1 hour' END,
                   CASE WHEN s.state = ANY(CAST(:locked AS text[])) THEN now() - g * interval '1 hour' END,
                   now() + (g % 90 - 37) * interval '1 day', now() + (g % 90 - 30) * interval '1 day',
                   'haaste ' || g || ' ' || (CAST(:words AS text[]))[g % 50 + 1] || ' ruokahävikki'
            FROM generate_series(1, :n) g
            CROSS JOIN LATERAL (SELECT (CAST(:states AS text[]))[g * 37 % 100 + 1] AS state) s""",
         cities=cities, states=states, public=list(S.states_where(public=True)),
         locked=list(S.states_where(locked=True)), words=SEARCH_WORDS, n=CHALLENGES)
    _run("""INSERT INTO challenge_cities (challenge_id, city_id, lead) SELECT id, city_id, true FROM challenges""")
    _run("""INSERT INTO challenge_themes (challenge_id, theme_id)
            SELECT c.id, (CAST(:themes AS integer[]))[c.id % 6 + 1] FROM challenges c""", themes=themes)
    _run("""INSERT INTO challenge_follows (user_id, challenge_id, created_at)
            SELECT u.id, c.id, now() FROM users u JOIN challenges c ON c.id % 400 = u.id % 400""")
    _run("""INSERT INTO subscriptions (user_id, city_id, theme_id, created_at)
            SELECT u.id, CASE WHEN u.id % 2 = 0 THEN (CAST(:cities AS integer[]))[u.id % 6 + 1] END,
                   CASE WHEN u.id % 2 = 1 THEN (CAST(:themes AS integer[]))[u.id % 6 + 1] END, now()
            FROM users u""", cities=cities, themes=themes)


def _dialogue() -> None:
    """Events with registrations and a waiting list, questions and meeting slots."""
    _run("""INSERT INTO dialogue_events (challenge_id, kind, title, starts_at, ends_at, location, capacity,
                                         created_at)
            SELECT (SELECT min(id) FROM challenges) + g % :challenges, 'info_session', 'Info ' || g,
                   now() + g * interval '1 hour', now() + g * interval '1 hour' + interval '2 hours',
                   'Town hall', 10, now()
            FROM generate_series(0, :n - 1) g""", challenges=CHALLENGES, n=EVENTS)
    _run("""INSERT INTO event_registrations (event_id, user_id, organisation_id, status, created_at, updated_at)
            SELECT e.first + g % :events, u.first + g / :events, (SELECT min(id) FROM organisations),
                   (ARRAY['registered', 'waiting', 'cancelled'])[g % 3 + 1], now(), now()
            FROM generate_series(0, :n - 1) g,
                 (SELECT min(id) AS first FROM dialogue_events) e, (SELECT min(id) AS first FROM users) u""",
         events=EVENTS, n=REGISTRATIONS)
    _run("""INSERT INTO dialogue_questions (challenge_id, asked_by_id, organisation_id, text, asked_at, answer,
                                            published_at)
            SELECT c.first + g % :challenges, u.first + g % :users, (SELECT min(id) FROM organisations),
                   'Kysymys ' || g, now() - g * interval '1 minute', 'Vastaus',
                   CASE WHEN g % 2 = 0 THEN now() END
            FROM generate_series(0, :n - 1) g,
                 (SELECT min(id) AS first FROM challenges) c, (SELECT min(id) AS first FROM users) u""",
         challenges=CHALLENGES, users=USERS, n=QUESTIONS)
    _run("""INSERT INTO meeting_slots (challenge_id, starts_at, ends_at, place)
            SELECT (SELECT min(id) FROM challenges) + g % :challenges, now() + g * interval '1 hour',
                   now() + g * interval '1 hour' + interval '30 minutes', 'Town hall'
            FROM generate_series(0, :n - 1) g""", challenges=CHALLENGES, n=SLOTS)


def _history() -> None:
    """200,000 audit rows about challenges and users; one in ten by a person, the rest by the system.

    (An actor costs a foreign key check per row, which would make this the slowest step by far.)
    """
    _run("""INSERT INTO audit_entries (created_at, actor_id, action, object_type, object_id, data)
            SELECT now() - g * interval '1 second', CASE WHEN g % 10 = 0 THEN u.first + g % :users END,
                   'challenge_updated',
                   CASE WHEN g % 2 = 0 THEN 'challenges' ELSE 'users' END,
                   CASE WHEN g % 2 = 0 THEN c.first + g % :challenges ELSE u.first + g % :users END, '{}'
            FROM generate_series(1, :n) g,
                 (SELECT min(id) AS first FROM challenges) c, (SELECT min(id) AS first FROM users) u""",
         users=USERS, challenges=CHALLENGES, n=AUDIT_ROWS)


def analyze() -> None:
    """Let the planner know the tables' sizes and values."""
    with db.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def generate_scale_1() -> None:
    """Scale 1 in bulk inserts, analysed."""
    cities = [c.id for c in sorted(ensure_cities().values(), key=lambda c: c.id)]
    themes = [t.id for t in ensure_themes()]
    _people(cities)
    _challenges(cities, themes)
    _dialogue()
    _history()
    db.session.commit()
    analyze()


@pytest.fixture(scope="module")
def app(_session_app: Flask) -> Iterator[Flask]:
    """One app context and one scale 1 for the module; the tables are emptied when it ends."""
    with app_context(_session_app) as app:
        generate_scale_1()
        yield app


@pytest.fixture(scope="module")
def readers(app) -> dict[str, Any]:
    """Who reads the lists, and what they read about, found in the generated data (and a platform admin)."""
    city = db.session.scalar(select(Organisation).where(Organisation.slug == "tampere"))
    officer = db.session.scalar(select(User).join(Membership).where(Membership.organisation_id == city.id)
                                .order_by(User.id))
    admin = User(email="admin@scale.example.org", name="Admin", is_platform_admin=True, email_verified_at=utcnow())
    db.session.add_all([admin, Membership(user=officer, organisation=city, role=Role.CITY_ADMIN.value)])
    db.session.commit()
    company = db.session.scalar(select(Organisation).join(Membership).where(
        Membership.status == MembershipStatus.PENDING.value).order_by(Organisation.id).limit(1))
    challenge = db.session.scalar(select(Challenge).where(Challenge.lead_city_id == city.id).order_by(Challenge.id))
    person = db.session.get(User, db.session.scalar(select(AuditEntry.object_id).where(
        AuditEntry.object_type == "users").order_by(AuditEntry.id.desc()).limit(1)))
    analyze()
    return {"city": city, "officer": officer, "admin": admin, "company": company, "challenge": challenge,
            "person": person,
            "event": db.session.scalar(select(DialogueEvent).order_by(DialogueEvent.id)),
            "theme": db.session.scalar(select(Theme).order_by(Theme.id))}


# --- the pages ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ListPage:
    """A list page's query as its view runs it, the table its filter narrows, and the index that serves it."""

    run: Callable[[dict[str, Any]], Any]
    table: str
    index: str | None = None  # the one index without which the page reads its whole table


def _next(page_of: Callable[..., Any]) -> Callable[[dict[str, Any]], Any]:
    """The second page of a keyset list: its cursor looked up, then the page after it."""
    return lambda r: page_of(r, page_of(r, None).next_after)


def _catalogue(**query: Any) -> Callable[[dict[str, Any]], Any]:
    """A first catalogue page; `city` and `theme` stand for the reader's city and theme."""
    def run(r: dict[str, Any]) -> Any:
        values = {key: (r[value].id if value in ("city", "theme") else value) for key, value in query.items()}
        return catalogue_page(CatalogueQuery(**values))
    return run


PAGES: dict[str, ListPage] = {
    "catalogue of a city": ListPage(_catalogue(city_id="city"), "challenge_cities", "ix_challenge_cities_city_id"),
    "catalogue of a city, next page": ListPage(
        _next(lambda r, after: catalogue_page(CatalogueQuery(city_id=r["city"].id), after=after)),
        "challenge_cities", "ix_challenge_cities_city_id"),
    "catalogue of a theme": ListPage(_catalogue(theme_id="theme"), "challenge_themes", "ix_challenge_themes_theme"),
    "catalogue of a status group": ListPage(_catalogue(status="ended"), "challenges"),
    "catalogue closing within 30 days": ListPage(_catalogue(deadline="30"), "challenges",
                                                 "ix_challenges_state_deadline"),
    "catalogue search": ListPage(_catalogue(q="sana7"), "challenges", "ix_challenges_search"),
    "feed": ListPage(lambda r: newly_opened(), "challenges", "ix_challenges_opened_at"),
    "staff challenges of a city": ListPage(lambda r: staff_challenges(r["officer"]), "challenges"),
    "staff challenges of a city in a state": ListPage(
        lambda r: staff_challenges(r["officer"], state=S.AWAITING_APPROVAL.value), "challenge_cities",
        "ix_challenge_cities_city_id"),
    "staff challenges in a state": ListPage(lambda r: staff_challenges(r["admin"], state=S.AWAITING_APPROVAL.value),
                                            "challenges", "ix_challenges_state_deadline"),
    "unanswered questions of the staff list": ListPage(
        lambda r: unanswered_questions(staff_challenges(r["officer"]).items), "dialogue_questions"),
    "users": ListPage(lambda r: list_users(r["admin"]), "users", "ix_users_name"),
    "users, next page": ListPage(_next(lambda r, after: list_users(r["admin"], after=after)), "users",
                                 "ix_users_name"),
    "users of a city": ListPage(lambda r: list_users(r["officer"]), "users", "ix_users_name"),
    "join requests": ListPage(lambda r: pending_requests(r["company"]), "memberships"),
    "invitations": ListPage(lambda r: open_invitations(r["city"]), "invitations"),
    "event registrations": ListPage(lambda r: event_registrations(r["event"]), "event_registrations"),
    "questions of a challenge": ListPage(lambda r: questions_for_staff(r["challenge"]), "dialogue_questions",
                                         "ix_dialogue_questions_challenge_published"),
    "history of a challenge": ListPage(lambda r: audit.timeline(r["challenge"]), "audit_entries",
                                       "ix_audit_entries_object"),
    "history of a challenge, older page": ListPage(
        lambda r: audit.timeline(r["challenge"], before=audit.timeline(r["challenge"]).older), "audit_entries",
        "ix_audit_entries_object"),
    "history of a user": ListPage(lambda r: audit.timeline(r["person"]), "audit_entries",
                                  "ix_audit_entries_object"),
    "followed challenges": ListPage(lambda r: followed_challenges(r["officer"]), "challenge_follows"),
}


def items(result: Any) -> list[Any]:
    """The rows a page function returned, whatever its shape."""
    for name in ("items", "entries"):
        if hasattr(result, name):
            return getattr(result, name)
    return list(result)


# --- capturing and explaining --------------------------------------------------------------------

def main_statements(run: Callable[[], Any]) -> list[tuple[str, Any]]:
    """The page's own queries that run() sends (LIMIT or count), with their parameters.

    The loader queries that follow (themes, memberships of the rows shown) fetch by the shown rows' keys.
    """
    statements: list[tuple[str, Any]] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        text = statement.upper()
        if text.lstrip().startswith("SELECT") and (" LIMIT " in text or "COUNT(*)" in text):
            statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        assert items(run()), "the page shows nothing: the plan would prove nothing"
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert statements
    return statements


def explain(statement: str, parameters: Any, seqscan: bool) -> dict[str, Any]:
    """PostgreSQL's plan of a statement with its parameters, run (ANALYZE) to count the rows each scan reads."""
    conn = db.session.connection()
    conn.exec_driver_sql(f"SET LOCAL enable_seqscan = {'on' if seqscan else 'off'}")
    try:
        return conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters).scalar()[0]["Plan"]
    finally:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = on")


def scans(plan: dict[str, Any], table: str | None = None) -> Iterator[tuple[dict[str, Any], str | None]]:
    """Every node of a plan that reads a table or an index, with the table (a bitmap's from its heap scan)."""
    table = plan.get("Relation Name", table)
    if "Relation Name" in plan or "Index Name" in plan:
        yield plan, table
    for child in plan.get("Plans", []):
        yield from scans(child, table)


def rows_read(node: dict[str, Any]) -> float:
    """How many rows a scan read in all its loops: those it returned and those its conditions removed."""
    per_loop = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                + node.get("Rows Removed by Index Recheck", 0))
    return per_loop * node.get("Actual Loops", 1)


def table_rows(table: str) -> float:
    """The number of rows in a table, as ANALYZE counted them."""
    return db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = :name"), {"name": table})


def leading_columns() -> dict[str, str]:
    """The first column of every index on a column (not on an expression), by index name."""
    return dict(db.session.execute(sa.text(
        "SELECT i.relname, a.attname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = x.indkey[0]")).all())


def whole_index(node: dict[str, Any], leading: dict[str, str]) -> bool:
    """True for a B-tree searched without its first column: PostgreSQL then reads all of the index."""
    column = leading.get(node.get("Index Name", ""))
    condition = node.get("Index Cond")
    return bool(column and condition and not re.search(rf"\b{column}\b", condition))


def overreads(page: ListPage, readers: dict[str, Any], seqscan: bool) -> list[str]:
    """Scans of the page's table that are sequential, read a whole index, or read more than SHARE of its rows."""
    size, leading = table_rows(page.table), leading_columns()
    found = []
    for statement, parameters in main_statements(lambda: page.run(readers)):
        for node, table in scans(explain(statement, parameters, seqscan)):
            if table != page.table:
                continue
            how = f"{node['Node Type']}" + (f" using {node['Index Name']}" if "Index Name" in node else "")
            if node["Node Type"] == "Seq Scan" or rows_read(node) > SHARE * size:
                found.append(f"{how} read {rows_read(node):.0f} of {size:.0f} rows of {table}")
            elif whole_index(node, leading):
                found.append(f"{how} on {table} without its first column: {node['Index Cond']}")
    return found


# --- the tests ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", PAGES)
def test_list_page_reads_its_rows_through_an_index(readers, name):
    assert overreads(PAGES[name], readers, seqscan=False) == []


@pytest.mark.parametrize("name", [name for name, page in PAGES.items()
                                  if page.table in ("audit_entries", "event_registrations")])
def test_list_page_over_a_large_table_is_planned_on_an_index(readers, name):
    assert table_rows(PAGES[name].table) >= LARGE
    assert overreads(PAGES[name], readers, seqscan=True) == []


@pytest.mark.parametrize("index", sorted({page.index for page in PAGES.values() if page.index}))
def test_without_its_index_a_page_reads_its_whole_table(readers, index):
    """The check can fail: with the index gone (inside a transaction rolled back), its first page over-reads."""
    name = next(name for name, page in PAGES.items() if page.index == index)
    db.session.execute(sa.text(f'DROP INDEX "{index}"'))
    try:
        assert overreads(PAGES[name], readers, seqscan=False) != []
    finally:
        db.session.rollback()
