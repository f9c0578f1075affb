"""Attachments belong to any registered owner: a dialogue event owns files apart from its challenge."""
from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from challenges.models import Attachment, DialogueEvent, Theme
from challenges.services.attachments import (add_attachment, attachment_of, attachments_of, can_manage, can_read,
                                             delete_attachment)
from core.audit import AuditEntry
from core.extensions import db
from core.models import utcnow
from tests.factories import S, make_challenge

PDF = b"%PDF-1.7\nesitys"


pytestmark = pytest.mark.usefixtures("in_english")


@pytest.fixture
def challenge(cast):
    """A published challenge in its market dialogue."""
    return make_challenge(cast["city"], cast["officer"], state=S.MARKET_DIALOGUE.value)


@pytest.fixture
def event(challenge):
    """An info session of the challenge, held yesterday, its material not yet published."""
    start = utcnow() - timedelta(days=1)
    event = DialogueEvent(challenge_id=challenge.id, kind="info_session", title="Infotilaisuus",
                          location="Kaupungintalo", starts_at=start, ends_at=start + timedelta(hours=2))
    db.session.add(event)
    db.session.commit()
    return event


def _upload(name: str = "esitys.pdf", data: bytes = PDF) -> FileStorage:
    """A file as a browser sends it."""
    return FileStorage(io.BytesIO(data), filename=name)


def _stored(app, attachment: Attachment) -> Path:
    """Where an attachment's file lies."""
    return Path(app.config["UPLOAD_DIR"]) / attachment.stored_name


def test_event_attachment_is_filed_under_the_event_apart_from_its_challenge(app, cast, challenge, event):
    attachment = add_attachment(event, cast["officer"], _upload(), "Esitysmateriaali")
    db.session.commit()
    assert attachments_of(event) == [attachment] and attachments_of(challenge) == []
    assert (attachment.owner_type, attachment.owner_id, attachment.owner) == ("dialogue_events", event.id, event)
    assert attachment_of(event, attachment.id) is attachment
    assert attachment_of(challenge, attachment.id) is None  # another owner's id is not found
    assert _stored(app, attachment).read_bytes() == PDF
    entry = db.session.scalar(select(AuditEntry).filter_by(action="dialogue_event_updated"))
    assert (entry.object_id, entry.data["attachment"], entry.data["change"]) == (event.id, "Esitysmateriaali",
                                                                                  "added")


# who may read: (before the material is published, after)
EVENT_READERS = {
    "officer": (True, True), "decision_maker": (True, True), "city_admin": (True, True),
    "platform_admin": (True, True), "company_owner": (False, True), "other_city_officer": (False, True),
    "visitor": (False, True),
}


@pytest.mark.parametrize("role", EVENT_READERS)
def test_event_attachments_are_read_by_staff_and_by_everyone_once_published(cast, event, role):
    user = cast.get(role)
    before, after = EVENT_READERS[role]
    assert can_read(user, event) is before
    event.published_at = utcnow()
    db.session.commit()
    assert can_read(user, event) is after
    assert can_manage(user, event) is (role == "officer")


def test_event_attachments_of_an_unpublished_challenge_stay_with_its_city(cast, event):
    event.challenge.state, event.challenge.published_at = S.DRAFT.value, None
    event.published_at = utcnow()
    db.session.commit()
    assert not can_read(cast["company_owner"], event) and not can_read(None, event)
    assert can_read(cast["decision_maker"], event)


@pytest.mark.parametrize("role", ["company_owner", "decision_maker", "other_city_officer"])
def test_attachment_refused_to_those_who_may_not_manage_the_owner(app, cast, event, role):
    before = set(Path(app.config["UPLOAD_DIR"]).glob("*")) if Path(app.config["UPLOAD_DIR"]).exists() else set()
    with pytest.raises(PermissionError):
        add_attachment(event, cast[role], _upload(), "Esitys")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    after = set(Path(app.config["UPLOAD_DIR"]).glob("*")) if Path(app.config["UPLOAD_DIR"]).exists() else set()
    assert after == before


def test_unregistered_owner_cannot_hold_attachments(cast):
    theme = Theme(slug="ilmasto", name_fi="Ilmasto", name_sv="Klimat", name_en="Climate")
    db.session.add(theme)
    db.session.commit()
    with pytest.raises(TypeError, match="register_owner"):
        add_attachment(theme, cast["officer"], _upload(), "Liite")


def test_event_attachment_removed_loses_its_file_after_commit(app, cast, event):
    attachment = add_attachment(event, cast["officer"], _upload(), "Esitys")
    db.session.commit()
    path = _stored(app, attachment)
    delete_attachment(attachment, cast["officer"])
    assert path.exists()  # kept until the removal is committed
    db.session.commit()
    assert not path.exists() and attachments_of(event) == []


def test_deleting_an_owner_deletes_its_attachments_and_their_files(app, cast, challenge, event):
    kept = add_attachment(challenge, cast["officer"], _upload("haaste.pdf"), "Haasteen liite")
    gone = add_attachment(event, cast["officer"], _upload(), "Esitys")
    db.session.commit()
    kept_path, gone_path = _stored(app, kept), _stored(app, gone)
    db.session.delete(event)
    db.session.commit()
    assert db.session.scalars(select(Attachment.title)).all() == ["Haasteen liite"]
    assert kept_path.exists() and not gone_path.exists()
