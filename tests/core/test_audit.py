"""The audit log is append-only, written in the caller's transaction, and read back as a timeline."""
import pytest
from sqlalchemy import select

from core import audit
from core.audit import AuditEntry
from tests.factories import count_queries


def test_record_joins_the_callers_transaction(db, make_user):
    user = make_user()
    audit.record("profile_updated", user, user, data={"field": "name"})
    db.session.rollback()
    assert db.session.scalars(select(AuditEntry)).all() == []


def test_rows_cannot_be_changed_or_deleted(db, make_user):
    user = make_user()
    entry = audit.record("login", user, user)
    db.session.commit()
    entry.comment = "rewritten"
    with pytest.raises(PermissionError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(PermissionError):
        db.session.flush()


def test_timeline_lists_one_objects_history_newest_first_with_actors(db, make_user):
    user, other = make_user(name="Olli Officer"), make_user()
    audit.record("approve", user, None, from_state="a", to_state="b")
    audit.record("open", user, user, from_state="b", to_state="c", comment="On time")
    audit.record("login", other, other)
    db.session.commit()
    db.session.expire_all()
    page = audit.timeline(user)
    assert [(r.action, r.is_system, r.comment) for r in page.entries] == [("open", False, "On time"),
                                                                          ("approve", True, None)]
    assert page.entries[0].actor.name == "Olli Officer" and page.older is None


def test_timeline_pages_back_from_the_newest_entry_without_losing_any(db, make_user):
    user = make_user()
    written = [audit.record("profile_updated", user, user, data={"n": n}).id for n in range(250)]
    db.session.commit()
    seen, before, pages = [], None, 0
    while True:
        page = audit.timeline(user, before, limit=100)
        seen += [entry.id for entry in page.entries]
        pages += 1
        if page.older is None:
            break
        before = page.older
    assert seen == written[::-1] and pages == 3  # the newest first, a long history loses nothing


def test_timeline_runs_the_same_queries_however_long_the_page(db, make_user):
    user = make_user()
    for _ in range(30):
        audit.record("profile_updated", user, make_user())
    db.session.commit()
    counts = []
    for limit in (3, 30):
        db.session.expire_all()
        user_id = user.id  # loaded outside the count
        with count_queries() as statements:
            page = audit.timeline(user, limit=limit)
            names = {entry.actor.name for entry in page.entries}
        counts.append(len(statements))
        assert len(names) == limit and user_id
    assert counts[0] == counts[1] <= 2  # the page with its actors, and their memberships in one more
