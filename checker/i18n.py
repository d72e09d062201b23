"""The one message catalogue (checker/translations, gettext .po/.mo): a key's text in Chinese or English.

Web pages call checker.web.i18n.t (the request's language, as Flask-Babel's locale selector picks it); text made
outside a request (CLI reports, agency exports, PDF reports) calls translate() with the language it is made for.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path

CATALOGUE = Path(__file__).parent / "translations"
LANGS = ("zh", "en")


def N_(key: str) -> str:
    """Mark a key that code looks up at run time (t('kind_' + kind)), so `pybabel extract` finds it."""
    return key


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language (zh or en), read by the standard library's gettext (the same .mo file
    babel reads, without importing babel and its time zones: a CLI start-up that only prints)."""
    if lang not in LANGS:
        raise ValueError(f"no catalogue for language {lang!r}; expected one of {', '.join(LANGS)}")
    return gettext.translation("messages", str(CATALOGUE), [lang])


def fill(text: str, params: dict[str, object]) -> str:
    """A catalogue text with its {name} placeholders filled (unchanged when there are none)."""
    return text.format(**params) if params else text


def translate(key: str, lang: str, /, **params: object) -> str:
    """The text of a catalogue key in the given language, placeholders filled from params."""
    return fill(translations(lang).gettext(key), params)
