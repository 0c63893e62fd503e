"""Administration rules: users' roles and active flag, departments.

Storing roles and the department is `accounts.services.set_roles` (one place, one event);
this module adds the rules that only matter when an administrator edits someone:
the department goes with the department role, the last active administrator stays one,
nobody deactivates themselves. Every change is written to the event log. Nothing commits.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from participation.accounts.models import Department, Role, User, UserRole
from participation.accounts.services import AccountError, set_roles
from participation.events.services import record
from participation.extensions import db
from participation.moderation.models import NetiquetteReason

USERS_PER_PAGE = 50


class AdminError(ValueError):
    """A rule refused the change. `field` names the form field the message belongs to."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


# --- users ---------------------------------------------------------------------------------


def users_query(search: str = "", role: str = ""):
    """Users matching a search in e-mail or display name, optionally with one role
    (`none`: citizens without staff role), ordered by display name."""
    stmt = select(User)
    search = search.strip()
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            or_(
                User.email.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
            )
        )
    if role == "none":
        stmt = stmt.where(~select(UserRole.user_id).where(UserRole.user_id == User.id).exists())
    elif role in {r.value for r in Role}:
        stmt = stmt.where(
            select(UserRole.user_id)
            .where(UserRole.user_id == User.id, UserRole.role == Role(role))
            .exists()
        )
    return stmt.options(selectinload(User.department)).order_by(
        func.lower(User.display_name), User.id
    )


def _other_active_admins(user: User) -> int:
    """Active administrators besides `user`. Locks the administrators' rows (PostgreSQL)
    so that two administrators demoting each other at once cannot leave none."""
    admin_ids = select(UserRole.user_id).where(UserRole.role == Role.ADMIN)
    locked = db.session.scalars(
        select(User.id)
        .where(User.id.in_(admin_ids), User.is_active.is_(True))
        .order_by(User.id)
        .with_for_update()
    ).all()
    return len([user_id for user_id in locked if user_id != user.id])


def update_user(
    user: User,
    *,
    roles: Iterable[Role],
    department: Department | None,
    is_active: bool,
    actor: User,
) -> None:
    """Set a user's staff roles, department and active flag as an administrator.

    The department is required with the department role and cleared without it. Refuses
    to take the administrator role from, or deactivate, the last active administrator, and
    refuses to deactivate one's own account. Raises AdminError; changes nothing then."""
    roles = set(roles)
    if Role.DEPARTMENT in roles:
        if department is None:
            raise AdminError(
                _l("Please choose the department this person works for."), field="department"
            )
    else:
        department = None

    if not is_active and user.is_active and user.id == actor.id:
        raise AdminError(_l("You cannot deactivate your own account."), field="is_active")

    stays_admin = Role.ADMIN in roles and is_active
    if user.is_active and user.has_role(Role.ADMIN) and not stays_admin:
        if _other_active_admins(user) == 0:
            field = "roles" if Role.ADMIN not in roles else "is_active"
            raise AdminError(
                _l(
                    "This is the last active administrator. Make someone else an "
                    "administrator first."
                ),
                field=field,
            )

    try:
        set_roles(user, roles, department, actor)
    except AccountError as error:
        raise AdminError(error.message, field=error.field) from None

    if user.is_active != is_active:
        user.is_active = is_active
        db.session.flush()
        record(
            "account.reactivated" if is_active else "account.deactivated",
            user,
            actor=actor,
            before={"is_active": not is_active},
            after={"is_active": is_active},
        )
        db.session.flush()


def counts() -> dict[str, int]:
    """The figures on the administration start page."""
    staff = select(func.count(func.distinct(UserRole.user_id)))
    return {
        "users": db.session.scalar(select(func.count(User.id))) or 0,
        "inactive": db.session.scalar(select(func.count(User.id)).where(User.is_active.is_(False)))
        or 0,
        "staff": db.session.scalar(staff) or 0,
        "departments": db.session.scalar(select(func.count(Department.id))) or 0,
        "active_reasons": db.session.scalar(
            select(func.count(NetiquetteReason.id)).where(NetiquetteReason.is_active.is_(True))
        )
        or 0,
    }


# --- departments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentRow:
    department: Department
    members: int


def departments_with_member_counts() -> list[DepartmentRow]:
    rows = db.session.execute(
        select(Department, func.count(User.id))
        .outerjoin(User, User.department_id == Department.id)
        .group_by(Department.id)
        .order_by(func.lower(Department.name))
    ).all()
    return [DepartmentRow(department, members) for department, members in rows]


