"""Public pages: start page, strategy overview, sections, versions and diffs."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_date, format_time, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField
from wtforms.validators import InputRequired, ValidationError

from participation.database import utcnow
from participation.permissions import public
from participation.strategies import labels, queries
from participation.strategies.diff import compare
from participation.strategies.models import Phase, Strategy, Version

bp = Blueprint("strategies", __name__)


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def days_left(strategy: Strategy, now: datetime) -> int | None:
    """Whole days after today on which one can still take part, in the local time zone
    (0: today is the last day); None unless participation is open."""
    if strategy.phase_at(now) is not Phase.OPEN:
        return None
    zone = _zone()
    last_day = (strategy.closes_at - timedelta(microseconds=1)).astimezone(zone).date()
    return (last_day - now.astimezone(zone).date()).days


def moment(value: datetime) -> str:
    """A point in time for readers: long date and short time, in the local time zone."""
    return gettext(
        "%(date)s, %(time)s", date=format_date(value, "long"), time=format_time(value, "short")
    )


@bp.context_processor
def _helpers():
    return {"labels": labels, "moment": moment, "Phase": Phase}


def _strategy_or_404(slug: str) -> Strategy:
    strategy = queries.published_strategy(slug)
    if strategy is None:
        abort(404)
    return strategy


def _strategy_with_latest_or_404(slug: str) -> tuple[Strategy, Version]:
    found = queries.published_with_latest(slug)
    if found is None:
        abort(404)
    return found


def _version_or_404(strategy: Strategy, number: int | None = None) -> Version:
    if number is None:
        version = queries.latest_version(strategy)
    else:
        version = queries.version_by_number(strategy, number)
    if version is None or version.is_draft:
        abort(404)
    return version


@bp.get("/")
@public
def index():
    now = utcnow()
    strategies = queries.published_strategies(now)
    cards = [
        {"strategy": s, "phase": s.phase_at(now), "days_left": days_left(s, now)}
        for s in strategies
    ]
    return render_template("strategies/index.html", cards=cards)


def _key_url(strategy: Strategy, version: Version, latest: Version):
    """Links to sections stay inside the version being read."""
    if version.id == latest.id:
        return lambda key: url_for("strategies.section", slug=strategy.slug, key=key)
    return lambda key: url_for(
        "strategies.version_section", slug=strategy.slug, number=version.number, key=key
    )


def _overview(strategy: Strategy, version: Version, latest: Version):
    now = utcnow()
    return render_template(
        "strategies/overview.html",
        strategy=strategy,
        version=version,
        latest=latest,
        is_current=version.id == latest.id,
        phase=strategy.phase_at(now),
        days_left=days_left(strategy, now),
        toc=queries.section_tree(version),
        key_url=_key_url(strategy, version, latest),
    )


@bp.get("/strategien/<slug>")
@public
def overview(slug: str):
    strategy, latest = _strategy_with_latest_or_404(slug)
    return _overview(strategy, latest, latest)


@bp.get("/strategien/<slug>/versionen")
@public
def versions(slug: str):
    strategy = _strategy_or_404(slug)
    published = queries.published_versions(strategy)
    return render_template("strategies/versions.html", strategy=strategy, versions=published)


@bp.get("/strategien/<slug>/versionen/<int:number>")
@public
def version_overview(slug: str, number: int):
    strategy, latest = _strategy_with_latest_or_404(slug)
    if number == latest.number:
        return redirect(url_for(".overview", slug=slug))
    return _overview(strategy, _version_or_404(strategy, number), latest)


def section_place(version: Version, key: str):
    place = queries.place_of(queries.section_tree(version), key)
    if place is None:
        abort(404)
    return place


def render_section(
    strategy: Strategy,
    version: Version,
    latest: Version,
    key: str,
    comment_form=None,
    anchor: str | None = None,
):
    """The section text with its paragraph controls and discussion; `comment_form` carries
    a refused comment back with its errors."""
    from participation.discussion.section_page import discussion_context

    place = section_place(version, key)
    section = place.node.section
    return render_template(
        "strategies/section.html",
        strategy=strategy,
        version=version,
        latest=latest,
        is_current=version.id == latest.id,
        place=place,
        section=section,
        key_url=_key_url(strategy, version, latest),
        **discussion_context(strategy, version, latest, section, comment_form, anchor),
    )


@bp.get("/strategien/<slug>/<key>")
@public
def section(slug: str, key: str):
    strategy, latest = _strategy_with_latest_or_404(slug)
    return render_section(strategy, latest, latest, key)


@bp.get("/strategien/<slug>/versionen/<int:number>/<key>")
@public
def version_section(slug: str, number: int, key: str):
    strategy, latest = _strategy_with_latest_or_404(slug)
    if number == latest.number:
        return redirect(url_for(".section", slug=slug, key=key))
    return render_section(strategy, _version_or_404(strategy, number), latest, key)


def _number_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class CompareForm(FlaskForm):
    """Which two published versions to compare (a GET form: no CSRF token needed)."""

    class Meta:
        csrf = False

    von = SelectField(
        _l("Compare version"),
        coerce=_number_or_none,
        validate_choice=False,
        validators=[InputRequired(_l("Please choose a version."))],
    )
    zu = SelectField(
        _l("with version"),
        coerce=_number_or_none,
        validate_choice=False,
        validators=[InputRequired(_l("Please choose a version."))],
    )

    def __init__(self, numbers: list[int], **kwargs):
        super().__init__(**kwargs)
        self.numbers = numbers
        choices = [(n, _l("Version %(number)s", number=n)) for n in numbers]
        self.von.choices = choices
        self.zu.choices = choices

    def _check(self, field):
        if field.data not in self.numbers:
            raise ValidationError(_l("Please choose one of the published versions."))

    def validate_von(self, field):
        self._check(field)

    def validate_zu(self, field):
        self._check(field)
        if field.data == self.von.data:
            raise ValidationError(_l("Please choose two different versions."))


@bp.get("/strategien/<slug>/vergleich")
@public
def compare_versions(slug: str):
    strategy = _strategy_or_404(slug)
    published = queries.published_versions(strategy)
    by_number = {version.number: version for version in published}
    numbers = sorted(by_number)
    asked = "von" in request.args or "zu" in request.args
    if asked:
        form = CompareForm(numbers, formdata=request.args)
        valid = form.validate()
    else:
        form = CompareForm(numbers, formdata=None)
        if len(numbers) >= 2:
            form.von.data, form.zu.data = numbers[-2], numbers[-1]
        valid = len(numbers) >= 2
    result = compare(by_number[form.von.data], by_number[form.zu.data]) if valid else None
    return render_template(
        "strategies/compare.html",
        strategy=strategy,
        form=form,
        result=result,
        enough_versions=len(numbers) >= 2,
    ), (400 if asked and not valid else 200)
