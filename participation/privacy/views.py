"""The account area's privacy pages: download one's data, delete one's account."""

import json

from flask import Blueprint, Response, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from participation.database import utcnow
from participation.extensions import db, limiter
from participation.permissions import login_required
from participation.privacy import services
from participation.privacy.forms import DeleteAccountForm

bp = Blueprint("privacy", __name__)


def _me():
    return current_user._get_current_object()


@bp.get("/meine-daten")
@login_required
def overview():
    return render_template("accounts/my_data.html")


@bp.get("/meine-daten.json")
@login_required
@limiter.limit("10 per minute; 60 per hour")
def export():
    data = services.export_data(_me())
    filename = f"meine-daten-{utcnow():%Y-%m-%d}.json"
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/loeschen", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per minute; 30 per hour", methods=["POST"])
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.delete_account(_me(), form.password.data)
        except services.PrivacyError as error:
            field = form._fields.get(error.field) if error.field else None
            if field is not None:
                field.errors = [*field.errors, error.message]
            else:
                form.form_errors.append(error.message)
        else:
            db.session.commit()
            logout_user()
            session.clear()
            flash(_("Your account has been deleted."), "success")
            return redirect(url_for("strategies.index"))
    return render_template("accounts/delete.html", form=form)