def department_choices() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(func.lower(Department.name))))


def _clean_department(name: str, short_name: str, email: str | None, exclude_id: int | None):
    name, short_name = " ".join(name.split()), " ".join(short_name.split())
    email = (email or "").strip().lower() or None
    if not name:
        raise AdminError(_l("Please enter the name of the department."), field="name")
    if not short_name:
        raise AdminError(_l("Please enter a short name."), field="short_name")
    for column, value, field, message in (
        (Department.name, name, "name", _l("A department with this name already exists.")),
        (
            Department.short_name,
            short_name,
            "short_name",
            _l("A department with this short name already exists."),
        ),
    ):
        stmt = select(Department.id).where(func.lower(column) == value.lower())
        if exclude_id is not None:
            stmt = stmt.where(Department.id != exclude_id)
        if db.session.scalar(stmt) is not None:
            raise AdminError(message, field=field)
    return name, short_name, email


def _snapshot(department: Department) -> dict:
    return {
        "name": department.name,
        "short_name": department.short_name,
        "email": department.email,
        "may_publish_replies": bool(department.may_publish_replies),
    }


def _flush_unique() -> None:
    """Flush in a savepoint; a concurrent insert of the same name becomes a clear message."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise AdminError(
            _l("A department with this name or short name already exists."), field="name"
        ) from None


def create_department(
    name: str,
    short_name: str,
    email: str | None,
    *,
    actor: User,
    may_publish_replies: bool = False,
) -> Department:
    name, short_name, email = _clean_department(name, short_name, email, None)
    department = Department(
        name=name,
        short_name=short_name,
        email=email,
        may_publish_replies=bool(may_publish_replies),
    )
    db.session.add(department)
    _flush_unique()
    record("department.created", department, actor=actor, after=_snapshot(department))
    db.session.flush()
    return department


def update_department(
    department: Department,
    name: str,
    short_name: str,
    email: str | None,
    *,
    actor: User,
    may_publish_replies: bool | None = None,
) -> bool:
    """False if nothing changed. `may_publish_replies` None keeps the setting."""
    name, short_name, email = _clean_department(name, short_name, email, department.id)
    before = _snapshot(department)
    department.name, department.short_name, department.email = name, short_name, email
    if may_publish_replies is not None:
        department.may_publish_replies = bool(may_publish_replies)
    after = _snapshot(department)
    if after == before:
        return False
    _flush_unique()
    record("department.updated", department, actor=actor, before=before, after=after)
    db.session.flush()
    return True


def delete_department(department: Department, *, actor: User) -> None:
    """Only a department without members; anything else that still refers to it (e.g.
    forwarded contributions) keeps it too."""
    members = db.session.scalar(
        select(func.count(User.id)).where(User.department_id == department.id)
    )
    if members:
        raise AdminError(
            _l("This department still has members. Assign them to another department first.")
        )
    record("department.deleted", department, actor=actor, before=_snapshot(department))
    try:
        with db.session.begin_nested():
            db.session.delete(department)
            db.session.flush()
    except IntegrityError:
        raise AdminError(
            _l("This department is still referred to, for example by forwarded contributions.")
        ) from None


def department_members(department: Department) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .where(User.department_id == department.id)
            .order_by(func.lower(User.display_name), User.id)
        )
    )


def add_member(department: Department, email: str, *, actor: User) -> User:
    """Give the account with this address the department role in `department` (moving it
    from another department, if it was in one)."""
    address = (email or "").strip().lower()
    user = db.session.scalar(select(User).where(func.lower(User.email) == address))
    if user is None:
        raise AdminError(_l("There is no account with this e-mail address."), field="member_email")
    if user.department_id == department.id and user.has_role(Role.DEPARTMENT):
        raise AdminError(
            _l("This person is already a member of the department."), field="member_email"
        )
    update_user(
        user,
        roles=user.roles | {Role.DEPARTMENT},
        department=department,
        is_active=user.is_active,
        actor=actor,
    )
    return user


def remove_member(department: Department, user: User, *, actor: User) -> None:
    """Take the department role (and the department) from a member."""
    if user.department_id != department.id:
        raise AdminError(_l("This person is not a member of the department."))
    update_user(
        user,
        roles=user.roles - {Role.DEPARTMENT},
        department=None,
        is_active=user.is_active,
        actor=actor,
    )
