"""Both catalogues are complete: every user-visible string has a German and an English text."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _i18n_script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_catalogues_are_complete_and_current():
    assert _i18n_script().problems() == []


def test_pages_switch_language_completely(client):
    german = client.get("/konto/registrieren").get_data(as_text=True)
    client.post("/sprache", data={"lang": "en", "next": "/"})
    english = client.get("/konto/registrieren").get_data(as_text=True)
    assert "Passwort" in german
    assert "Password" in english
    assert "Passwort" not in english
