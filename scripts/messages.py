"""The one way Kokeilu's strings are extracted: `make extract-messages` and the translation tests both use it.

Run `python -m scripts.messages` to re-extract translations/messages.pot and
merge it into the fi, sv and en catalogues.
"""
from __future__ import annotations

import subprocess  # runs pybabel, our own fixed command line  # nosec B404
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = "babel.cfg"
# On top of babel's defaults (_, gettext, ngettext, pgettext, npgettext, ...): the lazy forms, with
# their plural and context arguments spelled out (`1c,2`: the context first, then the message).
KEYWORDS = ("_l", "lazy_gettext", "_n:1,2", "lazy_ngettext:1,2", "lazy_pgettext:1c,2")
IGNORE_DIRS = (".venv", "tests", "migrations")
TEMPLATE = "translations/messages.pot"


def _pybabel(*args: str) -> list[str]:
    """A pybabel command line run by this interpreter."""
    return [sys.executable, "-m", "babel.messages.frontend", *args]


def extract_command(output: str | Path = TEMPLATE) -> list[str]:
    """The extraction, run from the repository root, writing the template to `output`."""
    keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
    return _pybabel("extract", "-F", CONFIG, *keywords, "--no-location", "--sort-output",
                    "--ignore-dirs", " ".join(IGNORE_DIRS), "-o", str(output), "--project=Kokeilu", ".")


def update_command(template: str | Path = TEMPLATE) -> list[str]:
    """The merge of a template into every catalogue, keeping no obsolete or guessed entries."""
    return _pybabel("update", "-i", str(template), "-d", "translations", "--no-wrap", "--ignore-obsolete",
                    "--no-fuzzy-matching")


def main() -> None:
    """Extract and merge; stops at the first failure (such as a template the extractor cannot parse)."""
    for command in (extract_command(), update_command()):
        subprocess.run(command, cwd=ROOT, check=True)  # noqa: S603  (our own fixed command line)  # nosec B603


if __name__ == "__main__":
    main()
