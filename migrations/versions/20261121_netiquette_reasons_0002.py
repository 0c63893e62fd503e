"""netiquette reasons kept by the administrators

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:00:00

The reasons for rejecting a contribution become a table with the nine defaults of the
design (same keys as the former enum, so every stored rejection keeps its reason).
`contributions.rejection_reason` already is a plain VARCHAR(32) without an enum CHECK in
0001, so its column stays as it is and now holds a `netiquette_reasons.key`. There is
deliberately no foreign key: adding one would rebuild `contributions` on SQLite, and with
foreign keys switched on the DROP of the old table cascades into replies, revisions,
reports and supports. The services refuse unknown or inactive keys and keep used reasons
from being deleted instead.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import participation.database

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

DEFAULTS = [
    (
        "insult",
        "Beleidigung",
        "Insult",
        "Beiträge, die andere Menschen herabsetzen, beschimpfen oder lächerlich machen.",
        "Contributions that belittle, abuse or ridicule other people.",
    ),
    (
        "discrimination",
        "Diskriminierung",
        "Discrimination",
        "Abwertung von Menschen wegen ihrer Herkunft, ihres Geschlechts, ihrer Religion, einer "
        "Behinderung, ihres Alters, ihrer sexuellen Identität oder anderer Merkmale.",
        "Disparaging people because of their origin, gender, religion, disability, age, sexual "
        "identity or other characteristics.",
    ),
    (
        "threat",
        "Drohung/Gewalt",
        "Threat or violence",
        "Drohungen, Aufrufe zu Gewalt oder deren Verherrlichung.",
        "Threats, calls for violence or its glorification.",
    ),
    (
        "unlawful",
        "Rechtswidriger Inhalt",
        "Unlawful content",
        "Inhalte, die gegen geltendes Recht verstoßen, zum Beispiel Volksverhetzung oder "
        "Verleumdung.",
        "Content that breaks the law, for example incitement to hatred or defamation.",
    ),
    (
        "copyright",
        "Urheberrechtsverletzung",
        "Copyright infringement",
        "Fremde Texte oder Bilder ohne Erlaubnis der Rechteinhaber; kurze Zitate mit "
        "Quellenangabe sind erlaubt.",
        "Texts or images by others without the rights holder's permission; short quotations "
        "with their source are allowed.",
    ),
    (
        "personal_data",
        "Personenbezogene Daten Dritter",
        "Personal data of third parties",
        "Namen, Adressen, Telefonnummern oder andere Angaben über Personen, die dem nicht "
        "selbst zugestimmt haben.",
        "Names, addresses, phone numbers or other details about people who have not agreed "
        "to it themselves.",
    ),
    (
        "spam",
        "Werbung/Spam",
        "Advertising or spam",
        "Werbung für Produkte, Dienstleistungen oder Parteien und massenhaft gleichlautende "
        "Beiträge.",
        "Advertising for products, services or parties, and the same text posted many times.",
    ),
    (
        "off_topic",
        "Kein Bezug zum Thema",
        "Not related to the topic",
        "Beiträge ohne Bezug zur Strategie oder zum kommentierten Abschnitt.",
        "Contributions unrelated to the strategy or to the section they comment on.",
    ),
    (
        "duplicate",
        "Wiederholung/Dublette",
        "Repetition or duplicate",
        "Derselbe Beitrag liegt schon vor; bitte unterstützen oder ergänzen Sie den vorhandenen.",
        "The same contribution has already been submitted; please support or add to the "
        "existing one.",
    ),
]


def upgrade():
    reasons = op.create_table(
        "netiquette_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("label_de", sa.String(length=120), nullable=False),
        sa.Column("label_en", sa.String(length=120), nullable=False),
        sa.Column("explanation_de", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", participation.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_netiquette_reasons")),
        sa.UniqueConstraint("key", name=op.f("uq_netiquette_reasons_key")),
    )
    now = datetime.now(UTC)
    rows = [
        {
            "key": key,
            "label_de": label_de,
            "label_en": label_en,
            "explanation_de": explanation_de,
            "explanation_en": explanation_en,
            "position": position,
            "is_active": True,
            "created_at": now,
            "updated_at": now,
        }
        for position, (key, label_de, label_en, explanation_de, explanation_en) in enumerate(
            DEFAULTS
        )
    ]
    # Any other key already stored on a contribution keeps a (deactivated) reason, so that
    # no rejection loses its label.
    known = {row["key"] for row in rows}
    contributions = sa.table("contributions", sa.column("rejection_reason", sa.String))
    stored = op.get_bind().scalars(
        sa.select(contributions.c.rejection_reason)
        .where(contributions.c.rejection_reason.is_not(None))
        .distinct()
    )
    for key in sorted(set(stored) - known):
        rows.append(
            {
                "key": key,
                "label_de": key,
                "label_en": key,
                "explanation_de": "",
                "explanation_en": "",
                "position": len(rows),
                "is_active": False,
                "created_at": now,
                "updated_at": now,
            }
        )
    op.bulk_insert(reasons, rows)


def downgrade():
    # The keys stay on the contributions as plain strings.
    op.drop_table("netiquette_reasons")
