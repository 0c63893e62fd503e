"""Seeding the benchmark database: one open post-moderated strategy with a published version,
one section with many comments, about 200 published ideas with supports, and a confirmed
citizen account.

Rows are written in bulk with correct `path`, `root_id`, `depth`, `reply_count` and
`support_count`, the way the services would have left them (posting thousands of comments
through the services would take minutes). The text is realistic German of a few hundred
characters, rendered through the one markup module like a posted comment.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select, text

from participation.accounts.models import User
from participation.accounts.passwords import hash_password
from participation.database import utcnow
from participation.discussion.models import (
    PATH_DIGITS,
    Channel,
    Contribution,
    ContributionKind,
    ModerationState,
    ProcessingStatus,
    Support,
)
from participation.discussion.services import text_hash
from participation.extensions import db
from participation.markup import render_contribution
from participation.strategies.importer import make_slug
from participation.strategies.models import (
    ModerationMode,
    Section,
    SectionKind,
    Strategy,
    Version,
)

STRATEGY_SLUG = "digitalstrategie-musterstadt"
CITIZEN_EMAIL = "buergerin@example.org"
# A fresh password per run; the benchmark logs in within the same process.
CITIZEN_PASSWORD = secrets.token_urlsafe(16)

SECTION_TITLE = "Digitale Verwaltung"
SECTION_BODY = """\
Musterstadt will bis 2030 alle wichtigen Verwaltungsleistungen auch online anbieten. Wer einen
Antrag stellt, soll das rund um die Uhr von zu Hause aus tun können, ohne auf einen Termin im
Bürgerbüro warten zu müssen.

Dabei bleibt niemand zurück: Das Bürgerbüro, das Telefon und der Brief bleiben erhalten. Wer
Unterstützung braucht, bekommt sie in den Stadtteilbibliotheken und in den Quartierszentren.

Die Stadt veröffentlicht ihre Daten offen und maschinenlesbar, soweit Datenschutz und
Vertraulichkeit nicht entgegenstehen. Verkehrsdaten, Haushaltsdaten und Umweltmessungen stehen
als Erstes auf der Liste.

Formulare werden einfacher. Angaben, die der Stadt bereits vorliegen, müssen nicht noch einmal
gemacht werden; Nachweise können hochgeladen statt vorgelegt werden.

Die Beschäftigten der Verwaltung werden fortgebildet und an der Gestaltung neuer Abläufe
beteiligt. Neue Verfahren werden mit Bürger:innen getestet, bevor sie eingeführt werden.

