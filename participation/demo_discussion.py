"""A small, realistic discussion for the demo strategy: comments on sections and on a
paragraph, replies, ideas and supports — posted and published through the real services.
The moderation has work waiting too: contributions awaiting publication, a reported comment,
a rejected contribution of the demo citizen (to try revising it), and answer templates."""

from participation.discussion import services
from participation.discussion.models import ModerationState
from participation.moderation import answer_templates, notes, reports
from participation.moderation import services as moderation
from participation.moderation.labels import rejection_choices
from participation.moderation.models import ReportReason
from participation.strategies.models import Strategy
from participation.strategies.queries import latest_version

# Invented people taking part as (already confirmed) guests; their addresses are never shown.
PEOPLE = {
    "jonas": ("Jonas R.", "jonas@example.org"),
    "leonie": ("Leonie aus Nord", "leonie@example.org"),
    "ahmet": ("Ahmet K.", "ahmet@example.org"),
    "renate": ("Renate, 71", "renate@example.org"),
    "max": ("Max M.", "max@example.org"),
}

COMMENTS = [
    # (section key, first paragraph?, who, text, replies [(who, text)])
    (
        "handlungsfeld-mobilitaet",
        True,
        "jonas",
        "Eine gemeinsame App für Bus, Leihrad und Parken wäre großartig. Wichtig wäre mir, "
        "dass man auch **ohne Konto** Fahrkarten kaufen kann.",
        [
            (
                "leonie",
                "Und bitte mit Echtzeitdaten für die Busse in den Ortsteilen – dort "
                "wartet man sonst oft ins Blaue.",
            ),
            (
                "citizen",
                "Ohne Konto fände ich auch wichtig. Nicht alle möchten ihre Daten "
                "bei einem weiteren Anbieter hinterlegen.",
            ),
        ],
    ),
    (
        "amt-fuer-digitalisierung",
        False,
        "ahmet",
        "Ich finde, die Arbeit des Amtes für Digitalisierung sollte öffentlich sichtbarer "
        "werden. Vieles, was schon gut läuft, bekommt man als Bürger gar nicht mit.",
        [],
    ),
    (
        "amt-fuer-digitalisierung",
        False,
        "renate",
        "Mehr Transparenz bitte: Nach welchen Kriterien wird entschieden, welche Hard- und "
        "Software die Stadt anschafft? Die Kriterien sollten offengelegt werden.",
        [
            (
                "staff",
                "Vielen Dank für Ihren Hinweis. Wir haben die Anregung an das zuständige "
                "Fachamt weitergegeben und prüfen, ob die Kriterien in die Strategie aufgenommen "
                "werden.",
            ),
        ],
    ),
    (
        "handlungsfeld-bildung-und-digitale-teilhabe",
        False,
        "renate",
        "Die Digitaltreffs sind eine gute Idee. Bitte auch vormittags anbieten – viele Ältere "
        "sind abends nicht mehr gern unterwegs.",
        [],
    ),
]

IDEAS = [
    # (title, field of action key, who, text, supporters)
    (
        "Offenes WLAN in allen Bürgerbüros und Bibliotheken",
        "handlungsfeld-infrastruktur-und-standort",
        "leonie",
        "Wer einen Antrag online stellen will, braucht oft nur kurz Internet. Offenes WLAN in "
        "städtischen Gebäuden würde vielen helfen.",
        ["jonas", "ahmet", "citizen"],
    ),
    (
        "Sprechstunde „Digital-Hilfe“ in der Stadtbibliothek",
        "handlungsfeld-bildung-und-digitale-teilhabe",
        "renate",
        "Einmal pro Woche eine feste Sprechstunde, in der Ehrenamtliche beim Umgang mit "
        "Smartphone und Online-Anträgen helfen.",
        ["citizen"],
    ),
    (
        "Baustellen-Karte mit Umleitungen",
        "handlungsfeld-mobilitaet",
        "citizen",
        "Eine Karte mit allen aktuellen Baustellen und Umleitungen, auch für Rad- und "
        "Fußverkehr, als offene Daten.",
        [],
    ),
]


