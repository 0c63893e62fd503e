"""Reading a council paper from an OParl 1.1 endpoint (https://oparl.org/spezifikation/).

`fetch_paper(url)` fetches a `Paper` object and follows each of its consultations
(embedded objects or URLs) to the consultation's meeting, agenda item and organisation. The
result is a plain `ImportedPaper`; nothing here touches the database.

Every request is bounded: only http and https, a timeout per request (also for a server
that trickles bytes), a maximum response size, a few redirects and a maximum number of
requests per import. Each failure becomes an `OParlError` whose message says what went
wrong in the reader's language.
"""

import hashlib
import json
import time
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

import httpx
from flask_babel import lazy_gettext as _l

from participation.council.models import (
    COMMITTEE_MAX,
    CONSULTATIONS_MAX,
    REFERENCE_MAX,
    RESULT_MAX,
    URL_MAX,
)

SCHEMAS = ("https://schema.oparl.org/1.1/", "https://schema.oparl.org/1.0/")
PAPER_TYPE = "https://schema.oparl.org/1.1/Paper"
MAX_REDIRECTS = 3
# A paper with many consultations, each with meeting, agenda item and organisation.
MAX_REQUESTS = 1 + CONSULTATIONS_MAX * 3
USER_AGENT = "participation (OParl import of council papers)"


