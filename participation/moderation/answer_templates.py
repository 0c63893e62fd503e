"""Answer templates: reusable texts the moderators keep for official replies."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from participation.database import utcnow
from participation.discussion.services import BODY_MAX
from participation.events.services import record
from participation.extensions import db
from participation.moderation.models import TEMPLATE_TITLE_MAX, AnswerTemplate


class TemplateError(Exception):
    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def all_templates() -> list[AnswerTemplate]:
    return list(
        db.session.scalars(select(AnswerTemplate).order_by(AnswerTemplate.title, AnswerTemplate.id))
    )


def _clean(title: str, body_md: str) -> tuple[str, str]:
    title = " ".join((title or "").split())
    body = (body_md or "").replace("\r\n", "\n").strip()
    if not title:
        raise TemplateError(_l("Please enter a title."), "title")
    if len(title) > TEMPLATE_TITLE_MAX:
        raise TemplateError(
            _l("The title may have at most %(max)d characters.", max=TEMPLATE_TITLE_MAX), "title"
        )
    if not body:
        raise TemplateError(_l("Please enter the text of the template."), "body_md")
    if len(body) > BODY_MAX:
        raise TemplateError(
            _l("The text may have at most %(max)d characters.", max=BODY_MAX), "body_md"
        )
    return title, body


def create(*, actor, title: str, body_md: str, now: datetime | None = None) -> AnswerTemplate:
    title, body = _clean(title, body_md)
    template = AnswerTemplate(
        title=title,
        body_md=body,
        created_by_id=getattr(actor, "id", None),
        updated_at=now or utcnow(),
    )
    db.session.add(template)
    db.session.flush()
    record("answer_template.created", template, actor, after={"title": title})
    db.session.flush()
    return template


def update(template: AnswerTemplate, *, actor, title: str, body_md: str) -> AnswerTemplate:
    title, body = _clean(title, body_md)
    before = {"title": template.title, "body_md": template.body_md}
    template.title = title
    template.body_md = body
    template.updated_at = utcnow()
    record(
        "answer_template.updated",
        template,
        actor,
        before=before,
        after={"title": title, "body_md": body},
    )
    db.session.flush()
    return template


def delete(template: AnswerTemplate, *, actor) -> None:
    record(
        "answer_template.deleted",
        template,
        actor,
        before={"title": template.title, "body_md": template.body_md},
    )
    db.session.delete(template)
    db.session.flush()
