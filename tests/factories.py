"""Factory helpers that build valid rows with sensible defaults; tests override what
matters to them."""

import functools
import itertools
from datetime import timedelta

from participation.accounts.models import Department, Role, User, UserRole
from participation.accounts.passwords import hash_password
from participation.database import utcnow
from participation.extensions import db
from participation.strategies.importer import make_slug
from participation.strategies.models import Section, SectionKind, Strategy, Version

DEFAULT_PASSWORD = "correct horse battery"
_counter = itertools.count(1)
# Hashing is deliberately slow; tests share one hash of the default password.
_DEFAULT_HASH = hash_password(DEFAULT_PASSWORD)


def _in_app_context(method):
    @functools.wraps(method)
    def wrapped(self, *args, **kwargs):
        with self.app.app_context():
            obj = method(self, *args, **kwargs)
            db.session.refresh(obj)
            return obj

    return wrapped


class Factory:
    def __init__(self, app):
        self.app = app

    @_in_app_context
    def user(
        self,
        email: str | None = None,
        display_name: str | None = None,
        roles: tuple[Role, ...] | list[Role] = (),
        password: str = DEFAULT_PASSWORD,
        confirmed: bool = True,
        department: Department | None = None,
        **fields,
    ) -> User:
        n = next(_counter)
        user = User(
            email=email or f"person{n}@example.org",
            display_name=display_name or f"Person {n}",
            password_hash=_DEFAULT_HASH
            if password == DEFAULT_PASSWORD
            else hash_password(password),
            email_confirmed_at=utcnow() if confirmed else None,
            department=department,
            role_rows=[UserRole(role=role) for role in roles],
            **fields,
        )
        db.session.add(user)
        db.session.commit()
        return user

    @_in_app_context
    def department(self, name: str | None = None, short_name: str | None = None) -> Department:
        n = next(_counter)
        department = Department(
            name=name or f"Fachamt {n}",
            short_name=short_name or f"FA{n}",
            email=f"fachamt{n}@example.org",
        )
        db.session.add(department)
        db.session.commit()
        return department

    @_in_app_context
    def strategy(
        self,
        slug: str | None = None,
        title: str | None = None,
        opens_in: timedelta = timedelta(days=-1),
        duration: timedelta = timedelta(days=30),
        sections: list[tuple[str, str]] | None = None,
        published: bool = True,
        **fields,
    ) -> Strategy:
        """A strategy with one version: published (v1) by default, else a draft."""
        n = next(_counter)
        opens_at = utcnow() + opens_in
        strategy = Strategy(
            slug=slug or f"strategie-{n}",
            title=title or f"Digitalstrategie {n}",
            summary=fields.pop("summary", "Der Entwurf unserer Digitalstrategie."),
            opens_at=opens_at,
            closes_at=opens_at + duration,
            **fields,
        )
        version = Version(
            strategy=strategy,
            number=1 if published else None,
            published_at=utcnow() if published else None,
            change_note="Erster Entwurf" if published else "",
        )
        for position, (title_, body) in enumerate(
            sections or [("Vision", "Die Stadt stellt Leistungen digital bereit.")]
        ):
            section = Section(
                key=make_slug(title_), title=title_, position=position, kind=SectionKind.TEXT
            )
            section.set_body(body)
            version.sections.append(section)
        db.session.add(strategy)
        db.session.commit()
        return strategy


def _discussion_imports():
    from participation.discussion import services as discussion

    return discussion


class DiscussionFactory:
    """Posts through the real services, so counters and paths are right."""

    def __init__(self, app):
        self.app = app

    def _run(self, fn):
        with self.app.test_request_context():
            result = fn()
            db.session.commit()
            db.session.refresh(result)
            return result

    def comment(self, strategy, author, body=None, section_key=None, anchor=None):
        body = body or f"Ein Kommentar ({next(_counter)})."
        discussion = _discussion_imports()

        def post():
            from sqlalchemy import select

            s = db.session.get(Strategy, strategy.id)
            version = db.session.scalars(
                select(Version)
                .where(Version.strategy_id == s.id, Version.number.is_not(None))
                .order_by(Version.number.desc())
            ).first()
            section = next(sec for sec in version.sections if section_key in (None, sec.key))
            user = db.session.get(User, author.id)
            return discussion.post_comment(
                s, section, author=user, body_md=body, paragraph_anchor=anchor
            )

        return self._run(post)

    def reply(self, parent, author, body=None):
        body = body or f"Eine Antwort ({next(_counter)})."
        discussion = _discussion_imports()
        from participation.discussion.models import Contribution

        def post():
            return discussion.post_reply(
                db.session.get(Contribution, parent.id),
                author=db.session.get(User, author.id),
                body_md=body,
            )

        return self._run(post)

    def idea(self, strategy, author, title=None, body="Damit es besser wird.", field=None):
        title = title or f"Eine Idee ({next(_counter)})"
        discussion = _discussion_imports()

        def post():
            s = db.session.get(Strategy, strategy.id)
            section = db.session.get(Section, field.id) if field is not None else None
            return discussion.post_idea(
                s,
                author=db.session.get(User, author.id),
                title=title,
                body_md=body,
                field_of_action=section,
            )

        return self._run(post)
