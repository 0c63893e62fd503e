"""The netiquette reasons: seeded by the migration, read once per request in the request's
language, kept by administrators (add, edit, reorder, deactivate, reactivate, delete), and
given by moderators when they reject or hide."""

import pytest
from flask import g
from flask_babel import force_locale
from sqlalchemy import event, select

from participation.accounts.models import Role, User
from participation.discussion.models import Contribution, ModerationState
from participation.events.models import Event
from participation.extensions import db
from participation.moderation import labels, services
from participation.moderation.forms import BulkDecisionForm, DecisionForm
from participation.moderation.models import NetiquetteReason
from participation.moderation.services import ModerationError
from participation.strategies.models import ModerationMode
from tests.helpers import signed_in_client

S = ModerationState
DEFAULT_KEYS = [
    "insult",
    "discrimination",
    "threat",
    "unlawful",
    "copyright",
    "personal_data",
    "spam",
    "off_topic",
    "duplicate",
]
BASE = "/verwaltung/netiquette-gruende"


@pytest.fixture
def admin(make):
    return make.user(display_name="Admina", roles=[Role.ADMIN])


@pytest.fixture
def moderator(make):
    return make.user(display_name="Moderation", roles=[Role.MODERATOR])


def _reason(app, key) -> NetiquetteReason | None:
    with app.app_context():
        return db.session.scalars(
            select(NetiquetteReason).where(NetiquetteReason.key == key)
        ).one_or_none()


def _order(app) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(NetiquetteReason.key).order_by(
                    NetiquetteReason.position, NetiquetteReason.id
                )
            )
        )


def _events(app, action) -> list[Event]:
    with app.app_context():
        return db.session.scalars(
            select(Event).where(Event.action == action).order_by(Event.id)
        ).all()


def _reject(app, contribution_id, actor_id, reason, expected=S.PENDING):
    with app.test_request_context():
        services.decide(
            db.session.get(Contribution, contribution_id),
            "reject",
            actor=db.session.get(User, actor_id),
            expected_state=expected,
            reason=reason,
        )
        db.session.commit()


# --- the seeded list and reading it ----------------------------------------------------------


def test_the_migration_seeds_the_nine_reasons_of_the_design(app):
    with app.app_context():
        rows = db.session.scalars(select(NetiquetteReason).order_by(NetiquetteReason.position))
        rows = list(rows)
    assert [r.key for r in rows] == DEFAULT_KEYS
    assert [r.label_de for r in rows] == [
        "Beleidigung",
        "Diskriminierung",
        "Drohung/Gewalt",
        "Rechtswidriger Inhalt",
        "Urheberrechtsverletzung",
        "Personenbezogene Daten Dritter",
        "Werbung/Spam",
        "Kein Bezug zum Thema",
        "Wiederholung/Dublette",
    ]
    assert rows[0].label_en == "Insult"
    assert all(r.is_active and r.explanation_de and r.explanation_en for r in rows)


def test_choices_in_the_request_language_and_order_with_one_query(app):
    statements = []

    def count(conn, cursor, statement, *args):
        if "netiquette_reasons" in statement:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        with app.test_request_context(), force_locale("de"):
            choices = labels.rejection_choices()
            assert labels.rejection_choices() == choices
            assert labels.rejection_label("spam") == "Werbung/Spam"
            DecisionForm(formdata=None)
            BulkDecisionForm(formdata=None)
        assert len(statements) == 1
        assert [key for key, _label in choices] == DEFAULT_KEYS
        assert choices[0] == ("insult", "Beleidigung")
        with app.test_request_context(), force_locale("en"):
            assert labels.rejection_choices()[2] == ("threat", "Threat or violence")
            assert labels.rejection_label("off_topic") == "Not related to the topic"
            assert labels.rejection_label("no_such_key") == "no_such_key"
            assert labels.rejection_label(None) == ""
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_inactive_reasons_are_not_offered_or_accepted_but_keep_their_label(
    app, make, discuss, moderator
):
    strategy = make.strategy()
    author = make.user()
    first, second = (discuss.comment(strategy, author) for _ in range(2))
    _reject(app, first.id, moderator.id, "copyright")
    with app.app_context():
        db.session.scalars(
            select(NetiquetteReason).where(NetiquetteReason.key == "copyright")
        ).one().is_active = False
        db.session.commit()
    with app.test_request_context():
        assert "copyright" not in [key for key, _ in labels.rejection_choices()]
        assert "copyright" not in [c.value for c in DecisionForm(formdata=None).reason.choices]
        assert labels.rejection_label("copyright") == "Urheberrechtsverletzung"
    for key in ("copyright", "no_such_key", "", None):
        with pytest.raises(ModerationError) as refused:
            _reject(app, second.id, moderator.id, key)
        assert refused.value.field == "reason"
    mod = signed_in_client(app, moderator)
    detail = mod.get(f"/moderation/beitraege/{first.id}").get_data(as_text=True)
    assert "Abgelehnt wegen: Urheberrechtsverletzung" in " ".join(detail.split())
    assert 'value="copyright"' not in detail
    with app.app_context():
        assert db.session.get(Contribution, second.id).state is S.PENDING


