"""Administration: users and roles, departments, legal pages (netiquette reasons in
`reason_views`)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from participation.accounts.models import Department, Role, User
from participation.admin import services
from participation.admin.forms import (
    ROLE_LABELS,
    ConfirmForm,
    DepartmentForm,
    DepartmentMemberForm,
    PageForm,
    UserForm,
    UserSearchForm,
)
from participation.extensions import db
from participation.pages import services as pages
from participation.pages.models import PageSlug
from participation.permissions import is_admin, requires

bp = Blueprint("admin", __name__)

LOCALE_LABELS = {"de": "Deutsch", "en": "English"}


@bp.get("/")
@requires(is_admin)
def index():
    from participation.outbox.services import counts as outbox_counts

    return render_template(
        "admin/index.html", counts=services.counts(), outbox_counts=outbox_counts()
    )


# --- users ---------------------------------------------------------------------------------


@bp.get("/benutzer")
@requires(is_admin)
def users():
    form = UserSearchForm(request.args)
    form.validate()
    search = (form.q.data or "") if not form.q.errors else ""
    role = form.role.data if not form.role.errors else ""
    page = request.args.get("page", 1, type=int)
    pagination = db.paginate(
        services.users_query(search, role),
        page=max(page, 1),
        per_page=services.USERS_PER_PAGE,
        error_out=False,
        count=True,
    )
    return render_template(
        "admin/users.html",
        form=form,
        pagination=pagination,
        search=search,
        role=role,
        role_labels=ROLE_LABELS,
    )


def _load_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _department(department_id: int | None) -> Department | None:
    if not department_id:
        return None
    return db.session.get(Department, department_id)


@bp.route("/benutzer/<int:user_id>", methods=["GET", "POST"])
@requires(is_admin)
def edit_user(user_id: int):
    user = _load_user(user_id)
    form = UserForm(departments=services.department_choices())
    if request.method == "GET":
        form.roles.data = sorted(role.value for role in user.roles)
        form.department.data = user.department_id or 0
        form.is_active.data = user.is_active
    elif form.validate_on_submit():
        try:
            services.update_user(
                user,
                roles={Role(name) for name in form.roles.data or []},
                department=_department(form.department.data),
                is_active=form.is_active.data,
                actor=current_user,
            )
        except services.AdminError as error:
            target = form[error.field] if error.field in form else None
            if target is not None:
                target.errors = [*target.errors, error.message]
            else:
                flash(error.message, "error")
        else:
            db.session.commit()
            flash(gettext("The changes to %(name)s were saved.", name=user.display_name), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_edit.html", user=user, form=form)


@bp.post("/benutzer/<int:user_id>/zwei-faktor-zuruecksetzen")
@requires(is_admin)
def reset_two_factor(user_id: int):
    """For someone who lost both their device and their recovery codes."""
    from participation.accounts import two_factor
    from participation.accounts.services import AccountError

    user = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            two_factor.reset_by_admin(user, actor=current_user)
        except AccountError as error:
            flash(error.message, "info")
        else:
            db.session.commit()
            flash(
                gettext(
                    "Two-factor login of %(name)s is reset; they can set it up again.",
                    name=user.display_name,
                ),
                "success",
            )
    return redirect(url_for("admin.edit_user", user_id=user.id))


# --- departments ---------------------------------------------------------------------------


@bp.get("/fachaemter")
@requires(is_admin)
def departments():
    return render_template("admin/departments.html", rows=services.departments_with_member_counts())


def _department_form_errors(form, error: services.AdminError) -> None:
    target = form[error.field] if error.field in form else None
    if target is not None:
        target.errors = [*target.errors, error.message]
    else:
        flash(error.message, "error")


@bp.route("/fachaemter/neu", methods=["GET", "POST"])
@requires(is_admin)
def new_department():
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            department = services.create_department(
                form.name.data,
                form.short_name.data,
                form.email.data,
                actor=current_user,
                may_publish_replies=form.may_publish_replies.data,
            )
        except services.AdminError as error:
            _department_form_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Department %(name)s was created.", name=department.name), "success")
            return redirect(url_for("admin.departments"))
    return render_template("admin/department_form.html", form=form, department=None)


def _load_department(department_id: int) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        abort(404)
    return department


@bp.route("/fachaemter/<int:department_id>", methods=["GET", "POST"])
@requires(is_admin)
def edit_department(department_id: int):
    department = _load_department(department_id)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        try:
            services.update_department(
                department,
                form.name.data,
                form.short_name.data,
                form.email.data,
                actor=current_user,
                may_publish_replies=form.may_publish_replies.data,
            )
        except services.AdminError as error:
            db.session.rollback()
            _department_form_errors(form, error)
        else:
            db.session.commit()
            flash(gettext("Department %(name)s was saved.", name=department.name), "success")
            return redirect(url_for("admin.departments"))
    return _department_page(department, form)


def _department_page(department: Department, form, member_form=None, status: int = 200):
    return (
        render_template(
            "admin/department_form.html",
            form=form,
            department=department,
            delete_form=ConfirmForm(),
            members=services.department_members(department),
            member_form=member_form or DepartmentMemberForm(formdata=None),
            remove_form=ConfirmForm(),
        ),
        status,
    )


@bp.post("/fachaemter/<int:department_id>/mitglieder")
@requires(is_admin)
def add_department_member(department_id: int):
    department = _load_department(department_id)
    form = DepartmentMemberForm()
    if form.validate():
        try:
            user = services.add_member(department, form.member_email.data, actor=current_user)
        except services.AdminError as error:
            db.session.rollback()
            _department_form_errors(form, error)
        else:
            db.session.commit()
            flash(
                gettext(
                    "%(name)s is now a member of %(department)s.",
                    name=user.display_name,
                    department=department.name,
                ),
                "success",
            )
            return redirect(url_for("admin.edit_department", department_id=department_id))
    department = _load_department(department_id)
    return _department_page(department, DepartmentForm(obj=department), form, status=400)


@bp.post("/fachaemter/<int:department_id>/mitglieder/<int:user_id>/entfernen")
@requires(is_admin)
def remove_department_member(department_id: int, user_id: int):
    department = _load_department(department_id)
    user = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.remove_member(department, user, actor=current_user)
        except services.AdminError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(
                gettext(
                    "%(name)s is no longer a member of %(department)s.",
                    name=user.display_name,
                    department=department.name,
                ),
                "success",
            )
    return redirect(url_for("admin.edit_department", department_id=department_id))


@bp.post("/fachaemter/<int:department_id>/loeschen")
@requires(is_admin)
def delete_department(department_id: int):
    department = _load_department(department_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        name = department.name
        try:
            services.delete_department(department, actor=current_user)
        except services.AdminError as error:
            flash(error.message, "error")
            return redirect(url_for("admin.edit_department", department_id=department_id))
        db.session.commit()
        flash(gettext("Department %(name)s was deleted.", name=name), "success")
    return redirect(url_for("admin.departments"))


# --- legal pages ---------------------------------------------------------------------------


@bp.get("/seiten")
@requires(is_admin)
def pages_list():
    return render_template(
        "admin/pages.html",
        rows=pages.overview(current_app.config["LANGUAGES"]),
        locale_labels=LOCALE_LABELS,
    )


def _page_args(slug: str, locale: str) -> PageSlug:
    if slug not in {s.value for s in PageSlug} or locale not in current_app.config["LANGUAGES"]:
        abort(404)
    return PageSlug(slug)


@bp.route("/seiten/<slug>/<locale>", methods=["GET", "POST"])
@requires(is_admin)
def edit_page(slug: str, locale: str):
    slug = _page_args(slug, locale)
    page = pages.get_page(slug, locale)
    form = PageForm()
    conflict = None
    if request.method == "GET":
        source = page or pages.default_text(slug, locale)
        form.title.data = source.title
        form.body_md.data = source.body_md
        form.revision.data = str(page.revision if page else 0)
    elif form.validate_on_submit():
        try:
            expected = int(form.revision.data)
        except ValueError:
            abort(400)
        try:
            pages.save_page(
                slug,
                locale,
                actor=current_user,
                title=form.title.data,
                body_md=form.body_md.data,
                expected_revision=expected,
            )
        except pages.StalePageError as error:
            conflict = error
            # The next save is against what is stored now; the typed text stays in the form.
            form.revision.data = str(error.revision)
        except pages.PageError as error:
            target = form[error.field] if error.field in form else None
            if target is not None:
                target.errors = [*target.errors, str(error)]
        else:
            db.session.commit()
            flash(gettext("The page was saved."), "success")
            return redirect(url_for("admin.edit_page", slug=slug.value, locale=locale))
    title, html, updated_at, is_default = pages.page_content(slug, locale)
    return render_template(
        "admin/page_edit.html",
        form=form,
        slug=slug,
        locale=locale,
        locale_label=LOCALE_LABELS.get(locale, locale),
        conflict=conflict,
        preview_title=title,
        preview_html=html,
        updated_at=updated_at,
        is_default=is_default,
        reset_form=ConfirmForm(),
    )


@bp.post("/seiten/<slug>/<locale>/zuruecksetzen")
@requires(is_admin)
def reset_page(slug: str, locale: str):
    slug = _page_args(slug, locale)
    form = ConfirmForm()
    if form.validate_on_submit() and request.form.get("confirm") == "yes":
        if pages.reset_page(slug, locale, actor=current_user):
            db.session.commit()
            flash(gettext("The page was reset to the default text."), "success")
        else:
            flash(gettext("The page already shows the default text."), "info")
    else:
        flash(gettext("Please confirm that you want to reset the page."), "error")
    return redirect(url_for("admin.edit_page", slug=slug.value, locale=locale))


# The netiquette reasons' and the outbox's pages register themselves on this blueprint.
from participation.admin import reason_views  # noqa: E402, F401
from participation.outbox import views as outbox_views  # noqa: E402, F401
