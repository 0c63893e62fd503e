"""Editorial area: strategies, the draft's section tree, Markdown import, publishing.

Every route is for people who may manage strategies (moderators and administrators). Views
parse the form, call one service from `services.py`, commit once and redirect; on a domain
error they roll back and show the form again with what was typed.
"""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from participation.extensions import db
from participation.markup import plain_text
from participation.permissions import can_manage_strategies, requires
from participation.strategies import labels, services
from participation.strategies.forms import (
    ConfirmForm,
    ImportForm,
    PublishForm,
    SectionForm,
    StrategyForm,
)
from participation.strategies.importer import DocumentError, parse_markdown, walk_imported
from participation.strategies.models import Section, Strategy, Version
from participation.strategies.services import StrategyError
from participation.strategies.tree import build_tree, walk

bp = Blueprint("editor", __name__)


@bp.context_processor
def _helpers():
    return {"labels": labels, "plain_text": plain_text}


def _strategy_or_404(slug: str) -> Strategy:
    strategy = db.session.scalars(select(Strategy).where(Strategy.slug == slug)).first()
    if strategy is None:
        abort(404)
    return strategy


def _section_or_404(strategy: Strategy, section_id: int) -> Section:
    section = db.session.get(Section, section_id)
    if section is None or section.version.strategy_id != strategy.id:
        abort(404)
    return section


def _refuse(error: StrategyError, form=None) -> None:
    """Undo the failed change; show the message next to its field, or at the top."""
    db.session.rollback()
    if form is not None and error.field and error.field in form:
        form[error.field].errors = [*form[error.field].errors, error.message]
    else:
        flash(error.message, "error")


def _show_revision(form, revision: int) -> None:
    """After a conflict the form carries the current revision, so saving again overwrites
    deliberately (the submitted value would otherwise be shown again)."""
    form.revision.data = revision
    form.revision.raw_data = [str(revision)]


def _tree_url(strategy: Strategy, section_id: int | None = None) -> str:
    anchor = f"abschnitt-{section_id}" if section_id else None
    return url_for("editor.draft", slug=strategy.slug, _anchor=anchor)


def _published_section_refused(strategy: Strategy):
    flash(
        _("Published versions cannot be changed. Start a new draft to make changes."),
        "error",
    )
    return redirect(_tree_url(strategy))


# --- strategies ----------------------------------------------------------------------------


@bp.get("/")
@requires(can_manage_strategies)
def index():
    strategies = db.session.scalars(select(Strategy).order_by(Strategy.opens_at.desc())).all()
    latest = dict(
        db.session.execute(
            select(Version.strategy_id, func.max(Version.number)).group_by(Version.strategy_id)
        ).all()
    )
    drafts = dict(
        db.session.execute(
            select(Version.strategy_id, func.count(Section.id))
            .outerjoin(Section, Section.version_id == Version.id)
            .where(Version.number.is_(None))
            .group_by(Version.strategy_id)
        ).all()
    )
    return render_template("editor/index.html", strategies=strategies, latest=latest, drafts=drafts)


@bp.route("/neu", methods=["GET", "POST"])
@requires(can_manage_strategies)
def new_strategy():
    form = StrategyForm()
    if form.validate_on_submit():
        try:
            strategy = services.create_strategy(actor=current_user, **form.values())
        except StrategyError as error:
            _refuse(error, form)
        else:
            db.session.commit()
            flash(_("The strategy “%(title)s” was created.", title=strategy.title), "success")
            return redirect(_tree_url(strategy))
    return render_template("editor/strategy_form.html", form=form, strategy=None)


@bp.route("/<slug>/einstellungen", methods=["GET", "POST"])
@requires(can_manage_strategies)
def settings(slug: str):
    strategy = _strategy_or_404(slug)
    form = StrategyForm()
    current = None
    if request.method == "GET":
        form.load(strategy)
    elif form.validate_on_submit():
        try:
            services.update_strategy(
                strategy,
                actor=current_user,
                expected_revision=form.revision.data or 0,
                **form.values(),
            )
        except StrategyError as error:
            _refuse(error, form)
            if error.current is not None:
                strategy = db.session.get(Strategy, strategy.id)
                current = strategy
                _show_revision(form, strategy.revision)
        else:
            db.session.commit()
            flash(_("The settings were saved."), "success")
            return redirect(url_for("editor.settings", slug=strategy.slug))
    return render_template(
        "editor/strategy_form.html", form=form, strategy=strategy, current=current
    )


