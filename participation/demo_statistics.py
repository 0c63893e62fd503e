"""What became of some demo suggestions, so that the statistics page and the council report
have answers and decisions to count: official replies and final processing statuses, through
the real services (the forwardings of demo_discussion come first)."""

from sqlalchemy import or_, select

from participation.demo_discussion import COMMENTS, IDEAS
from participation.discussion.models import Contribution, ModerationState, ProcessingStatus
from participation.extensions import db
from participation.moderation import official
from participation.moderation import status as status_service
from participation.strategies.models import Strategy

# (idea title or comment text, official reply or None, status, public reason or None)
OUTCOMES = [
    (
        IDEAS[0][0],
        "Vielen Dank für die Idee! Das WLAN für Bürgerbüros und Bibliotheken ist bereits "
        "ausgeschrieben; wir nehmen es als Maßnahme in die Strategie auf.",
        ProcessingStatus.ADOPTED,
        "Offenes WLAN kommt 2027 in alle Bürgerbüros und Stadtteilbibliotheken.",
    ),
    (
        COMMENTS[1][3],
        "Danke für den Hinweis. Das Amt berichtet künftig zweimal im Jahr im Ausschuss und "
        "hier auf der Plattform über den Stand der Projekte.",
        ProcessingStatus.ANSWERED,
        None,
    ),
    (
        COMMENTS[2][3],
        None,
        ProcessingStatus.NOT_ADOPTED,
        "Die Vergabekriterien richten sich nach dem Vergaberecht und werden mit jeder "
        "Ausschreibung veröffentlicht; eine eigene Regel in der Strategie ist nicht nötig.",
    ),
    (
        IDEAS[2][0],
        None,
        ProcessingStatus.PARTIALLY_ADOPTED,
        "Die Baustellen werden ab dem Frühjahr als offene Daten veröffentlicht; Umleitungen "
        "für Rad- und Fußverkehr folgen mit der neuen Verkehrsleitzentrale.",
    ),
]


def load_outcomes(strategy: Strategy, moderator) -> int:
    """Answers and decides the demo suggestions in OUTCOMES, once (nothing if the strategy
    already has an official reply or a decision). Returns how many were decided."""
    decided = (
        ProcessingStatus.ADOPTED,
        ProcessingStatus.PARTIALLY_ADOPTED,
        ProcessingStatus.NOT_ADOPTED,
        ProcessingStatus.ANSWERED,
    )
    done = db.session.scalar(
        select(Contribution.id)
        .where(
            Contribution.strategy_id == strategy.id,
            or_(Contribution.is_official.is_(True), Contribution.status.in_(decided)),
        )
        .limit(1)
    )
    if done is not None:
        return 0
    count = 0
    for key, reply, status, reason in OUTCOMES:
        contribution = db.session.scalar(
            select(Contribution)
            .where(
                Contribution.strategy_id == strategy.id,
                Contribution.state == ModerationState.PUBLISHED,
                Contribution.parent_id.is_(None),
                or_(Contribution.title == key, Contribution.body_md == key),
            )
            .order_by(Contribution.id)
            .limit(1)
        )
        if contribution is None:
            continue
        if reply:
            official.post_official_reply(
                contribution, actor=moderator, body_md=reply, show_own_name=False
            )
        status_service.set_status(contribution, status, actor=moderator, public_reason=reason)
        count += 1
    return count
