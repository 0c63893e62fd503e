"""Fixtures shared by the tests of the analogue channel and of workshops: a moderator and a
strategy opened ten days ago whose second section is a field of action."""

from datetime import timedelta

import pytest
from sqlalchemy import update

from participation.accounts.models import Role
from participation.extensions import db
from participation.strategies.models import Section, SectionKind

SECTIONS = [
    ("Vision", "Die Stadt stellt Leistungen digital bereit."),
    ("Mobilität", "Busse und Bahnen fahren digital vernetzt."),
]


@pytest.fixture
def moderator(make):
    return make.user(display_name="Mara Moderatorin", roles=[Role.MODERATOR])


@pytest.fixture
def strategy(app, make):
    strategy = make.strategy(sections=SECTIONS, opens_in=-timedelta(days=10))
    with app.app_context():
        db.session.execute(
            update(Section)
            .where(Section.key == "mobilitaet")
            .values(kind=SectionKind.FIELD_OF_ACTION)
        )
        db.session.commit()
    return strategy