def test_the_decision_form_reads_the_reasons_per_request(app, make, discuss, moderator, admin):
    strategy = make.strategy(moderation_mode=ModerationMode.POST)
    comment = discuss.comment(strategy, make.user())
    mod = signed_in_client(app, moderator)
    assert "Falschbehauptung" not in mod.get(f"/moderation/beitraege/{comment.id}").get_data(
        as_text=True
    )
    with app.test_request_context():
        from participation.admin import reasons

        reasons.create_reason(
            key="false_claims",
            label_de="Falschbehauptung",
            label_en="False claim",
            actor=db.session.get(User, admin.id),
        )
        db.session.commit()
    html = mod.get(f"/moderation/beitraege/{comment.id}").get_data(as_text=True)
    assert '<option value="false_claims">Falschbehauptung</option>' in html
    mod.post("/sprache", data={"lang": "en", "next": "/"})
    html = mod.get(f"/moderation/beitraege/{comment.id}").get_data(as_text=True)
    assert '<option value="false_claims">False claim</option>' in html
    _reject(app, comment.id, moderator.id, "false_claims", expected=S.PUBLISHED)
    with app.app_context():
        assert db.session.get(Contribution, comment.id).rejection_reason == "false_claims"


# --- administration --------------------------------------------------------------------------


def test_list_in_order_with_state_and_link_from_the_overview(app, make, discuss, admin, moderator):
    strategy = make.strategy()
    _reject(app, discuss.comment(strategy, make.user()).id, moderator.id, "spam")
    client = signed_in_client(app, admin)
    overview = client.get("/verwaltung/").get_data(as_text=True)
    assert f'href="{BASE}"' in overview
    assert "aktiv: 9" in overview
    html = client.get(BASE).get_data(as_text=True)
    assert html.count("<h1") == 1
    positions = [html.index(label) for label in ("Beleidigung", "Werbung/Spam", "Wiederholung")]
    assert positions == sorted(positions)
    spam_row = html.split("Werbung/Spam", 1)[1].split("</tr>", 1)[0]
    assert ">1</td>" in spam_row
    assert "aktiv" in spam_row
    # The first reason cannot move up, the last one not down.
    assert 'aria-label="Grund „Beleidigung“ nach oben verschieben"' not in html
    assert 'aria-label="Grund „Wiederholung/Dublette“ nach unten verschieben"' not in html
    assert 'aria-label="Grund „Beleidigung“ nach unten verschieben"' in html


