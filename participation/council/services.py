"""Linking a strategy to its council paper: entering it by hand, importing it from OParl,
removing it.

Every function validates, changes state, records an event on the strategy and flushes;
none commits (the view or CLI command does). A stale form (someone saved the paper since
it was loaded) is refused with the current paper, so the office can compare and decide.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from participation.council import oparl
from participation.council.models import (
    COMMITTEE_MAX,
    CONSULTATIONS_MAX,
    REFERENCE_MAX,
    RESULT_MAX,
    URL_MAX,
    CouncilConsultation,
    CouncilPaper,
)
from participation.database import utcnow
from participation.events.services import record
from participation.extensions import db
from participation.strategies.models import Strategy

URL_MESSAGE = _l(
    "The address must begin with http:// or https://, e.g. https://ris.example.org/vo/123."
)
COMMITTEE_MESSAGE = _l("Enter the committee or the council that consulted the paper.")


class CouncilError(Exception):
    """A rule refused the change; `message` is user-facing (translated, lazy).

    `field` names the form field the message belongs to (rows as "consultations-<n>-<name>",
    as the form names them). `current` is the paper as it is now when someone else changed
    it meanwhile."""

    def __init__(self, message, *, field: str | None = None, current: Any = None):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.current = current


@dataclass(frozen=True)
class ConsultationInput:
    committee: str
    meeting_date: date | None = None
    result: str = ""


def paper_of(strategy_id: int) -> CouncilPaper | None:
    return db.session.scalars(
        select(CouncilPaper)
        .where(CouncilPaper.strategy_id == strategy_id)
        .options(selectinload(CouncilPaper.consultations))
    ).first()


def snapshot(paper: CouncilPaper | None) -> dict[str, Any] | None:
    if paper is None:
        return None
    return {
        "reference": paper.reference,
        "url": paper.url,
        "oparl_url": paper.oparl_url,
        "consultations": [
            {
                "committee": c.committee,
                "meeting_date": c.meeting_date.isoformat() if c.meeting_date else None,
                "result": c.result,
            }
            for c in paper.consultations
        ],
    }


def _check_url(url: str, field: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    if len(url) > URL_MAX:
        raise CouncilError(
            _l("The address must not exceed %(max)d characters.", max=URL_MAX), field=field
        )
    try:
        oparl.check_address(url)
    except oparl.OParlError as error:
        raise CouncilError(URL_MESSAGE, field=field) from error
    return url


def _validate(reference: str, url: str, consultations) -> tuple[str, str, list[ConsultationInput]]:
    reference = (reference or "").strip()
    if not reference:
        raise CouncilError(
            _l("Enter the reference number of the council paper, e.g. VO/2026/123."),
            field="reference",
        )
    if len(reference) > REFERENCE_MAX:
        raise CouncilError(
            _l("The reference number must not exceed %(max)d characters.", max=REFERENCE_MAX),
            field="reference",
        )
    url = _check_url(url, "url")
    rows = list(consultations)
    if len(rows) > CONSULTATIONS_MAX:
        raise CouncilError(
            _l("Enter at most %(max)d consultations.", max=CONSULTATIONS_MAX),
            field="consultations",
        )
    cleaned = []
    for index, row in enumerate(rows):
        committee = (row.committee or "").strip()
        result = (row.result or "").strip()
        if not committee:
            raise CouncilError(COMMITTEE_MESSAGE, field=f"consultations-{index}-committee")
        if len(committee) > COMMITTEE_MAX:
            raise CouncilError(
                _l("The committee must not exceed %(max)d characters.", max=COMMITTEE_MAX),
                field=f"consultations-{index}-committee",
            )
        if len(result) > RESULT_MAX:
            raise CouncilError(
                _l("The result must not exceed %(max)d characters.", max=RESULT_MAX),
                field=f"consultations-{index}-result",
            )
        if row.meeting_date is not None and not isinstance(row.meeting_date, date):
            raise CouncilError(
                _l("Enter the meeting date as a date."),
                field=f"consultations-{index}-meeting_date",
            )
        cleaned.append(ConsultationInput(committee, row.meeting_date, result))
    return reference, url, cleaned


def _check_revision(paper: CouncilPaper | None, expected_revision: int | None) -> None:
    """`expected_revision` is the paper's revision the form was loaded with, 0 for "no paper
    yet", None to overwrite whatever is there (the command line)."""
    if expected_revision is None:
        return
    if paper is None and expected_revision != 0:
        raise CouncilError(
            _l(
                "Someone else removed the council paper meanwhile. The form shows your input; "
                "save again to enter it anew."
            )
        )
    if paper is not None and paper.revision != expected_revision:
        raise CouncilError(
            _l(
                "Someone else changed the council paper meanwhile. The form shows your input; "
                "the current entry is shown below. Save again to overwrite it."
            ),
            current=paper,
        )


