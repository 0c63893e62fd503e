"""Seeding many contributions quickly (tests and benchmarks): rows written directly with
correct paths and counters, the way the services would have left them."""

import random

from sqlalchemy import insert, select, text

from participation.database import utcnow
from participation.discussion.models import (
    PATH_DIGITS,
    Contribution,
    ContributionKind,
    ModerationState,
)
from participation.discussion.services import text_hash
from participation.extensions import db
from participation.markup import render_contribution
from participation.strategies.models import Section, Version

WORDS = (
    "Digitalisierung Verwaltung Bürgerbüro Termin online Antrag Daten offen Schule Bus Radweg "
    "Glasfaser Kita Formular Beteiligung Stadt Quartier Ehrenamt Bibliothek Klimaschutz"
).split()


def sample_text(rng: random.Random, words: int = 40) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def seed_section(strategy_id: int, section_key: str, total: int, author_id=None, seed=1) -> None:
    """About a quarter top-level comments, the rest replies at random places, all published."""
    rng = random.Random(seed)
    version = db.session.scalars(
        select(Version)
        .where(Version.strategy_id == strategy_id, Version.number.is_not(None))
        .order_by(Version.number.desc())
    ).first()
    section = db.session.scalars(
        select(Section).where(Section.version_id == version.id, Section.key == section_key)
    ).one()
    start = (db.session.scalar(select(db.func.max(Contribution.id))) or 0) + 1
    rows, now = [], utcnow()
    for offset in range(total):
        id_ = start + offset
        parent = rows[rng.randrange(len(rows))] if rows and rng.random() > 0.25 else None
        body = sample_text(rng)
        path = (parent["path"] if parent else "") + f"{id_:0{PATH_DIGITS}d}/"
        rows.append(
            {
                "id": id_,
                "strategy_id": strategy_id,
                "version_id": version.id,
                "section_id": section.id,
                "section_key": section_key,
                "kind": ContributionKind.REPLY if parent else ContributionKind.COMMENT,
                "parent_id": parent["id"] if parent else None,
                "root_id": parent["root_id"] if parent else id_,
                "path": path,
                "depth": parent["depth"] + 1 if parent else 0,
                "body_md": body,
                "body_html": render_contribution(body).html,
                "text_hash": text_hash(body),
                "author_id": author_id,
                "guest_name": None if author_id else "Gast",
                "guest_email": None if author_id else "gast@example.org",
                "state": ModerationState.PUBLISHED,
                "reply_count": 0,
                "support_count": 0,
                "created_at": now,
                "revision": 1,
                "is_official": False,
                "channel": "online",
            }
        )
    by_id = {row["id"]: row for row in rows}
    for row in rows:
        for ancestor in row["path"].split("/")[:-2]:
            by_id[int(ancestor)]["reply_count"] += 1
    db.session.execute(insert(Contribution), rows)
    if db.engine.dialect.name == "postgresql":
        # Ids were given explicitly; move the sequence past them for later inserts.
        db.session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('contributions', 'id'), "
                "(SELECT max(id) FROM contributions))"
            )
        )
    db.session.commit()
