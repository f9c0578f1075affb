"""Challenge attachments: checked types, random names outside static/, downloads under the original name."""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from challenges.models import Attachment, Follow
from core.audit import AuditEntry
from core.extensions import db
from core.files import MAX_FILE_BYTES
from tests.factories import error_next_to as _error_of
from tests.factories import make_challenge

ROOT = Path(__file__).resolve().parents[2]


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", b"<w/>")
    return buffer.getvalue()


GOOD = {
    "Tarjouspyyntö ä.pdf": b"%PDF-1.7\nhello",
    "kuva.png": b"\x89PNG\r\n\x1a\n" + b"0" * 32,
    "liite.docx": _docx(),
}


def _upload(client, challenge, name: str, data: bytes, title: str = "Liite"):
    return client.post(f"/manage/challenges/{challenge.id}/attachments",
                       data={"title": title, "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def _stored_files(app) -> set[str]:
    """The names of the files in the upload directory."""
    directory = Path(app.config["UPLOAD_DIR"])
    return {p.name for p in directory.iterdir()} if directory.exists() else set()


@pytest.mark.parametrize("name", GOOD)
def test_allowed_file_is_stored_outside_static_under_a_random_name(app, client, cast, login, name):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = _upload(client, challenge, name, GOOD[name])
    assert response.status_code == 302
    attachment = db.session.scalars(select(Attachment)).one()
    assert attachment.original_name == name and attachment.size == len(GOOD[name])
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
    stored = Path(app.config["UPLOAD_DIR"]) / attachment.stored_name
    assert stored.read_bytes() == GOOD[name]
    assert (ROOT / "static") not in stored.resolve().parents
    assert not list(Path(app.config["UPLOAD_DIR"]).glob("*.*"))  # no original names or extensions
    assert name in client.get(f"/manage/challenges/{challenge.id}/attachments").get_data(as_text=True)


@pytest.mark.parametrize("name, data, message", [
    ("ohjelma.exe", b"MZ\x90\x00", "not accepted"),
    ("valepdf.pdf", b"<html><script>alert(1)</script></html>", "does not match"),
    ("iso.pdf", b"%PDF-" + b"0" * (MAX_FILE_BYTES + 1 - 5), "too large"),
], ids=["type", "disguised", "oversize"])
def test_refused_file_is_400_with_the_message_next_to_the_field(app, client, cast, login, name, data,
                                                               message):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    before = _stored_files(app)
    response = _upload(client, challenge, name, data, title="Kirjoitettu otsikko")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in _error_of(html, "file") and "Kirjoitettu otsikko" in html
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert _stored_files(app) == before


def test_upload_needs_a_title_and_a_file(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    response = client.post(f"/manage/challenges/{challenge.id}/attachments", data={"title": ""},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Give the attachment a title." in _error_of(html, "title")
    assert "Choose a file." in _error_of(html, "file")


def test_download_has_the_original_name(client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    login(cast["officer"])
    _upload(client, challenge, "Tarjouspyyntö ä.pdf", GOOD["Tarjouspyyntö ä.pdf"])
    attachment = db.session.scalars(select(Attachment)).one()
    client.post("/logout")
    response = client.get(f"/challenges/{challenge.id}/attachments/{attachment.id}")  # a visitor
    assert response.status_code == 200 and response.data == GOOD["Tarjouspyyntö ä.pdf"]
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Tarjouspyynt%C3%B6%20%C3%A4.pdf" in disposition
    assert response.mimetype == "application/pdf"


@pytest.mark.parametrize("role, status", [("company_owner", 404), ("other_city_officer", 404), (None, 404),
                                          ("decision_maker", 200), ("platform_admin", 200)])
def test_attachment_of_a_non_public_challenge_is_hidden(client, cast, login, role, status):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    _upload(client, challenge, "liite.docx", GOOD["liite.docx"])
    attachment = db.session.scalars(select(Attachment)).one()
    client.post("/logout")
    if role:
        login(cast[role])
    assert client.get(f"/challenges/{challenge.id}/attachments/{attachment.id}").status_code == status


def test_attachment_of_another_challenge_is_404(client, cast, login):
    first = make_challenge(cast["city"], cast["officer"], state="open")
    second = make_challenge(cast["city"], cast["officer"], state="open")
    login(cast["officer"])
    _upload(client, first, "liite.docx", GOOD["liite.docx"])
    attachment = db.session.scalars(select(Attachment)).one()
    assert client.get(f"/challenges/{second.id}/attachments/{attachment.id}").status_code == 404
    delete = f"/manage/challenges/{second.id}/attachments/{attachment.id}/delete"
    assert client.post(delete).status_code == 404


def test_delete_removes_the_row_and_the_file(app, client, cast, login):
    challenge = make_challenge(cast["city"], cast["officer"])
    login(cast["officer"])
    _upload(client, challenge, "kuva.png", GOOD["kuva.png"])
    attachment = db.session.scalars(select(Attachment)).one()
    stored = Path(app.config["UPLOAD_DIR"]) / attachment.stored_name
    assert stored.exists()
    response = client.post(f"/manage/challenges/{challenge.id}/attachments/{attachment.id}/delete")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not stored.exists()
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "challenge_updated"))
    fields = [e.data for e in entries]
    assert [f["change"] for f in fields] == ["added", "removed"]


@pytest.mark.parametrize("role", ["decision_maker", "company_owner"])
def test_only_the_citys_officers_upload_and_delete(client, cast, login, role):
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    login(cast["officer"])
    _upload(client, challenge, "kuva.png", GOOD["kuva.png"])
    attachment = db.session.scalars(select(Attachment)).one()
    login(cast[role])
    assert _upload(client, challenge, "kuva.png", GOOD["kuva.png"]).status_code == 403
    delete = f"/manage/challenges/{challenge.id}/attachments/{attachment.id}/delete"
    assert client.post(delete).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 1


def test_attachment_added_after_publication_is_told_to_followers(client, cast, login, make_user, outbox):
    challenge = make_challenge(cast["city"], cast["officer"], state="open")
    follower = make_user()
    db.session.add(Follow(user_id=follower.id, challenge_id=challenge.id))
    db.session.commit()
    login(cast["officer"])
    assert _upload(client, challenge, "kuva.png", GOOD["kuva.png"]).status_code == 302
    assert [m.recipients for m in outbox] == [[follower.email]] and "attachments" in outbox[0].body
