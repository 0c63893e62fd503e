"""A small, realistic discussion for the demo strategy: comments on sections and on a
paragraph, replies, ideas and supports — posted and published through the real services."""

from participation.discussion import services
from participation.discussion.models import ModerationState
from participation.strategies.models import Strategy
from participation.strategies.queries import latest_version

# Invented people taking part as (already confirmed) guests; their addresses are never shown.
PEOPLE = {
    "jonas": ("Jonas R.", "jonas@example.org"),
    "leonie": ("Leonie aus Nord", "leonie@example.org"),
    "ahmet": ("Ahmet K.", "ahmet@example.org"),
    "renate": ("Renate, 71", "renate@example.org"),
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


def load_discussion(strategy: Strategy, citizen, moderator) -> int:
    """Posts and publishes the demo discussion; returns the number of contributions."""

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
    return count
