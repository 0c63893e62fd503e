"""The demo strategy's roadmap: a handful of projects across the fields of action, most of
them public, three taking up ideas from the demo discussion, one still internal."""

from sqlalchemy import select

from participation.discussion.models import Contribution, ContributionKind
from participation.extensions import db
from participation.roadmap import services
from participation.roadmap.models import ProjectStatus, RoadmapProject
from participation.strategies.models import Strategy

DIGITAL_DEPARTMENT = {
    "name": "Amt für Digitalisierung und Organisation",
    "short_name": "Amt 10",
    "email": "digitalisierung@musterstadt.example",
}

# (title, field of action key, department short name, priority, start, end, status,
#  public, titles of linked demo ideas, description)
PROJECTS = [
    (
        "Online-Terminbuchung im Bürgerbüro",
        "handlungsfeld-verwaltung-und-buergerservice",
        "Amt 10",
        "quick_win",
        (2027, 1),
        (2027, 2),
        ProjectStatus.IN_PROGRESS,
        True,
        (),
        "Termine im Bürgerbüro lassen sich online buchen, verschieben und absagen; wer "
        "lieber anruft, bekommt den Termin weiterhin am Telefon.",
    ),
    (
        "Offenes WLAN in Bürgerbüros und Bibliotheken",
        "handlungsfeld-infrastruktur-und-standort",
        "Amt 10",
        "quick_win",
        (2027, 1),
        (2027, 3),
        ProjectStatus.IN_PROGRESS,
        True,
        ("Offenes WLAN in allen Bürgerbüros und Bibliotheken",),
        "Kostenfreies WLAN zuerst in der Stadtbibliothek, dann in allen Bürgerbüros.",
    ),
    (
        "Mobilitätsplattform Musterstadt",
        "handlungsfeld-mobilitaet",
        "AMob",
        "lead",
        (2027, 2),
        (2028, 4),
        ProjectStatus.PLANNED,
        True,
        ("Baustellen-Karte mit Umleitungen",),
        "Bus, Bahn, Leihräder und Carsharing in einer Auskunft, mit Echtzeitdaten und einer "
        "Karte der Baustellen und Umleitungen, auch als offene Daten.",
    ),
    (
        "Digitaltreffs in den Stadtteilen",
        "handlungsfeld-bildung-und-digitale-teilhabe",
        "Amt 40",
        "potential",
        (2027, 3),
        (2028, 2),
        ProjectStatus.PLANNED,
        True,
        ("Sprechstunde „Digital-Hilfe“ in der Stadtbibliothek",),
        "Feste Sprechstunden, in denen Ehrenamtliche bei Smartphone und Online-Anträgen "
        "helfen – zuerst in der Stadtbibliothek, dann in den Stadtteilzentren.",
    ),
    (
        "Glasfaser für alle Schulen",
        "handlungsfeld-infrastruktur-und-standort",
        "Amt 40",
        "lead",
        (2027, 1),
        (2029, 4),
        ProjectStatus.IN_PROGRESS,
        True,
        (),
        "Alle Schulen werden bis Ende 2029 an das Glasfasernetz angeschlossen.",
    ),
    (
        "Energiemonitoring für städtische Gebäude",
        "handlungsfeld-klimaschutz-und-nachhaltigkeit",
        None,
        "potential",
        (2028, 1),
        (2028, 4),
        ProjectStatus.PLANNED,
        False,
        (),
        "Noch in Abstimmung mit dem Gebäudemanagement.",
    ),
]


def load_roadmap(strategy: Strategy, moderator, departments: dict) -> int:
    """Creates the demo projects once (none may exist yet); returns how many. Projects that
    are under way were created as planned and then changed, so their history has two
    entries. `departments`: {short name: Department}."""
    if db.session.scalar(
        select(RoadmapProject.id).where(RoadmapProject.strategy_id == strategy.id).limit(1)
    ):
        return 0
    ideas = {
        idea.title: idea.id
        for idea in db.session.scalars(
            select(Contribution).where(
                Contribution.strategy_id == strategy.id,
                Contribution.kind == ContributionKind.IDEA,
            )
        )
    }
    fields = {node.section.key for node in services.field_nodes(strategy)}
    count = 0
    for title, key, short, priority, start, end, status, public, linked, text in PROJECTS:
        department = departments.get(short)
        data = services.ProjectData(
            title=title,
            description_md=text,
            field_key=key if key in fields else None,
            department_id=department.id if department is not None else None,
            priority=priority,
            start_year=start[0],
            start_quarter=start[1],
            end_year=end[0],
            end_quarter=end[1],
            is_public=public,
            idea_ids=[ideas[name] for name in linked if name in ideas],
        )
        project = services.create_project(strategy, data, actor=moderator)
        if status is not ProjectStatus.PLANNED:
            data.status = status
            services.update_project(
                project, data, actor=moderator, expected_revision=project.revision
            )
        count += 1
    return count
