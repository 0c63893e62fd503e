"""The statistics page of a strategy and the report for the council (blueprint `statistics`).

- GET `/strategien/<slug>/statistik`: public; figures over published contributions as charts
  with a table each, in the reader's language.
- GET `/strategien/<slug>/bericht`: the council report as a printable page (staff who
  moderate; always in German, the language of the council paper).
- GET `/strategien/<slug>/bericht.pdf`: the same report as a tagged PDF.
"""

from flask import Blueprint, abort, make_response, render_template
from flask_babel import force_locale

from participation.database import utcnow
from participation.discussion.idea_labels import CHANNEL_LABELS
from participation.permissions import can_moderate, public, requires
from participation.statistics import panels, report, services
from participation.strategies import queries

bp = Blueprint("statistics", __name__)


@bp.context_processor
def _helpers():
    return {"CHANNEL_LABELS": CHANNEL_LABELS}


def _strategy_with_latest_or_404(slug: str):
    found = queries.published_with_latest(slug)
    if found is None:
        abort(404)
    return found


@bp.get("/strategien/<slug>/statistik")
@public
def page(slug: str):
    strategy, latest = _strategy_with_latest_or_404(slug)
    figures = services.strategy_figures(strategy)
    return render_template(
        "statistics/page.html",
        strategy=strategy,
        latest=latest,
        summary=panels.summary(figures),
        panels=panels.panels(figures, strategy.id),
        figures=figures,
    )


def _report_html(slug: str, template: str) -> str:
    strategy, latest = _strategy_with_latest_or_404(slug)
    with force_locale("de"):
        data = report.build(strategy, latest)
        return render_template(
            template,
            report=data,
            strategy=strategy,
            summary=panels.summary(data.figures),
            panels=panels.panels(data.figures, strategy.id, prefix="report"),
            made_at=utcnow(),
        )


@bp.get("/strategien/<slug>/bericht")
@requires(can_moderate)
def report_page(slug: str):
    return _report_html(slug, "statistics/report.html")


@bp.get("/strategien/<slug>/bericht.pdf")
@requires(can_moderate)
def report_pdf(slug: str):
    pdf = report.render_pdf(_report_html(slug, "statistics/report_document.html"))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="beteiligungsbericht-{slug}.pdf"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
