"""Markdown renders without raw HTML; uploads are allow-listed, size-limited and checked by content."""
import io
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from flask_babel import force_locale
from werkzeug.datastructures import FileStorage

from core.files import UploadRefused, check_upload, send_stored, store_upload
from core.markdown import render_markdown


def test_markdown_keeps_formatting_and_drops_raw_html():
    html = render_markdown("# Goal\n\n**Less** waste <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>")
    assert "<h2>Goal</h2>" in html and "<strong>Less</strong>" in html
    assert "<script" not in html and "<img" not in html


def test_markdown_refuses_javascript_links():
    html = render_markdown("[click](javascript:alert(1)) [site](https://www.hel.fi)")
    assert "javascript:" not in html.split("[click]")[0] and 'href="javascript' not in html
    assert '<a href="https://www.hel.fi" rel="noopener noreferrer nofollow">site</a>' in html


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


GOOD = {
    "plan.pdf": b"%PDF-1.7\n...",
    "photo.png": b"\x89PNG\r\n\x1a\n" + b"0" * 10,
    "photo.jpg": b"\xff\xd8\xff\xe0" + b"0" * 10,
    "offer.docx": _zip({"word/document.xml": b"<w/>"}),
    "budget.xlsx": _zip({"xl/workbook.xml": b"<x/>"}),
    "notes.odt": _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<o/>"}),
    "sheet.ods": _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<o/>"}),
}


def upload(name: str, data: bytes) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=name)


@pytest.mark.parametrize("name", GOOD)
def test_allowed_types_with_matching_content_are_accepted(app, name):
    content_type, size = check_upload(upload(name, GOOD[name]))
    assert size == len(GOOD[name]) and content_type


@pytest.mark.parametrize("name, data, message", [
    ("run.exe", b"MZ...", "not accepted"),
    ("fake.pdf", b"<html>not a pdf</html>", "does not match"),
    ("fake.docx", GOOD["budget.xlsx"], "does not match"),
    ("fake.odt", _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b""}),
     "does not match"),
    ("empty.pdf", b"", "empty"),
    ("big.pdf", b"%PDF-" + b"0" * 2048, "too large"),
])
def test_disguised_empty_or_oversize_files_are_refused(app, name, data, message):
    with force_locale("en"), pytest.raises(UploadRefused, match=message):
        check_upload(upload(name, data), max_bytes=1024)


def test_stored_file_gets_a_random_name_and_is_served_under_its_original_name(app, tmp_path):
    stored = store_upload(upload("C:\\Users\\me\\Hankesuunnitelma ä.pdf", GOOD["plan.pdf"]))
    assert stored.original_name == "Hankesuunnitelma ä.pdf" and stored.stored_name != stored.original_name
    assert len(stored.sha256) == 64
    with app.test_request_context():
        response = send_stored(stored.stored_name, stored.original_name, stored.content_type)
        response.direct_passthrough = False
        assert response.get_data() == GOOD["plan.pdf"]
    assert "attachment" in response.headers["Content-Disposition"]
    assert "filename*=UTF-8''Hankesuunnitelma%20%C3%A4.pdf" in response.headers["Content-Disposition"]


# --- archives and files that must not stay behind ------------------------------------------

def _bomb(member: str, megabytes: int) -> bytes:
    """A small ZIP whose `member` unpacks to `megabytes` of zeros (written in chunks, never held whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("content.xml", b"<o/>")
        with archive.open(member, "w", force_zip64=True) as entry:
            for _ in range(megabytes):
                entry.write(bytes(1024 * 1024))
    return buffer.getvalue()


@pytest.mark.parametrize("name, member", [("notes.odt", "mimetype"), ("offer.docx", "word/document.xml")])
def test_zip_bomb_is_refused_without_unpacking_it(app, name, member):
    data = _bomb(member, 20)  # 20 MB from about 20 KB: a thousand to one
    assert len(data) < 100 * 1024
    bomb = upload(name, data)
    tracemalloc.start()
    with force_locale("en"), pytest.raises(UploadRefused, match="unpack"):
        check_upload(bomb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


def test_odf_check_reads_only_the_start_of_the_mimetype_entry(app):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:  # stored: no ratio to refuse it by
        archive.writestr("mimetype", b"application/vnd.oasis.opendocument.text" + b" " * (8 * 1024 * 1024))
        archive.writestr("content.xml", b"<o/>")
    odt = upload("notes.odt", buffer.getvalue())
    tracemalloc.start()
    check_upload(odt, max_bytes=16 * 1024 * 1024)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1024 * 1024


def test_archive_with_too_many_entries_is_refused(app):
    data = _zip({"word/document.xml": b"<w/>", **{f"x/{n}": b"" for n in range(10_001)}})
    with force_locale("en"), pytest.raises(UploadRefused, match="unpack"):
        check_upload(upload("offer.docx", data))


def test_file_name_with_control_characters_is_refused(app):
    with force_locale("en"), pytest.raises(UploadRefused, match="control characters"):
        check_upload(upload("plan\x00.pdf", GOOD["plan.pdf"]))


def test_stored_file_is_removed_when_its_transaction_rolls_back(app, db):
    directory = Path(app.config["UPLOAD_DIR"])
    stored = store_upload(upload("plan.pdf", GOOD["plan.pdf"]))
    assert (directory / stored.stored_name).is_file()
    db.session.rollback()
    assert not (directory / stored.stored_name).exists()


def test_stored_file_stays_when_its_transaction_commits(app, db):
    directory = Path(app.config["UPLOAD_DIR"])
    stored = store_upload(upload("plan.pdf", GOOD["plan.pdf"]))
    db.session.commit()
    db.session.remove()
    assert (directory / stored.stored_name).is_file()


def test_stored_file_is_removed_when_the_request_ends_without_a_commit(app, db):
    directory = Path(app.config["UPLOAD_DIR"])
    with app.app_context():  # a request's own session, closed at its end as Flask-SQLAlchemy does
        stored = store_upload(upload("plan.pdf", GOOD["plan.pdf"]))
        db.session.remove()
    assert not (directory / stored.stored_name).exists()
