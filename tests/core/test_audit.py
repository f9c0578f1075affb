"""The audit log is append-only, written in the caller's transaction, and read back as a timeline."""
import pytest
from sqlalchemy import select

from core import audit
from core.audit import AuditEntry


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


def test_timeline_lists_one_objects_history_oldest_first_with_actors(db, make_user):
    user, other = make_user(name="Olli Officer"), make_user()
    audit.record("approve", user, None, from_state="a", to_state="b")
    audit.record("open", user, user, from_state="b", to_state="c", comment="On time")
    audit.record("login", other, other)
    db.session.commit()
    db.session.expire_all()
    rows = audit.timeline(user)
    assert [(r.action, r.is_system, r.comment) for r in rows] == [("approve", True, None), ("open", False, "On time")]
    assert rows[1].actor.name == "Olli Officer"
