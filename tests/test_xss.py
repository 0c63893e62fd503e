"""Cross-site scripting: every payload of tests/xss_corpus.py goes through every field a user or
editor can write, by the real routes (services where a route would only repeat a form already
covered), and every page that shows the field is parsed: no script element but the app's own
static ones, no on* attribute, no javascript:, vbscript: or data: URL, no embedding element.

Long text fields take many payloads at once (one per paragraph); short fields one each. Each
test asserts that every payload reached every one of its fields.
"""

import re
from collections import defaultdict
from datetime import date, timedelta
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.discussion import services as discussion
from participation.discussion.models import Contribution
from participation.extensions import db
from participation.outbox.models import OutboxMessage
from participation.strategies.models import ModerationMode, Strategy
from tests.helpers import signed_in_client
from tests.xss_corpus import PAYLOADS

URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "data",
    "background",
    "poster",
    "codebase",
    "cite",
    "longdesc",
    "srcset",
    "ping",
    "lowsrc",
    "dynsrc",
    "manifest",
    "icon",
    "to",
    "from",
    "values",
}
FORBIDDEN_ELEMENTS = {
    "iframe",
    "frame",
    "frameset",
    "object",
    "embed",
    "applet",
    "base",
    # The header's flag is an inline SVG of rectangles; these would animate or embed.
    "foreignobject",
    "animate",
    "set",
    "use",
    "handler",
    "isindex",
    "xss",
    "template",
}
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
# Browsers drop ASCII tab and newline anywhere in a URL, and C0 controls and spaces around it.
_URL_NOISE = re.compile(r"[\t\n\r]")


def _scheme_of(value: str) -> str:
    return (
        _URL_NOISE.sub("", unescape(value))
        .strip(
            "\x00\x01\x02\x03\x04\x05\x06\x07\x08"
            "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
            "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
            "\x1e\x1f "
        )
        .lower()
    )


class _VectorFinder(HTMLParser):
    # The header's flag; and the charts made on the server (statistics.charts.inline_svg):
    # an image labelled and described by its title and desc, with inert drawing defaults.
    _FLAG_ATTRIBUTES = {"width", "height", "viewbox", "focusable", "aria-hidden", "class"}
    _FLAG_ATTRIBUTES |= {"role", "aria-labelledby", "aria-describedby", "xmlns", "xmlns:xlink"}
    _FLAG_ATTRIBUTES |= {"stroke-linejoin", "stroke-linecap"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)
        if tag == "script":
            self._in_script = False

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._in_script = True
            if not (attributes.get("src") or "").startswith("/static/"):
                self.problems.append(f"script element {attrs!r}")
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"<{tag}> element")
        if tag == "meta" and (attributes.get("http-equiv") or "").lower() == "refresh":
            self.problems.append("<meta http-equiv=refresh>")
        if tag == "link" and not (attributes.get("href") or "").startswith("/static/"):
            self.problems.append(f"<link> to {attributes.get('href')!r}")
        if tag == "img":
            self.problems.append(f"<img> {attrs!r}")
        for name, value in attrs:
            name = name.lower()
            if tag in ("svg", "math") and name not in self._FLAG_ATTRIBUTES:
                self.problems.append(f"{name} on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            if name in ("srcdoc", "formaction"):
                self.problems.append(f"{name} on <{tag}>")
            if name in URL_ATTRIBUTES and value and _scheme_of(value).startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"{name}={value!r} on <{tag}>")
            if name == "style" and value:
                style = _scheme_of(value).replace(" ", "")
                if "expression(" in style or "javascript:" in style or "behavior:" in style:
                    self.problems.append(f"style={value!r} on <{tag}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data[:80]!r}")


def assert_safe(html: str, where: str) -> None:
    finder = _VectorFinder()
    finder.feed(html)
    finder.close()
    assert not finder.problems, f"{where}: {finder.problems[:5]}"


def get_safe(client, url: str, where: str | None = None) -> str:
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, (url, response.status_code)
    html = response.get_data(as_text=True)
    assert_safe(html, where or url)
    return html


def chunks(limit: int, separator: str = "\n\n") -> list[list[str]]:
    """The corpus in groups whose joined text fits in `limit` characters."""
    groups: list[list[str]] = [[]]
    size = 0
    for payload in PAYLOADS:
        extra = len(payload) + (len(separator) if groups[-1] else 0)
        if groups[-1] and size + extra > limit:
            groups.append([])
            size, extra = 0, len(payload)
        groups[-1].append(payload)
        size += extra
    return groups


class Coverage:
    def __init__(self):
        self.fields: dict[str, set[str]] = defaultdict(set)

    def add(self, field: str, payloads) -> None:
        self.fields[field].update([payloads] if isinstance(payloads, str) else payloads)

    def assert_complete(self, *fields: str) -> None:
        for field in fields:
            missing = [p for p in PAYLOADS if p not in self.fields[field]]
            assert not missing, f"{field}: {len(missing)} payloads never sent, e.g. {missing[:3]}"


def assert_mails_safe(app) -> None:
    """The HTML parts of every mail the writes above caused."""
    with app.app_context():
        rows = db.session.scalars(select(OutboxMessage)).all()
        for row in rows:
            if row.body_html:
                assert_safe(row.body_html, f"mail {row.kind} to {row.recipient}")
    return rows


def walk_queue(client, start: str = "/moderation/") -> int:
    """Every page of the moderation queue (pages follow each other by `nach=`)."""
    seen, url, pages = set(), start, 0
    while url:
        html = get_safe(client, url, "moderation queue")
        pages += 1
        seen.add(url)
        following = [unescape(href) for href in re.findall(r'href="([^"]*nach=[^"]*)"', html)]
        url = next((href for href in following if href not in seen), None)
    return pages