# Awaiting the moderation (the demo strategy is moderated before publication).
PENDING_COMMENTS = [
    # (section key, who, text)
    (
        "handlungsfeld-mobilitaet",
        "ahmet",
        "Kommen die Echtzeitanzeigen auch an die Haltestellen in den Ortsteilen? Dort fehlen "
        "sie bisher ganz.",
    ),
    (
        "amt-fuer-digitalisierung",
        "citizen",
        "Gibt es für das Amt für Digitalisierung einen Beirat, in dem auch Bürgerinnen und "
        "Bürger mitreden können?",
    ),
]
# A reply to the first comment above, awaiting the moderation.
PENDING_REPLY = (
    "renate",
    "Eine App ist gut, aber bitte verkaufen Sie die Fahrkarten auch weiter am Automaten "
    "und im Bus.",
)
PENDING_IDEA = (
    "Bürgerhaushalt mit Online-Abstimmung",
    "handlungsfeld-verwaltung-und-buergerservice",
    "jonas",
    "Über einen Teil des Haushalts könnten die Bürgerinnen und Bürger online mitbestimmen, "
    "zum Beispiel über kleine Projekte in ihrem Stadtteil.",
)
# Published, then reported by the demo citizen as not related to the topic.
REPORTED = (
    "amt-fuer-digitalisierung",
    "max",
    "Weiß jemand, wann das Freibad im Sommer wieder öffnet?",
    "Eine Frage zum Freibad, nicht zur Digitalstrategie.",
)
# The demo citizen's contribution, rejected with a reason and a note: try revising it.
REJECTED = (
    "projekt-glasfaser-fuer-alle-schulen-und-gewerbegebiete",
    "Glasfaser bekommen Sie bei der Firma meines Schwagers am günstigsten, einfach anrufen: "
    "0170 1234567.",
    "spam",
    "Bitte ohne Werbung und Telefonnummern. Ihre Erfahrungen mit dem Glasfaserausbau können "
    "Sie gern sachlich schildern.",
)
ANSWER_TEMPLATES = [
    (
        "Dank und Weitergabe an das Fachamt",
        "Vielen Dank für Ihren Hinweis. Wir haben ihn an das zuständige Fachamt weitergegeben "
        "und melden uns hier, sobald es eine Einschätzung gibt.",
    ),
    (
        "Hinweis auf die Netiquette",
        "Bitte bleiben Sie sachlich und beachten Sie unsere Netiquette, damit alle gern "
        "mitdiskutieren.",
    ),
]


def load_discussion(strategy: Strategy, citizen, moderator) -> int:
    """Posts and publishes the demo discussion, and leaves the moderation some work;
    returns the number of contributions."""

    version = latest_version(strategy)
    sections = {section.key: section for section in version.sections}

    def author_and_guest(who):
        if who == "citizen":
            return citizen, None
        if who == "staff":
            return moderator, None
        name, email = PEOPLE[who]
        return None, services.Guest(name=name, email=email, consent=True, verified=True)

    def publish(contribution):
        if contribution.state is not ModerationState.PUBLISHED:
            services.change_state(
                contribution,
                ModerationState.PUBLISHED,
                actor=moderator,
                action="contribution.published",
            )

    count = 0
    first_comment = None
    for key, on_paragraph, who, text, replies in COMMENTS:
        section = sections[key]
        author, guest = author_and_guest(who)
        comment = services.post_comment(
            strategy,
            section,
            version=version,
            author=author,
            guest=guest,
            body_md=text,
            paragraph_anchor=section.anchors[0] if on_paragraph else None,
        )
        publish(comment)
        first_comment = first_comment or comment
        count += 1
        for reply_who, reply_text in replies:
            author, guest = author_and_guest(reply_who)
            publish(services.post_reply(comment, author=author, guest=guest, body_md=reply_text))
            count += 1
    supporters = {"citizen": citizen}
    for title, key, who, text, fans in IDEAS:
        author, guest = author_and_guest(who)
        idea = services.post_idea(
            strategy,
            author=author,
            guest=guest,
            title=title,
            body_md=text,
            field_of_action=sections.get(key),
        )
        publish(idea)
        count += 1
        for fan in fans:
            if fan in supporters:
                services.toggle_support(idea, supporters[fan])
    return count + _moderation_work(
        strategy, sections, citizen, moderator, author_and_guest, first_comment
    )


