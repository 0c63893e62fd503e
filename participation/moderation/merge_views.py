"""Merging a duplicate idea over HTTP (blueprint `moderation_merge`).

The form sits on the moderation detail page of an idea; it posts the id of the original
chosen from the strategy's other published ideas (or typed in)."""

from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField
from wtforms.validators import InputRequired

from participation.discussion.models import Contribution, ContributionKind
from participation.extensions import db
from participation.moderation.merge import MergeError, merge_candidates, merge_idea
from participation.permissions import can_moderate, requires

bp = Blueprint("moderation_merge", __name__)


class MergeForm(FlaskForm):
    original = IntegerField(
        _l("Merge into the idea"),
        validators=[InputRequired(_l("Please choose the idea to merge this one into."))],
    )


@bp.app_template_global()
def merge_form_for(contribution: Contribution):
    """For the detail page: (form, candidates) for an idea that can be merged, else None."""
    if contribution.kind is not ContributionKind.IDEA or contribution.merged_into_id is not None:
        return None
    candidates = merge_candidates(contribution)
    if not candidates:
        return None
    return MergeForm(formdata=None), candidates


@bp.app_template_global()
def merged_original(idea: Contribution):
    """For the idea page: (id, title) of the idea a merged duplicate points to."""
    if idea.merged_into_id is None:
        return None
    return db.session.execute(
        select(Contribution.id, Contribution.title).where(Contribution.id == idea.merged_into_id)
    ).first()


@bp.post("/moderation/beitraege/<int:id>/zusammenfuehren")
@requires(can_moderate)
def merge(id: int):
    duplicate = db.session.get(Contribution, id) or abort(404)
    form = MergeForm()
    detail = url_for("moderation.detail", id=id)
    if not form.validate():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(detail)
    original = db.session.get(Contribution, form.original.data)
    if original is None:
        flash(gettext("There is no idea with this number."), "error")
        return redirect(detail)
    try:
        merge_idea(duplicate, original, actor=current_user._get_current_object())
    except MergeError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(detail)
    title = original.title
    db.session.commit()
    flash(gettext("The idea has been merged with “%(title)s”.", title=title), "success")
    return redirect(detail)