def _publish(client, contribution_id: int) -> None:
    """A pending contribution published by the moderator signed in on `client`."""
    _ok(
        client.post(
            f"/moderation/beitraege/{contribution_id}/entscheiden",
            data={"action": "publish", "state": "pending"},
        ),
        "publish",
    )


def _ok(response, what: str) -> None:
    if response.status_code != 302:
        page = response.get_data(as_text=True)
        errors = [
            " ".join(re.sub(r"<[^>]+>", " ", text).split())
            for text in re.findall(r'(?:role="alert"|-error")[^>]*>(.*?)</(?:div|p)>', page, re.S)
        ]
        errors = errors or [" ".join(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[-1]).split())]
        raise AssertionError(f"{what}: {response.status_code} {errors}"[:2000])


@pytest.fixture
def strategy(make):
    return make.strategy(
        moderation_mode=ModerationMode.POST,
        sections=[("Vision", "Die Stadt stellt Leistungen digital bereit.\n\nMehr Busse.")],
    )


def test_corpus_is_large_and_varied():
    assert len(PAYLOADS) >= 120
    assert len(set(PAYLOADS)) == len(PAYLOADS)
    joined = "\n".join(PAYLOADS).lower()
    for needle in (
        "<script",
        "onerror=",
        "javascript:",
        "data:text/html",
        "vbscript:",
        "<svg",
        "srcdoc",
        "expression(",
        "](javascript:",
        "![x](",
        "<javascript:",
        "&#106;",
        "\x00",
        "{{7*7}}",
        '"><script>',
    ):
        assert needle in joined, needle


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        '<script src="//evil.example/x.js"></script>',
        '<script src="/static/app.js">alert(1)</script>',
        '<img src="x" onerror="alert(1)">',
        '<p OnClick="x">',
        '<a href=" &#106;ava&#x09;script:alert(1)">',
        '<a href="\x01javascript:alert(1)">',
        '<a href="VBScript:x">',
        '<a href="data:text/html,x">',
        '<form action="javascript:x">',
        '<button formaction="x">',
        '<iframe srcdoc="x">',
        "<object data=x>",
        "<embed src=x>",
        '<base href="//evil.example/">',
        '<meta http-equiv="Refresh" content="0;url=x">',
        '<svg onload="x">',
        '<svg><a xlink:href="javascript:x">',
        '<div style="width:expression(alert(1))">',
    ],
)
def test_the_checker_finds_each_vector(html):
    with pytest.raises(AssertionError):
        assert_safe(html, "sample")


def test_the_checker_accepts_ordinary_markup():
    assert_safe(
        '<script src="/static/app.js"></script><a href="https://example.org">x</a>'
        '<a href="/beitraege/1">y</a><p>&lt;script&gt;alert(1)&lt;/script&gt; '
        "javascript:alert(1)</p>",
        "sample",
    )