Einmal im Jahr berichtet die Stadt öffentlich, welche Leistungen digital verfügbar sind, wie
oft sie genutzt werden und wo es noch hakt.
"""
OTHER_FIELDS = (
    ("Bildung und Schule", "Jede Schule bekommt bis 2027 schnelles Internet und WLAN."),
    ("Mobilität", "Busse, Leihräder und Carsharing lassen sich in einer App buchen."),
    ("Klima und Umwelt", "Sensoren messen Luftqualität und Lärm in allen Stadtteilen."),
)

FIRST_NAMES = (
    "Anna Ben Clara David Elif Felix Greta Hannes Ida Jonas Katharina Lukas Mia Noah Olga "
    "Paul Rosa Samir Tanja Uwe Vera Wolfgang Yusuf Zeynep Marta Henrik Leonie Dieter"
).split()
LAST_INITIALS = "ABCDEFGHKLMNOPRSTWZ"

OPENERS = (
    "",
    "",
    "Grundsätzlich finde ich den Ansatz richtig. ",
    "Als Mutter von zwei Kindern sehe ich das etwas anders. ",
    "Ich arbeite selbst in der Verwaltung und kann dazu etwas sagen. ",
    "Vielen Dank für den Entwurf! ",
    "Hier fehlt mir etwas Wichtiges. ",
)
REPLY_OPENERS = (
    "Da stimme ich zu. ",
    "Das sehe ich anders. ",
    "Guter Punkt, aber ",
    "Danke für den Hinweis. ",
    "Ergänzend dazu: ",
    "Wie soll das konkret aussehen? ",
    "",
)
SENTENCES = (
    "Viele ältere Menschen in unserem Quartier haben keinen Internetanschluss und brauchen "
    "weiterhin einen persönlichen Termin im Bürgerbüro.",
    "Die Online-Terminvergabe funktioniert heute schon nicht zuverlässig, bevor neue Angebote "
    "kommen, sollte das behoben werden.",
    "Wichtig wäre, dass die Formulare auch auf dem Smartphone gut lesbar sind und ohne "
    "Fachbegriffe auskommen.",
    "Offene Daten zum Radverkehr würden helfen, gefährliche Kreuzungen schneller zu erkennen.",
    "Ich wünsche mir, dass die Stadt veröffentlicht, wie lange die Bearbeitung eines Antrags "
    "im Durchschnitt dauert.",
    "In der Stadtteilbibliothek könnte es feste Sprechstunden geben, in denen Ehrenamtliche "
    "beim Ausfüllen helfen.",
    "Der Datenschutz darf dabei nicht zu kurz kommen, besonders bei Gesundheits- und Sozialdaten.",
    "Warum nicht gleich mit den Nachbarkommunen zusammenarbeiten, statt alles selbst zu "
    "entwickeln?",
    "Mehrsprachige Angebote sind in einer Stadt wie unserer unverzichtbar.",
    "Die Glasfaser kommt in unserem Ortsteil seit Jahren nicht voran, das gehört ebenfalls in "
    "die Strategie.",
    "Für Menschen mit Sehbehinderung muss alles barrierefrei sein, auch die PDF-Dokumente.",
    "Es wäre gut, wenn man den Stand seines Antrags online verfolgen könnte.",
    "Die Kita-Anmeldung ist ein gutes Beispiel dafür, wie es nicht laufen sollte: drei "
    "Formulare für dieselben Angaben.",
    "Bitte auch an die Vereine denken, die Räume und Zuschüsse beantragen müssen.",
    "Ein jährlicher Bericht ist gut, aber er sollte verständlich und nicht nur eine Tabelle sein.",
    "Die Beschäftigten im Rathaus sollten früh einbezogen werden, sonst scheitert es an der "
    "Umsetzung.",
    "Mich würde interessieren, was das alles kostet und wer es bezahlt.",
    "Die Schulen brauchen nicht nur Geräte, sondern auch Personal, das sie betreut.",
    "Ein Bürgerkonto für alle Leistungen wäre ein großer Fortschritt.",
    "Das Ziel 2030 klingt ehrgeizig, aber machbar, wenn es klare Zwischenschritte gibt.",
)
EMPHASIS = ("*unbedingt*", "**wichtig**", "*vorher*", "**alle**")
IDEA_TITLES = (
    "Digitale Sprechstunde im Bürgerbüro",
    "Offene Daten zum Radverkehr",
    "Bürgerkonto für alle Leistungen",
    "WLAN in allen Stadtteilbibliotheken",
    "Antragsstatus online verfolgen",
    "Mehrsprachige Formulare",
    "Ehrenamtliche Digitallots:innen",
    "Sensoren für Luftqualität an Schulen",
    "Leihgeräte für Senior:innen",
    "Mängelmelder für Straßen und Wege",
)
IDEA_STATUSES = (
    [ProcessingStatus.RECEIVED] * 6
    + [ProcessingStatus.IN_REVIEW] * 2
    + [ProcessingStatus.ADOPTED, ProcessingStatus.NOT_ADOPTED]
)


def german_text(rng: random.Random, reply: bool = False) -> str:
    """A comment of a few hundred characters: sometimes two paragraphs, some emphasis, now
    and then a list or a link, like people write."""
    opener = rng.choice(REPLY_OPENERS if reply else OPENERS)
    sentences = rng.sample(SENTENCES, rng.randint(2, 4))
    if rng.random() < 0.2:
        words = sentences[0].split(" ")
        words.insert(rng.randrange(1, len(words)), rng.choice(EMPHASIS))
        sentences[0] = " ".join(words)
    body = opener + " ".join(sentences[:2])
    rest = sentences[2:]
    if rest:
        body += "\n\n" + " ".join(rest)
    roll = rng.random()
    if roll < 0.08:
        body += "\n\n- schneller\n- einfacher\n- für alle verständlich"
    elif roll < 0.12:
        body += "\n\nMehr dazu: [Bericht des Landes](https://www.example.org/bericht)"
    return body


@dataclass
class Seeded:
    slug: str
    section_key: str
    strategy_id: int
    comments: int
    ideas: int
    supports: int


def _users(rng: random.Random, count: int) -> list[int]:
    """The citizen who posts (real password) plus `count` other confirmed users."""
    shared_hash = hash_password(rng.choice(FIRST_NAMES) + "-nicht-benutzt-" + str(count))
    now = utcnow()
    citizen = User(
        email=CITIZEN_EMAIL,
        display_name="Bürgerin Benchmark",
        password_hash=hash_password(CITIZEN_PASSWORD),
        email_confirmed_at=now,
    )
    db.session.add(citizen)
    rows = [
        {
            "email": f"person{n}@example.org",
            "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_INITIALS)}.",
            "password_hash": shared_hash,
            "email_confirmed_at": now,
            "auth_version": 1,
            "is_active": True,
            "created_at": now,
        }
        for n in range(count)
    ]
    db.session.execute(insert(User), rows)
    db.session.flush()
    return list(db.session.scalars(select(User.id).where(User.id != citizen.id)))


def _strategy() -> tuple[Strategy, Version, Section, list[Section]]:
    now = utcnow()
    strategy = Strategy(
        slug=STRATEGY_SLUG,
        title="Digitalstrategie Musterstadt 2030",
        summary="Der Entwurf unserer Digitalstrategie zur öffentlichen Diskussion.",
        opens_at=now - timedelta(days=7),
        closes_at=now + timedelta(days=30),
        moderation_mode=ModerationMode.POST,
    )
    version = Version(strategy=strategy, number=1, published_at=now, change_note="Erster Entwurf")
    section = Section(
        key=make_slug(SECTION_TITLE),
        title=SECTION_TITLE,
        position=0,
        kind=SectionKind.FIELD_OF_ACTION,
    )
    section.set_body(SECTION_BODY)
    version.sections.append(section)
    fields = [section]
    for position, (title, body) in enumerate(OTHER_FIELDS, start=1):
        other = Section(
            key=make_slug(title), title=title, position=position, kind=SectionKind.FIELD_OF_ACTION
        )
        other.set_body(body)
        version.sections.append(other)
        fields.append(other)
    db.session.add(strategy)
    db.session.flush()
    return strategy, version, section, fields


def _next_id() -> int:
    return (db.session.scalar(select(db.func.max(Contribution.id))) or 0) + 1


def _author(rng: random.Random, user_ids: list[int]) -> dict:
    if rng.random() < 0.2:
        name = rng.choice(FIRST_NAMES)
        return {"author_id": None, "guest_name": name, "guest_email": f"{name.lower()}@example.org"}
    return {"author_id": rng.choice(user_ids), "guest_name": None, "guest_email": None}


def _row(id_, strategy, version, section, *, kind, body, created_at, author, **fields) -> dict:
    return {
        "id": id_,
        "strategy_id": strategy.id,
        "version_id": version.id,
        "section_id": section.id if section is not None else None,
        "section_key": section.key if section is not None else None,
        "paragraph_anchor": None,
        "kind": kind,
        "parent_id": None,
        "root_id": id_,
        "path": f"{id_:0{PATH_DIGITS}d}/",
        "depth": 0,
        "title": None,
        "body_md": body,
        "body_html": render_contribution(body).html,
        "text_hash": text_hash(body, fields.get("title")),
        "guest_confirmed_at": created_at if author["author_id"] is None else None,
        "state": ModerationState.PUBLISHED,
        "reviewed_at": None,
        "status": None,
        "channel": Channel.ONLINE,
        "is_official": False,
        "reply_count": 0,
        "support_count": 0,
        "created_at": created_at,
        "revision": 1,
        **author,
        **fields,
    }


def _comments(rng, strategy, version, section, user_ids, total: int) -> None:
    """About a quarter top-level comments (a third of them on a paragraph), the rest replies
    at random places in the threads, all published, oldest first."""
    start = _next_id()
    anchors = section.anchors
    now = utcnow()
    rows: list[dict] = []
    for offset in range(total):
        id_ = start + offset
        created = now - timedelta(days=6) + timedelta(seconds=offset * 500_000 / total)
        parent = rows[rng.randrange(len(rows))] if rows and rng.random() > 0.25 else None
        body = german_text(rng, reply=parent is not None)
        row = _row(
            id_,
            strategy,
            version,
            section,
            kind=ContributionKind.REPLY if parent else ContributionKind.COMMENT,
            body=body,
            created_at=created,
            author=_author(rng, user_ids),
        )
        if parent is not None:
            row.update(
                parent_id=parent["id"],
                root_id=parent["root_id"],
                path=parent["path"] + row["path"],
                depth=parent["depth"] + 1,
                paragraph_anchor=parent["paragraph_anchor"],
            )
        elif anchors and rng.random() < 1 / 3:
            row["paragraph_anchor"] = rng.choice(anchors)
        rows.append(row)
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        for ancestor in row["path"].split("/")[:-2]:
            by_id[int(ancestor)]["reply_count"] += 1
    for chunk in range(0, len(rows), 1000):
        db.session.execute(insert(Contribution), rows[chunk : chunk + 1000])


def _ideas(rng, strategy, version, fields, user_ids, total: int) -> int:
    start = _next_id()
    now = utcnow()
    rows, supports = [], []
    for offset in range(total):
        id_ = start + offset
        title = f"{rng.choice(IDEA_TITLES)} ({offset + 1})"
        field = rng.choice(fields + [None])
        supporters = rng.sample(user_ids, min(len(user_ids), int(rng.expovariate(1 / 8))))
        created = now - timedelta(days=6) + timedelta(seconds=offset * 500_000 / total)
        rows.append(
            _row(
                id_,
                strategy,
                version,
                field,
                kind=ContributionKind.IDEA,
                body=german_text(rng),
                created_at=created,
                author=_author(rng, user_ids),
                title=title,
                status=rng.choice(IDEA_STATUSES),
                support_count=len(supporters),
            )
        )
        supports += [
            {"contribution_id": id_, "user_id": user_id, "created_at": created}
            for user_id in supporters
        ]
    db.session.execute(insert(Contribution), rows)
    if supports:
        db.session.execute(insert(Support), supports)
    return len(supports)


def seed(comments: int, ideas: int = 200, users: int = 150, seed: int = 2030) -> Seeded:
    """Everything the benchmark needs, in an app context on a freshly migrated database."""
    rng = random.Random(seed)
    user_ids = _users(rng, users)
    strategy, version, section, fields = _strategy()
    _ideas(rng, strategy, version, fields, user_ids, ideas)
    supports = db.session.scalar(select(db.func.count()).select_from(Support))
    _comments(rng, strategy, version, section, user_ids, comments)
    if db.engine.dialect.name == "postgresql":
        # Ids were given explicitly; move the sequences past them for later inserts.
        for statement in (
            "SELECT setval(pg_get_serial_sequence('contributions', 'id'), "
            "(SELECT max(id) FROM contributions))",
            "SELECT setval(pg_get_serial_sequence('supports', 'id'), "
            "(SELECT max(id) FROM supports))",
        ):
            db.session.execute(text(statement))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
    db.session.commit()
    return Seeded(
        slug=strategy.slug,
        section_key=section.key,
        strategy_id=strategy.id,
        comments=comments,
        ideas=ideas,
        supports=supports,
    )
