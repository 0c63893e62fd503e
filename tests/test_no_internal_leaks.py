"""Nothing internal reaches a page that a citizen can open.

A strategy's discussion is filled with internal material, each piece carrying a unique
marker: internal notes, rejection and hiding notes, the moderator's own name (the official
reply is signed only as the office), reporters and their texts, guests' e-mail addresses,
pending, unconfirmed, rejected, hidden and withdrawn texts, the text a contribution had
before it was revised, answer templates. Then every GET route that an anonymous visitor or
an ordinary citizen may open is requested with real values (every contribution, section,
page and filter), and no response may contain a marker. A route without a URL here fails
the test, so a new page cannot be skipped silently.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from flask import url_for
from sqlalchemy import select

from participation import permissions
from participation.accounts import tokens
from participation.accounts.models import Role, User
from participation.council import services as council
from participation.discussion import services as discussion
from participation.discussion.idea_queries import SORT_DISCUSSED, SORT_NEWEST, SORT_SUPPORT
from participation.discussion.models import (
    Contribution,
    ContributionKind,
    ModerationState,
    ProcessingStatus,
)
from participation.extensions import db
from participation.moderation import answer_templates, locks, notes, official, reports
from participation.moderation import services as moderation
from participation.moderation import status as status_service
from participation.moderation.labels import rejection_choices
from participation.moderation.merge import merge_idea
from participation.moderation.models import ReportReason
from participation.notifications import services as notifications
from participation.notifications.models import Kind as NotificationKind
from participation.strategies.models import ModerationMode, Strategy
from participation.strategies.queries import latest_version
from tests.helpers import signed_in_client
from tests.public_data import V1, add_version, strategy_with_tree

# name -> text. Every text is unique in the whole application and survives HTML escaping.
MARKERS = {
    "moderator_name": "Leakmarker Modname",
    "moderator_email": "leakmarker-moderator@example.org",
    "author_email": "leakmarker-author@example.org",
    "other_email": "leakmarker-other@example.org",
    "reporter_a": "Leakmarker Reporterin A",
    "reporter_b": "Leakmarker Reporter B",
    "reporter_c": "Leakmarker Reporterin C",
    "reporter_a_email": "leakmarker-reporter-a@example.org",
    "report_text": "Leakmarker-report-text-on-published",
    "report_text_b": "Leakmarker-report-text-b",
    "report_text_c": "Leakmarker-report-text-c",
    "note_published": "Leakmarker-note-on-published",
    "note_pending": "Leakmarker-note-on-pending",
    "note_idea": "Leakmarker-note-on-idea",
    "note_token": "Leakmarker-note-on-unconfirmed",
    "note_hidden": "Leakmarker-note-on-hidden",
    "note_guest_rejected": "Leakmarker-note-on-guest-rejected",
    "pending_comment": "Leakmarker-pending-comment",
    "pending_reply": "Leakmarker-pending-reply",
    "pending_idea_title": "Leakmarker-pending-idea-title",
    "pending_idea_body": "Leakmarker-pending-idea-body",
    "hidden_text": "Leakmarker-hidden-text",
    "hide_note": "Leakmarker-hide-note-to-author",
    "hidden_by_reports_text": "Leakmarker-hidden-by-reports",
    "rejected_text": "Leakmarker-rejected-text-with-replies",
    "rejection_note_other": "Leakmarker-rejection-note-other",
    "rejected_own_text": "Leakmarker-rejected-own-text",
    "rejection_note_author": "Leakmarker-rejection-note-author",
    "old_rejected_text": "Leakmarker-text-before-revision",
    "rejection_note_revised": "Leakmarker-rejection-note-revised",
    "rejected_idea_title": "Leakmarker-rejected-idea-title",
    "rejection_note_idea": "Leakmarker-rejection-note-idea",
    "withdrawn_text": "Leakmarker-withdrawn-text",
    "guest_email": "leakmarker-guest@example.org",
    "unconfirmed_text": "Leakmarker-unconfirmed-guest-text",
    "unconfirmed_email": "leakmarker-unconfirmed@example.org",
    "template_title": "Leakmarker-template-title",
    "template_body": "Leakmarker-template-body",
    "follower_email": "leakmarker-follower@example.org",
    "internal_project": "Leakmarker-internal-roadmap-project",
    "internal_project_text": "Leakmarker-internal-roadmap-text",
    "analogue_email": "leakmarker-analogue@example.org",
    "unpublished_workshop": "Leakmarker-unpublished-workshop",
    "pending_workshop_result": "Leakmarker-pending-workshop-result",
    "rater_name": "Leakmarker Gremiumsmitglied",
    "rating_comment": "Leakmarker-rating-comment",
}

# What the author of the contributions may see of them: their own waiting texts, their own
# address (account page), and their rejected text with the moderation's note to them (revise
# page). Never the internal notes, the reporters or anything of other people.
AUTHOR_MAY_SEE = {
    "author_email",
    "pending_comment",
    "pending_reply",
    "pending_idea_title",
    "pending_idea_body",
    "rejected_own_text",
    "rejection_note_author",
}

# The author's data export (DSGVO Art. 15) holds all their own texts, the ones their
# contributions had before a revision too; still nothing internal or of other people.
EXPORT_MAY_SEE = {"old_rejected_text"}

# Public texts that must show up somewhere, so that the search above cannot pass on pages
# that do not render at all.
PUBLIC_TEXTS = [
    "Radwege an der Hauptstraße",  # a published comment with reports and notes
    "Das Amt prüft die Radwege",  # the official reply
    "Amt für Digitalisierung",  # its signature
    "Gerd Gast",  # a guest's name (never their address)
    "Der Platz am Bahnhof reicht nicht",  # a public reason of a processing status
    "Überarbeitet: bitte mehr Grün",  # a revised and then published comment
    "Füllkommentar 1 ",  # the oldest filler, on the second page of threads
    "Füll-Idee 1 ",  # the oldest filler idea, on the second page of ideas
    "Echtzeit-Busanzeige am Bahnhof",  # a public roadmap project
    "VO/2027/0042",  # the council paper on the overview
    "Mehr Bänke am Markt",  # a letter typed in by the moderator (who is never named)
    "Werkstatt Mobilität",  # a published workshop
    "Rufbus am Abend",  # its published result
    "Trägt das Handlungsfeld Mobilität",  # the public reason of a selection as a project
]

FILLERS = 21  # one more than a page of threads or ideas (20)


@dataclass
class World:
    slug: str
    keys: list[str] = field(default_factory=list)
    anchor: str = ""
    field_key: str = ""
    section_key: str = ""
    contributions: dict[str, int] = field(default_factory=dict)
    ideas: dict[str, int] = field(default_factory=dict)
    projects: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    guest_token: str = ""
    revise_token: str = ""
    account_tokens: dict[str, str] = field(default_factory=dict)
    notification_tokens: dict[str, str] = field(default_factory=dict)
    workshop_id: int = 0

    @property
    def all_ids(self) -> list[int]:
        return sorted({*self.contributions.values(), *self.ideas.values()})


@pytest.fixture
def world(app, make) -> World:
    department = make.department()
    users = {
        "author": make.user(display_name="Alex Autorin", email=MARKERS["author_email"]),
        "other": make.user(display_name="Olga Andere", email=MARKERS["other_email"]),
        # The reader who looks at everything; English, so both languages are covered.
        "citizen": make.user(display_name="Vera Leserin", locale="en"),
        "moderator": make.user(
            display_name=MARKERS["moderator_name"],
            email=MARKERS["moderator_email"],
            roles=[Role.MODERATOR],
        ),
        "reporter_a": make.user(
            display_name=MARKERS["reporter_a"], email=MARKERS["reporter_a_email"]
        ),
        "reporter_b": make.user(display_name=MARKERS["reporter_b"]),
        "reporter_c": make.user(display_name=MARKERS["reporter_c"]),
        "department": make.user(roles=[Role.DEPARTMENT], department=department),
        # For the account links: one that still has to confirm its address.
        "unconfirmed": make.user(display_name="Uli Unbestätigt", confirmed=False),
        "committee": make.user(display_name=MARKERS["rater_name"], roles=[Role.COMMITTEE]),
    }
    strategy = strategy_with_tree(make, app, moderation_mode=ModerationMode.PRE)
    add_version(app, strategy, 2, V1, "Zweite Fassung")
    w = World(slug=strategy.slug, users=users)
    with app.test_request_context():
        _fill(w, db.session.get(Strategy, strategy.id), users)
        db.session.commit()
    return w


def _fill(w: World, strategy: Strategy, users: dict[str, User]) -> None:  # noqa: PLR0915
    u = SimpleNamespace(**{name: db.session.get(User, user.id) for name, user in users.items()})
    version = latest_version(strategy)
    sections = {s.key: s for s in version.sections}
    w.keys = list(sections)
    intro, mobility = sections["einleitung"], sections["mobilitaet"]
    w.section_key, w.anchor, w.field_key = intro.key, intro.anchors[0], mobility.key
    reason = rejection_choices()[0][0]
    m = MARKERS

    def decide(contribution, action, **kwargs):
        moderation.decide(
            contribution, action, actor=u.moderator, expected_state=contribution.state, **kwargs
        )

    def comment(who, text, section=intro, anchor=None, publish=True):
        c = discussion.post_comment(
            strategy, section, version=version, author=who, body_md=text, paragraph_anchor=anchor
        )
        if publish:
            decide(c, "publish")
        return c

    def reply(parent, who, text, publish=True):
        c = discussion.post_reply(parent, author=who, body_md=text)
        if publish:
            decide(c, "publish")
        return c

    def idea(who, title, body, publish=True, field_section=None):
        c = discussion.post_idea(
            strategy, author=who, title=title, body_md=body, field_of_action=field_section
        )
        if publish:
            decide(c, "publish")
        return c

    ids = w.contributions
    # Created before the fillers, so these threads land on the second page.
    published = comment(u.author, "Bitte sichere Radwege an der Hauptstraße.", anchor=w.anchor)
    ids["published"] = published.id
    ids["pending_reply"] = reply(published, u.author, m["pending_reply"], publish=False).id
    official_reply = official.post_official_reply(
        published, actor=u.moderator, body_md="Das Amt prüft die Radwege.", show_own_name=False
    )
    ids["official_reply"] = official_reply.id
    notes.add_note(published, actor=u.moderator, body=m["note_published"])
    reports.report(
        published, reporter=u.reporter_a, reason=ReportReason.OTHER, text=m["report_text"]
    )
    locks.lock(published, actor=u.moderator)

    pending = comment(u.author, m["pending_comment"], publish=False)
    ids["pending"] = pending.id
    notes.add_note(pending, actor=u.moderator, body=m["note_pending"])

    own_rejected = comment(u.author, m["rejected_own_text"], publish=False)
    decide(own_rejected, "reject", reason=reason, note=m["rejection_note_author"])
    ids["own_rejected"] = own_rejected.id

    revised = comment(u.author, m["old_rejected_text"], publish=False)
    decide(revised, "reject", reason=reason, note=m["rejection_note_revised"])
    moderation.revise(revised, user=u.author, body_md="Überarbeitet: bitte mehr Grün.")
    decide(revised, "publish")
    ids["revised"] = revised.id

    ids["guest"] = discussion.post_comment(
        strategy,
        intro,
        version=version,
        author=None,
        guest=discussion.Guest(
            name="Gerd Gast", email=m["guest_email"], consent=True, verified=True
        ),
        body_md="Ein Kommentar von einem Gast.",
    ).id
    decide(db.session.get(Contribution, ids["guest"]), "publish")
    ids["unconfirmed"] = discussion.post_comment(
        strategy,
        intro,
        version=version,
        author=None,
        guest=discussion.Guest(
            name="Una Unbestätigt", email=m["unconfirmed_email"], consent=True, verified=False
        ),
        body_md=m["unconfirmed_text"],
    ).id
    # The guest links are opened for this one: the page shows its own (harmless) text and
    # address to whoever holds the link, but never the note on it.
    token_contribution = discussion.post_comment(
        strategy,
        intro,
        version=version,
        author=None,
        guest=discussion.Guest(
            name="Tina Token", email="tina-token@example.org", consent=True, verified=False
        ),
        body_md="Bitte mehr Bänke am Marktplatz.",
    )
    ids["token"] = token_contribution.id
    notes.add_note(token_contribution, actor=u.moderator, body=m["note_token"])
    w.guest_token = discussion.guest_token(token_contribution)
    # A guest's rejected contribution: the link in the rejection mail opens its revise page.
    guest_rejected = discussion.post_comment(
        strategy,
        intro,
        version=version,
        author=None,
        guest=discussion.Guest(
            name="Rita Gast", email="rita-gast@example.org", consent=True, verified=True
        ),
        body_md="Ein Gastbeitrag, der überarbeitet werden soll.",
    )
    decide(guest_rejected, "reject", reason=reason, note="Bitte sachlich bleiben.")
    notes.add_note(guest_rejected, actor=u.moderator, body=m["note_guest_rejected"])
    ids["guest_rejected"] = guest_rejected.id
    w.revise_token = moderation.revise_token(guest_rejected)

    for n in range(1, FILLERS + 1):
        comment(u.other, f"Füllkommentar {n} zur Einleitung.")

    # Created after the fillers: on the first page. Each keeps a published reply, so that it
    # stays as a placeholder in its thread.
    hidden = comment(u.other, m["hidden_text"])
    reply(hidden, u.author, "Eine Antwort unter einem verborgenen Beitrag.")
    decide(hidden, "hide", reason=reason, note=m["hide_note"])
    notes.add_note(hidden, actor=u.moderator, body=m["note_hidden"])
    ids["hidden"] = hidden.id

    by_reports = comment(u.other, m["hidden_by_reports_text"], section=mobility)
    reply(by_reports, u.author, "Eine Antwort unter einem gemeldeten Beitrag.")
    for reporter, text in (
        (u.reporter_a, ""),
        (u.reporter_b, m["report_text_b"]),
        (u.reporter_c, m["report_text_c"]),
    ):
        reports.report(by_reports, reporter=reporter, reason=ReportReason.OTHER, text=text or "x")
    assert by_reports.state is ModerationState.HIDDEN
    ids["hidden_by_reports"] = by_reports.id

    rejected = comment(u.other, m["rejected_text"])
    reply(rejected, u.author, "Eine Antwort unter einem abgelehnten Beitrag.")
    decide(rejected, "reject", reason=reason, note=m["rejection_note_other"])
    ids["rejected"] = rejected.id

    withdrawn = comment(u.other, m["withdrawn_text"])
    reply(withdrawn, u.author, "Eine Antwort unter einem zurückgezogenen Beitrag.")
    discussion.withdraw(withdrawn, user=u.other)
    ids["withdrawn"] = withdrawn.id

    # Ideas: fillers first (the oldest lands on page 2), then the ones that matter.
    for n in range(1, FILLERS + 1):
        idea(u.other, f"Füll-Idee {n} für die Stadt", "Ein Vorschlag zum Füllen der Liste.")
    ideas = w.ideas
    adopted = idea(u.author, "Fahrradstellplätze am Bahnhof", "Mehr Bügel.", field_section=mobility)
    status_service.set_status(adopted, ProcessingStatus.IN_REVIEW, actor=u.moderator)
    status_service.set_status(
        adopted,
        ProcessingStatus.NOT_ADOPTED,
        actor=u.moderator,
        public_reason="Der Platz am Bahnhof reicht nicht.",
    )
    notes.add_note(adopted, actor=u.moderator, body=m["note_idea"])
    ideas["with_status"] = adopted.id
    ideas["pending"] = idea(
        u.author,
        m["pending_idea_title"],
        f"{m['pending_idea_body']} Quartiersgarage",
        publish=False,
        field_section=mobility,
    ).id
    rejected_idea = idea(u.other, m["rejected_idea_title"], "Quartiersgarage für alle.")
    status_service.set_status(rejected_idea, ProcessingStatus.IN_REVIEW, actor=u.moderator)
    reply(rejected_idea, u.author, "Eine Antwort unter einer abgelehnten Idee.")
    decide(rejected_idea, "reject", reason=reason, note=m["rejection_note_idea"])
    ideas["rejected"] = rejected_idea.id
    duplicate = idea(u.other, "Fahrradbügel am Bahnhof", "Doppelt.")
    merge_idea(duplicate, adopted, actor=u.moderator)
    ideas["merged"] = duplicate.id
    ideas["reply"] = reply(adopted, u.other, "Eine Antwort auf die Idee.").id

    answer_templates.create(
        actor=u.moderator, title=m["template_title"], body_md=m["template_body"]
    )

    # Real account links, for a reader who follows one from a mail.
    fresh = u.unconfirmed
    w.account_tokens = {
        "confirm": tokens.make_token(
            tokens.CONFIRM_EMAIL, {"u": fresh.id, "e": tokens.fingerprint(fresh.email)}
        ),
        "reset": tokens.make_token(
            tokens.RESET_PASSWORD, {"u": fresh.id, "p": tokens.fingerprint(fresh.password_hash)}
        ),
        "change": tokens.make_token(
            tokens.CHANGE_EMAIL,
            {"u": fresh.id, "old": tokens.fingerprint(fresh.email), "new": "uli@example.org"},
        ),
    }
    # Links from notification mails: a guest follows the published thread (and must never be
    # shown to anyone), the author unsubscribes.
    follow = notifications.request_guest_follow(
        m["follower_email"],
        notifications.thread_target(published),
        locale="de",
        consent=True,
    )
    w.notification_tokens = {
        "confirm": tokens.make_token(
            notifications.FOLLOW_CONFIRM, {"f": follow.id, "e": tokens.fingerprint(follow.email)}
        ),
        "unfollow": tokens.make_token(notifications.UNFOLLOW, {"f": follow.id}),
        "unsubscribe": notifications.unsubscribe_token(
            notifications.user_recipient(u.author), NotificationKind.REPLIES_TO_ME
        ),
    }
    # The council paper, entered by the moderator: the overview shows it, never who entered it.
    council.save_paper(
        strategy,
        actor=u.moderator,
        expected_revision=0,
        reference="VO/2027/0042",
        url="https://ris.example.org/vo0050.asp?__kvonr=42",
        consultations=[council.ConsultationInput("Rat der Stadt Musterstadt", None, "vertagt")],
    )
    db.session.flush()
    _fill_analogue(w, strategy, u, mobility, decide)
    _fill_roadmap(w, strategy, u, mobility)
    _fill_consolidation(w, u)


def _fill_roadmap(w: World, strategy: Strategy, u, mobility) -> None:
    """A public roadmap project linked to the idea with a status (its status changed by the
    moderator, whose name the history never shows), and an internal one linked to the same
    idea: neither its title nor its text may appear anywhere public."""
    from participation.roadmap import services as roadmap

    def project(title, text, public):
        return roadmap.create_project(
            strategy,
            roadmap.ProjectData(
                title=title,
                description_md=text,
                priority="lead",
                start_year=2027,
                start_quarter=1,
                end_year=2028,
                end_quarter=2,
                field_key=mobility.key,
                department_id=u.department.department_id,
                is_public=public,
                idea_ids=[w.ideas["with_status"]],
            ),
            actor=u.moderator,
        )

    public = project("Echtzeit-Busanzeige am Bahnhof", "Anzeigen an allen Haltestellen.", True)
    data = roadmap.ProjectData(
        **{
            **{name: getattr(public, name) for name in roadmap.TRACKED},
            "status": "in_progress",
            "idea_ids": [w.ideas["with_status"]],
        }
    )
    roadmap.update_project(public, data, actor=u.moderator, expected_revision=public.revision)
    internal = project(MARKERS["internal_project"], MARKERS["internal_project_text"], False)
    w.projects = {"public": public.id, "internal": internal.id}


def _fill_analogue(w: World, strategy: Strategy, u, mobility, decide) -> None:
    """A letter and a workshop result typed in by the moderator (never named), one result
    still waiting and an unpublished workshop (neither ever shown). On the mobility section,
    so that the pages of the introduction's threads stay as they are."""
    from participation.analogue import services as analogue
    from participation.workshops import services as workshops

    m = MARKERS
    today = analogue.local_today()

    def workshop(title, published):
        data = workshops.WorkshopInput(
            title=title,
            held_on=today,
            ends_on=None,
            format="in_person",
            place="Rathaus, Saal 2",
            section_key=mobility.key,
            participants=14,
            summary_md="Die Gruppe sammelte *Ideen* für Bus und Rad.",
            published=published,
        )
        return workshops.create_workshop(strategy, data, actor=u.moderator)

    shown = workshop("Werkstatt Mobilität", True)
    workshop(m["unpublished_workshop"], False)
    w.workshop_id = shown.id
    letter = analogue.enter_contribution(
        strategy,
        actor=u.moderator,
        channel="letter",
        received_on=today,
        kind="comment",
        section=mobility,
        body_md="Mehr Bänke am Markt, bitte.",
        email=m["analogue_email"],
        email_consent=True,
    )
    decide(letter, "publish")
    w.contributions["letter"] = letter.id

    def result(text, publish):
        c = analogue.enter_contribution(
            strategy,
            actor=u.moderator,
            channel=None,
            received_on=today,
            kind="comment",
            section=mobility,
            body_md=text,
            workshop=shown,
        )
        if publish:
            decide(c, "publish")
        return c

    w.contributions["workshop_result"] = result("Rufbus am Abend für die Ortsteile.", True).id
    result(m["pending_workshop_result"], False)


