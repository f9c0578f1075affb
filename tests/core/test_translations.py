"""Every user-facing string is translated into Finnish and Swedish, and the catalogues are current.

The strings come from the source itself, extracted with the project's own
babel.cfg and options (scripts/messages.py, which `make extract-messages` runs
too), and every file that holds a translatable call must be one the extractor
can read: a template it cannot parse would otherwise be skipped without a word.
"""
from __future__ import annotations

import fnmatch
import os
import re
import subprocess
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.pofile import read_po

from scripts.messages import CONFIG, IGNORE_DIRS, KEYWORDS, ROOT, extract_command

# A call of a translation function with a literal, or a {% trans %} block.
TRANSLATABLE = re.compile(r"""\b(?:_|_l|_n|(?:lazy_)?(?:n|p|np)?gettext)\(\s*["']|\{%-?\s*trans\b""")


def _key(message) -> tuple[str | None, str]:
    """A message's identity in a catalogue: its context (msgctxt) and its (singular) id."""
    return message.context, message.id if isinstance(message.id, str) else message.id[0]


def _catalogue(lang: str):
    """The committed catalogue of a language."""
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


def _mapping(config: Path) -> tuple[list[tuple[str, str]], dict[str, dict[str, str]]]:
    """The method and options map of a babel.cfg, with template syntax errors raised, not swallowed."""
    with open(config) as f:
        method_map, options_map = parse_mapping_cfg(f)
    loud = {pattern: {**options_map.get(pattern, {}), "silent": "false"}
            for pattern, method in method_map if method == "jinja2"}
    return method_map, {**options_map, **loud}


def _source_files(root: Path) -> list[Path]:
    """Every file under root, skipping the directories `pybabel extract --ignore-dirs` skips with our list."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not any(fnmatch.fnmatch(d, p) for p in IGNORE_DIRS))
        files += [Path(dirpath, name) for name in sorted(filenames)]
    return files


def unreadable(root: Path, config: Path) -> list[str]:
    """Files the configured extractor fails on, or that call a translation function yet yield no message."""
    method_map, options_map = _mapping(config)
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(KEYWORDS)}
    problems = []
    for path in _source_files(root):
        try:
            found = any(check_and_call_extract_file(str(path), method_map, options_map, None, keywords, (), False,
                                                    dirpath=str(root)))
        except Exception as exc:  # whatever stops the extractor is a finding, reported with the file
            problems.append(f"{path.relative_to(root).as_posix()}: {exc}")
            continue
        if not found and path.suffix in (".py", ".html", ".txt", ".xml") and \
                TRANSLATABLE.search(path.read_text(encoding="utf-8", errors="replace")):
            problems.append(f"{path.relative_to(root).as_posix()}: no message extracted")
    return problems


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set[tuple[str | None, str]]:
    """The message keys (context, id) found in the source today, by the command `make extract-messages` runs."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    run = subprocess.run(extract_command(pot), cwd=ROOT, capture_output=True, text=True)  # noqa: S603
    assert run.returncode == 0, run.stderr[-2000:]
    with open(pot, "rb") as f:
        return {_key(m) for m in read_po(f) if m.id}


def test_extraction_reads_every_file_with_translatable_strings():
    problems = unreadable(ROOT, ROOT / CONFIG)
    assert not problems, "fix babel.cfg so the extractor reads these files:\n" + "\n".join(problems)


def test_extraction_fails_on_a_template_it_cannot_parse(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text('{% do items.append(1) %}{{ _("Hello") }}')
    (tmp_path / "babel.cfg").write_text("[jinja2: templates/**.html]\n")  # without jinja2.ext.do
    [problem] = unreadable(tmp_path, tmp_path / "babel.cfg")
    assert problem.startswith("templates/page.html: ") and "unknown tag 'do'" in problem


def test_extraction_flags_a_file_whose_strings_are_not_mapped(tmp_path):
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "feed.xml").write_text('<title>{{ _("News") }}</title>')
    (tmp_path / "babel.cfg").write_text("[jinja2: templates/**.html]\n")
    assert unreadable(tmp_path, tmp_path / "babel.cfg") == ["templates/feed.xml: no message extracted"]


def test_extraction_keeps_the_context_of_a_message(tmp_path):
    (tmp_path / "labels.py").write_text('from flask_babel import lazy_pgettext\n'
                                        'REGISTER = lazy_pgettext("event", "Register")\n')
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "form.html").write_text('<button>{{ pgettext("account", "Register") }}</button>')
    method_map, options_map = _mapping(ROOT / CONFIG)
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(KEYWORDS)}
    found = {(context, message) for _file, _line, message, _comments, context
             in extract_from_dir(str(tmp_path), method_map, options_map, keywords)}
    assert found == {("event", "Register"), ("account", "Register")}


def test_make_extract_messages_runs_the_tested_extraction():
    makefile = (ROOT / "Makefile").read_text()
    recipe = re.search(r"^extract-messages:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe and "-m scripts.messages" in recipe.group(1)
    assert "pybabel extract" not in makefile  # no second copy of the options


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_catalogue_holds_every_source_string(source_ids, lang):
    catalogue = _catalogue(lang)
    known = {_key(m) for m in catalogue if m.id}
    missing = sorted(source_ids - known)
    assert not missing, f"run `make extract-messages` and translate: {missing[:20]}"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_string_is_translated(lang):
    untranslated = [m.id for m in _catalogue(lang)
                    if m.id and (m.fuzzy or not (m.string if isinstance(m.string, str) else all(m.string)))]
    assert not untranslated, f"{lang}: {len(untranslated)} strings lack a translation: {untranslated[:20]}"


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_placeholders_survive_translation(lang):
    broken = []
    for m in _catalogue(lang):
        if not m.id or not isinstance(m.id, str):
            continue
        for name in ("%(", "%s", "%d"):
            if m.id.count(name) != m.string.count(name):
                broken.append(m.id)
    assert not broken, f"{lang}: placeholders differ in {broken[:10]}"
