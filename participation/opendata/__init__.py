"""Open data: the published contributions as CSV and JSON, and a DCAT-AP.de catalogue.

Pages: /offene-daten (the datasets, their licence and fields, the catalogue embedded as
JSON-LD), /offene-daten/<name>.csv and .json (downloads), /offene-daten/katalog.jsonld (the
catalogue for open-data portals). Citizens choose in their account settings whether the data
names them (POST /konto/offene-daten); otherwise they appear under a stable pseudonym.

Modules: `registry` (the datasets), `contributions` (the contribution datasets and the one
serializer the downloads and the JSON API share), `authors` (names, pseudonyms, consent,
signatures), `files` (CSV and JSON), `dcat` (the catalogue), `views`.

Adding a dataset (e.g. the public roadmap)
------------------------------------------
1. Describe its columns as a tuple of `registry.Field(name, description, json_schema)`;
   give a field a `cell` function when its value is a list or object (CSV gets one cell
   per field). People-written text is neutralised against spreadsheet formulas anyway.
2. Write a provider: a function without arguments, decorated with `@registry.register`,
   that returns a list of `registry.Dataset(name=..., title=..., description=...,
   fields=..., rows=..., issued=..., modified=...)`. `rows` is a function returning the
   list of row dicts (keys = field names, JSON-ready values); read them with a fixed
   number of queries and only what the public may see. `name` is unique and URL-safe:
   it becomes /offene-daten/<name>.csv and .json and the dataset's identifier.
3. Import the provider's module when the app starts (e.g. from your blueprint's views
   module), so that the registration runs. The open-data page, both downloads and the
   DCAT-AP.de catalogue then list the dataset with the installation's licence — nothing
   else needs changing. Add its download URLs to tests/test_no_internal_leaks.py.
"""