def _fill_consolidation(w: World, u) -> None:
    """A committee member's rating with a comment, and the office's selection of the idea
    with a status: the idea's page and the list show the selection, never the rating or who
    gave it. (Stored directly: the strategy's participation phase is still open here.)"""
    from participation.consolidation import services as consolidation
    from participation.consolidation.models import IdeaRating, IdeaSelection, SelectionKind
    from participation.events.services import record

    adopted = db.session.get(Contribution, w.ideas["with_status"])
    db.session.add(
        IdeaRating(
            contribution_id=adopted.id,
            rater_id=u.committee.id,
            relevance=5,
            feasibility=2,
            comment=MARKERS["rating_comment"],
        )
    )
    record(consolidation.RATED, adopted, u.committee)
    reason = "Trägt das Handlungsfeld Mobilität."
    db.session.add(
        IdeaSelection(
            contribution_id=adopted.id,
            kind=SelectionKind.LEAD,
            public_reason=reason,
            selected_by_id=u.moderator.id,
        )
    )
    record(
        consolidation.SELECTED,
        adopted,
        u.moderator,
        before={"selection": None},
        after={"selection": "lead", "public_reason": reason},
    )
    db.session.flush()


# --- the URLs of every page --------------------------------------------------------------------


def _each_id(endpoint):
    return lambda w: [url_for(endpoint, id=i) for i in w.all_ids]