class OParlError(Exception):
    """The import failed; `message` is user-facing (translated, lazy)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class ImportedConsultation:
    committee: str
    meeting_date: date | None
    result: str
    # For the preview only: what the office recognises the consultation by.
    meeting_name: str = ""
    agenda_item: str = ""
    role: str = ""


@dataclass(frozen=True)
class ImportedPaper:
    oparl_url: str
    reference: str
    url: str
    name: str
    consultations: tuple[ImportedConsultation, ...]

    def fingerprint(self) -> str:
        """Changes whenever what would be saved changes (between preview and confirmation)."""
        data = json.dumps(asdict(self), sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()[:32]


def check_address(url: str) -> httpx.URL:
    """The URL, if it is an absolute http or https address."""
    try:
        parsed = httpx.URL((url or "").strip())
    except (httpx.InvalidURL, TypeError) as error:
        raise OParlError(_l("“%(url)s” is not a valid web address.", url=url)) from error
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise OParlError(
            _l("The address must begin with http:// or https:// (given: “%(url)s”).", url=url)
        )
    return parsed


def _kilobytes(size: int) -> str:
    return f"{size // 1024} KB"


def _has_type(obj: dict, name: str) -> bool:
    kind = obj.get("type")
    if not isinstance(kind, str):
        return False
    # Some servers write the 1.0 types in lower case ("…/1.0/meeting").
    return kind.lower() in {(schema + name).lower() for schema in SCHEMAS}


class _Reader:
    """Fetches OParl objects for one import, each URL once."""

    def __init__(self, client: httpx.Client, *, timeout: float, max_bytes: int):
        self.client = client
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.requests = 0
        self.seen: dict[str, dict] = {}

    def fetch(self, url: str) -> dict:
        address = check_address(url)
        key = str(address)
        if key in self.seen:
            return self.seen[key]
        self.requests += 1
        if self.requests > MAX_REQUESTS:
            raise OParlError(
                _l(
                    "The paper refers to too many objects (more than %(count)d requests).",
                    count=MAX_REQUESTS,
                )
            )
        host = address.host
        try:
            with self.client.stream("GET", address) as response:
                if response.status_code != 200:
                    raise OParlError(
                        _l(
                            "The OParl server answered %(url)s with status %(status)d "
                            "instead of the object.",
                            url=key,
                            status=response.status_code,
                        )
                    )
                body = self._read(response, key)
        except httpx.TimeoutException as error:
            raise OParlError(
                _l(
                    "The OParl server %(host)s did not answer within %(seconds)s seconds.",
                    host=host,
                    seconds=f"{self.timeout:g}",
                )
            ) from error
        except httpx.TooManyRedirects as error:
            raise OParlError(
                _l(
                    "%(url)s redirects too often (more than %(count)d times).",
                    url=key,
                    count=MAX_REDIRECTS,
                )
            ) from error
        except httpx.UnsupportedProtocol as error:
            raise OParlError(
                _l("%(url)s redirects to an address that is not http or https.", url=key)
            ) from error
        except httpx.TransportError as error:
            raise OParlError(
                _l("The OParl server %(host)s could not be reached.", host=host)
            ) from error
        except httpx.HTTPError as error:
            # E.g. a compressed answer that does not decompress.
            raise OParlError(_l("The answer from %(url)s could not be read.", url=key)) from error
        try:
            data = json.loads(body)
        except ValueError as error:
            raise OParlError(_l("The answer from %(url)s is not JSON.", url=key)) from error
        if not isinstance(data, dict):
            raise OParlError(_l("The answer from %(url)s is not an OParl object.", url=key))
        self.seen[key] = data
        return data

    def _read(self, response: httpx.Response, url: str) -> bytes:
        too_large = OParlError(
            _l(
                "The answer from %(url)s is larger than %(size)s.",
                url=url,
                size=_kilobytes(self.max_bytes),
            )
        )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise too_large
        # The per-request timeout bounds each read; this bounds a server that keeps
        # sending a byte now and then.
        deadline = time.monotonic() + self.timeout
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_bytes:
                raise too_large
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("the whole answer took too long")
            chunks.append(chunk)
        return b"".join(chunks)

    def resolve(self, value: Any, name: str, base: str) -> dict | None:
        """An embedded object as it is, a reference fetched; None for nothing."""
        if value is None or value == "":
            return None
        if isinstance(value, dict):
            if "type" in value and not _has_type(value, name):
                raise OParlError(
                    _l(
                        "An object embedded in %(url)s is not an OParl %(type)s.",
                        url=base,
                        type=name,
                    )
                )
            return value
        if isinstance(value, str):
            try:
                url = str(httpx.URL(base).join(value))
            except httpx.InvalidURL as error:
                raise OParlError(_l("“%(url)s” is not a valid web address.", url=value)) from error
            obj = self.fetch(url)
            if not _has_type(obj, name):
                raise OParlError(
                    _l(
                        "%(url)s is not an OParl %(type)s (its type is “%(found)s”).",
                        url=url,
                        type=name,
                        found=str(obj.get("type") or "–"),
                    )
                )
            return obj
        raise OParlError(
            _l("%(url)s names its %(type)s in a form OParl does not allow.", url=base, type=name)
        )


def _text(obj: dict | None, name: str) -> str:
    value = (obj or {}).get(name)
    return value.strip() if isinstance(value, str) else ""


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _listed(value: Any) -> list:
    """OParl 1.1 lists some references that 1.0 gave singly (Consultation.organization)."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _meeting_date(meeting: dict | None, url: str) -> date | None:
    start = _text(meeting, "start")
    if not start:
        return None
    try:
        # The date as the council wrote it, in its own offset: the day of the meeting.
        return datetime.fromisoformat(start.replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return date.fromisoformat(start)
        except ValueError as error:
            raise OParlError(
                _l(
                    "The meeting in %(url)s has a start that is not a date (“%(start)s”).",
                    url=url,
                    start=start,
                )
            ) from error


def _agenda_item(reader: _Reader, value: Any, meeting: dict | None, base: str) -> dict | None:
    """The agenda item, taken from its meeting when the meeting embeds it (saves a request
    and works with servers that do not serve agenda items under their own URL)."""
    if isinstance(value, str) and meeting:
        for item in _listed(meeting.get("agendaItem")):
            if isinstance(item, dict) and item.get("id") == value:
                return item
    return reader.resolve(value, "AgendaItem", base)


def _committee(reader: _Reader, consultation: dict, meeting: dict | None, base: str) -> str:
    candidates = _listed(consultation.get("organization"))
    if not candidates and meeting:
        candidates = _listed(meeting.get("organization"))
    for candidate in candidates:
        organization = reader.resolve(candidate, "Organization", base)
        name = _text(organization, "name") or _text(organization, "shortName")
        if name:
            return name
    return _text(meeting, "name")


def _consultation(reader: _Reader, value: Any, paper_url: str) -> ImportedConsultation | None:
    consultation = reader.resolve(value, "Consultation", paper_url)
    if consultation is None or consultation.get("deleted") is True:
        return None
    base = consultation.get("id") if isinstance(consultation.get("id"), str) else paper_url
    meeting = reader.resolve(consultation.get("meeting"), "Meeting", base)
    agenda = _agenda_item(reader, consultation.get("agendaItem"), meeting, base)
    committee = _committee(reader, consultation, meeting, base)
    if not committee:
        raise OParlError(
            _l(
                "A consultation of the paper (%(url)s) names neither a committee nor a meeting.",
                url=base,
            )
        )
    agenda_text = " ".join(
        part for part in (_text(agenda, "number"), _text(agenda, "name")) if part
    )
    return ImportedConsultation(
        committee=_clip(committee, COMMITTEE_MAX),
        meeting_date=_meeting_date(meeting, base),
        result=_clip(_text(agenda, "result"), RESULT_MAX),
        meeting_name=_text(meeting, "name"),
        agenda_item=agenda_text,
        role=_text(consultation, "role"),
    )


def read_paper(reader: _Reader, url: str) -> ImportedPaper:
    paper = reader.fetch(url)
    if not _has_type(paper, "Paper"):
        raise OParlError(
            _l(
                "%(url)s is not an OParl Paper: its type is “%(found)s”, expected “%(type)s”.",
                url=url,
                found=str(paper.get("type") or "–"),
                type=PAPER_TYPE,
            )
        )
    if paper.get("deleted") is True:
        raise OParlError(
            _l("The paper %(url)s was deleted in the council information system.", url=url)
        )
    reference = _text(paper, "reference")
    if not reference:
        raise OParlError(
            _l("The OParl Paper %(url)s has no reference number (field “reference”).", url=url)
        )
    if len(reference) > REFERENCE_MAX:
        raise OParlError(
            _l(
                "The reference number of %(url)s is longer than %(max)d characters.",
                url=url,
                max=REFERENCE_MAX,
            )
        )
    listed = _listed(paper.get("consultation"))
    if len(listed) > CONSULTATIONS_MAX:
        raise OParlError(
            _l(
                "The paper has more than %(max)d consultations; enter them by hand.",
                max=CONSULTATIONS_MAX,
            )
        )
    consultations = [c for c in (_consultation(reader, v, url) for v in listed) if c is not None]
    # Committee before council: by meeting date, consultations without a date last.
    consultations.sort(key=lambda c: (c.meeting_date is None, c.meeting_date or date.min))
    web = _text(paper, "web") or _text(paper, "id") or url
    return ImportedPaper(
        oparl_url=url,
        reference=reference,
        url=web if len(web) <= URL_MAX and web.startswith(("http://", "https://")) else "",
        name=_text(paper, "name"),
        consultations=tuple(consultations),
    )


def _only_http(request: httpx.Request) -> None:
    """Every request, redirects too, goes to an http or https address."""
    if request.url.scheme not in ("http", "https"):
        raise httpx.UnsupportedProtocol(f"refused scheme {request.url.scheme!r}", request=request)


def fetch_paper(
    url: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = 1024 * 1024,
    transport: httpx.BaseTransport | None = None,
) -> ImportedPaper:
    """The paper at `url` with its consultations. `transport` replaces the network (tests)."""
    address = str(check_address(url))
    if len(address) > URL_MAX:
        raise OParlError(_l("The address is longer than %(max)d characters.", max=URL_MAX))
    with httpx.Client(
        transport=transport,
        timeout=httpx.Timeout(timeout),
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        headers={"Accept": "application/json", "User-Agent": USER_AGENT},
        event_hooks={"request": [_only_http]},
    ) as client:
        return read_paper(_Reader(client, timeout=timeout, max_bytes=max_bytes), address)
