"""The open-data page, the downloads, the DCAT-AP.de catalogue and the citizen's choice.

Downloads and catalogue are public and read-only. `consent` is the one form: an account
holder chooses whether the open data names them (off by default); the choice is logged.
"""

import json

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from participation.extensions import db, limiter
from participation.opendata import authors, dcat, files
from participation.opendata.contributions import iso  # (importing it registers its datasets)
from participation.opendata.forms import ConsentForm
from participation.opendata.registry import datasets, find
from participation.permissions import login_required, public

bp = Blueprint("opendata", __name__)

# A whole strategy is read per download: a few per minute is plenty for a person or a
# harvester, and keeps a loop of requests from occupying the server.
DOWNLOAD_LIMIT = "30 per minute; 300 per hour"


def _catalog_document(found) -> dict:
    return dcat.catalog(
        found,
        title=_(
            "Open data of the participation platform of %(municipality)s",
            municipality=current_app.config["MUNICIPALITY_NAME"],
        ),
        description=_(
            "Published contributions of the public participation, with official replies and "
            "processing status, as CSV and JSON."
        ),
        locale=str(get_locale()),
    )


def _json_ld(document: dict) -> Markup:
    """JSON for a <script type="application/ld+json"> block: "<" escaped, so no text in it
    can close the element."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704  (no "<" or "&" left that HTML could read)


@bp.get("/offene-daten")
@public
def index():
    found = datasets()
    return render_template(
        "opendata/index.html",
        datasets=found,
        fields=found[0].fields if found else (),
        licence=dcat.licence(),
        json_ld=_json_ld(_catalog_document(found)),
    )


@bp.get("/offene-daten/katalog.jsonld")
@public
def catalog():
    return Response(
        json.dumps(_catalog_document(datasets()), ensure_ascii=False, indent=1),
        mimetype="application/ld+json",
        headers={"Access-Control-Allow-Origin": "*"},
    )


def _dataset_or_404(name: str):
    dataset = find(name)
    if dataset is None:
        abort(404)
    return dataset


def _filename(name: str, extension: str) -> str:
    return f'attachment; filename="{name}.{extension}"'


@bp.get("/offene-daten/<name>.csv")
@public
@limiter.limit(DOWNLOAD_LIMIT)
def download_csv(name: str):
    dataset = _dataset_or_404(name)
    # Rows are read here, in the request; writing them out needs no context, so the
    # generator does not hold the request context open (stream_with_context) while it runs.
    rows = dataset.rows()
    return Response(
        files.csv_bytes(dataset.fields, rows),
        mimetype="text/csv",
        content_type="text/csv; charset=utf-8; header=present",
        headers={
            "Content-Disposition": _filename(dataset.name, "csv"),
            "Access-Control-Allow-Origin": "*",
        },
    )


@bp.get("/offene-daten/<name>.json")
@public
@limiter.limit(DOWNLOAD_LIMIT)
def download_json(name: str):
    dataset = _dataset_or_404(name)
    terms = dcat.licence()
    meta = {
        "dataset": dataset.name,
        "title": dataset.title,
        "description": dataset.description,
        "license": terms["uri"],
        "license_label": terms["label"],
        "attribution": terms["attribution"],
        "modified": iso(dataset.modified),
    }
    return Response(
        files.json_document(dataset, meta, dataset.rows()),
        mimetype="application/json",
        headers={
            "Content-Disposition": _filename(dataset.name, "json"),
            "Access-Control-Allow-Origin": "*",
        },
    )


@bp.post("/konto/offene-daten")
@login_required
def consent():
    form = ConsentForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        if authors.set_consent(user, form.show_name.data):
            db.session.commit()
        if user.open_data_show_name:
            flash(_("The open data now shows your display name."), "success")
        else:
            flash(_("The open data now shows a pseudonym instead of your name."), "success")
    else:
        flash(_("Your choice could not be saved. Please try again."), "danger")
    return redirect(url_for("accounts.settings") + "#open-data-heading")


@bp.app_context_processor
def consent_form():
    """The form for the account settings page (templates/accounts/settings.html)."""

    def make():
        return ConsentForm(
            formdata=None, show_name=bool(getattr(current_user, "open_data_show_name", False))
        )

    return {"open_data_consent_form": make}
