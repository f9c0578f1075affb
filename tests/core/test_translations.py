"""Every user-facing string is translated into Finnish and Swedish, and the catalogues are current."""
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]


def _catalogue(lang: str):
    """The committed catalogue of a language."""
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=lang)


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set[str]:
    """The message ids found in the source today."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "--ignore-dirs", ".venv tests migrations",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with open(pot, "rb") as f:
        return {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_catalogue_holds_every_source_string(source_ids, lang):
    catalogue = _catalogue(lang)
    known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id}
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