def _moderation_work(strategy, sections, citizen, moderator, author_and_guest, thread) -> int:
    """What awaits the moderation in the demo; returns the number of contributions.
    `thread` is a published comment that gets a reply awaiting publication."""
    count = 0
    for key, who, text in PENDING_COMMENTS:
        author, guest = author_and_guest(who)
        services.post_comment(strategy, sections[key], author=author, guest=guest, body_md=text)
        count += 1
    who, text = PENDING_REPLY
    author, guest = author_and_guest(who)
    services.post_reply(thread, author=author, guest=guest, body_md=text)
    count += 1
    title, key, who, text = PENDING_IDEA
    author, guest = author_and_guest(who)
    services.post_idea(
        strategy,
        author=author,
        guest=guest,
        title=title,
        body_md=text,
        field_of_action=sections.get(key),
    )
    count += 1

    key, who, text, report_text = REPORTED
    author, guest = author_and_guest(who)
    reported = services.post_comment(
        strategy, sections[key], author=author, guest=guest, body_md=text
    )
    moderation.decide(
        reported, moderation.Action.PUBLISH, actor=moderator, expected_state=reported.state
    )
    reports.report(reported, reporter=citizen, reason=ReportReason.OFF_TOPIC, text=report_text)
    notes.add_note(
        reported, actor=moderator, body="Frage ans Bäderamt weitergeleitet; danach ausblenden."
    )
    count += 1

    key, text, reason, note = REJECTED
    rejected = services.post_comment(strategy, sections[key], author=citizen, body_md=text)
    keys = [value for value, _label in rejection_choices()]
    moderation.decide(
        rejected,
        moderation.Action.REJECT,
        actor=moderator,
        expected_state=rejected.state,
        reason=reason if reason in keys else keys[0],
        note=note,
    )
    count += 1

    for title, body in ANSWER_TEMPLATES:
        answer_templates.create(actor=moderator, title=title, body_md=body)
    return count


# (idea title or comment text, department: "mobility" | "schools", note, statement or None)
FORWARDINGS = [
    (
        IDEAS[2][0],
        "mobility",
        "Gibt es die Baustellendaten schon als offene Daten? Bitte mit dem Tiefbauamt klären.",
        (
            "adopt_in_part",
            "Die Baustellen des Tiefbauamts stehen ab dem Frühjahr als offene Daten bereit. "
            "Umleitungen für den Rad- und Fußverkehr können wir erst mit der neuen "
            "Verkehrsleitzentrale liefern.",
        ),
    ),
    (
        COMMENTS[0][3],
        "mobility",
        "Ticketkauf ohne Konto: Was sieht die Ausschreibung der Mobilitäts-App vor?",
        None,
    ),
    (
        IDEAS[1][0],
        "schools",
        "Könnten die Medienscouts der Schulen die Sprechstunde unterstützen?",
        None,
    ),
]


def load_forwardings(strategy: Strategy, moderator, member, mobility, schools) -> int:
    """Forwards demo contributions to the departments through the real services; the
    first one is answered by the demo department account. Returns the number forwarded."""
    from datetime import timedelta

    from sqlalchemy import or_, select

    from participation.departments import services as forwarding
    from participation.discussion.models import Contribution
    from participation.extensions import db

    departments = {"mobility": mobility, "schools": schools}
    count = 0
    for key, department, note, statement in FORWARDINGS:
        contribution = db.session.scalar(
            select(Contribution)
            .where(
                Contribution.strategy_id == strategy.id,
                Contribution.state == ModerationState.PUBLISHED,
                or_(Contribution.title == key, Contribution.body_md == key),
            )
            .order_by(Contribution.id)
            .limit(1)
        )
        if contribution is None:
            continue
        (forwarded,) = forwarding.forward(
            contribution,
            [departments[department]],
            actor=moderator,
            note=note,
            due_on=forwarding.local_today() + timedelta(days=10),
        )
        if statement is not None:
            recommendation, text = statement
            forwarding.give_statement(
                forwarded, actor=member, recommendation=recommendation, statement=text
            )
        count += 1
    return count
