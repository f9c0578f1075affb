"""Whatever a title or a name holds, an email's subject is one safe line that the outbox can store."""
from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from core.mail import SUBJECT_LENGTH, OutboxMessage, queue_email


def _join_request(name: str, company: str) -> OutboxMessage:
    """Queue the email a company's owner gets when someone asks to join."""
    return queue_email("join_request", to="owner@example.org", locale="en",
                       requester=SimpleNamespace(name=name, email="eve@example.org"),
                       company=SimpleNamespace(display_name=company), owner=SimpleNamespace(name="Owner"),
                       link="http://localhost/organisations/1/requests")


def test_line_breaks_in_a_name_do_not_stop_the_email(db, outbox):
    _join_request("Eve\r\nBcc: everyone@example.org", "Kiertotalo\x0b Oy")
    db.session.commit()
    assert [m.subject for m in outbox] == ["Eve Bcc: everyone@example.org asks to join Kiertotalo Oy"]
    assert outbox[0].bcc == [] and outbox[0].recipients == ["owner@example.org"]
    assert db.session.scalars(select(OutboxMessage.sent_at)).one() is not None


def test_long_names_make_a_subject_the_outbox_can_hold(db, outbox):
    message = _join_request("E" * 200, "K" * 200)
    db.session.commit()
    assert len(message.subject) == SUBJECT_LENGTH and message.subject.endswith("…")
    assert len(outbox) == 1
