"""Demo data of the analogue channel: two workshops with results, a letter and a phone call,
typed in by the demo moderator through the same services the office uses."""

from datetime import timedelta

from participation.analogue import services as analogue
from participation.discussion.models import ContributionKind
from participation.moderation import services as moderation
from participation.strategies.queries import latest_version
from participation.workshops import services as workshops

MOBILITY = "handlungsfeld-mobilitaet"
PARTICIPATION = "handlungsfeld-bildung-und-digitale-teilhabe"
SERVICES = "handlungsfeld-verwaltung-und-buergerservice"

WORKSHOPS = [
    # (title, days before today, format, place, field of action, participants, summary,
    #  results: (kind, title, text, publish))
    (
        "Werkstatt Mobilität: Bus, Rad und Baustellen",
        1,
        "in_person",
        "Stadtbibliothek, Veranstaltungsraum",
        MOBILITY,
        18,
        "Achtzehn Bürgerinnen und Bürger haben zwei Stunden lang an drei Tischen über "
        "Busverbindungen, sichere Radwege und Informationen zu Baustellen gesprochen.\n\n"
        "Die Ergebnisse wurden auf Karten gesammelt und hier als Beiträge erfasst.",
        [
            (
                ContributionKind.IDEA,
                "Echtzeitanzeige an allen Bushaltestellen",
                "An den großen Haltestellen fehlt eine Anzeige, wann der nächste Bus kommt. "
                "Eine Anzeige mit Echtzeitdaten würde vor allem älteren Fahrgästen helfen.",
                True,
            ),
            (
                ContributionKind.IDEA,
                "Radwege-Mängel per App melden",
                "Schlaglöcher und zugeparkte Radwege sollten sich mit Foto und Ort melden "
                "lassen, ohne lange Formulare.",
                True,
            ),
            (
                ContributionKind.COMMENT,
                None,
                "Die Mobilitätsplattform muss auch ohne Smartphone nutzbar sein, zum Beispiel "
                "über Aushänge mit Telefonnummer.",
                False,
            ),
        ],
    ),
    (
        "Online-Werkstatt Digitale Teilhabe",
        0,
        "online",
        "Videokonferenz",
        PARTICIPATION,
        11,
        "In der Online-Werkstatt ging es darum, wie Menschen ohne digitale Erfahrung "
        "erreicht werden können. Die Gruppe empfiehlt feste Anlaufstellen in den Stadtteilen.",
        [
            (
                ContributionKind.IDEA,
                "Digitalpatenschaften zwischen Schulen und Seniorentreffs",
                "Schülerinnen und Schüler erklären Älteren einmal im Monat Smartphone und "
                "Online-Anträge; die Schulen rechnen es als soziales Engagement an.",
                True,
            ),
        ],
    ),
]


def load_workshops(strategy, moderator) -> int:
    """Creates the demo workshops, their results, a letter and a phone call; returns the
    number of contributions."""
    version = latest_version(strategy)
    sections = {section.key: section for section in version.sections}
    today = analogue.local_today()
    count = 0

    def publish(contribution):
        moderation.decide(
            contribution, "publish", actor=moderator, expected_state=contribution.state
        )

    for title, days_ago, kind, place, key, participants, summary, results in WORKSHOPS:
        held_on = today - timedelta(days=days_ago)
        workshop = workshops.create_workshop(
            strategy,
            workshops.WorkshopInput(
                title=title,
                held_on=held_on,
                ends_on=None,
                format=kind,
                place=place,
                section_key=key,
                participants=participants,
                summary_md=summary,
                published=True,
            ),
            actor=moderator,
        )
        for result_kind, result_title, text, published in results:
            contribution = analogue.enter_contribution(
                strategy,
                actor=moderator,
                channel=None,
                received_on=held_on,
                kind=result_kind,
                title=result_title,
                body_md=text,
                section=sections[key],
                workshop=workshop,
            )
            if published:
                publish(contribution)
            count += 1

    letter = analogue.enter_contribution(
        strategy,
        actor=moderator,
        channel="letter",
        received_on=today - timedelta(days=3),
        kind=ContributionKind.COMMENT,
        section=sections[SERVICES],
        body_md="Ich habe keinen Computer. Bitte sorgen Sie dafür, dass man alle Anträge "
        "auch weiterhin im Bürgerbüro stellen kann, mit einem Menschen, der hilft.",
        name="Helga Brandt",
        name_consent=True,
    )
    publish(letter)
    # A call the office typed in: no name (the caller did not want it shown); it waits in
    # the moderation queue.
    analogue.enter_contribution(
        strategy,
        actor=moderator,
        channel="phone",
        received_on=today,
        kind=ContributionKind.IDEA,
        title="Rückruf-Service im Bürgerbüro",
        body_md="Statt in der Warteschleife zu hängen, möchte ich einen Rückruf vereinbaren "
        "können.",
        section=sections[SERVICES],
    )
    return count + 2
