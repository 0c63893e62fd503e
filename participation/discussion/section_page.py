"""The discussion part of a section page: paragraph controls with their counts, the comment
form or the notice why there is none, and one page of threads. Used by the section views
(strategies) and by the comment view when it shows the form again with errors."""

from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user

from participation.database import utcnow
from participation.discussion import display, queries, services
from participation.discussion.forms import CommentForm
from participation.strategies.models import Phase, Section, Strategy, Version
from participation.strategies.queries import published_versions


@dataclass
class Paragraph:
    number: int
    anchor: str
    html: str
    count: int


def page_number(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def section_url(strategy: Strategy, version: Version, latest: Version, key: str) -> str:
    if version.id == latest.id:
        return url_for("strategies.section", slug=strategy.slug, key=key)
    return url_for("strategies.version_section", slug=strategy.slug, number=version.number, key=key)


def version_links(strategy: Strategy, key: str, latest: Version) -> dict[int, tuple[int, str]]:
    """Where paragraphs of earlier versions are read (for comments written on them)."""
    return {
        v.id: (v.number, section_url(strategy, v, latest, key))
        for v in published_versions(strategy)
    }


def needs_version_links(threads, anchors) -> bool:
    """Only comments on paragraphs missing from the shown version link to older versions."""
    return any(
        node.contribution.paragraph_anchor and node.contribution.paragraph_anchor not in anchors
        for node in threads
    )


def paragraphs_of(section: Section, counts: dict[str, int]) -> list[Paragraph]:
    blocks = [b for b in section.blocks or [] if b.get("anchor")]
    return [
        Paragraph(n, b["anchor"], b["html"], counts.get(b["anchor"], 0))
        for n, b in enumerate(blocks, start=1)
    ]


def discussion_context(
    strategy: Strategy,
    version: Version,
    latest: Version,
    section: Section,
    form: CommentForm | None = None,
    anchor: str | None = None,
    page: int | None = None,
) -> dict:
    """Template variables for `templates/discussion/_section.html` (and the section text)."""
    is_current = version.id == latest.id
    counts = queries.paragraph_counts(strategy.id, section.key)
    paragraphs = paragraphs_of(section, counts)
    by_anchor = {p.anchor: p for p in paragraphs}
    if anchor is None:
        anchor = request.args.get("absatz") or None
    chosen = by_anchor.get(anchor)
    if anchor is not None and chosen is None:
        anchor = None  # an unknown paragraph: show the whole discussion instead
    now = utcnow()
    phase = strategy.phase_at(now)
    may_post = is_current and services.may_post(strategy, current_user, now)
    if may_post and form is None:
        form = CommentForm(formdata=None, absatz=anchor or "")
    if form is not None and not current_user.is_authenticated:
        form.for_guest()
    thread_page = queries.section_threads(
        strategy.id,
        section.key,
        page=page if page is not None else page_number(request.args.get("seite")),
        viewer_id=display.viewer_id(),
        guest_ids=display.guest_ids(),
        paragraph_anchor=anchor,
    )
    ctx = display.thread_context(
        can_reply=is_current and services.may_post(strategy, current_user, now),
        marked=display.marked_id(request.args.get("markiert")),
        paragraphs={p.anchor: p.number for p in paragraphs},
        version_links=version_links(strategy, section.key, latest)
        if needs_version_links(thread_page.threads, by_anchor)
        else None,
    )
    return {
        "paragraphs": paragraphs,
        "chosen_paragraph": chosen,
        "comment_form": form if may_post else None,
        "participation_phase": phase,
        "participation_open": phase is Phase.OPEN,
        "staff_outside_window": may_post and phase is not Phase.OPEN,
        "thread_page": thread_page,
        "thread_ctx": ctx,
        "section_url": section_url(strategy, version, latest, section.key),
    }
