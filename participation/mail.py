"""Outgoing mail, sent only after the transaction that caused it commits.

Services call `queue_mail` inside their transaction; nothing is sent if it rolls back.
With MAIL_BACKEND=log the message is written to the application log (development).
"""

import logging

from flask import current_app, render_template
from flask_babel import force_locale
from flask_mail import Message
from sqlalchemy import event
from sqlalchemy.orm import Session

from participation.extensions import db, mail

log = logging.getLogger("participation.mail")
_PENDING = "pending_mail"


def queue_mail(to: str, subject: str, template: str, locale: str | None = None, **context):
    """Render `templates/mail/<template>.txt` (and `.html` if present) in the recipient's
    language and send it once the current transaction commits."""
    locale = locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    context.setdefault("municipality", current_app.config["MUNICIPALITY_NAME"])
    with force_locale(locale):
        body = render_template(f"mail/{template}.txt", **context)
        subject_text = str(subject)
    message = Message(subject=subject_text, recipients=[to], body=body)
    db.session.info.setdefault(_PENDING, []).append(message)


def _deliver(message: Message) -> None:
    app = current_app._get_current_object()
    if app.config["MAIL_BACKEND"] == "log":
        log.info(
            "mail to %s\nSubject: %s\n\n%s",
            ", ".join(message.recipients),
            message.subject,
            message.body,
        )
        return
    try:
        mail.send(message)
    except OSError:
        # The change that caused the mail is committed; losing it silently is not acceptable,
        # so the failure is logged loudly with the recipient to retry from.
        log.exception("mail to %s failed: %s", message.recipients, message.subject)


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    for message in session.info.pop(_PENDING, []):
        _deliver(message)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_PENDING, None)
