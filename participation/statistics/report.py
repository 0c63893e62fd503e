"""The participation report for a council paper (Bericht für die Ratsvorlage).

Summary figures and charts, then per section the published suggestions with their official
replies and processing status, then the adopted and partially adopted suggestions with the
section of the later version they went into. No author names: the council needs what was
said and what became of it, not who said it. The same body is served as printable HTML and
as a tagged PDF (PDF/UA-1, WeasyPrint).

Statements: the four of `services.strategy_figures` plus two (the suggestions' texts and
the official replies' texts), however many contributions there are.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, or_, select

from participation.discussion.models import (
    Channel,
    Contribution,
    ContributionKind,
    ModerationState,
    ProcessingStatus,
)
from participation.extensions import db
from participation.fragments import FragmentCache
from participation.moderation.status import AdoptedInto, adopted_into_of
from participation.statistics import services
from participation.statistics.services import Figures, SectionInfo
from participation.strategies.models import Strategy, Version

ROOT = Path(__file__).resolve().parent.parent.parent
REPORT_CSS = ROOT / "static" / "css" / "report.css"
ADOPTED = (ProcessingStatus.ADOPTED, ProcessingStatus.PARTIALLY_ADOPTED)


@dataclass(frozen=True)
class OfficialReply:
    created_at: datetime
    signature: str
    body_html: str


@dataclass
class Item:
    id: int
    kind: ContributionKind
    title: str | None
    body_html: str
    created_at: datetime
    channel: Channel
    status: ProcessingStatus | None
    section_key: str | None
    reply_count: int
    public_reason: str | None = None
    adopted_into: AdoptedInto | None = None
    official_replies: list[OfficialReply] = field(default_factory=list)


@dataclass
class ReportSection:
    key: str | None
    number: str
    title: str
    items: list[Item]


@dataclass
class Report:
    strategy: Strategy
    latest: Version
    figures: Figures
    sections: list[ReportSection]
    adopted: list[Item]
    numbers: dict[str, str]  # section key -> its number in the latest version


def section_numbers(sections: list[SectionInfo], version_number: int) -> dict[str, str]:
    """Key -> "2.1", the number readers see in the table of contents of that version."""
    own = [info for info in sections if info.version_number == version_number]
    by_parent: dict[int | None, list[SectionInfo]] = {}
    for info in own:
        by_parent.setdefault(info.parent_id, []).append(info)
    numbers: dict[str, str] = {}

    def walk(parent_id, prefix):
        siblings = sorted(by_parent.get(parent_id, []), key=lambda s: (s.position, s.id))
        for index, info in enumerate(siblings, start=1):
            numbers[info.key] = f"{prefix}{index}"
            walk(info.id, f"{prefix}{index}.")

    walk(None, "")
    return numbers


def build(strategy: Strategy, latest: Version) -> Report:
    sections = services.published_sections(strategy)
    rows = services._published_rows(strategy)
    events = services.decision_events(strategy)
    departments = services._departments(strategy)
    figures = services.compute(strategy, sections, rows, events, departments)

    published = and_(
        Contribution.strategy_id == strategy.id,
        Contribution.state == ModerationState.PUBLISHED,
    )
    suggestion_rows = db.session.execute(
        select(
            Contribution.id,
            Contribution.kind,
            Contribution.title,
            Contribution.body_html,
            Contribution.created_at,
            Contribution.channel,
            Contribution.status,
            Contribution.section_key,
            Contribution.reply_count,
        )
        .where(
            published,
            Contribution.is_official.is_(False),
            or_(
                Contribution.kind == ContributionKind.IDEA,
                and_(
                    Contribution.kind == ContributionKind.COMMENT,
                    Contribution.parent_id.is_(None),
                ),
            ),
        )
        .order_by(Contribution.created_at, Contribution.id)
    ).all()
    items = {row.id: Item(*row) for row in suggestion_rows}
    replies = db.session.execute(
        select(
            Contribution.parent_id,
            Contribution.created_at,
            Contribution.official_signature,
            Contribution.body_html,
        )
        .where(published, Contribution.is_official.is_(True))
        .order_by(Contribution.created_at, Contribution.id)
    ).all()
    for parent_id, created_at, signature, body_html in replies:
        if parent_id in items:
            items[parent_id].official_replies.append(
                OfficialReply(created_at, signature or "", body_html)
            )
    for contribution_id, _, payload in events:
        item = items.get(contribution_id)
        if item is None:
            continue
        item.public_reason = payload.get("public_reason") or None
        into = adopted_into_of(payload)
        if into is not None:
            item.adopted_into = into
    for item in items.values():
        if item.status not in ADOPTED:
            item.adopted_into = None

    titles = services.latest_titles(sections)
    numbers = section_numbers(sections, latest.number)
    grouped: dict[str | None, list[Item]] = {}
    for item in items.values():
        grouped.setdefault(item.section_key, []).append(item)
    report_sections = [
        ReportSection(key, numbers.get(key, ""), titles.get(key, key), grouped[key])
        for key in services.reading_order(sections)
        if key in grouped
    ]
    report_sections += [
        ReportSection(key, "", key, grouped[key])
        for key in sorted(k for k in grouped if k is not None and k not in titles)
    ]
    if None in grouped:
        report_sections.append(ReportSection(None, "", "", grouped[None]))
    adopted = [item for item in items.values() if item.status in ADOPTED]
    return Report(strategy, latest, figures, report_sections, adopted, numbers)


def _refuse_fetch(url: str, *args, **kwargs):
    """The report is self-contained: WeasyPrint fetches nothing (no images or fonts from
    other hosts, not even from this one)."""
    raise ValueError(f"the report fetches nothing ({url[:80]})")


# WeasyPrint needs about 30 ms of CPU per page (a report on 2,000 contributions has some 200
# pages; benchmarks/council_report.py). The same HTML always gives the same PDF, so a report
# asked for again before anything changed (the HTML carries only the day it was made) is
# served from memory.
_pdfs = FragmentCache(size=4)


def render_pdf(html: str) -> bytes:
    """A tagged PDF (PDF/UA-1): real text, headings and tables as structure, the document's
    language and title from the HTML (`<html lang>`, `<title>`)."""
    from weasyprint import CSS, HTML

    key = ("council-report", hashlib.sha256(html.encode()).hexdigest())
    pdf = _pdfs.get(key)
    if pdf is None:
        document = HTML(string=html, url_fetcher=_refuse_fetch)
        pdf = document.write_pdf(
            pdf_variant="pdf/ua-1",
            stylesheets=[CSS(filename=str(REPORT_CSS))],
        )
        _pdfs.put(key, pdf)
    return pdf
