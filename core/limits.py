"""What the database and the protocols can hold: integers, amounts, dates and characters.

Input is held to these limits where it enters (the `int` URL converter,
`bounded_int` for query strings, the base form of core.forms), and text is
made safe where it leaves for a place with rules of its own: an email header
(`single_line`) or an XML document (`xml_text`).
"""
from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from flask import Flask
from markupsafe import Markup
from werkzeug.routing import IntegerConverter, Map

INT_MAX = 2**31 - 1  # PostgreSQL's integer; SQLite holds more, so the smaller range rules
INT_MIN = -(2**31)
MAX_AMOUNT = Decimal(10) ** 10  # Numeric(12, 2) holds amounts below this
FIRST_YEAR, LAST_YEAR = 2000, 2100  # dates outside this window are typing errors or probes

# C0 and C1 control characters, DEL and the two non-characters; multi-line text keeps tab, CR and LF.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\ufffe\uffff]")
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# What XML 1.0 forbids (https://www.w3.org/TR/xml/#charsets).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"\s+")


def has_control_characters(text: str, multiline: bool = False) -> bool:
    """True when text holds a control character (tab and line breaks are allowed in multi-line text)."""
    return bool((_CONTROL_IN_TEXT if multiline else _CONTROL).search(text))


def int_in_range(value: int) -> bool:
    """True for an integer the database's integer columns can hold."""
    return INT_MIN <= value <= INT_MAX


def bounded_int(value: str) -> int:
    """A positive id, cursor or page number from a query string; ValueError when outside 1..INT_MAX.

    Made for `request.args.get(name, type=bounded_int)`, which then gives the default instead.
    """
    number = int(value)
    if not 1 <= number <= INT_MAX:
        raise ValueError(f"{value!r} is outside 1..{INT_MAX}")
    return number


class BoundedIntConverter(IntegerConverter):
    """The `int` URL converter, limited to ids the database can hold: anything else is a 404."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int = 1, max: int = INT_MAX,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def single_line(text: Any, limit: int | None = None) -> str:
    """Text fit for an email header: control characters and line breaks become one space, cut to limit."""
    line = _SPACES.sub(" ", _CONTROL.sub(" ", str(text))).strip()
    if limit is not None and len(line) > limit:
        line = line[:limit - 1].rstrip() + "…"
    return line


def xml_text(value: Any) -> Any:
    """Drop the characters XML 1.0 forbids; escaped markup stays markup."""
    if isinstance(value, Markup):
        return Markup(_NOT_XML.sub("", str(value)))  # noqa: S704  (already markup; only characters are dropped)  # nosec B704
    return _NOT_XML.sub("", str(value))


def init_limits(app: Flask) -> None:
    """Bound every `<int:...>` URL parameter (before any route is added) and register the XML filter."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.add_template_filter(xml_text, "xml_text")