# --- the draft -----------------------------------------------------------------------------


@bp.get("/<slug>/")
@requires(can_manage_strategies)
def draft(slug: str):
    strategy = _strategy_or_404(slug)
    draft = services.get_draft(strategy)
    nodes = build_tree(services.sections_of(draft)) if draft else []
    versions = db.session.scalars(
        select(Version)
        .where(Version.strategy_id == strategy.id, Version.number.is_not(None))
        .order_by(Version.number.desc())
    ).all()
    return render_template(
        "editor/draft.html",
        strategy=strategy,
        draft=draft,
        nodes=nodes,
        versions=versions,
        form=ConfirmForm(),
    )


@bp.post("/<slug>/entwurf")
@requires(can_manage_strategies)
def start_draft(slug: str):
    strategy = _strategy_or_404(slug)
    try:
        services.ensure_draft(strategy, actor=current_user)
    except StrategyError as error:
        _refuse(error)
    else:
        db.session.commit()
        flash(_("A new draft was started from the latest version."), "success")
    return redirect(_tree_url(strategy))


@bp.route("/<slug>/abschnitte/neu", methods=["GET", "POST"])
@requires(can_manage_strategies)
def new_section(slug: str):
    strategy = _strategy_or_404(slug)
    draft = services.get_draft(strategy)
    if draft is None:
        return _published_section_refused(strategy)
    parent = None
    parent_id = request.args.get("unter", type=int)
    if parent_id is not None:
        parent = _section_or_404(strategy, parent_id)
        if parent.version_id != draft.id:
            return _published_section_refused(strategy)
    form = SectionForm()
    if form.validate_on_submit():
        try:
            section = services.add_section(
                draft,
                actor=current_user,
                title=form.title.data,
                kind=form.kind.data,
                body_md=form.body_md.data or "",
                parent=parent,
            )
        except StrategyError as error:
            _refuse(error, form)
        else:
            db.session.commit()
            flash(_("The section “%(title)s” was added.", title=section.title), "success")
            return redirect(_tree_url(strategy, section.id))
    return render_template(
        "editor/section_form.html", form=form, strategy=strategy, section=None, parent=parent
    )


@bp.route("/<slug>/abschnitte/<int:section_id>/bearbeiten", methods=["GET", "POST"])
@requires(can_manage_strategies)
def edit_section(slug: str, section_id: int):
    strategy = _strategy_or_404(slug)
    section = _section_or_404(strategy, section_id)
    if not section.version.is_draft:
        return _published_section_refused(strategy)
    form = SectionForm(obj=section if request.method == "GET" else None)
    current = None
    if form.validate_on_submit():
        try:
            services.update_section(
                section,
                actor=current_user,
                expected_revision=form.revision.data or 0,
                title=form.title.data,
                kind=form.kind.data,
                body_md=form.body_md.data or "",
            )
        except StrategyError as error:
            _refuse(error, form)
            section = db.session.get(Section, section_id)
            if section is None or not section.version.is_draft:
                return _published_section_refused(strategy)
            if error.current is not None:
                current = section
                _show_revision(form, section.revision)
        else:
            db.session.commit()
            flash(_("The section “%(title)s” was saved.", title=section.title), "success")
            return redirect(_tree_url(strategy, section.id))
    return render_template(
        "editor/section_form.html",
        form=form,
        strategy=strategy,
        section=section,
        parent=section.parent,
        current=current,
    )


@bp.post("/<slug>/abschnitte/<int:section_id>/verschieben")
@requires(can_manage_strategies)
def move_section(slug: str, section_id: int):
    strategy = _strategy_or_404(slug)
    section = _section_or_404(strategy, section_id)
    direction = request.form.get("richtung", "")
    if direction not in services.DIRECTIONS:
        abort(400)
    try:
        services.move_section(section, actor=current_user, direction=direction)
    except StrategyError as error:
        _refuse(error)
    else:
        db.session.commit()
    return redirect(_tree_url(strategy, section_id))


