"""Long German subjects keep every space on their way through the mail format."""

from datetime import UTC, datetime
from email import message_from_bytes, policy

from participation.outbox import services
from participation.outbox.models import OutboxMessage

WORDS = (
    "Ihr Beitrag „Sitzbänke“ wurde an das Amt für Verkehr und Mobilität sowie an das "
    "Schulverwaltungsamt und die Bürgerämter Süd weitergeleitet"
).split()


def test_long_subjects_with_umlauts_arrive_unchanged():
    for count in range(3, len(WORDS) + 1):
        subject = " ".join(WORDS[:count])
        message = OutboxMessage(
            recipient="buergerin@example.org",
            subject=subject,
            body_text="Guten Tag,\n" + "ein langer Satz " * 20,
            message_id="<1@participation.example>",
            created_at=datetime.now(UTC),
        )
        raw = services.build_email(message, "beteiligung@example.org").as_bytes()
        parsed = message_from_bytes(raw, policy=policy.default)
        assert parsed["Subject"] == subject
        assert parsed.get_content().startswith("Guten Tag,")
        assert max(len(line) for line in raw.splitlines()) <= 998
