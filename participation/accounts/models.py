"""Accounts, roles and the departments staff belong to."""

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.database import str_enum, utcnow
from participation.extensions import db


class Role(enum.StrEnum):
    """Staff roles. Every account is a citizen; these add to it."""

    MODERATOR = "moderator"
    DEPARTMENT = "department"
    COMMITTEE = "committee"
    ADMIN = "admin"


class Department(db.Model):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), unique=True)
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The office may let a department sign official replies with its own name on what was
    # forwarded to it (participation.departments.services.publish_reply).
    may_publish_replies: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The local day the department was last reminded of its overdue forwardings: at most
    # one reminder a day, however often `flask forwardings remind` runs.
    overdue_reminded_on: Mapped[date | None]

    members: Mapped[list["User"]] = relationship(back_populates="department")

    def __str__(self) -> str:
        return self.name


class UserRole(db.Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[Role] = mapped_column(str_enum(Role, "role"), primary_key=True)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    # Bumped when the password changes, so every other session ends (see get_id).
    auth_version: Mapped[int] = mapped_column(default=1)
    email_confirmed_at: Mapped[datetime | None]
    locale: Mapped[str | None] = mapped_column(String(5))
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id", ondelete="SET NULL")
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # A deleted account stays as a tombstone so that its contributions, the replies below
    # them and the event log keep their references; its e-mail, display name and password
    # hash are erased (participation.privacy.services.delete_account).
    deleted_at: Mapped[datetime | None]
    # TOTP two-factor login (participation.accounts.two_factor). The secret is set when
    # setup starts and counts only once `totp_enabled_at` is set by a confirmed code;
    # `totp_last_step` is the time step of the last accepted code, so no code works twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The owner agreed that the open-data downloads and the API name them with their display
    # name; otherwise (the default) they appear under a pseudonym (participation.opendata).
    open_data_show_name: Mapped[bool] = mapped_column(default=False, server_default=false())

    department: Mapped[Department | None] = relationship(back_populates="members")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(row.role for row in self.role_rows)

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.auth_version}"

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class RecoveryCode(db.Model):
    """A single-use code that stands in for the authenticator app. Only a salted hash is
    kept: the codes are shown once, when they are made."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
