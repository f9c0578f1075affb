"""Markdown renders without raw HTML; uploads are allow-listed, size-limited and checked by content."""
import io
import zipfile

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