def test_comments_replies_ideas_and_names(app, make, strategy, client):
    cov = Coverage()
    author = make.user(display_name="Autorin")
    replier = make.user(display_name="Antwortender")
    moderator = make.user(display_name="Moderator", roles=[Role.MODERATOR])
    writer = signed_in_client(app, author)
    answerer = signed_in_client(app, replier)
    section_url = f"/strategien/{strategy.slug}/vision"

    comment_ids = []
    for group in chunks(discussion.BODY_MAX):
        body = "\n\n".join(group)
        _ok(writer.post(f"{section_url}/kommentare", data={"body_md": body}), "comment")
        cov.add("comment body", group)
        with app.app_context():
            comment_ids.append(
                db.session.scalars(
                    select(Contribution.id)
                    .where(Contribution.author_id == author.id)
                    .order_by(Contribution.id.desc())
                ).first()
            )
        _ok(
            answerer.post(f"/beitraege/{comment_ids[-1]}/antworten", data={"body_md": body}),
            "reply",
        )
        cov.add("reply body", group)

    # Ideas: one title each, the bodies in groups.
    bodies = chunks(discussion.BODY_MAX)
    for i, payload in enumerate(PAYLOADS):
        data = {"title": payload, "body_md": "\n\n".join(bodies[i]) if i < len(bodies) else "Text"}
        _ok(writer.post(f"/strategien/{strategy.slug}/ideen/neu", data=data), "idea")
        cov.add("idea title", payload)
        if i < len(bodies):
            cov.add("idea body", bodies[i])

    # Guests: one name each, by the guest form; the addresses confirmed by the link's token.
    guest = app.test_client()
    for i, payload in enumerate(PAYLOADS):
        data = {
            "body_md": f"Gastbeitrag {i}",
            "guest_name": payload + " x",
            "guest_email": f"gast{i}@example.org",
            "guest_consent": "y",
        }
        _ok(guest.post(f"{section_url}/kommentare", data=data), "guest comment")
        cov.add("guest name", payload)
    with app.test_request_context():
        unconfirmed = db.session.scalars(
            select(Contribution).where(Contribution.guest_email.like("gast%@example.org"))
        ).all()
        assert len(unconfirmed) == len(PAYLOADS)
        for contribution in unconfirmed:
            discussion.confirm_guest(discussion.guest_token(contribution))
        db.session.commit()

    # Display names: each through the settings form of its own account, then a comment.
    for i, payload in enumerate(PAYLOADS):
        person = make.user()
        own = signed_in_client(app, person)
        _ok(own.post("/konto/name", data={"profile-display_name": payload + " x"}), "display name")
        cov.add("display name", payload)
        get_safe(own, "/konto/", "settings page")
        _ok(own.post(f"{section_url}/kommentare", data={"body_md": f"Von Person {i}"}), "c")

    cov.assert_complete(
        "comment body", "reply body", "idea title", "idea body", "guest name", "display name"
    )

    # Every page that shows them.
    reader = client
    mod = signed_in_client(app, moderator)
    admin = signed_in_client(app, make.user(roles=[Role.ADMIN]))
    get_safe(reader, section_url, "section page")
    for viewer in (reader, writer, mod):
        html = get_safe(viewer, f"{section_url}/diskussion", "complete discussion")
        # Text is never evaluated as a template.
        assert "{{7*7}}" in html
        assert "{% for x in range(3) %}" in html
    with app.app_context():
        rows = db.session.execute(
            select(Contribution.id, Contribution.kind).where(
                Contribution.strategy_id == strategy.id
            )
        ).all()
    ideas = [cid for cid, kind in rows if kind.value == "idea"]
    for cid in comment_ids:
        get_safe(reader, f"/beitraege/{cid}", "permalink")
        get_safe(mod, f"/moderation/beitraege/{cid}", "moderation detail")
        get_safe(writer, f"/beitraege/{cid}/bearbeiten", "edit page")
        get_safe(answerer, f"/beitraege/{cid}/antworten", "reply page")
    for page in range(1, len(ideas) // 20 + 2):
        get_safe(reader, f"/strategien/{strategy.slug}/ideen?seite={page}", "idea list")
    for cid in ideas:
        get_safe(reader, f"/strategien/{strategy.slug}/ideen/{cid}", "idea page")
    assert walk_queue(mod) >= 3  # every contribution awaits a look (post-moderation)
    get_safe(mod, "/moderation/protokoll", "moderation log")
    get_safe(reader, f"/strategien/{strategy.slug}/statistik", "statistics")
    get_safe(mod, f"/strategien/{strategy.slug}/bericht", "council report")
    for page in range(1, 5):
        get_safe(admin, f"/verwaltung/benutzer?page={page}", "user list")
    assert_mails_safe(app)


def _latest_id(app, **where) -> int:
    with app.app_context():
        query = select(Contribution.id).order_by(Contribution.id.desc())
        for name, value in where.items():
            query = query.where(getattr(Contribution, name) == value)
        return db.session.scalars(query).first()


def test_moderation_fields(app, make, discuss):
    cov = Coverage()
    strategy = make.strategy(sections=[("Vision", "Die Stadt stellt Leistungen digital bereit.")])
    author = make.user(display_name="Autorin")
    moderator = make.user(display_name="Moderatorin", roles=[Role.MODERATOR])
    mod = signed_in_client(app, moderator)
    writer = signed_in_client(app, author)
    comment = discuss.comment(strategy, author, body="Ein Kommentar.")
    idea_ids = [discuss.idea(strategy, author, title=f"Idee {i}").id for i in range(6)]
    for cid in [comment.id, *idea_ids]:
        _publish(mod, cid)
    with app.app_context():
        assert db.session.get(Contribution, comment.id).state.value == "published"

    # Official replies, internal notes and report texts, in groups.
    for group in chunks(discussion.BODY_MAX):
        body = "\n\n".join(group)
        _ok(mod.post(f"/moderation/beitraege/{comment.id}/antworten", data={"body_md": body}), "o")
        cov.add("official reply", group)
        _ok(mod.post(f"/moderation/beitraege/{comment.id}/notizen", data={"body": body}), "note")
        cov.add("internal note", group)
    # One report per contribution: enough reports on one would hide it.
    reported = []
    reporter = signed_in_client(app, make.user())
    for i, group in enumerate(chunks(1000)):
        target = discuss.comment(strategy, author, body=f"Zu melden {i}")
        mod.post(
            f"/moderation/beitraege/{target.id}/entscheiden",
            data={"action": "publish", "state": "pending"},
        )
        text = "\n\n".join(group)
        _ok(
            reporter.post(f"/beitraege/{target.id}/melden", data={"reason": "other", "text": text}),
            "report",
        )
        reported.append(target.id)
        cov.add("report text", group)

    # Public reasons of a processing status: one idea per group.
    status_groups = chunks(2000)
    assert len(status_groups) <= len(idea_ids)
    for idea_id, group in zip(idea_ids, status_groups, strict=False):
        _ok(
            mod.post(
                f"/moderation/beitraege/{idea_id}/status",
                data={
                    "status": "not_adopted",
                    "expected_status": "received",
                    "public_reason": "\n\n".join(group),
                },
            ),
            "status",
        )
        cov.add("public reason of a status", group)

    # Rejection notes: one pending comment per group, rejected with the note.
    rejected = []
    for i, group in enumerate(chunks(1000)):
        c = discuss.comment(strategy, author, body=f"Abzulehnen {i}")
        response = mod.post(
            f"/moderation/beitraege/{c.id}/entscheiden",
            data={
                "action": "reject",
                "state": "pending",
                "reason": "off_topic",
                "note": "\n\n".join(group),
            },
        )
        _ok(response, "reject")
        with app.app_context():
            assert db.session.get(Contribution, c.id).state.value == "rejected"
        rejected.append(c.id)
        cov.add("rejection note", group)

    # Answer templates: one title each, the texts in groups.
    bodies = chunks(discussion.BODY_MAX)
    for i, payload in enumerate(PAYLOADS):
        body = "\n\n".join(bodies[i]) if i < len(bodies) else f"Vorlage {i}"
        _ok(mod.post("/moderation/vorlagen/neu", data={"title": payload, "body_md": body}), "t")
        cov.add("answer template title", payload)
        if i < len(bodies):
            cov.add("answer template text", bodies[i])

    cov.assert_complete(
        "official reply",
        "internal note",
        "report text",
        "public reason of a status",
        "rejection note",
        "answer template title",
        "answer template text",
    )

    from participation.moderation.models import AnswerTemplate

    with app.app_context():
        template_ids = db.session.scalars(
            select(AnswerTemplate.id).order_by(AnswerTemplate.id)
        ).all()
    reader = app.test_client()
    section_url = f"/strategien/{strategy.slug}/vision"
    for viewer in (reader, writer, mod):
        get_safe(viewer, section_url, "section page")
        get_safe(viewer, f"{section_url}/diskussion", "complete discussion")
        get_safe(viewer, f"/beitraege/{comment.id}", "permalink")
        get_safe(viewer, f"/strategien/{strategy.slug}/ideen", "idea list")
        for idea_id in idea_ids:
            get_safe(viewer, f"/strategien/{strategy.slug}/ideen/{idea_id}", "idea page")
    for cid in [comment.id, *idea_ids, *rejected, *reported]:
        get_safe(mod, f"/moderation/beitraege/{cid}", "moderation detail")
        get_safe(mod, f"/moderation/beitraege/{cid}/protokoll", "contribution log")
    for cid in rejected:
        get_safe(writer, f"/beitraege/{cid}/ueberarbeiten", "revise page")
    # The detail page lists every template's title; it fills in the text of the chosen one.
    for template_id in template_ids[: len(bodies)]:
        get_safe(mod, f"/moderation/beitraege/{comment.id}?vorlage={template_id}", "template use")
    for template_id in template_ids:
        get_safe(mod, f"/moderation/vorlagen/{template_id}/bearbeiten", "template form")
        get_safe(mod, f"/moderation/vorlagen/{template_id}/loeschen", "template deletion")
    get_safe(mod, "/moderation/vorlagen", "template list")
    get_safe(mod, "/moderation/meldungen", "open reports")
    get_safe(mod, "/moderation/protokoll", "moderation log")
    walk_queue(mod)
    walk_queue(mod, "/moderation/?gemeldet=y")
    get_safe(reader, f"/strategien/{strategy.slug}/statistik", "statistics")
    get_safe(mod, f"/strategien/{strategy.slug}/bericht", "council report")
    rows = assert_mails_safe(app)
    assert any(row.kind for row in rows)


def test_department_fields(app, make, discuss):
    from participation.accounts.models import Department
    from participation.departments.models import Forwarding

    cov = Coverage()
    strategy = make.strategy(sections=[("Vision", "Die Stadt stellt Leistungen digital bereit.")])
    author = make.user(display_name="Autorin")
    moderator = make.user(display_name="Moderatorin", roles=[Role.MODERATOR])
    mod = signed_in_client(app, moderator)
    admin = signed_in_client(app, make.user(roles=[Role.ADMIN]))

    # Department names, written by an administrator, are shown publicly in a status.
    for i, payload in enumerate(PAYLOADS):
        _ok(
            admin.post(
                "/verwaltung/fachaemter/neu",
                data={"name": payload, "short_name": f"A{i}", "may_publish_replies": "y"},
            ),
            "department",
        )
        cov.add("department name", payload)
    with app.app_context():
        by_short_name = dict(db.session.execute(select(Department.short_name, Department.id)).all())
        department_ids = [by_short_name[f"A{i}"] for i in range(len(PAYLOADS))]
    assert len(department_ids) == len(PAYLOADS)
    member = make.user(display_name="Amtsperson", roles=[Role.DEPARTMENT])
    with app.app_context():
        db.session.get(User, member.id).department_id = department_ids[0]
        db.session.commit()
    office = signed_in_client(app, member)

    notes = chunks(5000)
    ideas = []
    for i in range(len(notes) + 1):
        idea = discuss.idea(strategy, author, title=f"Idee {i}", body=f"Text {i}")
        _publish(mod, idea.id)
        ideas.append(idea.id)
    due = (date.today() + timedelta(days=14)).isoformat()
    # The first idea goes to every department at once; the notes to the first department.
    _ok(
        mod.post(
            f"/moderation/beitraege/{ideas[0]}/weiterleiten",
            data={"departments": department_ids, "forward_note": "Bitte prüfen.", "due_on": due},
        ),
        "forward to all",
    )
    for idea_id, group in zip(ideas[1:], notes, strict=True):
        _ok(
            mod.post(
                f"/moderation/beitraege/{idea_id}/weiterleiten",
                data={
                    "departments": [department_ids[0]],
                    "forward_note": "\n\n".join(group),
                    "due_on": due,
                },
            ),
            "forward",
        )
        cov.add("forwarding note", group)
    with app.app_context():
        forwardings = db.session.scalars(
            select(Forwarding.id)
            .where(Forwarding.department_id == department_ids[0])
            .order_by(Forwarding.id)
        ).all()
    assert len(forwardings) == len(ideas)

    # The department asks, the office answers, the department states and replies publicly.
    for fid, group in zip(forwardings, chunks(5000), strict=False):
        text = "\n\n".join(group)
        _ok(office.post(f"/fachamt/{fid}/frage", data={"body": text}), "question")
        cov.add("question of a department", group)
        _ok(mod.post(f"/moderation/weiterleitungen/{fid}/nachricht", data={"body": text}), "a")
        cov.add("answer of the office", group)
        _ok(office.post(f"/fachamt/{fid}/antworten", data={"body_md": text}), "reply")
        cov.add("official reply of a department", group)
        _ok(
            office.post(
                f"/fachamt/{fid}/stellungnahme",
                data={"recommendation": "adopt_in_part", "statement": text},
            ),
            "statement",
        )
        cov.add("statement of a department", group)
    cov.assert_complete(
        "department name",
        "forwarding note",
        "question of a department",
        "answer of the office",
        "official reply of a department",
        "statement of a department",
    )

    reader = app.test_client()
    for viewer in (reader, mod, office):
        get_safe(viewer, f"/strategien/{strategy.slug}/ideen", "idea list")
        for idea_id in ideas:
            get_safe(viewer, f"/strategien/{strategy.slug}/ideen/{idea_id}", "idea page")
        get_safe(viewer, f"/strategien/{strategy.slug}/vision/diskussion", "discussion")
    for idea_id in ideas:
        get_safe(mod, f"/moderation/beitraege/{idea_id}", "moderation detail")
        get_safe(mod, f"/moderation/beitraege/{idea_id}/protokoll", "contribution log")
    for fid in forwardings:
        get_safe(office, f"/fachamt/{fid}", "department item")
    get_safe(office, "/fachamt/", "department inbox")
    get_safe(mod, "/moderation/weiterleitungen", "forwarding overview")
    # Department names are the labels of a chart there (drawn by matplotlib).
    get_safe(reader, f"/strategien/{strategy.slug}/statistik", "statistics")
    get_safe(mod, f"/strategien/{strategy.slug}/bericht", "council report")
    get_safe(mod, "/moderation/protokoll", "moderation log")
    walk_queue(mod)
    get_safe(admin, "/verwaltung/fachaemter", "department list")
    for department_id in department_ids:
        get_safe(admin, f"/verwaltung/fachaemter/{department_id}", "department form")
    assert_mails_safe(app)


def test_consolidation_fields(app, make, discuss):
    """The committee's rating comments (the office's table and idea page, the other
    members' pages) and the public reason of a selection (the idea page, its trail, mails)."""
    from sqlalchemy import update

    from participation.database import utcnow

    cov = Coverage()
    strategy = make.strategy(sections=[("Vision", "Die Stadt stellt Leistungen digital bereit.")])
    author = make.user(display_name="Autorin")
    moderator = make.user(display_name="Moderatorin", roles=[Role.MODERATOR])
    mod = signed_in_client(app, moderator)
    members = [
        signed_in_client(app, make.user(display_name=f"Mitglied {i}", roles=[Role.COMMITTEE]))
        for i in range(2)
    ]
    groups = chunks(2000)
    ideas = []
    for i in range(len(groups)):
        idea = discuss.idea(strategy, author, title=f"Idee {i}", body=f"Text {i}")
        _publish(mod, idea.id)
        ideas.append(idea.id)
    with app.app_context():
        db.session.execute(
            update(Strategy)
            .where(Strategy.id == strategy.id)
            .values(opens_at=utcnow() - timedelta(days=9), closes_at=utcnow() - timedelta(days=1))
        )
        db.session.commit()
    base = f"/konsolidierung/{strategy.slug}"
    for idea_id, group in zip(ideas, groups, strict=True):
        for member in members:
            _ok(
                member.post(
                    f"{base}/bewerten/{idea_id}",
                    data={"relevance": "4", "feasibility": "2", "comment": "\n\n".join(group)},
                ),
                "rating",
            )
        cov.add("rating comment", group)
    _ok(mod.post(f"{base}/runde", data={}), "close the round")
    for idea_id, group in zip(ideas, groups, strict=True):
        _ok(
            mod.post(
                f"{base}/auswertung/{idea_id}/auswahl",
                data={"kind": "lead", "expected": "", "public_reason": "\n\n".join(group)},
            ),
            "selection",
        )
        cov.add("selection reason", group)
    cov.assert_complete("rating comment", "selection reason")

    reader = app.test_client()
    get_safe(reader, f"/strategien/{strategy.slug}/ideen", "idea list")
    get_safe(mod, f"{base}/auswertung", "evaluation table")
    get_safe(mod, f"{base}/auswertung?sortierung=titel&richtung=ab", "sorted evaluation table")
    for idea_id in ideas:
        get_safe(reader, f"/strategien/{strategy.slug}/ideen/{idea_id}", "idea page")
        get_safe(mod, f"{base}/auswertung/{idea_id}", "evaluation of an idea")
        get_safe(mod, f"/moderation/beitraege/{idea_id}/protokoll", "contribution log")
        for member in members:
            get_safe(member, f"{base}/bewerten/{idea_id}", "rating page")
    for member in members:
        get_safe(member, f"{base}/bewerten", "rating list")
    assert_mails_safe(app)


def test_editor_fields(app, make, client):
    from participation.strategies.models import Section, Version

    cov = Coverage()
    editor = signed_in_client(app, make.user(display_name="Redakteurin", roles=[Role.MODERATOR]))
    summaries = chunks(2000)
    for i, payload in enumerate(PAYLOADS):
        data = {
            "title": payload,
            "slug": f"xss-{i}",
            "summary": "\n\n".join(summaries[i]) if i < len(summaries) else "",
            "opens_at": "2020-01-01T09:00",
            "closes_at": "2099-01-01T09:00",
            "moderation_mode": "post",
            "review_hours": payload,
        }
        _ok(editor.post("/redaktion/neu", data=data), "strategy")
        cov.add("strategy title", payload)
        cov.add("review hours", payload)
        if i < len(summaries):
            cov.add("strategy summary", summaries[i])

    # Sections of the first strategy through the editor's form: one title each.
    bodies = chunks(5000)
    for i, payload in enumerate(PAYLOADS):
        body = "\n\n".join(bodies[i]) if i < len(bodies) else f"Text {i}"
        _ok(
            editor.post(
                "/redaktion/xss-0/abschnitte/neu",
                data={"title": payload, "kind": "text", "body_md": body},
            ),
            "section",
        )
        cov.add("section title", payload)
        if i < len(bodies):
            cov.add("section text", bodies[i])

    # The second strategy by the importer: each payload in a heading (after a word: a heading
    # of nothing but markup has no title and is refused) and in a text.
    document = "\n\n".join(
        f"# Teil {i} {' '.join(payload.split())}\n\n"
        + ("\n\n".join(bodies[i]) if i < len(bodies) else "")
        for i, payload in enumerate(PAYLOADS)
    )
    for step in ("vorschau", "uebernehmen"):
        response = editor.post("/redaktion/xss-1/import", data={"text": document, "schritt": step})
        if step == "vorschau":
            assert response.status_code == 200
            assert_safe(response.get_data(as_text=True), "import preview")
        else:
            _ok(response, "import")
    cov.add("imported heading", PAYLOADS)
    for group in bodies:
        cov.add("imported text", group)

    for slug, group in zip(("xss-0", "xss-1"), chunks(5000), strict=True):
        _ok(
            editor.post(
                f"/redaktion/{slug}/veroeffentlichen", data={"change_note": "\n\n".join(group)}
            ),
            "publish",
        )
        cov.add("change note", group)
    # The others published too, so that their titles and review hours reach public pages.
    for i in range(2, len(PAYLOADS)):
        data = {"title": "Inhalt", "kind": "text", "body_md": "Text"}
        _ok(editor.post(f"/redaktion/xss-{i}/abschnitte/neu", data=data), "section")
        _ok(editor.post(f"/redaktion/xss-{i}/veroeffentlichen", data={"change_note": "V1"}), "p")
    cov.assert_complete(
        "strategy title",
        "review hours",
        "strategy summary",
        "section title",
        "section text",
        "imported heading",
        "imported text",
        "change note",
    )

    with app.app_context():
        sections = {
            slug: db.session.execute(
                select(Section.id, Section.key)
                .join(Version, Section.version_id == Version.id)
                .join(Strategy, Version.strategy_id == Strategy.id)
                .where(Strategy.slug == slug, Version.number == 1)
            ).all()
            for slug in ("xss-0", "xss-1")
        }
    assert len(sections["xss-0"]) == len(PAYLOADS)
    assert len(sections["xss-1"]) >= len(PAYLOADS)
    get_safe(client, "/", "start page")
    get_safe(editor, "/redaktion/", "editor index")
    for i in range(len(PAYLOADS)):
        get_safe(client, f"/strategien/xss-{i}", "strategy overview")
        get_safe(editor, f"/redaktion/xss-{i}/einstellungen", "strategy settings")
    for slug, rows in sections.items():
        get_safe(client, f"/strategien/{slug}/versionen", "versions")
        get_safe(client, f"/strategien/{slug}/versionen/1", "version overview")
        _ok(editor.post(f"/redaktion/{slug}/entwurf"), "new draft")
        get_safe(editor, f"/redaktion/{slug}/", "draft")
        get_safe(editor, f"/redaktion/{slug}/vorschau/", "preview")
        for _section_id, key in rows:
            get_safe(client, f"/strategien/{slug}/{key}", "section page")
        if slug == "xss-1":
            continue  # the same titles and texts as xss-0 in the editor's own pages
        for _section_id, key in rows:
            get_safe(editor, f"/redaktion/{slug}/vorschau/{key}", "section preview")
        with app.app_context():
            draft_sections = (
                db.session.execute(
                    select(Section.id)
                    .join(Version, Section.version_id == Version.id)
                    .join(Strategy, Version.strategy_id == Strategy.id)
                    .where(Strategy.slug == slug, Version.number.is_(None))
                )
                .scalars()
                .all()
            )
        for section_id in draft_sections:
            get_safe(editor, f"/redaktion/{slug}/abschnitte/{section_id}/bearbeiten", "edit form")
    get_safe(client, "/strategien/xss-0/vergleich", "compare versions")
    for slug in sections:
        get_safe(client, f"/strategien/{slug}/statistik", "statistics")
        get_safe(editor, f"/strategien/{slug}/bericht", "council report")
    assert_mails_safe(app)


def test_administration_fields(app, make, discuss):
    from participation.moderation.models import NetiquetteReason

    cov = Coverage()
    admin = signed_in_client(app, make.user(display_name="Admin", roles=[Role.ADMIN]))
    moderator = make.user(display_name="Moderatorin", roles=[Role.MODERATOR])
    mod = signed_in_client(app, moderator)
    reader = app.test_client()

    # Legal pages: one title each, the texts in groups; the public page after every save.
    bodies = chunks(5000)
    for i, payload in enumerate(PAYLOADS):
        body = "\n\n".join(bodies[i]) if i < len(bodies) else f"Anschrift {i}"
        data = {"title": payload, "body_md": body, "revision": str(i)}
        _ok(admin.post("/verwaltung/seiten/impressum/de", data=data), "legal page")
        cov.add("legal page title", payload)
        if i < len(bodies):
            cov.add("legal page text", bodies[i])
        get_safe(reader, "/impressum", "legal page")
    get_safe(admin, "/verwaltung/seiten/impressum/de", "legal page form")
    get_safe(admin, "/verwaltung/seiten", "legal page list")

    # Netiquette reasons: both labels one payload each, the explanations in groups.
    explanations = chunks(1000)
    for i, payload in enumerate(PAYLOADS):
        explanation = "\n\n".join(explanations[i]) if i < len(explanations) else ""
        data = {
            "key": f"xss_{i}",
            "label_de": payload,
            "label_en": payload,
            "explanation_de": explanation,
            "explanation_en": explanation,
        }
        _ok(admin.post("/verwaltung/netiquette-gruende/neu", data=data), "reason")
        cov.add("reason label", payload)
        if i < len(explanations):
            cov.add("reason explanation", explanations[i])
    cov.assert_complete("legal page title", "legal page text", "reason label", "reason explanation")

    with app.app_context():
        reasons = db.session.execute(
            select(NetiquetteReason.id, NetiquetteReason.key)
            .where(NetiquetteReason.key.like("xss_%"))
            .order_by(NetiquetteReason.id)
        ).all()
    assert len(reasons) == len(PAYLOADS)
    get_safe(admin, "/verwaltung/netiquette-gruende", "reason list")
    for reason_id, _key in reasons:
        get_safe(admin, f"/verwaltung/netiquette-gruende/{reason_id}", "reason form")

    # Rejected with the reasons that explain themselves: detail, log, revise page, mail.
    strategy = make.strategy(sections=[("Vision", "Die Stadt stellt Leistungen digital bereit.")])
    author = make.user(display_name="Autorin")
    writer = signed_in_client(app, author)
    english = signed_in_client(app, author)
    english.post("/sprache", data={"lang": "en", "next": "/"})
    for i, (_reason_id, key) in enumerate(reasons[: len(explanations)]):
        c = discuss.comment(strategy, author, body=f"Abzulehnen {i}")
        get_safe(mod, f"/moderation/beitraege/{c.id}", "moderation detail with every reason")
        _ok(
            mod.post(
                f"/moderation/beitraege/{c.id}/entscheiden",
                data={"action": "reject", "state": "pending", "reason": key},
            ),
            "reject",
        )
        with app.app_context():
            assert db.session.get(Contribution, c.id).state.value == "rejected"
        get_safe(mod, f"/moderation/beitraege/{c.id}", "moderation detail")
        get_safe(mod, f"/moderation/beitraege/{c.id}/protokoll", "contribution log")
        for client in (writer, english):
            get_safe(client, f"/beitraege/{c.id}/ueberarbeiten", "revise page")
    get_safe(mod, "/moderation/protokoll", "moderation log")
    get_safe(reader, "/netiquette", "netiquette page")
    assert_mails_safe(app)


@pytest.mark.parametrize(
    ("name", "url"),
    [
        ("queue search", "/moderation/?suche={p}&abschnitt={p}"),
        ("user search", "/verwaltung/benutzer?q={p}"),
        ("back link of the detail page", "/moderation/beitraege/{id}?zurueck={p}"),
        ("next of the login page", "/konto/anmelden?next={p}"),
        (
            "idea filter",
            "/strategien/{slug}/ideen?suche={p}&handlungsfeld={p}&status={p}&kanal={p}",
        ),
    ],
)
def test_reflected_query_values(app, make, discuss, name, url):
    """What comes back from the query string: search fields, back links, `next`."""
    from urllib.parse import quote

    strategy = make.strategy()
    comment = discuss.comment(strategy, make.user(), body="Ein Kommentar.")
    staff = signed_in_client(app, make.user(roles=[Role.ADMIN, Role.MODERATOR]))
    viewer = app.test_client() if "login" in name else staff
    for payload in PAYLOADS:
        target = url.format(p=quote(payload, safe=""), id=comment.id, slug=strategy.slug)
        get_safe(viewer, target, name)


@pytest.mark.parametrize(
    ("name", "url", "fields"),
    [
        ("registration", "/konto/registrieren", ("email", "display_name")),
        ("login", "/konto/anmelden", ("email",)),
        ("guest comment", "/strategien/{slug}/vision/kommentare", ("guest_name", "body_md")),
        ("guest follow", "/strategien/{slug}/folgen", ("email", "next")),
        ("forgotten password", "/konto/passwort-vergessen", ("email",)),
    ],
)
def test_forms_show_typed_values_safely(app, make, name, url, fields):
    """A refused form comes back with what was typed in its fields and in its messages."""
    strategy = make.strategy(sections=[("Vision", "Die Stadt stellt Leistungen digital bereit.")])
    client = app.test_client()
    for payload in PAYLOADS:
        data = dict.fromkeys(fields, payload) | {"password": "kurz", "password_repeat": "lang"}
        if name == "guest comment":
            data["guest_email"] = "keine Adresse"
        response = client.post(url.format(slug=strategy.slug), data=data, follow_redirects=True)
        assert response.status_code in (200, 400, 422), (name, response.status_code)
        assert_safe(response.get_data(as_text=True), name)


def test_nul_characters_are_dropped_from_form_and_query_values(app, make, strategy):
    """PostgreSQL refuses NUL in text; a NUL only serves to hide markup from filters."""
    author = make.user()
    client = signed_in_client(app, author)
    url = f"/strategien/{strategy.slug}/vision/kommentare?x=\x00"
    _ok(client.post(url, data={"body_md": "Java\x00script ist\x00 gut."}), "comment")
    with app.app_context():
        body = db.session.scalars(
            select(Contribution.body_md).where(Contribution.author_id == author.id)
        ).one()
    assert body == "Javascript ist gut."


def test_roadmap_fields(app, make, discuss):
    """Project titles and descriptions, written by the office, on the public roadmap (both
    views), the project pages, the idea's page, the office's pages and the status mails."""
    from participation.roadmap.models import RoadmapProject
    from participation.strategies.models import SectionKind

    cov = Coverage()
    strategy = make.strategy(sections=[("Mobilität", "Busse.")])
    with app.app_context():
        (section,) = db.session.get(Strategy, strategy.id).versions[0].sections
        section.kind = SectionKind.FIELD_OF_ACTION
        db.session.commit()
    author = make.user(email="xss-idee@example.org")
    idea = discuss.idea(strategy, author, title="Eine Idee für die Roadmap")
    with app.test_request_context():
        row = db.session.get(Contribution, idea.id)
        from participation.moderation import services as moderation

        moderation.decide(row, "publish", actor=None, expected_state=row.state.value)
        db.session.commit()
    office = signed_in_client(app, make.user(display_name="Amt", roles=[Role.MODERATOR]))
    descriptions = chunks(5000)
    for i, payload in enumerate(PAYLOADS):
        data = {
            "title": payload,
            "description_md": "\n\n".join(descriptions[i]) if i < len(descriptions) else "",
            "priority": "lead",
            "status": "planned",
            "field_key": "mobilitaet",
            "start_quarter": "1",
            "start_year": "2027",
            "end_quarter": "4",
            "end_year": "2027",
            "idea_ids": [str(idea.id)],
            "is_public": "y",
        }
        _ok(office.post(f"/moderation/roadmap/{strategy.slug}/neu", data=data), "project")
        cov.add("project title", payload)
        if i < len(descriptions):
            cov.add("project description", descriptions[i])
    cov.assert_complete("project title", "project description")

    reader = app.test_client()
    base = f"/strategien/{strategy.slug}/roadmap"
    get_safe(reader, base)
    get_safe(reader, f"{base}?ansicht=liste")
    get_safe(reader, f"/strategien/{strategy.slug}/ideen/{idea.id}")
    get_safe(office, f"/moderation/roadmap/{strategy.slug}")
    with app.app_context():
        ids = db.session.scalars(select(RoadmapProject.id).order_by(RoadmapProject.id)).all()
    assert len(ids) == len(PAYLOADS)
    for project_id in ids:
        get_safe(reader, f"{base}/{project_id}")
        get_safe(office, f"/moderation/roadmap/projekte/{project_id}")
    # A status change mails the idea's author about each project (HTML parts checked).
    for project_id in ids[: len(descriptions)]:
        page = office.get(f"/moderation/roadmap/projekte/{project_id}").get_data(as_text=True)
        revision = re.search(r'name="revision"[^>]*value="(\d+)"', page) or re.search(
            r'value="(\d+)"[^>]*name="revision"', page
        )
        with app.app_context():
            project = db.session.get(RoadmapProject, project_id)
            data = {
                "title": project.title,
                "description_md": project.description_md,
                "priority": "lead",
                "status": "in_progress",
                "field_key": "mobilitaet",
                "start_quarter": "1",
                "start_year": "2027",
                "end_quarter": "4",
                "end_year": "2027",
                "idea_ids": [str(idea.id)],
                "is_public": "y",
                "revision": revision.group(1),
            }
        _ok(office.post(f"/moderation/roadmap/projekte/{project_id}", data=data), "status")
    mails = [m for m in assert_mails_safe(app) if m.kind == "roadmap_status_changed"]
    assert len(mails) == len(descriptions)


def test_analogue_and_workshop_fields(app, make):
    """What the office types in: a letter's text and the citizen's name (threads, idea and
    queue pages), a workshop's title and summary (the public list and page, the office's
    list and form) and its results. Titles and names take the payloads that fit them."""
    from sqlalchemy import update

    from participation.strategies.models import Section, SectionKind
    from participation.workshops.models import TITLE_MAX, Workshop

    cov = Coverage()
    strategy = make.strategy(
        sections=[("Vision", "Die Stadt stellt Leistungen digital bereit."), ("Mobilität", "Bus.")]
    )
    with app.app_context():
        db.session.execute(
            update(Section)
            .where(Section.key == "mobilitaet")
            .values(kind=SectionKind.FIELD_OF_ACTION)
        )
        db.session.commit()
    office = signed_in_client(app, make.user(display_name="Moderatorin", roles=[Role.MODERATOR]))
    today = date.today().isoformat()
    entry = f"/moderation/eingang/{strategy.slug}"
    short = [p for p in PAYLOADS if 2 <= len(" ".join(p.split())) <= discussion.NAME_MAX]
    for i, group in enumerate(chunks(discussion.BODY_MAX - 20)):
        data = {
            "channel": "letter",
            "received_on": today,
            "kind": "comment",
            "target": "vision",
            "body_md": f"Brief {i}\n\n" + "\n\n".join(group),
        }
        if i < len(short):
            data |= {"name": short[i], "name_consent": "y"}
            cov.add("name", short[i])
        _ok(office.post(entry, data=data), "letter")
        cov.add("letter", group)
    for payload in short[len(chunks(discussion.BODY_MAX - 20)) :]:
        data = {
            "channel": "phone",
            "received_on": today,
            "kind": "idea",
            "target": "mobilitaet",
            "title": f"Anruf {len(cov.fields['name'])}",
            "body_md": f"Anruf von {len(cov.fields['name'])}",
            "name": payload,
            "name_consent": "y",
        }
        _ok(office.post(entry, data=data), "phone call")
        cov.add("name", payload)
    cov.assert_complete("letter")
    assert cov.fields["name"] == set(short)

    titles = [p for p in PAYLOADS if 0 < len(" ".join(p.split())) <= TITLE_MAX]
    summaries = chunks(10000)
    for i in range(max(len(titles), len(summaries))):
        data = {
            "title": titles[i] if i < len(titles) else f"Workshop {i}",
            "held_on": today,
            "format": "hybrid",
            "place": titles[i][:200] if i < len(titles) else "Rathaus",
            "section_key": "mobilitaet",
            "participants": "12",
            "summary_md": "\n\n".join(summaries[i]) if i < len(summaries) else "",
            "published": "y",
        }
        _ok(office.post(f"/moderation/workshops/{strategy.slug}/neu", data=data), "workshop")
        if i < len(summaries):
            cov.add("summary", summaries[i])
    cov.assert_complete("summary")
    with app.app_context():
        workshop_ids = db.session.scalars(select(Workshop.id).order_by(Workshop.id)).all()
        letters = db.session.scalars(select(Contribution.id).order_by(Contribution.id)).all()
    # A result of the first workshop, published with the letters.
    _ok(
        office.post(
            f"{entry}?workshop={workshop_ids[0]}",
            data={
                "received_on": today,
                "kind": "comment",
                "target": "vision",
                "body_md": "Ergebnis",
            },
        ),
        "workshop result",
    )
    with app.app_context():
        ids = db.session.scalars(select(Contribution.id).order_by(Contribution.id)).all()
    walk_queue(office)
    for contribution_id in ids:
        get_safe(office, f"/moderation/beitraege/{contribution_id}", "moderation detail")
        _publish(office, contribution_id)
    assert len(ids) == len(letters) + 1
    reader = app.test_client()
    get_safe(reader, f"/strategien/{strategy.slug}/vision", "section with letters")
    get_safe(reader, f"/strategien/{strategy.slug}/ideen", "ideas by phone")
    for contribution_id in ids:
        get_safe(reader, f"/beitraege/{contribution_id}", "permalink")
    get_safe(reader, f"/strategien/{strategy.slug}/workshops", "workshops page")
    get_safe(office, f"/moderation/workshops/{strategy.slug}", "office's workshops list")
    for workshop_id in workshop_ids:
        get_safe(reader, f"/strategien/{strategy.slug}/workshops/{workshop_id}", "workshop")
        get_safe(office, f"/moderation/workshop/{workshop_id}", "workshop form")