def _flush() -> None:
    """Flush in a savepoint: a paper created or changed at the same moment by someone else
    becomes a CouncilError instead of breaking the transaction."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except (IntegrityError, StaleDataError) as error:
        raise CouncilError(
            _l("Someone else saved the council paper at the same moment. Please reload the page.")
        ) from error


def _replace(
    strategy: Strategy,
    paper: CouncilPaper | None,
    reference: str,
    url: str,
    consultations: list[ConsultationInput],
) -> CouncilPaper:
    if paper is None:
        paper = CouncilPaper(strategy_id=strategy.id, reference=reference, url=url)
        db.session.add(paper)
    paper.reference = reference
    paper.url = url
    current = [(c.committee, c.meeting_date, c.result) for c in paper.consultations]
    wanted = [(c.committee, c.meeting_date, c.result) for c in consultations]
    if current != wanted:
        paper.consultations = [
            CouncilConsultation(
                position=position,
                committee=c.committee,
                meeting_date=c.meeting_date,
                result=c.result,
            )
            for position, c in enumerate(consultations)
        ]
    return paper


def save_paper(
    strategy: Strategy,
    *,
    actor,
    expected_revision: int | None,
    reference: str,
    url: str,
    consultations,
) -> CouncilPaper:
    """Create or change the strategy's paper and its consultations (replaced as given)."""
    reference, url, rows = _validate(reference, url, consultations)
    paper = paper_of(strategy.id)
    _check_revision(paper, expected_revision)
    before = snapshot(paper)
    paper = _replace(strategy, paper, reference, url, rows)
    after = {**snapshot(paper)}
    if before == after:
        return paper
    if before is not None:
        # Bumps the revision even when only consultations changed.
        paper.updated_at = utcnow()
    _flush()
    record(
        "council_paper.updated" if before is not None else "council_paper.created",
        strategy,
        actor,
        before=before,
        after=snapshot(paper),
    )
    db.session.flush()
    return paper


def remove_paper(strategy: Strategy, *, actor, expected_revision: int | None) -> None:
    paper = paper_of(strategy.id)
    if paper is None:
        return
    _check_revision(paper, expected_revision)
    before = snapshot(paper)
    db.session.delete(paper)
    _flush()
    record("council_paper.removed", strategy, actor, before=before)
    db.session.flush()


def fetch_from_oparl(url: str) -> oparl.ImportedPaper:
    """What the OParl Paper at `url` would fill in (raises OParlError)."""
    config = current_app.config
    return oparl.fetch_paper(
        url,
        timeout=float(config.get("OPARL_TIMEOUT", 10)),
        max_bytes=int(config.get("OPARL_MAX_BYTES", 1024 * 1024)),
        transport=config.get("OPARL_TRANSPORT"),
    )


def apply_import(
    strategy: Strategy,
    imported: oparl.ImportedPaper,
    *,
    actor,
    expected_revision: int | None,
) -> CouncilPaper:
    """Replace the strategy's paper with what was imported, noting where from and when."""
    rows = [
        ConsultationInput(c.committee, c.meeting_date, c.result) for c in imported.consultations
    ]
    reference, url, rows = _validate(imported.reference, imported.url, rows)
    paper = paper_of(strategy.id)
    _check_revision(paper, expected_revision)
    before = snapshot(paper)
    paper = _replace(strategy, paper, reference, url, rows)
    paper.oparl_url = imported.oparl_url
    paper.imported_at = utcnow()
    paper.updated_at = paper.imported_at
    _flush()
    record("council_paper.imported", strategy, actor, before=before, after=snapshot(paper))
    db.session.flush()
    return paper
