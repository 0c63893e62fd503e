"""The council paper of a strategy in the editorial area (blueprint `council` under
`/redaktion`), and the helper that shows it on the public overview.

- GET/POST `/redaktion/<slug>/ratsvorlage`: enter or change the paper and its consultations.
- POST `/redaktion/<slug>/ratsvorlage/entfernen`: remove the link to the paper.
- GET/POST `/redaktion/<slug>/ratsvorlage/oparl`: import it from an OParl Paper: preview,
  then confirm (the paper is fetched again then; if it changed meanwhile, the new preview
  is shown instead of saving).
"""

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from participation.council import services
from participation.council.forms import CouncilPaperForm, OParlImportForm, RemoveForm
from participation.council.oparl import OParlError
from participation.council.services import CouncilError
from participation.extensions import db
from participation.permissions import can_manage_strategies, requires
from participation.strategies import labels
from participation.strategies.models import Strategy

bp = Blueprint("council", __name__)

# Suggestions for the result, as council minutes word them. They are data in the council's
# language (shown to the public as entered), so they are not translated.
RESULT_SUGGESTIONS = (
    "zur Kenntnis genommen",
    "beschlossen",
    "geändert beschlossen",
    "vertagt",
    "abgelehnt",
    "verwiesen",
    "zurückgezogen",
)
ADD_ROW = "zeile"
PREVIEW, APPLY = "vorschau", "uebernehmen"


@bp.context_processor
def _helpers():
    return {"labels": labels, "result_suggestions": RESULT_SUGGESTIONS}


def _strategy_or_404(slug: str) -> Strategy:
    strategy = db.session.scalars(select(Strategy).where(Strategy.slug == slug)).first()
    if strategy is None:
        abort(404)
    return strategy


def _field(form: CouncilPaperForm, name: str):
    """The form field a service error names; rows are counted among the kept rows."""
    if name.startswith("consultations-"):
        _prefix, index, attribute = name.split("-", 2)
        kept = form.kept_rows()
        if int(index) < len(kept):
            return kept[int(index)].form[attribute]
        return None
    return form[name] if name in form else None


def _refuse(error: CouncilError | OParlError, field=None) -> None:
    """Undo the failed change; show the message next to its field, or at the top."""
    db.session.rollback()
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")


@bp.route("/<slug>/ratsvorlage", methods=["GET", "POST"])
@requires(can_manage_strategies)
def edit(slug: str):
    strategy = _strategy_or_404(slug)
    paper = services.paper_of(strategy.id)
    form = CouncilPaperForm()
    current = None
    if request.method == "GET":
        form.load(paper)
        form.consultations.append_entry()
    elif request.form.get("schritt") == ADD_ROW:
        # Without JavaScript: the same form again with one more empty row, nothing saved.
        if len(form.consultations.entries) < form.consultations.max_entries:
            form.consultations.append_entry()
    elif form.validate_on_submit():
        try:
            saved = services.save_paper(
                strategy,
                actor=current_user,
                expected_revision=form.expected_revision(),
                reference=form.reference.data,
                url=form.url.data,
                consultations=form.rows(),
            )
        except CouncilError as error:
            _refuse(error, _field(form, error.field) if error.field else None)
            strategy = db.session.get(Strategy, strategy.id)
            paper = services.paper_of(strategy.id)
            if error.current is not None:
                current = paper
            form.revision.data = str(paper.revision) if paper else "0"
        else:
            db.session.commit()
            flash(
                _("The council paper %(reference)s was saved.", reference=saved.reference),
                "success",
            )
            return redirect(url_for("council.edit", slug=strategy.slug))
    return render_template(
        "council/edit.html",
        form=form,
        strategy=strategy,
        paper=paper,
        current=current,
        remove_form=RemoveForm(formdata=None, revision=str(paper.revision) if paper else "0"),
    )


@bp.post("/<slug>/ratsvorlage/entfernen")
@requires(can_manage_strategies)
def remove(slug: str):
    strategy = _strategy_or_404(slug)
    form = RemoveForm()
    if form.validate_on_submit():
        try:
            revision = int(form.revision.data or 0)
        except ValueError:
            revision = 0
        try:
            services.remove_paper(strategy, actor=current_user, expected_revision=revision)
        except CouncilError as error:
            _refuse(error)
        else:
            db.session.commit()
            flash(_("The link to the council paper was removed."), "success")
    return redirect(url_for("council.edit", slug=strategy.slug))


@bp.route("/<slug>/ratsvorlage/oparl", methods=["GET", "POST"])
@requires(can_manage_strategies)
def import_oparl(slug: str):
    strategy = _strategy_or_404(slug)
    paper = services.paper_of(strategy.id)
    form = OParlImportForm()
    preview = None
    if request.method == "GET":
        form.paper_url.data = paper.oparl_url if paper else ""
        form.revision.data = str(paper.revision) if paper else "0"
    elif form.validate_on_submit():
        try:
            preview = services.fetch_from_oparl(form.paper_url.data)
        except OParlError as error:
            _refuse(error, form.paper_url)
        else:
            step = request.form.get("schritt")
            if step == APPLY and form.fingerprint.data == preview.fingerprint():
                try:
                    saved = services.apply_import(
                        strategy,
                        preview,
                        actor=current_user,
                        expected_revision=form.expected_revision(),
                    )
                except CouncilError as error:
                    _refuse(error)
                    paper = services.paper_of(strategy.id)
                else:
                    db.session.commit()
                    flash(
                        _(
                            "The council paper %(reference)s was imported.",
                            reference=saved.reference,
                        ),
                        "success",
                    )
                    return redirect(url_for("council.edit", slug=strategy.slug))
            elif step == APPLY:
                flash(
                    _("The paper changed since the preview. Please check the new preview."),
                    "warning",
                )
            form.fingerprint.data = preview.fingerprint()
            form.revision.data = str(paper.revision) if paper else "0"
    return render_template(
        "council/import.html", form=form, strategy=strategy, paper=paper, preview=preview
    )


def council_paper(strategy_id: int):
    """The strategy's paper with its consultations, or None (for the public overview)."""
    return services.paper_of(strategy_id)


def register(app: Flask) -> None:
    app.jinja_env.globals["council_paper"] = council_paper
