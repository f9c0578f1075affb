"""Uploaded files: allow-listed types, content checked against the extension, stored under random names.

Files live in UPLOAD_DIR (outside static/), are never served by their stored
name, and go back to the browser as attachments under their original name.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from core.limits import has_control_characters

MAX_FILE_BYTES = 15 * 1024 * 1024
STORED_KEY = "kokeilu_stored_files"  # session.info: files written in the current transaction


class UploadRefused(ValueError):
    """A file that is not accepted; the message is safe to show next to the field."""


# extension -> (content type, check of the content)
_ZIP_MAGIC = b"PK\x03\x04"
# Office files are ZIP archives; these bound what a check may make of one without extracting it.
MAX_ZIP_ENTRIES = 10_000
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
MAX_ZIP_RATIO = 100  # real documents compress about 3 to 20 times; bombs thousands of times
_MIMETYPE_READ = 200  # the ODF mimetype entry is a few dozen bytes


def _refuse_bombs(archive: zipfile.ZipFile, size: int) -> None:
    """Refuse an archive whose own sizes promise more than a document holds, without extracting it."""
    entries = archive.infolist()
    unzipped = sum(info.file_size for info in entries)
    if len(entries) > MAX_ZIP_ENTRIES or unzipped > min(MAX_UNZIPPED_BYTES, size * MAX_ZIP_RATIO):
        raise UploadRefused(_l("This file would unpack to far more data than a document holds, "
                               "so it is not accepted."))


def _zip_with(member: str, mimetype: bytes | None = None):
    """A check that the file is a reasonable ZIP holding `member` (and an ODF mimetype entry when given)."""

    def check(head: bytes, stream: BinaryIO) -> bool:
        if not head.startswith(_ZIP_MAGIC):
            return False
        size = stream.seek(0, os.SEEK_END)
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                _refuse_bombs(archive, size)
                if member not in archive.namelist():
                    return False
                if mimetype is None:
                    return True
                with archive.open("mimetype") as entry:
                    return entry.read(_MIMETYPE_READ).strip() == mimetype
        except UploadRefused:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, NotImplementedError, RuntimeError,
                ValueError, OSError, EOFError, zlib.error):  # damaged, encrypted or of an unknown method
            return False

    return check


def _starts_with(*magics: bytes):
    """A check that the file begins with one of the magic byte strings."""
    return lambda head, stream: head.startswith(magics)


ALLOWED_TYPES = {
    "pdf": ("application/pdf", _starts_with(b"%PDF-")),
    "png": ("image/png", _starts_with(b"\x89PNG\r\n\x1a\n")),
    "jpg": ("image/jpeg", _starts_with(b"\xff\xd8\xff")),
    "jpeg": ("image/jpeg", _starts_with(b"\xff\xd8\xff")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             _zip_with("word/document.xml")),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             _zip_with("xl/workbook.xml")),
    "odt": ("application/vnd.oasis.opendocument.text",
            _zip_with("content.xml", b"application/vnd.oasis.opendocument.text")),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet",
            _zip_with("content.xml", b"application/vnd.oasis.opendocument.spreadsheet")),
}


@dataclass(frozen=True)
class StoredFile:
    """What was stored: the random name, the original name and facts about the content."""

    stored_name: str
    original_name: str
    content_type: str
    size: int
    sha256: str


def extension_of(filename: str) -> str:
    """The lower-case extension without the dot ("" when there is none)."""
    return os.path.splitext(filename or "")[1].lower().lstrip(".")


def check_upload(upload: FileStorage, max_bytes: int = MAX_FILE_BYTES) -> tuple[str, int]:
    """Refuse a file of a type not allowed, too large, empty, or whose content belies its extension."""
    if has_control_characters(upload.filename or ""):  # it would reach a database row and a header
        raise UploadRefused(_l("Rename the file: its name contains control characters."))
    ext = extension_of(upload.filename)
    if ext not in ALLOWED_TYPES:
        raise UploadRefused(_l("This type of file is not accepted. Allowed types: %(types)s.",
                               types=", ".join(sorted(set(ALLOWED_TYPES) - {"jpeg"}))))
    stream = upload.stream
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise UploadRefused(_l("The file is empty."))
    if size > max_bytes:
        raise UploadRefused(_l("The file is too large: the limit is %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
    head = stream.read(16)
    stream.seek(0)
    content_type, looks_right = ALLOWED_TYPES[ext]
    if not looks_right(head, stream):
        raise UploadRefused(_l("The content of the file does not match its extension .%(ext)s.", ext=ext))
    stream.seek(0)
    return content_type, size


def store_upload(upload: FileStorage) -> StoredFile:
    """Check and store an upload under a random name in UPLOAD_DIR; it is removed if the transaction fails."""
    content_type, size = check_upload(upload)
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    _remove_unless_committed(directory / stored_name)
    digest = hashlib.sha256()
    with open(directory / stored_name, "wb") as out:
        for chunk in iter(lambda: upload.stream.read(64 * 1024), b""):
            digest.update(chunk)
            out.write(chunk)
    # Browsers may send a path; keep the last part. send_file encodes it safely for the header.
    original = os.path.basename(upload.filename.replace("\\", "/"))[-255:]
    return StoredFile(stored_name, original, content_type, size, digest.hexdigest())


def _remove_unless_committed(path: Path) -> None:
    """Note a file about to be written on the session, so a rollback leaves no orphan on disk."""
    from core.extensions import db

    session = db.session()
    if not session.in_transaction():  # begin now, so that the end of this transaction is the one seen
        session.begin()
    session.info.setdefault(STORED_KEY, []).append(path)


@event.listens_for(Session, "after_commit")
def _keep_stored(session: Session) -> None:
    """The transaction that refers to the files committed: they stay (a savepoint's release waits)."""
    if not session.in_nested_transaction():
        session.info.pop(STORED_KEY, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_orphans(session: Session, transaction) -> None:
    """When the outer transaction ends without a commit (rollback, error, close), delete its files."""
    if transaction.parent is None:
        for path in session.info.pop(STORED_KEY, []):
            path.unlink(missing_ok=True)


def send_stored(stored_name: str, original_name: str, content_type: str):
    """Send a stored file as a download under its original name."""
    path = Path(current_app.config["UPLOAD_DIR"]) / os.path.basename(stored_name)
    if not path.is_file():  # removed from disk by an operator: a missing page, not an error
        abort(404)
    return send_file(path, mimetype=content_type, as_attachment=True, download_name=original_name,
                     max_age=0)


def delete_stored(stored_name: str) -> None:
    """Remove a stored file if it is there."""
    path = Path(current_app.config["UPLOAD_DIR"]) / os.path.basename(stored_name)
    path.unlink(missing_ok=True)
