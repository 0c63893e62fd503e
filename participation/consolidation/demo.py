"""Demo data for the consolidation: an earlier participation whose phase has closed, with
ideas the two committee accounts rated, a closed rating round and two selections, so that
the office's evaluation (/konsolidierung/leitbild-digitale-stadt/auswertung) shows
something. Everything goes through the real services, with dates inside the past window."""

from datetime import datetime, timedelta

from sqlalchemy import select

from participation.accounts.models import User
from participation.consolidation import services
from participation.consolidation.models import SelectionKind
from participation.discussion import services as discussion
from participation.extensions import db
from participation.moderation import services as moderation
from participation.strategies import services as strategies
from participation.strategies.models import ModerationMode, Strategy

SLUG = "leitbild-digitale-stadt"
COMMITTEE = ("lenkung@example.org", "gremium@example.org")

DOCUMENT = """# Leitbild

Musterstadt nutzt die Digitalisierung, damit das Leben in der Stadt einfacher, offener und
nachhaltiger wird. Das Leitbild war vom Frühjahr an zur Beteiligung offen; der
Lenkungsausschuss hat die eingegangenen Ideen nach Relevanz und Machbarkeit bewertet.

# Handlungsfeld Verwaltung

Leistungen der Stadt sollen online beantragt werden können – und weiterhin persönlich.

# Handlungsfeld Mobilität

Bus, Rad und Parken sollen digital besser zusammenspielen.
"""

# (guest name, e-mail, title, text, ratings of the two members [(relevance, feasibility,
# comment)], selection and its public reason)
IDEAS = [
    (
        "Jonas R.",
        "jonas@example.org",
        "Termine im Bürgerbüro online buchen",
        "Ein Online-Kalender für alle Termine im Bürgerbüro, mit Erinnerung per E-Mail.",
        [(5, 5, "Schnell umsetzbar, das Terminsystem ist schon lizenziert."), (4, 5, "")],
        (
            SelectionKind.QUICK_WIN,
            "Das vorhandene Terminsystem wird noch in diesem Jahr "
            "für alle Anliegen im Bürgerbüro freigeschaltet.",
        ),
    ),
    (
        "Leonie aus Nord",
        "leonie@example.org",
        "Eine App für Bus, Leihrad und Parken",
        "Alle Angebote in einer App, mit Echtzeitdaten und Fahrkarten ohne Konto.",
        [(5, 2, "Sehr wichtig, aber nur mit dem Verkehrsverbund machbar."), (5, 3, "")],
        (
            SelectionKind.LEAD,
            "Trägt das Handlungsfeld Mobilität; die Stadt sucht dafür "
            "die Partnerschaft mit dem Verkehrsverbund.",
        ),
    ),
    (
        "Ahmet K.",
        "ahmet@example.org",
        "Offenes WLAN in allen Ortsteilen",
        "Kostenloses WLAN an Haltestellen, Plätzen und in den Bürgerhäusern.",
        [(3, 3, ""), (4, 2, "Betriebskosten klären.")],
        None,
    ),
    (
        "Renate, 71",
        "renate@example.org",
        "Digitalsprechstunde für Ältere",
        "Einmal pro Woche hilft jemand in der Bücherei bei Smartphone und Online-Anträgen.",
        [(4, 5, "Mit der Bücherei und dem Seniorenbeirat gut zu machen."), (4, 4, "")],
        None,
    ),
    (
        "Max M.",
        "max@example.org",
        "Sensoren melden freie Parkplätze",
        "Sensoren in den Parkhäusern und an der Straße zeigen freie Plätze in einer Karte.",
        [(2, 2, "Nutzen fraglich."), (3, 2, "")],
        None,
    ),
]


def load_consolidation(admin: User | None, now: datetime) -> int:
    """Create the closed demo participation once; returns how many ideas it has (0 when it
    existed already or an account it needs is missing)."""
    if db.session.scalar(select(Strategy.id).where(Strategy.slug == SLUG)) is not None:
        return 0
    moderator = db.session.scalar(select(User).where(User.email == "moderation@example.org"))
    members = [db.session.scalar(select(User).where(User.email == email)) for email in COMMITTEE]
    if moderator is None or None in members:
        return 0
    opens_at = now - timedelta(weeks=14)
    closes_at = now - timedelta(weeks=6)
    strategy = strategies.create_strategy(
        actor=admin,
        title="Leitbild Digitale Stadt Musterstadt",
        slug=SLUG,
        summary=(
            "Die frühere Beteiligung zum Leitbild ist abgeschlossen; der Lenkungsausschuss hat "
            "die Ideen bewertet und das Amt erste Projekte ausgewählt."
        ),
        opens_at=opens_at,
        closes_at=closes_at,
        moderation_mode=ModerationMode.PRE,
        review_hours="",
    )
    strategies.import_document(strategy, DOCUMENT, actor=admin)
    strategies.publish(strategy, actor=admin, change_note="Entwurf zur Beteiligung.")
    posted = opens_at + timedelta(days=3)
    chosen = []
    for day, (name, email, title, body, ratings, selection) in enumerate(IDEAS):
        idea = discussion.post_idea(
            strategy,
            author=None,
            guest=discussion.Guest(name, email, True, True),
            title=title,
            body_md=body,
            now=posted + timedelta(days=day),
        )
        moderation.decide(
            idea,
            "publish",
            actor=moderator,
            expected_state=idea.state,
            now=posted + timedelta(days=day, hours=2),
        )
        for member, (relevance, feasibility, comment) in zip(members, ratings, strict=True):
            services.rate(
                idea,
                strategy,
                rater=member,
                relevance=relevance,
                feasibility=feasibility,
                comment=comment,
            )
        if selection is not None:
            chosen.append((idea, selection))
    services.close_round(strategy, actor=moderator)
    for idea, (kind, reason) in chosen:
        services.select_idea(
            idea, strategy, kind, actor=moderator, public_reason=reason, expected=""
        )
    db.session.flush()
    return len(IDEAS)
