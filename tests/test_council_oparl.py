"""Reading a council paper from OParl 1.1: the fixtures (tests/fixtures/oparl/, after the
specification's examples) are served by an httpx MockTransport, and for the network's own
failures (a slow server, an endless answer, a closed port) by a real HTTP server on
127.0.0.1. Nothing leaves the machine."""

import socket
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from flask_babel import force_locale

from participation.council.oparl import MAX_REQUESTS, OParlError, fetch_paper

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "oparl"
BASE = "https://oparl.example.org"
HTML = "<!doctype html><html><body><h1>Ratsinformationssystem</h1></body></html>"


def fixture_path(path: str) -> Path:
    return FIXTURES / (path.strip("/").replace("/", "-") + ".json")


def oparl_handler(request: httpx.Request) -> httpx.Response:
    """The fixtures at https://oparl.example.org/<type>/<id>, and a few broken answers."""
    path = request.url.path
    if request.url.host != "oparl.example.org":
        raise httpx.ConnectError("no such host", request=request)
    if path == "/timeout":
        raise httpx.ReadTimeout("timed out", request=request)
    if path == "/html":
        return httpx.Response(200, text=HTML, headers={"content-type": "text/html"})
    if path == "/list":
        return httpx.Response(200, json=[{"type": "https://schema.oparl.org/1.1/Paper"}])
    if path == "/huge":
        return httpx.Response(200, content=b"{" + b" " * (2 * 1024 * 1024) + b"}")
    if path == "/bad-gzip":
        return httpx.Response(200, content=b"not gzip at all", headers={"content-encoding": "gzip"})
    if path == "/bad-reference":
        return httpx.Response(
            200,
            json={
                "type": "https://schema.oparl.org/1.1/Paper",
                "reference": "VO/2027/0098",
                "consultation": ["http://[::1"],
            },
        )
    if path == "/to-ftp":
        return httpx.Response(302, headers={"location": "ftp://oparl.example.org/paper/749"})
    if path == "/loop":
        return httpx.Response(302, headers={"location": f"{BASE}/loop"})
    if path == "/moved/paper/749":
        return httpx.Response(301, headers={"location": f"{BASE}/paper/749"})
    if path.startswith("/broken-consultation"):
        return httpx.Response(
            200,
            json={
                "id": f"{BASE}{path}",
                "type": "https://schema.oparl.org/1.1/Paper",
                "reference": "VO/2027/0099",
                "consultation": [f"{BASE}/meeting/243"],
            },
        )
    file = fixture_path(path)
    if not file.exists():
        return httpx.Response(404, json={"error": "not found"})
    return httpx.Response(
        200, content=file.read_bytes(), headers={"content-type": "application/json"}
    )


class CountingTransport(httpx.MockTransport):
    def __init__(self):
        self.paths: list[str] = []

        def handler(request):
            self.paths.append(request.url.path)
            return oparl_handler(request)

        super().__init__(handler)


def mock_transport() -> httpx.MockTransport:
    return httpx.MockTransport(oparl_handler)


def read(url: str, transport=None, **limits):
    return fetch_paper(url, transport=transport or mock_transport(), **limits)


def refusal(url: str, transport=None, locale="en", **limits) -> str:
    with pytest.raises(OParlError) as caught, force_locale(locale):
        read(url, transport, **limits)
    with force_locale(locale):
        return str(caught.value.message)


def test_paper_with_embedded_consultations(app_ctx):
    transport = CountingTransport()
    paper = read(f"{BASE}/paper/749", transport)
    assert paper.reference == "VO/2027/0042"
    assert paper.url == "https://ris.example.org/vo0050.asp?__kvonr=42"
    assert paper.oparl_url == f"{BASE}/paper/749"
    assert paper.name.startswith("Digitalstrategie Musterstadt 2030")
    committee, council = paper.consultations
    # Listed council first in the paper; ordered by meeting date.
    assert committee.committee == "Ausschuss für Digitalisierung und Organisation"
    assert committee.meeting_date == date(2027, 2, 10)
    assert committee.result == "zur Kenntnis genommen"
    assert committee.agenda_item.startswith("5.2 Digitalstrategie")
    assert committee.role == "Vorberatung"
    assert council.committee == "Rat der Stadt Musterstadt"
    assert council.meeting_date == date(2027, 3, 18)
    assert council.result == "geändert beschlossen"
    assert council.meeting_name == "8. Sitzung des Rates"
    # The agenda item embedded in meeting 243 is not fetched again; each URL once.
    assert "/agendaitem/15569" not in transport.paths
    assert "/agendaitem/15702" in transport.paths
    assert len(transport.paths) == len(set(transport.paths)) == 6


def test_paper_with_referenced_consultation(app_ctx):
    paper = read(f"{BASE}/paper/750")
    assert paper.reference == "VO/2027/0057"
    # No `web`: the object's id is the address.
    assert paper.url == f"{BASE}/paper/750"
    (consultation,) = paper.consultations
    # The consultation names no organisation: the meeting's.
    assert consultation.committee == "Ausschuss für Digitalisierung und Organisation"
    assert consultation.meeting_date == date(2027, 2, 10)
    assert consultation.result == "vertagt"
    assert consultation.role == "Kenntnisnahme"


def test_everything_embedded_needs_one_request(app_ctx):
    transport = CountingTransport()
    paper = read(f"{BASE}/paper/760", transport)
    assert transport.paths == ["/paper/760"]
    (consultation,) = paper.consultations
    assert consultation.committee == "Ausschuss für Digitalisierung und Organisation"
    assert consultation.meeting_date == date(2027, 4, 14)
    assert consultation.result == "zur Kenntnis genommen"


def test_redirects_are_followed(app_ctx):
    paper = read(f"{BASE}/moved/paper/749")
    assert paper.reference == "VO/2027/0042"


