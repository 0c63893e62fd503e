"""Legal pages (Impressum, Datenschutz, Barrierefreiheit, Netiquette) edited by administrators."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.database import str_enum, utcnow
from participation.extensions import db


class PageSlug(enum.StrEnum):
    IMPRINT = "impressum"
    PRIVACY = "datenschutz"
    ACCESSIBILITY = "barrierefreiheit"
    NETIQUETTE = "netiquette"


class Page(db.Model):
    """An administrator's text for one page in one language; the shipped default applies
    until such a row exists."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("slug", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[PageSlug] = mapped_column(str_enum(PageSlug, "page_slug"))
    locale: Mapped[str] = mapped_column(String(5))
    title: Mapped[str] = mapped_column(String(200))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    revision: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": revision}