def _sections(w: World) -> list[str]:
    urls = [url_for("strategies.section", slug=w.slug, key=key) for key in w.keys]
    urls += [
        url_for("strategies.section", slug=w.slug, key=w.section_key, seite=2),
        url_for("strategies.section", slug=w.slug, key=w.section_key, absatz=w.anchor),
    ]
    urls += [
        url_for("strategies.section", slug=w.slug, key=w.section_key, markiert=i) for i in w.all_ids
    ]
    return urls


def _ideas(w: World) -> list[str]:
    queries = [
        {},
        {"seite": 2},
        {"handlungsfeld": w.field_key},
        {"kanal": "online"},
        {"suche": "Quartiersgarage"},
        {"suche": "Leakmarker"},
        *({"status": status.value} for status in ProcessingStatus),
        *({"sortierung": sort} for sort in (SORT_NEWEST, SORT_SUPPORT, SORT_DISCUSSED)),
    ]
    return [url_for("ideas.index", slug=w.slug, **query) for query in queries]


def _idea_pages(w: World) -> list[str]:
    return [url_for("ideas.show", slug=w.slug, id=i) for i in w.ideas.values()] + [
        url_for("ideas.show", slug=w.slug, id=w.ideas["with_status"], markiert=i) for i in w.all_ids
    ]


