"""Text fields in Finnish, Swedish and English, and the Markdown preview that needs no JavaScript.

A text typed in three languages is three fields: the plain name holds the Finnish
version (as the model's column does), `_sv` and `_en` the others. Forms that have
them inherit `Translations`, which lists a language's fields for the template's
fieldset and hands the Swedish and English versions to the service. A form with
Markdown fields gets a Preview button: the page comes back with the rendered text
under each field and everything typed kept, and nothing is saved.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.i18n import LANGUAGES

OTHER_LANGUAGES = ("sv", "en")


def _strip(value: Any) -> Any:
    """Surrounding spaces are never meant."""
    return value.strip() if isinstance(value, str) else value


def in_language(label: Any, language: str) -> Any:
    """A field's label in a language ("Problem statement in Swedish"), translated when shown."""
    return {"fi": _l("%(text)s in Finnish", text=label), "sv": _l("%(text)s in Swedish", text=label),
            "en": _l("%(text)s in English", text=label)}[language]


def in_three_languages(label: Any, *, max_length: int, required: Any = None,
                       kind: type[Field] = TextAreaField) -> tuple[Field, Field, Field]:
    """The Finnish, Swedish and English fields of one text; the Finnish one required when `required` says why."""
    finnish = [DataRequired(message=required)] if required else [Optional()]
    return tuple(kind(in_language(label, language), filters=[_strip],
                      validators=[*(finnish if language == "fi" else [Optional()]), Length(max=max_length)])
                 for language in LANGUAGES)


class Translations:
    """A form with texts in three languages (`TRANSLATED`, Finnish in the plain field) and a Preview button."""

    TRANSLATED: tuple[str, ...] = ()  # the texts' Finnish field names, in the order the form shows them
    MARKDOWN: frozenset[str] = frozenset()  # those written in Markdown, previewed
    COLUMNS: dict[str, str] = {}  # a field whose model column has another name (summary: dialogue_summary)

    preview = SubmitField(_l("Preview"))

    def field_name(self, name: str, language: str) -> str:
        """The form's field for the text name in language (title_fi where the form has one)."""
        if language == "fi":
            return f"{name}_fi" if f"{name}_fi" in self else name  # type: ignore[operator]
        return f"{name}_{language}"

    def fields_in(self, language: str) -> list[tuple[Field, bool]]:
        """The fields of one language, each with whether it is Markdown (to preview)."""
        return [(self[self.field_name(name, language)], name in self.MARKDOWN)  # type: ignore[index]
                for name in self.TRANSLATED]

    def versions(self) -> dict[str, Any]:
        """The Swedish and English texts by model column, empty ones None."""
        return {f"{self.COLUMNS.get(name, name)}_{language}": self[f"{name}_{language}"].data or None
                for name in self.TRANSLATED for language in OTHER_LANGUAGES}  # type: ignore[index]

    @classmethod
    def initial_versions(cls, obj: Any) -> dict[str, Any]:
        """The form's Swedish and English fields from obj's columns."""
        return {f"{name}_{language}": getattr(obj, f"{cls.COLUMNS.get(name, name)}_{language}")
                for name in cls.TRANSLATED for language in OTHER_LANGUAGES}

    @property
    def previewing(self) -> bool:
        """True when the Preview button sent the form: show it again, save nothing."""
        return bool(self.preview.data)
