"""The message catalogue: the .pot lists every key the code and templates use, zh and en translate each, .mo match .po."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from checker.config import PROJECT_ROOT
from checker.i18n import CATALOGUE, LANGS, translate


def _po(path: Path, lang: str | None = None) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=lang)


def _texts(catalog: Catalog) -> dict[str, str]:
    return {m.id: m.string for m in catalog if m.id}


def test_the_template_lists_exactly_the_keys_the_sources_use(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.pot"
    subprocess.run([PROJECT_ROOT / "scripts" / "messages.sh", "extract", str(fresh)], check=True, cwd=PROJECT_ROOT,
                   env={"PYTHON": sys.executable, "PATH": "/usr/bin:/bin"})
    committed = set(_texts(_po(CATALOGUE / "messages.pot")))
    used = set(_texts(_po(fresh)))
    assert not used - committed, f"run scripts/messages.sh: keys missing from messages.pot: {sorted(used - committed)}"
    assert not committed - used, f"run scripts/messages.sh: keys no source uses: {sorted(committed - used)}"


@pytest.mark.parametrize("lang", LANGS)
def test_every_key_has_a_finished_translation(lang: str) -> None:
    keys = set(_texts(_po(CATALOGUE / "messages.pot")))
    po = _po(CATALOGUE / lang / "LC_MESSAGES" / "messages.po", lang)
    missing = sorted(k for k in keys if not (m := po.get(k)) or not m.string or m.fuzzy)
    assert not missing, f"{lang}: keys without a finished translation: {missing}"
    assert set(_texts(po)) == keys, f"{lang}: entries that are not in messages.pot: {sorted(set(_texts(po)) - keys)}"


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogue_matches_its_po(lang: str) -> None:
    folder = CATALOGUE / lang / "LC_MESSAGES"
    with (folder / "messages.mo").open("rb") as f:
        compiled = _texts(read_mo(f))
    assert compiled == _texts(_po(folder / "messages.po", lang)), "run scripts/messages.sh to compile the .mo files"


def test_text_outside_a_request_comes_from_the_catalogue_in_the_language_asked() -> None:
    assert translate("app_title", "zh") == "政策申报自评"
    assert translate("app_title", "en") == "Policy self-assessment"
    assert translate("step_of", "en").format(3) == "Step 3"
    with pytest.raises(ValueError, match="no catalogue for language 'fr'"):
        translate("app_title", "fr")


@pytest.mark.parametrize("lang", LANGS)
def test_no_message_says_its_text_twice_over(lang: str) -> None:
    """Regression: three English messages (code_as_number, row_note, implausible) held their text three or two times
    over, run together ("… type the code againthis column must be text …")."""
    po = _po(CATALOGUE / lang / "LC_MESSAGES" / "messages.po", lang)
    repeated = sorted(key for key, text in _texts(po).items()
                      if isinstance(text, str) and text and (text + text).find(text, 1) < len(text))
    assert not repeated, f"{lang}: messages made of one text repeated: {repeated}"