URLS = {
    "strategies.index": lambda w: [url_for("strategies.index")],
    "strategies.overview": lambda w: [url_for("strategies.overview", slug=w.slug)],
    "strategies.versions": lambda w: [url_for("strategies.versions", slug=w.slug)],
    "strategies.version_overview": lambda w: [
        url_for("strategies.version_overview", slug=w.slug, number=n) for n in (1, 2)
    ],
    "strategies.section": _sections,
    "strategies.version_section": lambda w: [
        url_for("strategies.version_section", slug=w.slug, number=1, key=key) for key in w.keys
    ],
    "strategies.compare_versions": lambda w: [
        url_for("strategies.compare_versions", slug=w.slug),
        url_for("strategies.compare_versions", slug=w.slug, von=1, zu=2),
    ],
    "discussion.full_discussion": lambda w: (
        [url_for("discussion.full_discussion", slug=w.slug, key=key) for key in w.keys]
        + [
            url_for("discussion.full_discussion", slug=w.slug, key=w.section_key, markiert=i)
            for i in w.all_ids
        ]
    ),
    "discussion.permalink": _each_id("discussion.permalink"),
    "discussion.reply": _each_id("discussion.reply"),
    "discussion.edit": _each_id("discussion.edit"),
    "discussion.withdraw": _each_id("discussion.withdraw"),
    "discussion.guest_confirm": lambda w: [
        url_for("discussion.guest_confirm", token=w.guest_token),
        url_for("discussion.guest_confirm", token="not-a-valid-token"),
    ],
    "discussion.guest_withdraw": lambda w: [
        url_for("discussion.guest_withdraw", token=w.guest_token),
        url_for("discussion.guest_withdraw", token="not-a-valid-token"),
    ],
    "statistics.page": lambda w: [url_for("statistics.page", slug=w.slug)],
    "workshops.index": lambda w: [url_for("workshops.index", slug=w.slug)],
    "workshops.show": lambda w: [url_for("workshops.show", slug=w.slug, workshop_id=w.workshop_id)],
    "ideas.index": _ideas,
    "roadmap.index": lambda w: [
        url_for("roadmap.index", slug=w.slug, **query)
        for query in (
            {},
            {"ansicht": "liste"},
            {"handlungsfeld": w.field_key},
            {"amt": w.users["department"].department_id, "ansicht": "liste"},
        )
    ],
    "roadmap.project": lambda w: [
        url_for("roadmap.project", slug=w.slug, project_id=i) for i in w.projects.values()
    ],
    "ideas.show": _idea_pages,
    "ideas.new": lambda w: [url_for("ideas.new", slug=w.slug)],
    "ideas.support": _each_id("ideas.support"),
    "moderation_extra.report": _each_id("moderation_extra.report"),
    "revision.revise": _each_id("revision.revise"),
    "revision.revise_as_guest": lambda w: [
        url_for("revision.revise_as_guest", token=w.revise_token),
        url_for("revision.revise_as_guest", token="not-a-valid-token"),
    ],
    "pages.show": lambda w: [
        url_for("pages.show", slug=slug)
        for slug in ("impressum", "datenschutz", "barrierefreiheit", "netiquette")
    ],
    "accounts.login": lambda w: [url_for("accounts.login")],
    "accounts.register": lambda w: [url_for("accounts.register")],
    "accounts.check_inbox": lambda w: [
        url_for("accounts.check_inbox"),
        url_for("accounts.check_inbox", grund="registrierung"),
    ],
    "accounts.confirm": lambda w: [
        url_for("accounts.confirm", token=w.account_tokens["confirm"]),
        url_for("accounts.confirm", token="not-a-valid-token"),
    ],
    "accounts.resend_confirmation": lambda w: [url_for("accounts.resend_confirmation")],
    "accounts.forgot_password": lambda w: [url_for("accounts.forgot_password")],
    "accounts.reset_password": lambda w: [
        url_for("accounts.reset_password", token=w.account_tokens["reset"]),
        url_for("accounts.reset_password", token="not-a-valid-token"),
    ],
    "accounts.confirm_email_change": lambda w: [
        url_for("accounts.confirm_email_change", token="not-a-valid-token"),
        url_for("accounts.confirm_email_change", token=w.account_tokens["change"]),
    ],
    "accounts.settings": lambda w: [url_for("accounts.settings")],
    "accounts.login_code": lambda w: [url_for("accounts.login_code")],
    "accounts.two_factor_settings": lambda w: [url_for("accounts.two_factor_settings")],
    "privacy.overview": lambda w: [url_for("privacy.overview")],
    "privacy.export": lambda w: [url_for("privacy.export")],
    "privacy.delete_account": lambda w: [url_for("privacy.delete_account")],
    # The health check's JSON (status only) is public like the pages.
    "operations.healthz": lambda w: [url_for("operations.healthz")],
    "opendata.index": lambda w: [url_for("opendata.index")],
    "opendata.catalog": lambda w: [url_for("opendata.catalog")],
    "opendata.download_csv": lambda w: [
        url_for("opendata.download_csv", name=name)
        for name in ("beitraege", f"beitraege-{w.slug}", "roadmap")
    ],
    "opendata.download_json": lambda w: [
        url_for("opendata.download_json", name=name)
        for name in ("beitraege", f"beitraege-{w.slug}", "roadmap")
    ],
    "api.openapi": lambda w: [url_for("api.openapi")],
    "api.strategies": lambda w: [url_for("api.strategies")],
    "api.strategy": lambda w: [url_for("api.strategy", slug=w.slug)],
    "api.versions": lambda w: [url_for("api.versions", slug=w.slug)],
    "api.sections": lambda w: [url_for("api.sections", slug=w.slug, number=n) for n in (1, 2)],
    "api.contributions": lambda w: [
        url_for("api.contributions", slug=w.slug, limit=100),
        url_for("api.contributions", slug=w.slug, kind="idea", status="not_adopted"),
        url_for("api.contributions", slug=w.slug, section=w.section_key, limit=5, after=1),
    ],
    "api.contribution": _each_id("api.contribution"),
    "api.status_trail": _each_id("api.status_trail"),
    "notifications.settings": lambda w: [url_for("notifications.settings")],
    "notifications.follow_thread": _each_id("notifications.follow_thread"),
    "notifications.follow_strategy": lambda w: [
        url_for("notifications.follow_strategy", slug=w.slug)
    ],
    **{
        f"notifications.{endpoint}": (
            lambda w, endpoint=endpoint, token=token: [
                url_for(f"notifications.{endpoint}", token=w.notification_tokens[token]),
                url_for(f"notifications.{endpoint}", token="not-a-valid-token"),
            ]
        )
        for endpoint, token in (
            ("confirm_follow", "confirm"),
            ("unfollow_by_link", "unfollow"),
            ("unsubscribe", "unsubscribe"),
            ("unsubscribe_one_click", "unsubscribe"),
        )
    },
}


