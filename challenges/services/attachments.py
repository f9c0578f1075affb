"""Files attached to a challenge: stored under random names outside static/, deleted after commit."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from auth.models import User
from challenges.models import Attachment, Challenge
from challenges.services.challenges import clean, record_change
from core.extensions import db
from core.files import UploadRefused, delete_stored, store_upload
from core.jobs import enqueue_after_commit
from core.limits import has_control_characters
from core.refusals import Refused

def attachments_of(challenge: Challenge) -> list[Attachment]:
    """The challenge's attachments, oldest first, in one query."""
    return list(db.session.scalars(select(Attachment).where(Attachment.challenge_id == challenge.id)
                                   .order_by(Attachment.id)))


def add_attachment(challenge: Challenge, user: User, upload: FileStorage, title: str) -> Attachment:
    """Check and store a file under a random name and attach it to the challenge."""
    # Check everything that could refuse the row before the file is written.
    if not clean(title):
        raise Refused(_("Give the attachment a title."), field="title")
    if len(clean(title)) > 200 or has_control_characters(title):
        raise Refused(_("Write the title on one line, in at most 200 characters."), field="title")
    try:
        stored = store_upload(upload)
    except UploadRefused as exc:
        raise Refused(exc.args[0], field="file") from exc
    attachment = Attachment(challenge_id=challenge.id, title=clean(title), stored_name=stored.stored_name,
                            original_name=stored.original_name, content_type=stored.content_type,
                            size=stored.size, sha256=stored.sha256, uploaded_by_id=user.id)
    db.session.add(attachment)
    db.session.flush()
    record_change(challenge, user, ["attachments"], attachment=attachment.title, change="added")
    return attachment


def delete_attachment(attachment: Attachment, user: User) -> None:
    """Remove an attachment; its file is deleted once the removal is committed."""
    challenge = db.session.get(Challenge, attachment.challenge_id)
    title, stored_name = attachment.title, attachment.stored_name
    db.session.delete(attachment)
    db.session.flush()
    enqueue_after_commit(delete_stored, stored_name)
    record_change(challenge, user, ["attachments"], attachment=title, change="removed")