def test_add_a_reason_records_an_event(app, admin):
    client = signed_in_client(app, admin)
    assert client.get(f"{BASE}/neu").status_code == 200
    response = client.post(
        f"{BASE}/neu",
        data={
            "key": " Falsche_Tatsachen ",
            "label_de": "  Falsche   Tatsachen ",
            "label_en": "False facts",
            "explanation_de": "Nachweislich falsche Behauptungen.",
            "explanation_en": "",
        },
    )
    assert response.status_code == 302
    reason = _reason(app, "falsche_tatsachen")
    assert (reason.label_de, reason.label_en, reason.is_active) == (
        "Falsche Tatsachen",
        "False facts",
        True,
    )
    assert _order(app)[-1] == "falsche_tatsachen"
    [created] = _events(app, "netiquette_reason.created")
    assert created.actor_id == admin.id
    assert created.subject_id == reason.id
    assert created.after["key"] == "falsche_tatsachen"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der Grund „Falsche Tatsachen“ wurde hinzugefügt." in page


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"key": "spam"}, "key", "Es gibt bereits einen Grund mit diesem Schlüssel."),
        ({"key": "1abc"}, "key", "beginnt mit einem Buchstaben"),
        ({"key": "mit leerzeichen"}, "key", "Kleinbuchstaben a–z"),
        ({"key": ""}, "key", "Bitte geben Sie einen Schlüssel ein."),
        ({"label_de": "werbung/spam"}, "label_de", "bereits diese Bezeichnung"),
        ({"label_en": "INSULT"}, "label_en", "bereits diese Bezeichnung"),
        ({"label_de": "  "}, "label_de", "Bitte geben Sie die deutsche Bezeichnung ein."),
        ({"label_en": ""}, "label_en", "Bitte geben Sie die englische Bezeichnung ein."),
        ({"explanation_de": "x" * 1001}, "explanation_de", "1000"),
    ],
)
def test_add_refuses_invalid_input_and_keeps_it(app, admin, data, field, message):
    client = signed_in_client(app, admin)
    form = {
        "key": "neuer_grund",
        "label_de": "Neuer Grund",
        "label_en": "New reason",
        "explanation_de": "Meine Erläuterung",
        **data,
    }
    response = client.post(f"{BASE}/neu", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert message in html
    assert "Meine Erläuterung" in html or field == "explanation_de"  # what was typed stays
    assert _order(app) == DEFAULT_KEYS
    assert _events(app, "netiquette_reason.created") == []


def test_edit_labels_keeps_the_key_and_records_the_change(app, admin):
    client = signed_in_client(app, admin)
    reason = _reason(app, "off_topic")
    url = f"{BASE}/{reason.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Kein Bezug zum Thema"' in page
    assert "<code>off_topic</code>" in page
    assert 'name="key"' not in page
    response = client.post(
        url,
        data={
            "key": "hijacked",
            "label_de": "Am Thema vorbei",
            "label_en": "Off topic",
            "explanation_de": reason.explanation_de,
            "explanation_en": reason.explanation_en,
        },
    )
    assert response.status_code == 302
    changed = _reason(app, "off_topic")
    assert (changed.label_de, changed.label_en) == ("Am Thema vorbei", "Off topic")
    assert _reason(app, "hijacked") is None
    [updated] = _events(app, "netiquette_reason.updated")
    assert updated.before == {
        "label_de": "Kein Bezug zum Thema",
        "label_en": "Not related to the topic",
    }
    assert updated.after == {"label_de": "Am Thema vorbei", "label_en": "Off topic"}
    # A duplicate label is refused, with the typed text kept.
    response = client.post(url, data={"label_de": "Beleidigung", "label_en": "Off topic 2"})
    assert response.status_code == 200
    assert 'value="Off topic 2"' in response.get_data(as_text=True)
    assert _reason(app, "off_topic").label_en == "Off topic"
    assert client.get(f"{BASE}/999999").status_code == 404


def test_move_up_and_down(app, admin):
    client = signed_in_client(app, admin)
    spam = _reason(app, "spam")
    response = client.post(f"{BASE}/{spam.id}/verschieben", data={"richtung": "hoch"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#grund-{spam.id}")
    order = _order(app)
    assert order.index("spam") == 5
    assert order.index("personal_data") == 6
    insult = _reason(app, "insult")
    client.post(f"{BASE}/{insult.id}/verschieben", data={"richtung": "hoch"})  # already first
    client.post(f"{BASE}/{insult.id}/verschieben", data={"richtung": "runter"})
    assert _order(app)[:2] == ["discrimination", "insult"]
    client.post(f"{BASE}/{insult.id}/verschieben", data={"richtung": "seitwärts"})
    assert _order(app)[:2] == ["discrimination", "insult"]
    moves = _events(app, "netiquette_reason.moved_up") + _events(
        app, "netiquette_reason.moved_down"
    )
    assert len(moves) == 2
    with app.test_request_context():
        assert [key for key, _ in labels.rejection_choices()][:2] == ["discrimination", "insult"]


def test_deactivate_and_reactivate(app, make, discuss, admin, moderator):
    client = signed_in_client(app, admin)
    duplicate = _reason(app, "duplicate")
    response = client.post(f"{BASE}/{duplicate.id}/deaktivieren", follow_redirects=True)
    assert "wird der Moderation nicht mehr angeboten" in response.get_data(as_text=True)
    assert _reason(app, "duplicate").is_active is False
    mod = signed_in_client(app, moderator)
    comment = discuss.comment(make.strategy(), make.user())
    assert 'value="duplicate"' not in mod.get(f"/moderation/beitraege/{comment.id}").get_data(
        as_text=True
    )
    listed = client.get(BASE).get_data(as_text=True)
    assert "deaktiviert" in listed.split("Wiederholung/Dublette", 1)[1].split("</tr>", 1)[0]
    client.post(f"{BASE}/{duplicate.id}/aktivieren")
    assert _reason(app, "duplicate").is_active is True
    assert 'value="duplicate"' in mod.get(f"/moderation/beitraege/{comment.id}").get_data(
        as_text=True
    )
    assert [e.after for e in _events(app, "netiquette_reason.deactivated")] == [
        {"is_active": False}
    ]
    assert len(_events(app, "netiquette_reason.reactivated")) == 1


def test_the_last_active_reason_stays_active(app, admin):
    with app.app_context():
        for reason in db.session.scalars(select(NetiquetteReason)):
            reason.is_active = reason.key == "spam"
        db.session.commit()
    client = signed_in_client(app, admin)
    spam = _reason(app, "spam")
    page = client.post(f"{BASE}/{spam.id}/deaktivieren", follow_redirects=True)
    assert "Das ist der letzte aktive Grund." in page.get_data(as_text=True)
    assert _reason(app, "spam").is_active is True


def test_only_a_reason_never_given_can_be_deleted(app, make, discuss, admin, moderator):
    client = signed_in_client(app, admin)
    strategy = make.strategy()
    author = make.user()
    # Given and still on a rejected contribution.
    _reject(app, discuss.comment(strategy, author).id, moderator.id, "threat")
    # Given once, then the author revised it: only the event log remembers it.
    revised = discuss.comment(strategy, author, body="Erster Text.")
    _reject(app, revised.id, moderator.id, "unlawful")
    with app.test_request_context():
        services.revise(
            db.session.get(Contribution, revised.id),
            user=db.session.get(User, author.id),
            body_md="Zweiter Text.",
        )
        db.session.commit()
    for key in ("threat", "unlawful"):
        reason = _reason(app, key)
        page = client.get(f"{BASE}/{reason.id}").get_data(as_text=True)
        assert "einmal verwendet und kann daher nicht gelöscht werden" in page
        assert f'action="{BASE}/{reason.id}/loeschen"' not in page
        response = client.post(f"{BASE}/{reason.id}/loeschen", follow_redirects=True)
        assert "Deaktivieren Sie ihn stattdessen" in response.get_data(as_text=True)
        assert _reason(app, key) is not None

    unused = _reason(app, "copyright")
    page = client.get(f"{BASE}/{unused.id}").get_data(as_text=True)
    assert f'action="{BASE}/{unused.id}/loeschen"' in page
    response = client.post(f"{BASE}/{unused.id}/loeschen", follow_redirects=True)
    assert "Der Grund „Urheberrechtsverletzung“ wurde gelöscht." in response.get_data(as_text=True)
    assert _reason(app, "copyright") is None
    [deleted] = _events(app, "netiquette_reason.deleted")
    assert deleted.before["key"] == "copyright"
    assert deleted.actor_id == admin.id


def test_the_reason_cache_is_per_request(app, admin):
    with app.test_request_context():
        assert len(labels.rejection_choices()) == 9
        from participation.admin import reasons

        reasons.set_active(
            db.session.scalars(
                select(NetiquetteReason).where(NetiquetteReason.key == "spam")
            ).one(),
            False,
            actor=db.session.get(User, admin.id),
        )
        # The change is seen at once in the same request, and by the next one.
        assert len(labels.rejection_choices()) == 8
        db.session.commit()
        assert g.get("_netiquette_reasons") is not None
    with app.test_request_context():
        assert len(labels.rejection_choices()) == 8