def _ordinary_citizen() -> User:
    """A signed-in account without any role, to ask the permission predicates."""
    return User(email="citizen@example.org", display_name="Citizen", is_active=True, role_rows=[])


def _get_endpoints(app, signed_in: bool) -> set[str]:
    """The GET routes open to anonymous visitors, or to them and ordinary citizens."""
    citizen = _ordinary_citizen()
    found = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or ()):
            continue
        permission = app.view_functions[rule.endpoint].required_permission
        if permission == permissions.PUBLIC or (signed_in and permission(citizen)):
            found.add(rule.endpoint)
    return found


def test_every_page_a_citizen_can_open_has_urls_here(app):
    """A new public page must be added to URLS, so that the search below covers it."""
    pages = _get_endpoints(app, signed_in=True)
    assert sorted(pages - URLS.keys()) == [], "add these endpoints to URLS"
    assert sorted(URLS.keys() - pages) == [], "these endpoints are no longer public pages"


# --- the search --------------------------------------------------------------------------------


def _client(app, w: World, viewer: str):
    return app.test_client() if viewer == "anonymous" else signed_in_client(app, w.users[viewer])


def _crawl(app, w: World, viewer: str) -> dict[str, tuple[int, str]]:
    """Every page the viewer can open: {url: (status, body)}, redirects followed."""
    endpoints = _get_endpoints(app, signed_in=viewer != "anonymous")
    missing = sorted(endpoints - URLS.keys())
    assert missing == [], f"no URLs for the pages {missing}: add them to URLS"
    with app.test_request_context():
        urls = [url for endpoint in sorted(endpoints) for url in URLS[endpoint](w)]
    client = _client(app, w, viewer)
    pages = {}
    for url in urls:
        response = client.get(url, follow_redirects=True)
        pages[url] = (response.status_code, response.get_data(as_text=True))
    return pages


