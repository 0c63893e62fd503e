"""No page makes the browser contact another host: fonts, scripts, styles, images and frames
all come from the application itself (DSGVO: a third party would learn the visitor's IP).

Every page an anonymous visitor or a citizen can open (the crawl of test_no_internal_leaks,
which fails when a page has no URL there) is parsed for everything a browser loads on its own
(script, stylesheet/icon/preload links, img/srcset, iframe, media, object, form actions,
inline styles) and the stylesheets the application ships are parsed for url() and @import.
Links (a href) to other sites are navigation, not requests, and are allowed.
"""

import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from participation.strategies.models import ModerationMode
from tests.test_no_internal_leaks import _crawl, world  # noqa: F401  (the fixture)

STATIC = Path(__file__).resolve().parent.parent / "static"
OWN_HOSTS = {"", "localhost"}
LOADING_RELS = {
    "stylesheet",
    "icon",
    "shortcut",
    "apple-touch-icon",
    "preload",
    "modulepreload",
    "prefetch",
    "preconnect",
    "dns-prefetch",
    "manifest",
    "mask-icon",
}
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.IGNORECASE | re.DOTALL)
CSS_IMPORT = re.compile(r"""@import\s+(['"])(.*?)\1""", re.IGNORECASE)


def is_foreign(url: str) -> bool:
    """An address on another host (absolute or scheme-relative); data: is inline."""
    url = url.strip()
    if not url or url.startswith(("data:", "#")):
        return False
    parts = urlsplit(url)
    if parts.scheme and parts.scheme not in {"http", "https"}:
        return parts.scheme not in {"mailto", "tel"}  # e.g. ftp: would be a request
    return (parts.hostname or "") not in OWN_HOSTS


def css_urls(css: str) -> list[str]:
    return [m.group(2) for m in CSS_URL.finditer(css)] + [
        m.group(2) for m in CSS_IMPORT.finditer(css)
    ]


class _Resources(HTMLParser):
    """Collects every address an HTML page makes the browser load by itself."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._in_style = False

    def _add(self, what, url):
        if url:
            self.found.append((what, url))

    def handle_starttag(self, tag, attrs):
        a = {name: (value or "") for name, value in attrs}
        if tag in {"script", "img", "iframe", "frame", "embed", "source", "track", "audio"}:
            self._add(f"{tag} src", a.get("src"))
        if tag == "video":
            self._add("video src", a.get("src"))
            self._add("video poster", a.get("poster"))
        if tag == "input" and a.get("type", "").lower() == "image":
            self._add("input src", a.get("src"))
        if tag in {"img", "source"} and a.get("srcset"):
            for candidate in a["srcset"].split(","):
                self._add(f"{tag} srcset", candidate.strip().split(" ")[0])
        if tag == "object":
            self._add("object data", a.get("data"))
        if tag == "link":
            rels = set(a.get("rel", "").lower().split())
            if rels & LOADING_RELS:
                self._add(f"link {a.get('rel')}", a.get("href"))
        if tag == "form":
            self._add("form action", a.get("action"))
        if tag in {"button", "input"} and a.get("formaction"):
            self._add(f"{tag} formaction", a.get("formaction"))
        if tag == "meta" and a.get("http-equiv", "").lower() == "refresh":
            self._add("meta refresh", a.get("content", "").partition("url=")[2])
        if "style" in a:
            for url in css_urls(a["style"]):
                self._add(f"{tag} style", url)
        if tag == "style":
            self._in_style = True
        # Inline SVG loads nothing by itself; <image> and <use> inside it do.
        if tag in {"image", "use"}:
            self._add(f"svg {tag}", a.get("href") or a.get("xlink:href"))

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            for url in css_urls(data):
                self._add("style element", url)


def resources(html: str) -> list[tuple[str, str]]:
    parser = _Resources()
    parser.feed(html)
    return parser.found


def test_the_parser_finds_what_a_browser_would_load():
    page = """<html><head>
      <link rel="stylesheet" href="https://fonts.example.com/css">
      <link rel="icon" href="//cdn.example.net/favicon.ico">
      <script src="https://cdn.example.org/app.js"></script>
      <style>body { background: url('https://img.example.org/b.png') }</style>
    </head><body style="background:url(http://tracker.example/p.gif)">
      <img src="/static/local.png" srcset="/a.png 1x, https://img.example.org/c.png 2x">
      <iframe src="https://video.example.org/embed/1"></iframe>
      <form action="https://forms.example.org/post"></form>
      <a href="https://example.org/just-a-link">a link</a>
      <img src="data:image/png;base64,AAAA">
    </body></html>"""
    foreign = sorted(url for _what, url in resources(page) if is_foreign(url))
    assert foreign == [
        "//cdn.example.net/favicon.ico",
        "http://tracker.example/p.gif",
        "https://cdn.example.org/app.js",
        "https://fonts.example.com/css",
        "https://forms.example.org/post",
        "https://img.example.org/b.png",
        "https://img.example.org/c.png",
        "https://video.example.org/embed/1",
    ]
    assert not is_foreign("http://localhost/static/app.css")
    assert not is_foreign("mailto:buergerbuero@example.org")


@pytest.mark.parametrize("viewer", ["anonymous", "author"])
def test_no_page_loads_anything_from_another_host(app, world, viewer):  # noqa: F811
    pages = _crawl(app, world, viewer)
    ok = [url for url, (status, _body) in pages.items() if status == 200]
    assert len(ok) > 60, f"only {len(ok)} pages rendered"
    foreign, loaded = [], 0
    for url, (_status, body) in pages.items():
        for what, address in resources(body):
            loaded += 1
            if is_foreign(address):
                foreign.append(f"{url}: {what} {address}")
    assert loaded > len(ok) * 3  # at least the three stylesheets of every page were seen
    assert foreign == []


def test_the_shipped_stylesheets_load_nothing_from_another_host():
    # KERN and its fonts are copied into static/vendor by `make` (from node_modules).
    vendored = sorted((STATIC / "vendor").rglob("*.css"))
    sheets = [STATIC / "css" / "app.css", *vendored]
    foreign, seen = [], 0
    for sheet in sheets:
        for url in css_urls(sheet.read_text(encoding="utf-8")):
            seen += 1
            if is_foreign(url):
                foreign.append(f"{sheet.relative_to(STATIC)}: {url}")
    if vendored:
        assert seen > 10  # the fonts at least
    assert foreign == []


def test_user_content_cannot_make_the_page_load_from_another_host(app, make, discuss):
    author = make.user()
    strategy = make.strategy(slug="fremdhost", moderation_mode=ModerationMode.POST)
    discuss.comment(
        strategy,
        author,
        body=(
            "Siehe ![Bild](https://img.example.org/x.png) und "
            '<img src="https://img.example.org/y.png"> sowie [die Seite](https://example.org/seite).'
        ),
    )
    html = app.test_client().get("/strategien/fremdhost/vision").get_data(as_text=True)
    assert "https://example.org/seite" in html  # the link stays: navigation is allowed
    assert [url for _what, url in resources(html) if is_foreign(url)] == []