def test_the_fingerprint_follows_the_content(app_ctx):
    first = read(f"{BASE}/paper/749")
    assert first.fingerprint() == read(f"{BASE}/paper/749").fingerprint()
    assert first.fingerprint() != read(f"{BASE}/paper/750").fingerprint()


@pytest.mark.parametrize(
    ("url", "english", "german"),
    [
        (f"{BASE}/paper/404", "with status 404", "mit Status 404"),
        (f"{BASE}/html", "is not JSON", "ist kein JSON"),
        (f"{BASE}/list", "is not an OParl object", "ist kein OParl-Objekt"),
        (f"{BASE}/meeting/243", "is not an OParl Paper", "ist keine OParl-Drucksache"),
        (f"{BASE}/paper/770", "has no reference number", "hat keine Drucksachennummer"),
        (f"{BASE}/timeout", "did not answer within 10 seconds", "nicht innerhalb von 10 Sekunden"),
        ("https://ris.invalid/paper/1", "could not be reached", "nicht erreicht werden"),
        (f"{BASE}/huge", "is larger than 1024 KB", "ist größer als 1024 KB"),
        (f"{BASE}/bad-gzip", "could not be read", "konnte nicht gelesen werden"),
        (f"{BASE}/bad-reference", "is not a valid web address", "keine gültige Webadresse"),
        (f"{BASE}/to-ftp", "not http or https", "nicht mit http oder https"),
        (f"{BASE}/loop", "redirects too often", "leitet zu oft weiter"),
        ("ftp://oparl.example.org/paper/749", "must begin with http://", "muss mit http://"),
        ("oparl.example.org/paper/749", "must begin with http://", "muss mit http://"),
        (f"{BASE}/broken-consultation", "is not an OParl Consultation", "Typ Consultation"),
    ],
)
def test_each_failure_is_named(app_ctx, url, english, german):
    assert english in refusal(url, locale="en")
    assert german in refusal(url, locale="de")


def test_a_wrong_type_names_what_was_found(app_ctx):
    message = refusal(f"{BASE}/meeting/243")
    assert "https://schema.oparl.org/1.1/Meeting" in message
    assert "https://schema.oparl.org/1.1/Paper" in message


def _paper_with(consultations):
    def handler(request):
        if request.url.path.startswith("/organization/"):
            # Organisations without a name: the reader tries the next one.
            return httpx.Response(200, json={"type": "https://schema.oparl.org/1.1/Organization"})
        return httpx.Response(
            200,
            json={
                "type": "https://schema.oparl.org/1.1/Paper",
                "reference": "VO/2027/0100",
                "consultation": consultations,
            },
        )

    return httpx.MockTransport(handler)


def test_requests_per_import_are_bounded(app_ctx):
    organizations = [f"{BASE}/organization/{n}" for n in range(MAX_REQUESTS + 5)]
    transport = _paper_with([{"organization": organizations}])
    assert "too many objects" in refusal(f"{BASE}/paper/1", transport)


def test_consultations_per_paper_are_bounded(app_ctx):
    transport = _paper_with([{"meeting": {"name": f"Sitzung {n}"}} for n in range(21)])
    assert "more than 20 consultations" in refusal(f"{BASE}/paper/1", transport)
    transport = _paper_with([{"meeting": {"name": f"Sitzung {n}"}} for n in range(20)])
    assert len(read(f"{BASE}/paper/1", transport).consultations) == 20


def test_deleted_consultations_are_left_out(app_ctx):
    transport = _paper_with(
        [{"meeting": {"name": "Rat"}}, {"meeting": {"name": "Ausschuss"}, "deleted": True}]
    )
    (consultation,) = read(f"{BASE}/paper/1", transport).consultations
    assert consultation.committee == "Rat"
    assert consultation.meeting_date is None
    assert consultation.result == ""


def test_a_consultation_without_committee_or_meeting_is_refused(app_ctx):
    transport = _paper_with([{"role": "Beschlussfassung"}])
    assert "neither a committee nor a meeting" in refusal(f"{BASE}/paper/1", transport)


# --- a real server on 127.0.0.1 -----------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802 (the http.server API)
        if self.path == "/slow":
            time.sleep(2)
            self._send(fixture_path("paper/760").read_bytes())
        elif self.path == "/endless":
            # No Content-Length: the size only shows while reading.
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for _ in range(200):
                    self.wfile.write(b" " * 8192)
            except OSError:
                pass
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif self.path.startswith("/paper/"):
            file = fixture_path(self.path)
            if file.exists():
                self._send(file.read_bytes())
            else:
                self.send_error(404)
        else:
            self.send_error(404)

    def _send(self, body: bytes):
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server():
    # Port 0: parallel test workers each get a port of their own.
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_real_server_paper(app_ctx, server):
    paper = fetch_paper(f"{server}/paper/760", timeout=5)
    assert paper.reference == "VO/2027/0061"
    assert paper.oparl_url == f"{server}/paper/760"


def test_real_server_errors(app_ctx, server):
    def message(url, **limits):
        with pytest.raises(OParlError) as caught, force_locale("en"):
            fetch_paper(url, **limits)
        with force_locale("en"):
            return str(caught.value.message)

    started = time.monotonic()
    assert "did not answer within 0.5 seconds" in message(f"{server}/slow", timeout=0.5)
    assert "did not answer within 1 seconds" in message(f"{server}/trickle", timeout=1)
    assert time.monotonic() - started < 4
    assert "is larger than 64 KB" in message(f"{server}/endless", max_bytes=64 * 1024)
    assert "with status 404" in message(f"{server}/paper/404")
    assert "could not be reached" in message(f"http://127.0.0.1:{_closed_port()}/paper/760")
