"""The fi and sv catalogues hold to translations/GLOSSARY.md: its terms are used, its words to avoid are not.

A term is found in a translation in some inflected form: each word of the term
by its beginning (all but its last three letters, at least four), so "haaste"
is found in "haasteita" and "tilaisuus" in "tilaisuuden".
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "translations" / "GLOSSARY.md"
LANGUAGES = ("fi", "sv")


def _table(heading: str) -> list[list[str]]:
    """The body rows of the Markdown table under `## heading`, as lists of stripped cells."""
    section = GLOSSARY.read_text(encoding="utf-8").split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # past the header and rule
    return [[cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows]


def _catalogue(lang: str) -> dict[tuple[str | None, str], list[str]]:
    """A committed catalogue as (context, id) → its translations (one, or one per plural form)."""
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        catalogue = read_po(f, locale=lang)
    return {(m.context, m.id if isinstance(m.id, str) else m.id[0]):
            [m.string] if isinstance(m.string, str) else list(m.string) for m in catalogue if m.id}


def _key(text: str) -> tuple[str | None, str]:
    """A glossary's catalogue key, `context|message` or `message`, as (context, id)."""
    context, _bar, message = text.rpartition("|")
    return context or None, message


def _term_found(term: str, translation: str) -> bool:
    """True when every word of term appears in translation in some inflected form (see the module docstring)."""
    words = term.lower().split()
    return all(word[:max(4, len(word) - 3)] in translation.lower() for word in words)


def _avoided(word: str) -> re.Pattern[str]:
    """The pattern of a word to avoid: `stem*` with any ending, otherwise the whole word."""
    body = re.escape(word.rstrip("*")) + (r"\w*" if word.endswith("*") else r"\b")
    return re.compile(r"(?<!\w)" + body, re.IGNORECASE)


TERMS = [(row[0].strip("*"), dict(zip(LANGUAGES, row[1:3])), [_key(k.strip()) for k in row[3].split(";") if k.strip()])
         for row in _table("Terms")]
# Terms in bold are used wherever the English says them: the English word (before any "(...)"), or its plural.
EVERYWHERE = [(re.compile(r"\b" + re.escape(row[0].strip("*").split(" (")[0]) + r"s?\b", re.IGNORECASE),
               dict(zip(LANGUAGES, row[1:3]))) for row in _table("Terms") if row[0].startswith("**")]
AVOID = [(row[0], row[1], row[2]) for row in _table("Words to avoid")]


def test_glossary_tables_are_read():
    english = [term for term, _words, _keys in TERMS]
    assert {"challenge", "pilot (agile pilot)", "market dialogue", "procurement", "evaluator"} <= set(english)
    assert ("fi", "pilotti*") in {(lang, word) for lang, word, _use in AVOID}
    assert len(EVERYWHERE) >= 20 and EVERYWHERE[0][0].search("New challenges")
    assert (("event", "Register") in {key for _t, _w, keys in TERMS for key in keys}
            and ("account", "Register") in {key for _t, _w, keys in TERMS for key in keys})


@pytest.mark.parametrize("lang", LANGUAGES)
def test_glossary_keys_are_messages_of_the_catalogue(lang):
    catalogue = _catalogue(lang)
    stale = [key for _term, _words, keys in TERMS for key in keys if key not in catalogue]
    assert not stale, f"the glossary names messages the catalogue does not hold: {stale}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_glossary_terms_are_used_in_their_messages(lang):
    catalogue = _catalogue(lang)
    wrong = [(key, words[lang], text) for _term, words, keys in TERMS for key in keys if key in catalogue
             for text in catalogue[key] if not _term_found(words[lang], text)]
    assert not wrong, f"{lang}: these translations do not use the glossary's term: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bold_terms_are_used_wherever_the_english_says_them(lang):
    wrong = [(key[1], words[lang], text) for key, texts in _catalogue(lang).items()
             for english, words in EVERYWHERE if english.search(key[1])
             for text in texts if not _term_found(words[lang], text)]
    assert not wrong, f"{lang}: these translations do not use the glossary's term: {wrong}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalogue_avoids_the_glossarys_words_to_avoid(lang):
    patterns = [(word, _avoided(word), use) for avoid_lang, word, use in AVOID if avoid_lang == lang]
    found = [(word, use, key[1], text) for key, texts in _catalogue(lang).items() for text in texts
             for word, pattern, use in patterns if pattern.search(text)]
    assert not found, f"{lang}: words the glossary avoids (word, use instead, message, translation): {found}"


def test_term_is_found_in_its_inflected_forms():
    assert _term_found("haaste", "Haasteita ei löytynyt")
    assert _term_found("kahdenvälinen tapaaminen", "Kahdenvälisen tapaamisen muistio")
    assert not _term_found("ilmoittaudu", "Rekisteröidy")


def test_avoided_word_matches_as_written():
    assert _avoided("pilotti*").search("enintään 3 pilottikohdetta")
    assert not _avoided("pilotti*").search("kokeilupilotti")  # only at the start of a word
    assert _avoided("ansökan").search("Skicka ansökan") and not _avoided("ansökan").search("ansökans")
