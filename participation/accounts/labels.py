"""Human names for roles, shared by the account pages, the CLI and the administration."""

from flask_babel import lazy_gettext as _l

from participation.accounts.models import Role

ROLE_LABELS = {
    Role.MODERATOR: _l("Moderation"),
    Role.DEPARTMENT: _l("Department member"),
    Role.COMMITTEE: _l("Steering committee"),
    Role.ADMIN: _l("Administration"),
}


def role_labels(roles) -> list[str]:
    """The labels of `roles` in a stable order (the order of the Role enum)."""
    return [str(ROLE_LABELS[role]) for role in Role if role in roles]
