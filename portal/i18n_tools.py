"""Catalogue maintenance: ``python -m portal.i18n_tools extract|fill-english|check``.

English is the source language: the ``en`` catalogue is filled from the message ids, so
English wording is changed in the code. ``check`` fails when the template (.pot) no longer
matches the code, when a catalogue lacks a message of the template, or when any entry in
either catalogue is untranslated or fuzzy.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
KEYWORDS = ["_l", "lazy_gettext", "ngettext:1,2", "lazy_ngettext:1,2"]
SOURCE_LOCALE = "en"


def extract(output: Path) -> None:
    """Extract every translatable string of the code and templates into ``output``."""
    args = ["pybabel", "--quiet", "extract", "-F", str(ROOT / "babel.cfg"), "--sort-by-file",
            "--project", "Open Power Service",
            "--copyright-holder", "Open Power Service contributors", "-o", str(output)]
    for keyword in KEYWORDS:
        args += ["-k", keyword]
    with contextlib.chdir(ROOT):  # locations in the template stay relative to the project
        CommandLineInterface().run([*args, "."])  # type: ignore[no-untyped-call]


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _ids(catalog: Catalog) -> set[tuple[object, str | None]]:
    return {(message.id, message.context) for message in catalog if message.id}


def catalogue_paths() -> list[Path]:
    """Every language's .po file."""
    return sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def problems() -> list[str]:
    """What is wrong with the catalogues, one line each (empty when all is well)."""
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "fresh.pot"
        extract(fresh)
        fresh_ids = _ids(_read(fresh))
    template_ids = _ids(_read(TEMPLATE))
    if fresh_ids != template_ids:
        added, removed = len(fresh_ids - template_ids), len(template_ids - fresh_ids)
        found.append(f"{TEMPLATE.name} is stale ({added} new, {removed} gone): run `make update`")
    for path in catalogue_paths():
        catalog = _read(path)
        missing = template_ids - _ids(catalog)
        if missing:
            found.append(f"{path}: {len(missing)} messages missing: run `make update`")
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                found.append(f"{path}: untranslated or fuzzy: {str(message.id)[:70]!r}")
        obsolete = len(catalog.obsolete)
        if obsolete:
            found.append(f"{path}: {obsolete} obsolete entries: remove them")
    return found


def fill_english() -> None:
    """Copy each message id into the English catalogue's empty translations."""
    path = TRANSLATIONS / SOURCE_LOCALE / "LC_MESSAGES" / "messages.po"
    catalog = _read(path)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            if not all(message.string or ()):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    catalog.obsolete.clear()
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)


def main(argv: list[str]) -> int:
    """Entry point."""
    command = argv[1] if len(argv) > 1 else "check"
    if command == "extract":
        extract(TEMPLATE)
    elif command == "fill-english":
        fill_english()
    elif command == "check":
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        if found:
            return 1
        print("Translation catalogues are complete and current.")
    else:
        print(f"unknown command {command!r}: use extract, fill-english or check", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
