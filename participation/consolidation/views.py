"""Pages of the consolidation under /konsolidierung: the committee's rating (its list of
ideas, one page per idea, its CSV) and the office's evaluation (the sortable table with
the chart, its CSV, one page per idea with the selection, closing the rating round).

What a member sees of the others' ratings comes only from `services.summary_for` and
`services.member_summaries`, which show nothing of an idea the member has not rated.
"""

import csv
import io
from dataclasses import dataclass

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, gettext, ngettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from participation.consolidation import services
from participation.consolidation.chart import Point, scatter_svg
from participation.consolidation.forms import NOT_SELECTED, RatingForm, RoundForm, SelectionForm
from participation.consolidation.labels import (
    FEASIBILITY_SCALE,
    RELEVANCE_SCALE,
    SELECTION_BADGES,
    SELECTION_LABELS,
    selection_label,
)
from participation.consolidation.models import SelectionKind
from participation.consolidation.services import ConsolidationError, IdeaSummary
from participation.database import utcnow
from participation.extensions import db
from participation.permissions import (
    can_consolidate,
    can_rate_ideas,
    can_see_consolidation,
    requires,
)
from participation.strategies import queries as strategy_queries
from participation.strategies.models import Strategy, Version

bp = Blueprint("consolidation", __name__, url_prefix="/konsolidierung")


@bp.app_context_processor
def _helpers():
    return {
        "SELECTION_LABELS": SELECTION_LABELS,
        "SELECTION_BADGES": SELECTION_BADGES,
        "selection_of": services.selection_of,
    }


def _strategy(slug: str) -> Strategy:
    strategy = strategy_queries.published_strategy(slug)
    if strategy is None:
        abort(404)
    return strategy


def _idea(strategy: Strategy, id: int):
    idea = services.rateable_idea(strategy, id)
    if idea is None:
        abort(404)
    return idea


