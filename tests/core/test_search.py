"""LIKE patterns: what a reader types is matched literally, wildcards and the escape character included."""
from __future__ import annotations

import pytest
from sqlalchemy import literal, select

from core.search import contains_text, like_pattern


def test_like_pattern_escapes_the_wildcards_and_the_escape_character():
    assert like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"


@pytest.mark.parametrize("text, typed, found", [
    ("sale 50% off", "50%", True), ("sale 50 off", "50%", False),
    ("a_b", "a_b", True), ("axb", "a_b", False),
    ("back\\slash", "k\\s", True), ("backslash", "k\\s", False),
])
def test_contains_text_matches_literally_on_the_database(db, text, typed, found):
    stmt = select(contains_text(literal(text), typed))
    assert bool(db.session.scalar(stmt)) is found
