"""Imports every model module so that the metadata is complete (migrations, tests)."""

from participation.accounts.models import Department, Role, User, UserRole
from participation.consolidation.models import IdeaRating, IdeaSelection, RatingRound
from participation.council.models import CouncilConsultation, CouncilPaper
from participation.departments.models import Forwarding, ForwardingMessage
from participation.discussion.models import (
    Channel,
    Contribution,
    ContributionKind,
    ContributionRevision,
    ModerationState,
    ProcessingStatus,
    Support,
)
from participation.events.models import Event
from participation.moderation.models import InternalNote, NetiquetteReason, Report, ReportReason
from participation.notifications.models import (
    Follow,
    NotificationDigest,
    NotificationItem,
    NotificationPreference,
)
from participation.opendata.models import Pseudonym
from participation.outbox.models import OutboxMessage
from participation.pages.models import Page, PageSlug
from participation.roadmap.models import ProjectPriority, ProjectStatus, RoadmapProject
from participation.strategies.models import (
    ModerationMode,
    Phase,
    Section,
    SectionKind,
    Strategy,
    Version,
)
from participation.workshops.models import Workshop, WorkshopFormat

__all__ = [
    "InternalNote",
    "NetiquetteReason",
    "Report",
    "ReportReason",
    "Channel",
    "Contribution",
    "ContributionKind",
    "CouncilConsultation",
    "CouncilPaper",
    "ContributionRevision",
    "ModerationState",
    "ProcessingStatus",
    "Support",
    "Department",
    "Forwarding",
    "IdeaRating",
    "IdeaSelection",
    "RatingRound",
    "ForwardingMessage",
    "Event",
    "Follow",
    "ModerationMode",
    "NotificationDigest",
    "NotificationItem",
    "NotificationPreference",
    "OutboxMessage",
    "Page",
    "PageSlug",
    "Pseudonym",
    "Phase",
    "ProjectPriority",
    "ProjectStatus",
    "RoadmapProject",
    "Role",
    "Section",
    "SectionKind",
    "Strategy",
    "User",
    "UserRole",
    "Version",
    "Workshop",
    "WorkshopFormat",
]
