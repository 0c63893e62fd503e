"""Outgoing mail, written to the outbox in the transaction that causes it.

Services call `queue_mail` inside their transaction: the message becomes a row of the outbox
(participation.outbox) and exists exactly when the change is committed. It is sent right after
the commit and, if the mail server is away, later by the worker (`flask outbox work`).
With MAIL_BACKEND=log the message is written to the application log (development).
"""

from flask import current_app, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from participation.outbox import services as outbox
from participation.outbox.models import OutboxMessage


def _render_optional(name: str, context: dict) -> str | None:
    try:
        current_app.jinja_env.get_template(name)
    except TemplateNotFound as missing:
        if missing.name != name:
            raise  # the template exists but includes one that does not
        return None
    return render_template(name, **context)


def queue_mail(
    to: str,
    subject: str,
    template: str,
    locale: str | None = None,
    *,
    html_template: str | None = None,
    headers: dict[str, str] | None = None,
    kind: str | None = None,
    **context,
) -> OutboxMessage:
    """Render `templates/mail/<template>.txt` (and `mail/<html_template or template>.html`
    when it exists) in the recipient's language and write the message to the outbox.

    `headers` are added to the message as they are (e.g. List-Unsubscribe); `kind` names the
    message on the administrators' outbox page (default: the template's name)."""
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    context.setdefault("municipality", current_app.config["MUNICIPALITY_NAME"])
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", **context)
        html = _render_optional(f"mail/{html_template or template}.html", context)
        subject_text = str(subject)
    return outbox.enqueue(
        to,
        subject_text,
        body,
        kind=kind or template,
        body_html=html,
        headers=headers,
    )
