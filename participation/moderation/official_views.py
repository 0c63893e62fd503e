"""Official replies from the queue's detail page and the moderators' answer templates
(`/moderation/beitraege/<id>/antworten`, `/moderation/vorlagen`)."""

from types import SimpleNamespace

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from participation.discussion.models import Contribution
from participation.discussion.services import ContributionError
from participation.extensions import db
from participation.moderation import answer_templates
from participation.moderation.answer_templates import TemplateError
from participation.moderation.forms import AnswerTemplateForm, ConfirmForm, OfficialReplyForm
from participation.moderation.models import AnswerTemplate
from participation.moderation.official import post_official_reply, signature_for
from participation.permissions import can_moderate, requires

bp = Blueprint("official", __name__)


def _reply_form_context(contribution: Contribution, form: OfficialReplyForm | None = None):
    """What the official-reply form needs; `?vorlage=<id>` fills the text from a template."""
    templates = answer_templates.all_templates()
    selected = request.args.get("vorlage", type=int)
    if form is None:
        form = OfficialReplyForm(formdata=None)
        chosen = db.session.get(AnswerTemplate, selected) if selected else None
        if chosen is not None:
            form.body_md.data = chosen.body_md
    return SimpleNamespace(
        form=form,
        templates=templates,
        selected=selected,
        contribution=contribution,
        office=signature_for(current_user, show_own_name=False),
        with_name=signature_for(current_user, show_own_name=True),
    )


@bp.app_context_processor
def _official_reply_helper():
    return {"official_reply_context": _reply_form_context}


@bp.post("/beitraege/<int:id>/antworten")
@requires(can_moderate)
def reply(id: int):
    parent = db.session.get(Contribution, id) or abort(404)
    form = OfficialReplyForm()
    if form.validate():
        try:
            answer = post_official_reply(
                parent,
                actor=current_user,
                body_md=form.body_md.data,
                show_own_name=bool(form.show_own_name.data),
            )
            db.session.commit()
        except ContributionError as error:
            db.session.rollback()
            form.body_md.errors = [*form.body_md.errors, str(error.message)]
        except StaleDataError:
            db.session.rollback()
            form.body_md.errors = [
                gettext("Someone else changed this thread meanwhile. Please try again.")
            ]
        else:
            flash(gettext("Your official reply has been published."), "success")
            return redirect(url_for("discussion.permalink", id=answer.id))
    parent = db.session.get(Contribution, id) or abort(404)
    return render_template(
        "moderation/official_reply.html", official=_reply_form_context(parent, form)
    )


# --- answer templates ----------------------------------------------------------------------


@bp.get("/vorlagen")
@requires(can_moderate)
def templates():
    return render_template(
        "moderation/templates/index.html", templates=answer_templates.all_templates()
    )


def _edit(template: AnswerTemplate | None):
    form = AnswerTemplateForm(obj=template) if request.method == "GET" else AnswerTemplateForm()
    if request.method == "POST" and form.validate():
        try:
            if template is None:
                answer_templates.create(
                    actor=current_user, title=form.title.data, body_md=form.body_md.data
                )
            else:
                answer_templates.update(
                    template, actor=current_user, title=form.title.data, body_md=form.body_md.data
                )
            db.session.commit()
        except TemplateError as error:
            db.session.rollback()
            target = form[error.field] if error.field in form._fields else form.body_md
            target.errors = [*target.errors, str(error.message)]
        else:
            flash(gettext("The answer template has been saved."), "success")
            return redirect(url_for(".templates"))
    return render_template("moderation/templates/edit.html", form=form, template=template)


@bp.route("/vorlagen/neu", methods=["GET", "POST"])
@requires(can_moderate)
def new_template():
    return _edit(None)


@bp.route("/vorlagen/<int:template_id>/bearbeiten", methods=["GET", "POST"])
@requires(can_moderate)
def edit_template(template_id: int):
    return _edit(db.session.get(AnswerTemplate, template_id) or abort(404))


@bp.route("/vorlagen/<int:template_id>/loeschen", methods=["GET", "POST"])
@requires(can_moderate)
def delete_template(template_id: int):
    template = db.session.get(AnswerTemplate, template_id) or abort(404)
    form = ConfirmForm()
    if request.method == "POST" and form.validate():
        answer_templates.delete(template, actor=current_user)
        db.session.commit()
        flash(gettext("The answer template has been deleted."), "success")
        return redirect(url_for(".templates"))
    return render_template("moderation/templates/delete.html", form=form, template=template)
