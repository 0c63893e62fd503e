"""Keep the catalogues complete.

    python scripts/i18n.py update   extract strings, update both catalogues, fill English
                                    (the source language) and list German gaps
    python scripts/i18n.py check    exit 1 if a string is missing or untranslated

Source strings are English; the English catalogue repeats them so it is complete too.
"""

import fcntl
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "participation" / "translations"
POT = TRANSLATIONS / "messages.pot"
LOCALES = ("de", "en")


def extract(target: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2",
         "--no-location", "--sort-output",
         "-o", str(target), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip


def catalog_path(locale: str) -> Path:
    return TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"


def load(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


def problems() -> list[str]:
    """Everything that keeps the catalogues from being complete and current."""
    found = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        # A message is its context and its id: "Reply" the noun is not "Reply" the verb.
        expected = {(m.context or "", m.id) for m in load(fresh) if m.id}
    for locale in LOCALES:
        catalog = load(catalog_path(locale))
        present = {(m.context or "", m.id): m for m in catalog if m.id}
        for key in sorted(expected, key=str):
            message = present.get(key)
            msgid = key[1] if not key[0] else f"{key[0]}|{key[1]}"
            if message is None:
                found.append(f"{locale}: missing {msgid!r}")
            elif message.fuzzy:
                found.append(f"{locale}: fuzzy {msgid!r}")
            elif isinstance(message.string, tuple):
                if not all(message.string):
                    found.append(f"{locale}: untranslated plural {msgid!r}")
            elif not message.string:
                found.append(f"{locale}: untranslated {msgid!r}")
    return found


def _translated(message) -> bool:
    if isinstance(message.string, tuple):
        return all(message.string)
    return bool(message.string)


def _fragments() -> dict:
    """German translations parked in translations/fragments/*.po by parallel work; merged
    into the catalogue where it has no translation yet."""
    merged = {}
    for path in sorted((TRANSLATIONS / "fragments").glob("*.po")):
        for message in load(path):
            if message.id and _translated(message):
                merged[(message.context or "", message.id)] = message.string
    return merged


def update() -> None:
    with (TRANSLATIONS / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        extract(POT)
        template = load(POT)
        fragments = _fragments()
        for locale in LOCALES:
            path = catalog_path(locale)
            catalog = load(path)
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            for message in catalog:
                if not message.id:
                    continue
                if locale == "en":
                    # English is the source language: its catalogue always repeats the source.
                    message.string = (
                        tuple(message.id) if isinstance(message.id, tuple) else message.id
                    )
                elif (
                    not _translated(message)
                    and (key := (message.context or "", message.id)) in fragments
                ):
                    message.string = fragments[key]
            with path.open("wb") as handle:
                write_po(handle, catalog, omit_header=False, sort_output=True, width=100)
    for line in problems():
        print(line)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    else:
        issues = problems()
        print("\n".join(issues) or "catalogues complete")
        sys.exit(1 if issues else 0)
