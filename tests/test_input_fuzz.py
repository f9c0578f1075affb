"""Keep it closed: every route and every form, fed bad values, answers below 500 and keeps nothing it refused.

Nothing here lists cases. Routes come from `app.url_map`, with the matrix of
tests/factories saying how to reach each one and which roles get which answer;
the fields of a form come from the page that shows it (parsed HTML), and the
form classes from the app's packages. For every route parameter, every field
of every form (POST, and GET forms through the query string) and every field
of every form class, each class of bad value is sent once: out-of-range and
malformed numbers, NUL and other control characters, line breaks, over-long
text, wrong types, missing fields, malformed dates and hostile files. After a
refused (4xx) request no table has gained or lost a row and the upload
directory holds the same files. A new route or form is covered without anyone
writing a case; one that no page offers fails its test.
"""
from __future__ import annotations

import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import pytest
import wtforms
from flask import Flask, current_app, request
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.routing import AnyConverter, IntegerConverter, Rule
from wtforms.csrf.core import CSRFTokenField

from app import create_app
from auth.models import TokenPurpose
from auth.tokens import issue_user_token, new_token
from challenges.services.dialogue import book_slot, register_for_event
from challenges.services.following import follow_challenge
from core.audit import AuditEntry
from core.extensions import db as _db
from core.extensions import limiter
from core.forms import Form, NextField
from core.mail import OutboxMessage
from tests.factories import (ALL, MATRIX, VISITOR, World, app_config, app_form_classes, build_world, empty_tables,
                             end_transaction, home_org)

# --- the bad values ----------------------------------------------------------------------------

INT4_MAX = 2**31 - 1
TEXT = {"NUL": "a\x00b", "control character": "a\x0bb\x1b", "line break": "/a\r\nBcc: x@example.org",
        "over-long": "x" * 100_001}
NUMBERS = {"beyond integer": str(INT4_MAX + 1), "beyond bigint": "99999999999999999999", "wrong type": "abc"}
AMOUNTS = {"negative": "-1", "sNaN": "sNaN", "Infinity": "Infinity", "1e20": "1e20"}
DATES = {"year 1": "0001-01-01", "year 9999": "9999-12-31", "impossible date": "2026-02-30"}
MISSING = "missing"
PDF = b"%PDF-1.7\n%fuzz\n"


def _zip_bomb() -> bytes:
    """A 20 KB .docx that unpacks to 20 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("word/document.xml", "w") as entry:
            for _ in range(20):
                entry.write(bytes(1024 * 1024))
    return buffer.getvalue()


FILES = {"NUL in name": ("plan\x00.pdf", PDF), "control character in name": ("plan\x0b.pdf", PDF),
         "over-long name": ("x" * 300 + ".pdf", PDF), "disguised": ("plan.pdf", b"<html>not a pdf</html>"),
         "executable": ("run.exe", b"MZ\x90\x00"), "empty": ("plan.pdf", b""),
         "zip bomb": ("offer.docx", _zip_bomb())}
# Path values for <int:...> parameters: beyond the range (routing refuses them) and the top of it (missing).
OUT_OF_RANGE_IDS = ("0", str(INT4_MAX + 1), "99999999999999999999")
MISSING_ID = str(INT4_MAX)
BAD_STRINGS = {"NUL": "a%00b", "control character": "a%0B%1Bb", "line break": "a%0D%0Ab",
               "over-long": "x" * 5000}
QUERY = {"page": "99999999999999999999", "after": str(INT4_MAX + 1), "q": "a\x00b\x0b",
         "organisation_id": "-1", "next": "/\r\nSet-Cookie: x=1", "state": "x" * 3000}


def _values_for(kind: str) -> dict[str, str]:
    """The classes of bad value for one field, by the kind of input the page shows."""
    values = {**TEXT, **NUMBERS}
    if kind == "number":
        values.update(AMOUNTS)
    if kind in ("date", "datetime-local"):
        suffix = "T00:00" if kind == "datetime-local" else ""
        values.update({label: value + suffix for label, value in DATES.items()})
    return values


# --- the app's routes, read once for parametrizing ------------------------------------------------

_RULES = {rule.endpoint: rule for rule in create_app(app_config("sqlite://")).url_map.iter_rules()}


def _any_choices(rule: Rule) -> list[dict[str, str]]:
    """One set of values for the rule's `any(...)` parameters per combination (one empty set if none)."""
    options = {name: sorted(converter.items) for name, converter in rule._converters.items()
               if isinstance(converter, AnyConverter)}
    return [dict(zip(options, combo)) for combo in itertools.product(*options.values())]