def _number(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    return format_decimal(round(value, digits), format="0." + "0" * digits)


@bp.app_template_filter("score")
def score_filter(value) -> str:
    return _number(value)


def _phase_state(strategy: Strategy) -> str:
    if not services.phase_closed(strategy):
        return "not_yet"
    if services.round_closed(strategy):
        return "closed"
    return "open"


# --- overview ----------------------------------------------------------------------------------


@bp.get("/")
@requires(can_see_consolidation)
def index():
    strategies = list(
        db.session.scalars(
            select(Strategy)
            .where(
                select(Version.id)
                .where(Version.strategy_id == Strategy.id, Version.number.is_not(None))
                .exists()
            )
            .order_by(Strategy.closes_at.desc())
        )
    )
    return render_template(
        "consolidation/index.html",
        strategies=[(s, _phase_state(s)) for s in strategies],
    )


# --- the committee -----------------------------------------------------------------------------


@bp.get("/<slug>/bewerten")
@requires(can_rate_ideas)
def rate_list(slug: str):
    strategy = _strategy(slug)
    state = _phase_state(strategy)
    ideas = services.rateable_ideas(strategy) if state != "not_yet" else []
    own = services.ratings_by(current_user, strategy)
    to_rate = [idea for idea in ideas if idea.id not in own]
    rated = [idea for idea in ideas if idea.id in own]
    return render_template(
        "consolidation/rate_list.html",
        strategy=strategy,
        state=state,
        to_rate=to_rate,
        rated=rated,
        own=own,
        summaries=services.member_summaries(strategy, current_user) if rated else {},
        total=len(ideas),
    )


@bp.route("/<slug>/bewerten/<int:id>", methods=["GET", "POST"])
@requires(can_rate_ideas)
def rate(slug: str, id: int):
    strategy = _strategy(slug)
    idea = _idea(strategy, id)
    state = _phase_state(strategy)
    own = services.rating_of(idea.id, current_user)
    status = 200
    if request.method == "POST":
        form = RatingForm()
        status = 400
        if state != "open":
            status = 409
            form.form_errors.append(
                gettext("Ideas can be rated once the participation phase has closed.")
                if state == "not_yet"
                else gettext(
                    "The office has closed the rating round; ratings can no longer be changed."
                )
            )
        elif form.validate():
            try:
                services.rate(
                    idea,
                    strategy,
                    rater=current_user._get_current_object(),
                    relevance=form.relevance.data,
                    feasibility=form.feasibility.data,
                    comment=form.comment.data,
                )
            except ConsolidationError as error:
                db.session.rollback()
                _form_error(form, error)
            else:
                db.session.commit()
                flash(gettext("Your rating has been saved."), "success")
                return redirect(url_for(".rate", slug=slug, id=idea.id) + "#andere-bewertungen")
    else:
        form = RatingForm(
            formdata=None,
            relevance=str(own.relevance) if own else None,
            feasibility=str(own.feasibility) if own else None,
            comment=own.comment if own else "",
        )
    ideas = services.rateable_ideas(strategy) if state != "not_yet" else []
    rated_ids = set(services.ratings_by(current_user, strategy))
    next_idea = next((i for i in ideas if i.id not in rated_ids and i.id != idea.id), None)
    return render_template(
        "consolidation/rate.html",
        strategy=strategy,
        idea=idea,
        state=state,
        form=form,
        own=own,
        # Nothing of the others before the member's own rating (services.summary_for).
        summary=services.summary_for(idea, current_user),
        next_idea=next_idea,
        field_title=_field_title(strategy, idea),
    ), status


def _form_error(form, error: ConsolidationError) -> None:
    if error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        form.form_errors.append(error.message)


def _field_title(strategy: Strategy, idea) -> str | None:
    if not idea.section_key:
        return None
    version = strategy_queries.latest_version(strategy)
    section = strategy_queries.section_by_key(version, idea.section_key) if version else None
    return section.title if section else None


def _csv_cell(value) -> str:
    """A cell as text; one that a spreadsheet would run as a formula is quoted."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_response(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _figures(summary: IdeaSummary | None) -> list:
    if summary is None:
        return ["", "", "", "", "", "", "", "", ""]
    r, f = summary.relevance, summary.feasibility
    return [
        summary.n,
        _number(r.mean, 2) if r.n else "",
        _number(r.sd, 2) if r.n else "",
        f"{r.low}–{r.high}" if r.n else "",
        _number(f.mean, 2) if f.n else "",
        _number(f.sd, 2) if f.n else "",
        f"{f.low}–{f.high}" if f.n else "",
        selection_label(summary.selection.kind) if summary.selection else "",
        " | ".join(
            f"{c.rater_name}: {c.text}" if c.rater_name else c.text for c in summary.comments
        ),
    ]


def _figure_headers() -> list[str]:
    return [
        gettext("Ratings"),
        gettext("Relevance (mean)"),
        gettext("Relevance (standard deviation)"),
        gettext("Relevance (range)"),
        gettext("Feasibility (mean)"),
        gettext("Feasibility (standard deviation)"),
        gettext("Feasibility (range)"),
        gettext("Selection"),
        gettext("Comments"),
    ]


@bp.get("/<slug>/bewerten.csv")
@requires(can_rate_ideas)
def rate_csv(slug: str):
    """The member's own ratings; the committee's figures only for the ideas they rated."""
    strategy = _strategy(slug)
    ideas = services.rateable_ideas(strategy) if services.phase_closed(strategy) else []
    own = services.ratings_by(current_user, strategy)
    summaries = services.member_summaries(strategy, current_user)
    rows = [
        [
            gettext("Number"),
            gettext("Idea"),
            gettext("My relevance"),
            gettext("My feasibility"),
            gettext("My comment"),
            *_figure_headers(),
        ]
    ]
    for idea in ideas:
        mine = own.get(idea.id)
        rows.append(
            [
                idea.id,
                idea.title,
                mine.relevance if mine else "",
                mine.feasibility if mine else "",
                mine.comment if mine else "",
                *_figures(summaries.get(idea.id)),
            ]
        )
    return _csv_response(rows, f"bewertungen-{strategy.slug}.csv")


# --- the office --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: object
    # The value to sort by; None sorts last whichever the direction.
    value: object


COLUMNS = [
    Column("nummer", _l("No."), lambda s: s.idea.id),
    Column("titel", _l("Idea"), lambda s: (s.idea.title or "").casefold()),
    Column("anzahl", _l("Ratings"), lambda s: s.n),
    Column("relevanz", _l("Relevance (mean)"), lambda s: s.relevance.mean),
    Column("relevanz-streuung", _l("Relevance (spread)"), lambda s: s.relevance.sd),
    Column("machbarkeit", _l("Feasibility (mean)"), lambda s: s.feasibility.mean),
    Column("machbarkeit-streuung", _l("Feasibility (spread)"), lambda s: s.feasibility.sd),
    Column(
        "auswahl",
        _l("Selection"),
        lambda s: list(SelectionKind).index(s.selection.kind) if s.selection else None,
    ),
]
COLUMN_KEYS = {column.key: column for column in COLUMNS}
ASCENDING, DESCENDING = "auf", "ab"


def _sorted(rows: list[IdeaSummary], key: str, direction: str) -> list[IdeaSummary]:
    value = COLUMN_KEYS[key].value
    present = [row for row in rows if value(row) is not None]
    missing = [row for row in rows if value(row) is None]
    present.sort(key=lambda row: (value(row), row.idea.id), reverse=direction == DESCENDING)
    return present + missing


def _sort_args() -> tuple[str, str]:
    key = request.args.get("sortierung", "nummer")
    if key not in COLUMN_KEYS:
        key = "nummer"
    direction = request.args.get("richtung", ASCENDING)
    if direction not in (ASCENDING, DESCENDING):
        direction = ASCENDING
    return key, direction


def _chart(strategy: Strategy, rows: list[IdeaSummary]) -> str:
    points = [
        Point(row.idea.id, row.relevance.mean, row.feasibility.mean)
        for row in rows
        if row.n and row.relevance.mean is not None
    ]
    unrated = sum(1 for row in rows if not row.n)
    description = gettext(
        "Each point is a rated idea, labelled with its number: to the right the more "
        "relevant, to the top the more feasible (means of the committee's ratings from 1 "
        "to 5). Dashed lines at 3 divide the chart into four quadrants. The table below "
        "gives the same figures."
    )
    if unrated:
        description += " " + ngettext(
            "%(num)d idea without ratings is not shown.",
            "%(num)d ideas without ratings are not shown.",
            unrated,
        )
    return scatter_svg(
        points,
        title=gettext(
            "Relevance and feasibility of the ideas for “%(title)s”", title=strategy.title
        ),
        description=description,
        x_label=gettext("Relevance (mean, 1–5)"),
        y_label=gettext("Feasibility (mean, 1–5)"),
    )


@bp.get("/<slug>/auswertung")
@requires(can_consolidate)
def evaluation(slug: str):
    strategy = _strategy(slug)
    state = _phase_state(strategy)
    rows = services.summaries(strategy, viewer=current_user) if state != "not_yet" else []
    key, direction = _sort_args()
    rows = _sorted(rows, key, direction)
    return render_template(
        "consolidation/evaluation.html",
        strategy=strategy,
        state=state,
        rows=rows,
        columns=COLUMNS,
        sort_key=key,
        direction=direction,
        ASCENDING=ASCENDING,
        DESCENDING=DESCENDING,
        chart=_chart(strategy, rows) if rows else None,
        round_form=RoundForm(),
        has_selections=any(row.selection for row in rows),
    )


@bp.get("/<slug>/auswertung.csv")
@requires(can_consolidate)
def evaluation_csv(slug: str):
    strategy = _strategy(slug)
    rows = (
        services.summaries(strategy, viewer=current_user) if services.phase_closed(strategy) else []
    )
    table = [[gettext("Number"), gettext("Idea"), *_figure_headers()]]
    for row in rows:
        table.append([row.idea.id, row.idea.title, *_figures(row)])
    return _csv_response(table, f"auswertung-{strategy.slug}.csv")


@bp.get("/<slug>/auswertung/<int:id>")
@requires(can_consolidate)
def evaluation_idea(slug: str, id: int):
    strategy = _strategy(slug)
    idea = _idea(strategy, id)
    return _evaluation_idea_page(strategy, idea, None, 200)


def _evaluation_idea_page(strategy, idea, form: SelectionForm | None, status: int):
    from participation.consolidation.models import IdeaRating

    selection = services.selection_of(idea)
    if form is None:
        current = selection.kind.value if selection else ""
        form = SelectionForm(
            formdata=None,
            kind=current or NOT_SELECTED,
            public_reason=selection.public_reason if selection else "",
            expected=current,
        )
    ratings = list(
        db.session.scalars(
            select(IdeaRating)
            .where(IdeaRating.contribution_id == idea.id)
            .order_by(IdeaRating.created_at, IdeaRating.id)
        )
    )
    return render_template(
        "consolidation/evaluation_idea.html",
        strategy=strategy,
        idea=idea,
        state=_phase_state(strategy),
        summary=services.summary_for(idea, current_user),
        ratings=ratings,
        selection=selection,
        form=form,
        field_title=_field_title(strategy, idea),
        RELEVANCE_SCALE=RELEVANCE_SCALE,
        FEASIBILITY_SCALE=FEASIBILITY_SCALE,
    ), status


@bp.post("/<slug>/auswertung/<int:id>/auswahl")
@requires(can_consolidate)
def select_idea(slug: str, id: int):
    strategy = _strategy(slug)
    idea = _idea(strategy, id)
    form = SelectionForm()
    if form.validate():
        actor = current_user._get_current_object()
        try:
            if form.kind.data == NOT_SELECTED:
                services.unselect_idea(
                    idea,
                    strategy,
                    actor=actor,
                    public_reason=form.public_reason.data,
                    expected=form.expected.data,
                )
                message = gettext("The selection has been removed.")
            else:
                services.select_idea(
                    idea,
                    strategy,
                    form.kind.data,
                    actor=actor,
                    public_reason=form.public_reason.data,
                    expected=form.expected.data,
                )
                message = gettext(
                    "The idea is selected as: %(kind)s.", kind=selection_label(form.kind.data)
                )
        except ConsolidationError as error:
            db.session.rollback()
            _form_error(form, error)
        else:
            db.session.commit()
            flash(message, "success")
            return redirect(url_for(".evaluation_idea", slug=slug, id=idea.id))
    idea = _idea(strategy, id)
    return _evaluation_idea_page(strategy, idea, form, 400)


@bp.post("/<slug>/runde")
@requires(can_consolidate)
def round_(slug: str):
    strategy = _strategy(slug)
    form = RoundForm()
    target = url_for(".evaluation", slug=slug)
    if not form.validate():
        flash(gettext("The form has expired. Please try again."), "error")
        return redirect(target)
    actor = current_user._get_current_object()
    try:
        if request.form.get("aktion") == "wieder-oeffnen":
            services.reopen_round(strategy, actor=actor)
            message = gettext("The rating round is open again.")
        else:
            services.close_round(strategy, actor=actor, now=utcnow())
            message = gettext("The rating round is closed. You can now select ideas.")
    except ConsolidationError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(target)
