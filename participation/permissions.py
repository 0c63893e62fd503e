"""Who may do what: small predicates, the only place access rules live.

Views declare their rule with `@requires(predicate)`; templates call the same predicates
through the context processor. Anonymous users are sent to the login page, signed-in users
without the right get 403. The role x route test reads `view.required_permission`.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user

from participation.accounts.models import Role

Predicate = Callable[..., bool]


def is_authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


def _has(user, *roles: Role) -> bool:
    return is_authenticated(user) and any(user.has_role(role) for role in roles)


def is_admin(user) -> bool:
    return _has(user, Role.ADMIN)


def can_manage_strategies(user) -> bool:
    """Create strategies, edit drafts, import and publish versions."""
    return _has(user, Role.MODERATOR, Role.ADMIN)


def can_moderate(user) -> bool:
    """Work the moderation queue and answer for the office; may post outside the window."""
    return _has(user, Role.MODERATOR, Role.ADMIN)


def can_manage_users(user) -> bool:
    return _has(user, Role.ADMIN)


def can_manage_departments(user) -> bool:
    return _has(user, Role.ADMIN)


def can_edit_pages(user) -> bool:
    return _has(user, Role.ADMIN)


def is_department_member(user) -> bool:
    """Works for a department (Fachamt): uses that department's inbox."""
    return _has(user, Role.DEPARTMENT) and getattr(user, "department_id", None) is not None


def can_manage_roadmap(user) -> bool:
    """Create and edit the projects of a strategy's roadmap (the office)."""
    return can_moderate(user)


def can_forward(user) -> bool:
    """Forward contributions to departments, answer their questions, share statements."""
    return can_moderate(user)


def can_answer_forwarding(user, forwarding) -> bool:
    """Members of the department a forwarding went to, and nobody else, answer it."""
    return is_department_member(user) and forwarding.department_id == user.department_id


def can_see_forwarding(user, forwarding) -> bool:
    return can_moderate(user) or can_answer_forwarding(user, forwarding)


def can_see_statement(user, forwarding) -> bool:
    """Another department's statement only once the office has shared it."""
    return can_see_forwarding(user, forwarding) or (
        bool(forwarding.shared) and is_department_member(user)
    )


def can_publish_for_department(user, forwarding) -> bool:
    """The office lets some departments sign official replies themselves, on what was
    forwarded to them and neither sent back nor withdrawn by the office."""
    return (
        can_answer_forwarding(user, forwarding)
        and bool(forwarding.department.may_publish_replies)
        and forwarding.state not in ("returned", "withdrawn")
    )


def can_rate_ideas(user) -> bool:
    """Members of the steering committee rate ideas once the participation has closed."""
    return _has(user, Role.COMMITTEE)


def can_consolidate(user) -> bool:
    """The office sees all ratings, closes the rating round and selects ideas as projects."""
    return can_moderate(user)


def can_see_consolidation(user) -> bool:
    return can_rate_ideas(user) or can_consolidate(user)


def is_staff(user) -> bool:
    """Any role beyond citizen: sees the staff navigation."""
    return is_authenticated(user) and bool(user.roles)


PUBLIC = "public"


def requires(predicate: Predicate):
    """Refuse the view unless `predicate(current_user)` holds."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not is_authenticated(current_user):
                from participation.extensions import login_manager

                return login_manager.unauthorized()
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_permission = predicate
        return wrapped

    return decorator


def public(view):
    """Mark a view as open to everyone, so the route audit knows it was meant to be."""
    view.required_permission = PUBLIC
    return view


def login_required(view):
    return requires(is_authenticated)(view)


TEMPLATE_PREDICATES = {
    name: func
    for name, func in globals().items()
    if callable(func) and (name.startswith(("can_", "is_")))
}