POST_TARGETS = [(rule.endpoint, choice) for rule in _RULES.values() if "POST" in rule.methods
                for choice in _any_choices(rule)]


# --- reading forms from pages ---------------------------------------------------------------

@dataclass
class FieldSpec:
    """One named control of a form as the page shows it."""

    name: str
    kind: str
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class FormSpec:
    """A form of a page."""

    action: str
    method: str
    multipart: bool
    fields: list[FieldSpec] = field(default_factory=list)


class FormParser(HTMLParser):
    """Collect the forms of a page with their controls (the stdlib parser: no dependency)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[FormSpec] = []
        self._form: FormSpec | None = None
        self._text: FieldSpec | None = None  # the textarea whose text is being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """A form starts, or a control of the current form."""
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = FormSpec(a.get("action", ""), (a.get("method") or "get").lower(),
                                  "multipart" in a.get("enctype", ""))
            self.forms.append(self._form)
        elif self._form is None or tag not in ("input", "textarea", "select", "option"):
            return
        elif tag == "option" and self._form.fields and self._form.fields[-1].kind == "select":
            self._form.fields[-1].options.append((a.get("value", ""), "selected" in a))
        elif a.get("name") and tag != "option":
            kind = tag if tag != "input" else (a.get("type") or "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            value = a.get("value", "y" if kind == "checkbox" else "")
            self._form.fields.append(FieldSpec(a["name"], kind, value, "checked" in a))
            self._text = self._form.fields[-1] if kind == "textarea" else None

    def handle_data(self, data: str) -> None:
        """The text of a textarea is its value."""
        if self._text is not None:
            self._text.value += data

    def handle_endtag(self, tag: str) -> None:
        """A form or a textarea ends."""
        if tag == "form":
            self._form = None
        if tag == "textarea":
            self._text = None


def forms_of(html: str) -> list[FormSpec]:
    """The forms of a page."""
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def base_payload(form: FormSpec) -> list[tuple[str, Any]]:
    """What the form sends as the page shows it: typed values, chosen options, a small valid file."""
    pairs: list[tuple[str, Any]] = []
    radios_seen: set[str] = set()
    for f in form.fields:
        if f.kind == "file":
            pairs.append((f.name, (io.BytesIO(PDF), "plan.pdf")))
        elif f.kind == "checkbox":
            pairs += [(f.name, f.value)] if f.checked else []
        elif f.kind == "radio":
            if f.checked or f.name not in radios_seen:
                pairs = [(n, v) for n, v in pairs if n != f.name] + [(f.name, f.value)]
            radios_seen.add(f.name)
        elif f.kind == "select":
            chosen = [v for v, selected in f.options if selected] or [v for v, _ in f.options[:1]]
            pairs += [(f.name, v) for v in chosen]
        else:
            pairs.append((f.name, f.value))
    return pairs


def fuzzed_fields(form: FormSpec) -> list[FieldSpec]:
    """Each field once: rows of a list (sites-0-name, sites-1-name) share a field; the first row stands."""
    seen, result = set(), []
    for f in form.fields:
        key = re.sub(r"-\d+-", "-N-", f.name)
        if key not in seen:
            seen.add(key)
            result.append(f)
    return result


# --- sending and checking ------------------------------------------------------------------------

class Probe:
    """Sends requests and records every 5xx, and every refused request that left a row or a file behind."""

    def __init__(self, app: Flask, client) -> None:
        self.app, self.client = app, client
        self.uploads = Path(app.config["UPLOAD_DIR"])
        # A refusal may record itself (a wrong password is audited as "..._refused"); nothing else may stay.
        kept_audit = select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action.not_like("%_refused"), AuditEntry.action.not_like("%_failed"))
        tables = [t for t in _db.metadata.sorted_tables if t.name != AuditEntry.__tablename__]
        self._count = select(kept_audit.scalar_subquery(),
                             *[select(func.count()).select_from(t).scalar_subquery() for t in tables])
        self._state: tuple | None = None
        self.problems: list[str] = []

    def forget(self) -> None:
        """The world changed outside a request (a role's user made, the world rebuilt)."""
        self._state = None

    def state(self) -> tuple:
        """Row counts of every table and the names in the upload directory."""
        end_transaction(_db.session())  # on SQLite the test's open transaction would hold the write lock
        with _db.engine.connect() as conn:
            rows = tuple(conn.execute(self._count).one())
        files = frozenset(p.name for p in self.uploads.iterdir()) if self.uploads.is_dir() else frozenset()
        return rows, files

    def undelivered(self) -> list[str]:
        """Emails the delivery job could not send (a header broken by what a title or name held)."""
        end_transaction(_db.session())
        with _db.engine.connect() as conn:
            rows = conn.execute(select(OutboxMessage.subject, OutboxMessage.last_error)
                                .where(OutboxMessage.last_error.is_not(None))).all()
        return [f"email {subject!r} not delivered: {error}" for subject, error in rows]

    def send(self, label: str, method: str, url: str, data: Any = None, multipart: bool = False) -> int:
        """One request; a 5xx or a refused request that changed something is noted as a problem."""
        before = self._state or self.state()
        limiter.reset()  # rate limits would answer 429 before the value under test is read
        kwargs: dict[str, Any] = {"data": data} if data is not None else {}
        if multipart:
            kwargs["content_type"] = "multipart/form-data"
        try:
            status = self.client.open(url, method=method, **kwargs).status_code
        except Exception as exc:
            self.problems.append(f"{type(exc).__name__}: {method} {url[:120]!r} with {label}: {exc!s:.300}")
            self._state = None
            return 500
        if status >= 500:
            self.problems.append(f"{status}: {method} {url[:120]!r} with {label}")
        if 400 <= status < 500:
            self._state = self.state()
            if self._state != before:
                self.problems.append(f"{status} but a change stayed: {method} {url[:120]!r} with {label}")
        else:
            self._state = None  # accepted: the next request starts from whatever it changed
        return status


def roles_by_answer(entry) -> list[str]:
    """One role per kind of answer the matrix expects (served, or each refusal), so each is exercised once."""
    firsts: dict[object, str] = {}
    for role in ALL:
        firsts.setdefault(entry.kind(role), role)
    return list(firsts.values())


PREFERRED = (VISITOR, "officer", "company_owner", "city_admin", "platform_admin", "decision_maker",
             "company_member", "evaluator", "user")


def allowed_role(entry) -> str:
    """The role a route is used by: the first of PREFERRED that the matrix lets in."""
    return next(role for role in PREFERRED if entry.lets_in(role))


@pytest.fixture
def world(db) -> World:
    """The matrix's world: a home city and company, strangers, a challenge in dialogue, a draft."""
    return build_world()


@pytest.fixture
def act_as(client, user_with_role, login):
    """Log in as a matrix role of a world (visitors are logged out); returns the user."""

    def do(world: World, role: str):
        if role == VISITOR:
            with client.session_transaction() as session:
                session.clear()
            return None
        return login(user_with_role(role, home_org(role, world)))

    return do


def _url_values(app: Flask, url: str, method: str) -> tuple[str, dict[str, Any]]:
    """The endpoint and parameters a matrix URL resolves to."""
    return app.url_map.bind("localhost").match(urlsplit(url).path, method=method)


def _build(app: Flask, endpoint: str, values: dict[str, Any]) -> str:
    """A route's URL with the given parameters."""
    return app.url_map.bind("localhost").build(endpoint, values)


def _entry(endpoint: str):
    """The matrix entry of a route; a route without one cannot be reached by the harness."""
    assert endpoint in MATRIX, f"{endpoint} has no entry in tests/factories.MATRIX"
    return MATRIX[endpoint]


# --- 1. route parameters and query strings --------------------------------------------------

def _path_variants(app: Flask, rule: Rule, values: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(label, URL, out of range) for each bad value of each parameter; other parameters stay valid."""
    variants = []
    for name, converter in rule._converters.items():
        if isinstance(converter, IntegerConverter):
            for bad in OUT_OF_RANGE_IDS:
                variants.append((f"{name}={bad}", _replace_segment(app, rule, values, name, bad), True))
            missing = _replace_segment(app, rule, values, name, MISSING_ID)
            variants.append((f"{name}={MISSING_ID}", missing, False))
        elif not isinstance(converter, AnyConverter) and type(converter).__name__ != "PathConverter":
            for label, bad in BAD_STRINGS.items():
                variants.append((f"{name}: {label}", _replace_segment(app, rule, values, name, bad), False))
    return variants


def _replace_segment(app: Flask, rule: Rule, values: dict[str, Any], name: str, raw: str) -> str:
    """The URL with one parameter's segment replaced by raw text (which the converter may refuse)."""
    marker = "1234567" if isinstance(rule._converters[name], IntegerConverter) else "MARKER-x"
    url = _build(app, rule.endpoint, {**values, name: int(marker) if marker.isdigit() else marker})
    return url.replace(marker, raw, 1)


@pytest.mark.parametrize("endpoint", sorted(_RULES))
def test_route_answers_bad_addresses_without_error(app, client, world, act_as, endpoint):
    entry, rule = _entry(endpoint), _RULES[endpoint]
    url = entry.url(world)
    _, values = _url_values(app, url, entry.method)
    probe = Probe(app, client)
    roles = roles_by_answer(entry)
    for role in roles:
        act_as(world, role)
        probe.forget()
        for label, bad_url, out_of_range in _path_variants(app, rule, values):
            if out_of_range and role != roles[0]:
                continue  # refused by routing before any role is looked at
            status = probe.send(f"{label} as {role}", entry.method, bad_url)
            if out_of_range and status != 404:
                probe.problems.append(f"{status} instead of 404: {bad_url} ({label})")
        if entry.method == "GET":
            probe.send(f"bad query string as {role}", "GET", f"{url}?{urlencode(QUERY)}")
    if entry.method == "GET" and any(entry.lets_in(role) for role in ALL):
        act_as(world, allowed_role(entry))
        probe.forget()
        _fuzz_get_forms(client, probe, urlsplit(url).path)
    assert probe.problems == []


def _fuzz_get_forms(client, probe: Probe, path: str) -> None:
    """Send each bad value in each field of the forms a page sends to itself with GET (filters, searches)."""
    page = client.get(path)
    if page.status_code != 200 or not page.mimetype == "text/html":
        return
    for form in forms_of(page.get_data(as_text=True)):
        if form.method != "get" or urlsplit(form.action).path not in ("", path):
            continue
        base = dict(base_payload(form))
        for spec in fuzzed_fields(form):
            for label, bad in _values_for(spec.kind).items():
                probe.send(f"{spec.name}: {label}", "GET", f"{path}?{urlencode({**base, spec.name: bad})}")


# --- 2. every field of every form a page offers -----------------------------------------------

def _find_form(client, world: World, target: str, offers_page: bool) -> FormSpec | None:
    """The form that posts to target: on its own page, or on a page whose address leads to it."""
    path = urlsplit(target).path
    pages = [path] if offers_page else []
    for other in MATRIX.values():
        candidate = urlsplit(other.url(world)).path
        if other.method == "GET" and (candidate == "/" or path.startswith(candidate.rstrip("/") + "/")):
            pages.append(candidate)
    for page in sorted(dict.fromkeys(pages), key=len, reverse=True):
        response = client.get(page)
        if response.status_code != 200:
            continue
        for form in forms_of(response.get_data(as_text=True)):
            if form.method == "post" and (urlsplit(form.action).path or page) == path:
                return form
    return None


def _reset_token(world: World, user) -> str:
    """A password reset link of a real person."""
    raw = issue_user_token(world.city_person, TokenPurpose.RESET_PASSWORD, timedelta(hours=1))
    return f"/password/reset/{raw}"


def _invitation_token(world: World, user) -> str:
    """The world's invitation under a token whose raw value is known."""
    raw, world.invitation.token_hash = new_token()
    return f"/invitations/{raw}"


# Some forms are offered only in a certain state (a button to cancel what one has booked); these put the
# world in that state and may give the address to use instead of the matrix's.
OFFERED_WHEN: dict[str, Any] = {
    "auth.admin_reactivate_user": lambda w, user: setattr(w.city_person, "active", False),
    "auth.reset_password": _reset_token,
    "auth.accept_invitation": _invitation_token,
    "challenges.unfollow": lambda w, user: follow_challenge(w.challenge, user),
    "challenges.dialogue_cancel_booking": lambda w, user: book_slot(w.slot, user, w.company),
    "challenges.dialogue_cancel_registration": lambda w, user: register_for_event(w.event, user, w.company),
}


class OfferedForm:
    """A form as its page offers it to a role; after a request changed the world, offered afresh.

    A saved edit changes the version a page carries and a booking removes the button to book, so after
    every accepted request the page is read again, and when it no longer offers the form the world is
    built anew: each bad value meets the form in the state where a user could send it.
    """

    def __init__(self, client, endpoint: str, choice: dict[str, str], new_world, act_as) -> None:
        self.client, self.endpoint, self.choice = client, endpoint, choice
        self._new_world, self._act_as = new_world, act_as
        self.entry, self.role = MATRIX[endpoint], allowed_role(MATRIX[endpoint])
        self.form = self._offer(self._new_world())

    def _offer(self, world: World) -> FormSpec | None:
        """Log in, put the world in the state that offers the form, and read the form from its page."""
        self.world = world
        user = self._act_as(world, self.role)
        _, values = _url_values(current_app, self.entry.url(world), self.entry.method)
        self.target = _build(current_app, self.endpoint, {**values, **self.choice})
        if self.endpoint in OFFERED_WHEN:
            address = OFFERED_WHEN[self.endpoint](world, user)
            self.target = address if isinstance(address, str) else self.target
            _db.session.commit()
        return self._read()

    def _read(self) -> FormSpec | None:
        """The form as its page shows it now (None when no page offers it)."""
        return _find_form(self.client, self.world, self.target, "GET" in _RULES[self.endpoint].methods)

    def refresh(self) -> None:
        """Read the form again; when the last request used it up, start from a new world."""
        form = self._read()
        if form is None:
            _db.session.remove()
            empty_tables()
            form = self._offer(self._new_world())
        self.form = form or self.form

    def with_value(self, name: str, value: Any) -> MultiDict:
        """What the form sends now with one field replaced (None: left out)."""
        pairs = [(n, v) for n, v in base_payload(self.form) if n != name]
        if value is not None:
            pairs.append((name, value))
        return MultiDict([(n, (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v)
                          for n, v in pairs])


def _bad_values(spec: FieldSpec) -> dict[str, Any]:
    """Each class of bad value for a field, as the request will carry it (None: the field is missing)."""
    if spec.kind == "file":
        return {MISSING: None, **{label: (io.BytesIO(data), name) for label, (name, data) in FILES.items()}}
    return {MISSING: None, **_values_for(spec.kind)}


@pytest.mark.parametrize("endpoint, choice", POST_TARGETS,
                         ids=[e + "".join(f"[{v}]" for v in c.values()) for e, c in POST_TARGETS])
def test_form_refuses_bad_values_without_error_or_leftovers(app, client, db, act_as, endpoint, choice):
    _entry(endpoint)
    offered = OfferedForm(client, endpoint, choice, build_world, act_as)
    assert offered.form is not None, (
        f"no page offers {offered.role} a form posting to {offered.target}: add it to OFFERED_WHEN")
    probe = Probe(app, client)
    for spec in fuzzed_fields(offered.form):
        for label, value in _bad_values(spec).items():
            status = probe.send(f"{spec.name}: {label} as {offered.role}", "POST", offered.target,
                                offered.with_value(spec.name, value), multipart=offered.form.multipart)
            if status < 400:
                offered.refresh()
                probe.forget()
    probe.send(f"the values the page shows as {offered.role}", "POST", offered.target,
               offered.with_value("", None), multipart=offered.form.multipart)
    assert probe.problems + probe.undelivered() == []


# --- 3. every form class, validated directly --------------------------------------------------

FORM_CLASSES = app_form_classes()


def _bind(form_class: type):
    """The form bound to the current request, with an empty list where the view would set the choices."""
    form = form_class() if issubclass(form_class, Form) else form_class(formdata=request.form)
    for leaf in _leaves(form):
        if getattr(leaf, "choices", ()) is None:
            leaf.choices = []
    return form


def _leaves(fields) -> list:
    """The fields of a form, rows of lists and sub-forms opened up."""
    result = []
    for f in fields:
        if isinstance(f, wtforms.FieldList):
            result += _leaves(f.entries)
        elif isinstance(f, wtforms.FormField):
            result += _leaves(f.form)
        else:
            result.append(f)
    return result


def _refusals(leaf) -> tuple[dict[str, str], set[str]]:
    """The bad values to send to a field, and those it must refuse with a message."""
    is_int = isinstance(leaf, wtforms.IntegerField) or getattr(leaf, "coerce", None) is int
    is_number = is_int or isinstance(leaf, wtforms.DecimalField)
    is_date = isinstance(leaf, (wtforms.DateField, wtforms.DateTimeField))
    values = {**TEXT, **NUMBERS, **(AMOUNTS if is_number else {}),
              **({k: v + ("T00:00" if isinstance(leaf, wtforms.DateTimeLocalField) else "")
                  for k, v in DATES.items()} if is_date else {})}
    if isinstance(leaf, NextField):  # a return address nobody typed is dropped, not refused
        return values, set()
    refused = {"NUL", "control character"}
    if not isinstance(leaf, wtforms.TextAreaField):
        refused.add("line break")
    if is_int:
        refused |= set(NUMBERS)
    if is_number:
        refused |= {"wrong type", "sNaN", "Infinity", "1e20"}
    if is_date:
        refused |= {"wrong type", *DATES}
    return values, refused


@pytest.mark.parametrize("form_class", FORM_CLASSES, ids=[f"{c.__module__}.{c.__qualname__}"
                                                          for c in FORM_CLASSES])
def test_form_class_refuses_bad_values_next_to_the_field(app, form_class):
    # A row form stands inside a list: its parent's test holds it to refusing; alone it must not raise.
    standalone_row = not issubclass(form_class, Form)
    with app.test_request_context(method="POST"):
        names = [leaf.name for leaf in _leaves(_bind(form_class)) if not isinstance(leaf, CSRFTokenField)]
    problems = []
    for name in names or ["anything"]:
        with app.test_request_context(method="POST"):
            leaf = next((leaf for leaf in _leaves(_bind(form_class)) if leaf.name == name), None)
            values, refused = _refusals(leaf) if leaf else (TEXT, set())
        for label, bad in values.items():
            with app.test_request_context(method="POST", data=MultiDict({name: bad})):
                form = _bind(form_class)
                try:
                    valid = form.validate()
                except Exception as exc:
                    problems.append(f"{name}: {label} raised {type(exc).__name__}: {exc}")
                    continue
                sent = next((leaf for leaf in _leaves(form) if leaf.name == name), None)
                errors = sent.errors if sent is not None else ()
                if isinstance(sent, NextField) and label in TEXT and label != "over-long" and sent.data:
                    problems.append(f"{name}: {label} was kept as a return address")
                if label in refused and not standalone_row and (valid or not errors):
                    problems.append(f"{name}: {label} was not refused next to the field")
    assert problems == []
