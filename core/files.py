"""Uploaded files: allow-listed types, content checked against the extension, stored under random names.

Files live in UPLOAD_DIR (outside static/), are never served by their stored
name, and go back to the browser as attachments under their original name.
"""
from __future__ import annotations

import hashlib
import os
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import abort, current_app, send_file
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import FileStorage

MAX_FILE_BYTES = 15 * 1024 * 1024

# extension -> (content type, check of the content)
_ZIP_MAGIC = b"PK\x03\x04"


def _zip_with(member: str, mimetype: bytes | None = None):
    """A check that the file is a ZIP holding `member` (and an ODF mimetype entry when given)."""

    def check(head: bytes, stream: BinaryIO) -> bool:
        if not head.startswith(_ZIP_MAGIC):
            return False
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
                if member not in names:
                    return False
                return mimetype is None or archive.read("mimetype").strip() == mimetype
        except (zipfile.BadZipFile, KeyError):
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


class UploadRefused(ValueError):
    """A file that is not accepted; the message is safe to show next to the field."""


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
    """Check and store an upload under a random name in UPLOAD_DIR."""
    content_type, size = check_upload(upload)
    directory = Path(current_app.config["UPLOAD_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    digest = hashlib.sha256()
    with open(directory / stored_name, "wb") as out:
        for chunk in iter(lambda: upload.stream.read(64 * 1024), b""):
            digest.update(chunk)
            out.write(chunk)
    # Browsers may send a path; keep the last part. send_file encodes it safely for the header.
    original = os.path.basename(upload.filename.replace("\\", "/"))[-255:]
    return StoredFile(stored_name, original, content_type, size, digest.hexdigest())


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
