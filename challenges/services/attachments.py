"""Files attached to any owner: stored under random names outside static/, deleted after commit.

Each kind of owner registers once (`register_owner`): who may read its files,
who may add and remove them, and how a change is recorded on the owner. The
challenge and the dialogue event register here; proposals and reports register
from pilots/. Views then need only `attachments_of`, `attachment_of`,
`can_read`, `add_attachment` and `delete_attachment`.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from flask_babel import gettext as _
from sqlalchemy import delete, event, select
from werkzeug.datastructures import FileStorage

from auth.models import User
from challenges.models import Attachment, Challenge, DialogueEvent
from challenges.models.attachment import owner_key
from challenges.permissions import can_edit, can_edit_event_material, can_read_event_material, can_view
from challenges.services.challenges import clean, record_change
from core import audit
from core.extensions import db
from core.files import UploadRefused, delete_stored, store_upload
from core.jobs import enqueue_after_commit
from core.limits import has_control_characters
from core.refusals import Refused

Predicate = Callable[[Any, Any], bool]  # (user, owner) -> allowed
Recorder = Callable[[Any, Any, str, str], None]  # (owner, user, title, "added" | "removed")


@dataclass(frozen=True)
class OwnerKind:
    """What the attachments of one kind of owner need to know about it."""

    may_read: Predicate
    may_manage: Predicate
    record: Recorder


_kinds: dict[str, OwnerKind] = {}


def register_owner(model: type, *, may_read: Predicate, may_manage: Predicate, record: Recorder) -> None:
    """Let rows of model own attachments; deleting such a row deletes its attachments and their files."""
    _kinds[model.__tablename__] = OwnerKind(may_read, may_manage, record)
    event.listen(model, "after_delete", _delete_with_owner)


def _kind(owner: Any) -> OwnerKind:
    """The registration of owner's model; an unregistered owner is a programming error."""
    try:
        return _kinds[type(owner).__tablename__]
    except KeyError:
        raise TypeError(f"{type(owner).__name__} cannot own attachments: register_owner() it") from None


# --- reading -------------------------------------------------------------------------------

def attachments_of(owner: Any) -> list[Attachment]:
    """The owner's attachments, oldest first, in one query."""
    owner_type, owner_id = owner_key(owner)
    return list(db.session.scalars(select(Attachment).where(
        Attachment.owner_type == owner_type, Attachment.owner_id == owner_id).order_by(Attachment.id)))


def attachment_of(owner: Any, attachment_id: int) -> Attachment | None:
    """One attachment of owner; None when the id belongs to another owner or to none."""
    owner_type, owner_id = owner_key(owner)
    return db.session.scalar(select(Attachment).where(
        Attachment.id == attachment_id, Attachment.owner_type == owner_type, Attachment.owner_id == owner_id))


def can_read(user: Any, owner: Any) -> bool:
    """True when user may list and download owner's attachments."""
    return _kind(owner).may_read(user, owner)


def can_manage(user: Any, owner: Any) -> bool:
    """True when user may add attachments to owner and remove them."""
    return _kind(owner).may_manage(user, owner)


# --- changing ------------------------------------------------------------------------------

def _check_title(title: str | None) -> str:
    """The cleaned title, or a refusal."""
    if not clean(title):
        raise Refused(_("Give the attachment a title."), field="title")
    if len(clean(title)) > 200 or has_control_characters(title):
        raise Refused(_("Write the title on one line, in at most 200 characters."), field="title")
    return clean(title)


def add_attachment(owner: Any, user: User, upload: FileStorage, title: str) -> Attachment:
    """Check and store a file under a random name and attach it to owner (its file goes on rollback)."""
    kind = _kind(owner)
    if not kind.may_manage(user, owner):
        raise PermissionError("the user may not add attachments here")
    title = _check_title(title)  # everything that could refuse the row, before the file is written
    try:
        stored = store_upload(upload)
    except UploadRefused as exc:
        raise Refused(exc.args[0], field="file") from exc
    attachment = Attachment(owner=owner, title=title, stored_name=stored.stored_name,
                            original_name=stored.original_name, content_type=stored.content_type,
                            size=stored.size, sha256=stored.sha256, uploaded_by_id=user.id)
    db.session.add(attachment)
    db.session.flush()
    kind.record(owner, user, attachment.title, "added")
    return attachment


def delete_attachment(attachment: Attachment, user: User) -> None:
    """Remove an attachment; its file is deleted once the removal is committed."""
    owner = attachment.owner
    kind = _kind(owner)
    if not kind.may_manage(user, owner):
        raise PermissionError("the user may not remove attachments here")
    title, stored_name = attachment.title, attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    enqueue_after_commit(delete_stored, stored_name)
    kind.record(owner, user, title, "removed")


def _delete_with_owner(mapper: Any, connection: Any, owner: Any) -> None:
    """An owner row was deleted: its attachment rows go in the same flush, their files after commit."""
    owner_type, owner_id = type(owner).__tablename__, owner.id
    names = list(connection.scalars(select(Attachment.stored_name).where(
        Attachment.owner_type == owner_type, Attachment.owner_id == owner_id)))
    if names:
        connection.execute(delete(Attachment).where(Attachment.owner_type == owner_type,
                                                    Attachment.owner_id == owner_id))
        for name in names:
            enqueue_after_commit(delete_stored, name)


# --- the owners of this package ------------------------------------------------------------

def _record_on_challenge(challenge: Challenge, user: User, title: str, change: str) -> None:
    """A challenge's files are part of its public record: audited as an edit, followers told."""
    record_change(challenge, user, ["attachments"], attachment=title, change=change)


def _record_on_event(dialogue_event: DialogueEvent, user: User, title: str, change: str) -> None:
    """An event's material changed: audited on the event."""
    audit.record("dialogue_event_updated", dialogue_event, user, data={
        "challenge_id": dialogue_event.challenge_id, "fields": ["attachments"], "attachment": title,
        "change": change})


register_owner(Challenge, may_read=can_view, may_manage=can_edit, record=_record_on_challenge)
register_owner(DialogueEvent, may_read=can_read_event_material, may_manage=can_edit_event_material,
               record=_record_on_event)
