"""`flask users ...`: account administration from the command line."""

import functools

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from participation.accounts import services
from participation.accounts.models import Department, Role, User
from participation.accounts.passwords import password_problem
from participation.extensions import db

users_cli = AppGroup("users", help="Manage user accounts.")
ROLE_CHOICES = ", ".join(role.value for role in Role)


def _in_english(command):
    """Messages from the services in English: a terminal has no request to pick a language."""

    @functools.wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale("en"):
            return command(*args, **kwargs)

    return wrapped


def _fail(message) -> None:
    db.session.rollback()
    raise click.ClickException(str(message))


def _department(short_name: str | None) -> Department | None:
    if not short_name:
        return None
    department = db.session.scalars(
        select(Department).where(Department.short_name == short_name)
    ).first()
    if department is None:
        known = ", ".join(db.session.scalars(select(Department.short_name).order_by("short_name")))
        _fail(f"Unknown department {short_name!r}. Known: {known or 'none yet'}.")
    return department


def _roles(names: tuple[str, ...]) -> set[Role]:
    try:
        return services.parse_roles(names)
    except services.AccountError as error:
        _fail(error.message)


@users_cli.command("create")
@click.option("--email", required=True, help="E-mail address (used to log in).")
@click.option("--display-name", required=True, help="Name shown publicly (2-60 characters).")
@click.option("--role", "roles", multiple=True, help=f"Repeatable. One of: {ROLE_CHOICES}.")
@click.option("--department", help="Short name of the department (needed for --role department).")
@click.option("--password", help="Prompted for (hidden, with confirmation) when not given.")
@_in_english
def create(email, display_name, roles, department, password):
    """Create a confirmed account, optionally with staff roles."""
    role_set = _roles(roles)
    dept = _department(department)
    if services.find_by_email(email) is not None:
        _fail(f"An account with the e-mail address {services.normalise_email(email)} exists.")
    if password is None:
        while True:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
            problem = password_problem(password, [email, display_name])
            if problem is None:
                break
            click.echo(f"Error: {problem}", err=True)
    try:
        user = services.create_user(email, display_name, password, role_set, dept, actor=None)
    except services.AccountError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"Created account {user.id} for {user.email} ({_describe(user)}).")


@users_cli.command("set-roles")
@click.option("--email", required=True)
@click.option(
    "--role", "roles", multiple=True, help=f"Repeatable; none = citizen only. {ROLE_CHOICES}."
)
@click.option("--department", help="Short name of the department; unchanged when not given.")
@click.option("--no-department", is_flag=True, help="Remove the account from its department.")
@_in_english
def set_roles(email, roles, department, no_department):
    """Give an account exactly the given roles."""
    user = services.find_by_email(email)
    if user is None:
        _fail(f"No account with the e-mail address {services.normalise_email(email)}.")
    role_set = _roles(roles)
    if no_department:
        dept = None
    elif department:
        dept = _department(department)
    else:
        dept = user.department
    try:
        services.set_roles(user, role_set, dept, actor=None)
    except services.AccountError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"{user.email}: {_describe(user)}.")


@users_cli.command("reset-two-factor")
@click.option("--email", required=True)
@_in_english
def reset_two_factor(email):
    """Switch off an account's two-factor login (lost device and recovery codes), e.g. for
    the only administrator, who cannot reach the administration page without it."""
    from participation.accounts import two_factor

    user = services.find_by_email(email)
    if user is None:
        _fail(f"No account with the e-mail address {services.normalise_email(email)}.")
    try:
        two_factor.reset_by_admin(user, actor=None)
    except services.AccountError as error:
        _fail(error.message)
    db.session.commit()
    click.echo(f"{user.email}: two-factor login reset; it can be set up again.")


@users_cli.command("list")
@_in_english
def list_users():
    """All accounts with roles, department and state."""
    users = db.session.scalars(select(User).order_by(User.id))
    for user in users:
        state = "confirmed" if user.email_confirmed else "unconfirmed"
        if not user.is_active:
            state = "deactivated"
        click.echo(
            f"{user.id:>5}  {user.email:<40} {user.display_name:<30} {state:<11} {_describe(user)}"
        )


def _describe(user: User) -> str:
    roles = ", ".join(role.value for role in Role if role in user.roles) or "citizen"
    if user.department is not None:
        roles += f"; department {user.department.short_name}"
    return roles
