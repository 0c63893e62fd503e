"""The DCAT-AP.de catalogue of the datasets, as JSON-LD, for municipal open-data portals.

One dcat:Catalog, a dcat:Dataset per registered dataset and a dcat:Distribution per format
(CSV, JSON), with the properties DCAT-AP.de asks for: title, description, publisher,
contributor ID, licence and attribution text on every distribution, issued/modified,
language, theme, access and download URLs, format and media type, and the political
geocoding where the installation configured one. Every URL is absolute (BASE_URL), since a
harvester reads it from another host.
"""

from datetime import datetime
from typing import Any

from flask import current_app, url_for

from participation.opendata.contributions import iso
from participation.opendata.registry import Dataset

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "dcatde": "http://dcat-ap.de/def/dcatde/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
LANGUAGE = {
    "de": "http://publications.europa.eu/resource/authority/language/DEU",
    "en": "http://publications.europa.eu/resource/authority/language/ENG",
}
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
# (format in the download URL, EU file type, IANA media type)
FORMATS = (("csv", "CSV", "text/csv"), ("json", "JSON", "application/json"))


def base_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


def absolute(endpoint: str, **values) -> str:
    return base_url() + url_for(endpoint, **values)


def licence() -> dict[str, str]:
    config = current_app.config
    return {
        "uri": config["OPEN_DATA_LICENSE_URI"],
        "label": config["OPEN_DATA_LICENSE_LABEL"],
        "attribution": config["OPEN_DATA_ATTRIBUTION"] or config["MUNICIPALITY_NAME"],
    }


def publisher() -> dict[str, Any]:
    config = current_app.config
    return {
        "@id": config["OPEN_DATA_PUBLISHER_URI"] or base_url() + "/",
        "@type": "foaf:Agent",
        "foaf:name": config["MUNICIPALITY_NAME"],
    }


def contributor_id() -> str:
    return current_app.config["OPEN_DATA_CONTRIBUTOR_ID"] or absolute("opendata.index")


def _date(value: datetime | None) -> dict[str, str] | None:
    return {"@value": iso(value), "@type": "xsd:dateTime"} if value else None


def _ref(uri: str) -> dict[str, str]:
    return {"@id": uri}


def _dataset(dataset: Dataset) -> dict[str, Any]:
    terms = licence()
    dates = {"dct:issued": _date(dataset.issued), "dct:modified": _date(dataset.modified)}
    dates = {key: value for key, value in dates.items() if value}
    landing = dataset.landing_page or absolute("opendata.index")
    distributions = []
    for extension, file_type, media_type in FORMATS:
        url = absolute(f"opendata.download_{extension}", name=dataset.name)
        distributions.append(
            {
                "@id": url,
                "@type": "dcat:Distribution",
                "dct:title": f"{dataset.title} ({file_type})",
                "dcat:accessURL": _ref(url),
                "dcat:downloadURL": _ref(url),
                "dct:format": _ref(FILE_TYPE + file_type),
                "dcat:mediaType": _ref(MEDIA_TYPE + media_type),
                "dct:license": _ref(terms["uri"]),
                "dcatde:licenseAttributionByText": terms["attribution"],
                **dates,
            }
        )
    entry = {
        "@id": f"{absolute('opendata.index')}#{dataset.name}",
        "@type": "dcat:Dataset",
        "dct:identifier": dataset.name,
        "dct:title": dataset.title,
        "dct:description": dataset.description,
        "dct:publisher": publisher(),
        "dcatde:contributorID": _ref(contributor_id()),
        # The contributions are written in German, whatever the interface language.
        "dct:language": _ref(LANGUAGE["de"]),
        "dcat:theme": [_ref(theme) for theme in dataset.themes],
        "dcat:keyword": list(dataset.keywords),
        "dcat:landingPage": _ref(landing),
        "dcat:distribution": distributions,
        **dates,
    }
    geocoding = current_app.config["OPEN_DATA_GEOCODING_URI"]
    if geocoding:
        entry["dcatde:politicalGeocodingURI"] = _ref(geocoding)
    return entry


def catalog(datasets: list[Dataset], *, title: str, description: str, locale: str) -> dict:
    """The catalogue as a JSON-LD document (a dict ready for json.dumps)."""
    language = LANGUAGE.get(locale, LANGUAGE["de"])
    modified = max((d.modified for d in datasets if d.modified), default=None)
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": absolute("opendata.catalog"),
        "@type": "dcat:Catalog",
        "dct:title": title,
        "dct:description": description,
        "dct:publisher": publisher(),
        "dct:language": _ref(language),
        "dct:license": _ref(licence()["uri"]),
        "foaf:homepage": _ref(absolute("opendata.index")),
        "dcat:dataset": [_dataset(dataset) for dataset in datasets],
    }
    if modified:
        document["dct:modified"] = _date(modified)
    return document