@bp.route("/<slug>/abschnitte/<int:section_id>/loeschen", methods=["GET", "POST"])
@requires(can_manage_strategies)
def delete_section(slug: str, section_id: int):
    strategy = _strategy_or_404(slug)
    section = _section_or_404(strategy, section_id)
    if not section.version.is_draft:
        return _published_section_refused(strategy)
    form = ConfirmForm()
    if form.validate_on_submit():
        title = section.title
        try:
            services.delete_section(section, actor=current_user)
        except StrategyError as error:
            _refuse(error)
        else:
            db.session.commit()
            flash(_("The section “%(title)s” was deleted.", title=title), "success")
        return redirect(_tree_url(strategy))
    return render_template(
        "editor/delete_section.html",
        form=form,
        strategy=strategy,
        section=section,
        descendants=services.count_descendants(section),
    )


# --- import --------------------------------------------------------------------------------


def _submitted_text(form: ImportForm) -> str | None:
    """The uploaded file's text if a file was chosen, else the textarea's."""
    upload = form.document.data
    if upload and getattr(upload, "filename", ""):
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            form.document.errors = [*form.document.errors, _("The file is not UTF-8 text.")]
            return None
        form.text.data = text
        return text
    return form.text.data or ""


@bp.route("/<slug>/import", methods=["GET", "POST"])
@requires(can_manage_strategies)
def import_document(slug: str):
    strategy = _strategy_or_404(slug)
    form = ImportForm()
    preview = None
    if form.validate_on_submit():
        text = _submitted_text(form)
        if text is not None:
            if request.form.get("schritt") == "uebernehmen":
                try:
                    services.import_document(strategy, text, actor=current_user)
                except StrategyError as error:
                    _refuse(error, form)
                else:
                    db.session.commit()
                    flash(_("The document was imported into the draft."), "success")
                    return redirect(_tree_url(strategy))
            else:
                try:
                    preview = parse_markdown(text)
                except DocumentError as error:
                    form.text.errors = [*form.text.errors, error.message]
    draft = services.get_draft(strategy)
    return render_template(
        "editor/import.html",
        form=form,
        strategy=strategy,
        preview=preview,
        preview_count=len(list(walk_imported(preview))) if preview else 0,
        current_sections=len(services.sections_of(draft)) if draft else 0,
    )


# --- preview and publishing ----------------------------------------------------------------


@bp.get("/<slug>/vorschau/", defaults={"key": None})
@bp.get("/<slug>/vorschau/<key>")
@requires(can_manage_strategies)
def preview(slug: str, key: str | None):
    strategy = _strategy_or_404(slug)
    draft = services.get_draft(strategy)
    if draft is None:
        flash(_("There is no draft. Start a new draft first."), "info")
        return redirect(_tree_url(strategy))
    nodes = build_tree(services.sections_of(draft))
    order = list(walk(nodes))
    if not order:
        flash(_("The draft has no sections yet."), "info")
        return redirect(_tree_url(strategy))
    if key is None:
        return redirect(url_for("editor.preview", slug=slug, key=order[0].section.key))
    index = next((i for i, node in enumerate(order) if node.section.key == key), None)
    if index is None:
        abort(404)
    node = order[index]
    ancestors = [n for n in order if n.section.id in _ancestor_ids(node, order)]
    return render_template(
        "editor/preview.html",
        strategy=strategy,
        nodes=nodes,
        node=node,
        section=node.section,
        ancestors=ancestors,
        previous=order[index - 1] if index > 0 else None,
        next_node=order[index + 1] if index + 1 < len(order) else None,
    )


def _ancestor_ids(node, order) -> set[int]:
    by_id = {n.section.id: n.section for n in order}
    ids, current = set(), node.section.parent_id
    while current is not None:
        ids.add(current)
        current = by_id[current].parent_id
    return ids


@bp.route("/<slug>/veroeffentlichen", methods=["GET", "POST"])
@requires(can_manage_strategies)
def publish(slug: str):
    strategy = _strategy_or_404(slug)
    form = PublishForm()
    if form.validate_on_submit():
        try:
            version = services.publish(
                strategy, actor=current_user, change_note=form.change_note.data
            )
        except StrategyError as error:
            _refuse(error, form)
            strategy = db.session.get(Strategy, strategy.id)
        else:
            db.session.commit()
            flash(
                _("Version %(number)s is published.", number=version.number),
                "success",
            )
            return redirect(_tree_url(strategy))
    draft = services.get_draft(strategy)
    return render_template(
        "editor/publish.html",
        form=form,
        strategy=strategy,
        draft=draft,
        latest=services.get_latest_version(strategy),
        changes=services.compare_draft(strategy) if draft else None,
        section_count=len(services.sections_of(draft)) if draft else 0,
    )
