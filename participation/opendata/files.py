"""The download formats: CSV that spreadsheets open cleanly, and JSON.

CSV follows RFC 4180 (comma, double quotes, CRLF between records, a header row) and starts
with a UTF-8 byte order mark, without which Excel reads UTF-8 as Windows-1252 and breaks
the umlauts. Line breaks inside a cell are kept (quoted). A cell that a spreadsheet would
take for a formula — starting with = + - @, a tab or a carriage return — gets an apostrophe
in front (OWASP's advice against CSV injection); the apostrophe is visible but harmless.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from participation.opendata.registry import Dataset, Field

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Rows per chunk of the streamed CSV.
CHUNK = 500


def neutralise(cell: str) -> str:
    if cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def _cells(fields: Sequence[Field], row: dict[str, Any]) -> list[str]:
    cells = []
    for f in fields:
        value = row.get(f.name)
        text = f.to_cell(value).replace("\r\n", "\n")
        # Numbers and booleans are written by us and safe; text came from people.
        cells.append(text if isinstance(value, int) else neutralise(text))
    return cells


def csv_chunks(fields: Sequence[Field], rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The CSV text in pieces of CHUNK rows, so a large dataset is sent while it is written."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([f.name for f in fields])
    count = 0
    for row in rows:
        writer.writerow(_cells(fields, row))
        count += 1
        if count % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_bytes(fields: Sequence[Field], rows: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    yield BOM.encode("utf-8")
    for chunk in csv_chunks(fields, rows):
        yield chunk.encode("utf-8")


def json_document(dataset: Dataset, meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    return json.dumps(
        {**meta, "fields": [f.name for f in dataset.fields], "items": rows},
        ensure_ascii=False,
        separators=(",", ":"),
    )