@pytest.mark.parametrize("viewer", ["anonymous", "citizen", "author"])
def test_no_internal_text_on_any_page_a_citizen_can_open(app, world, viewer):
    pages = _crawl(app, world, viewer)
    allowed = AUTHOR_MAY_SEE if viewer == "author" else set()
    with app.test_request_context():
        export = url_for("privacy.export")
    leaks, errors = [], []
    for url, (status, body) in pages.items():
        if status >= 500:
            errors.append(f"{url}: {status}")
        may_see = allowed | EXPORT_MAY_SEE if viewer == "author" and url == export else allowed
        for name, text in MARKERS.items():
            if name not in may_see and text in body:
                leaks.append(f"{url} shows {name} ({text!r}) to {viewer}")
    assert errors == []
    assert leaks == [], "\n".join(leaks)

    everything = "\n".join(body for _status, body in pages.values())
    missing = [text for text in PUBLIC_TEXTS if text not in everything]
    assert missing == [], f"public texts not found on any page: {missing}"
    ok = sum(1 for status, _body in pages.values() if status == 200)
    assert ok > 60, f"only {ok} pages rendered"


def test_author_sees_own_waiting_texts_but_no_internal_note(app, world):
    client = signed_in_client(app, world.users["author"])
    c, i = world.contributions, world.ideas
    pages = {
        "pending": client.get(f"/beitraege/{c['pending']}", follow_redirects=True),
        "pending_reply": client.get(f"/beitraege/{c['pending_reply']}", follow_redirects=True),
        "pending_idea": client.get(f"/strategien/{world.slug}/ideen/{i['pending']}"),
        "ideas": client.get(f"/strategien/{world.slug}/ideen"),
        "revise": client.get(f"/beitraege/{c['own_rejected']}/ueberarbeiten"),
    }
    text = {name: response.get_data(as_text=True) for name, response in pages.items()}
    assert all(response.status_code == 200 for response in pages.values()), {
        name: response.status_code for name, response in pages.items()
    }
    assert MARKERS["pending_comment"] in text["pending"]
    assert MARKERS["pending_reply"] in text["pending_reply"]
    assert MARKERS["pending_idea_body"] in text["pending_idea"]
    assert MARKERS["pending_idea_title"] in text["ideas"]
    # The author is told why the contribution was rejected, and may rewrite it.
    assert MARKERS["rejection_note_author"] in text["revise"]
    assert MARKERS["rejected_own_text"] in text["revise"]
    for page in text.values():
        for name in ("note_pending", "note_published", "note_idea", "report_text"):
            assert MARKERS[name] not in page
        assert MARKERS["moderator_name"] not in page
    # Other readers get nothing of it.
    for viewer in ("anonymous", "citizen"):
        other = _client(app, world, viewer)
        response = other.get(f"/beitraege/{c['pending']}")
        assert response.status_code == 404
        assert MARKERS["pending_comment"] not in response.get_data(as_text=True)


def test_the_world_has_what_the_search_relies_on(app, world):
    """The states the markers stand for, so that a change in the services cannot quietly turn
    the search into a search for texts that were never there."""
    with app.app_context():
        state = {
            name: db.session.get(Contribution, cid).state
            for name, cid in {**world.contributions, **world.ideas}.items()
        }
        assert state["pending"] is ModerationState.PENDING
        assert state["pending_reply"] is ModerationState.PENDING
        assert state["unconfirmed"] is ModerationState.UNCONFIRMED
        assert state["hidden"] is ModerationState.HIDDEN
        assert state["hidden_by_reports"] is ModerationState.HIDDEN
        assert state["rejected"] is ModerationState.REJECTED
        assert state["own_rejected"] is ModerationState.REJECTED
        assert state["withdrawn"] is ModerationState.WITHDRAWN
        assert state["revised"] is ModerationState.PUBLISHED
        assert db.session.get(Contribution, world.ideas["merged"]).merged_into_id
        official_reply = db.session.get(Contribution, world.contributions["official_reply"])
        assert official_reply.is_official
        assert official_reply.official_signature == app.config["OFFICE_NAME"]
        kinds = set(db.session.scalars(select(Contribution.kind)))
        assert kinds == set(ContributionKind)
