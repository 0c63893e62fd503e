"""The datasets the open-data page offers, as a small registry.

A *provider* is a function without arguments that returns the datasets it knows about now
(the contributions offer one per published strategy, so the list changes as strategies are
published). `register` adds a provider; `datasets()` asks every provider, in the order they
were registered. A dataset describes itself (title, description, dates, its fields) and
produces its rows when asked, so the page, the downloads (CSV and JSON) and the DCAT-AP.de
catalogue all work from the same description.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# DCAT-AP themes (EU data-theme vocabulary): government and public sector.
THEME_GOVERNMENT = "http://publications.europa.eu/resource/authority/data-theme/GOVE"


@dataclass(frozen=True)
class Field:
    """A column of a dataset: its name in CSV and JSON, what it means, its JSON schema
    (the API's OpenAPI description is built from it) and how a value becomes a CSV cell."""

    name: str
    description: Any  # a lazy string: shown in the visitor's language
    schema: dict[str, Any]
    cell: Callable[[Any], str] | None = None

    def to_cell(self, value: Any) -> str:
        if self.cell is not None:
            return self.cell(value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return str(value)


@dataclass(frozen=True)
class Dataset:
    # URL-safe and unique: the downloads are /offene-daten/<name>.csv and .json.
    name: str
    title: str
    description: str
    fields: Sequence[Field]
    rows: Callable[[], list[dict[str, Any]]]
    issued: datetime | None = None
    modified: datetime | None = None
    keywords: Sequence[str] = ()
    themes: Sequence[str] = (THEME_GOVERNMENT,)
    # Where a person reads the data on the site (absolute URL); the open-data page if empty.
    landing_page: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[], Iterable[Dataset]]
_providers: list[Provider] = []


def register(provider: Provider) -> Provider:
    """Add a provider (usable as a decorator). Registering the same function twice is a
    no-op, so a module may be imported more than once."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def datasets() -> list[Dataset]:
    return [dataset for provider in _providers for dataset in provider()]


def find(name: str) -> Dataset | None:
    return next((dataset for dataset in datasets() if dataset.name == name), None)
