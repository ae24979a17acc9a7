"""Changes to tickets. Pages, the API and workers call these; nothing else writes a ticket.

- `lifecycle`: opening tickets, the status transition table, triage overrides.
- `intake`: the merchant's guided report, deflection, filing with triage.
- `conversation`: public replies, internal notes and evidence.
"""

from tickets.services.conversation import attachment_add, comment_add
from tickets.services.intake import (
    report_deflect,
    report_file,
    report_start,
    report_update,
    ticket_report,
)
from tickets.services.lifecycle import (
    TICKET_TRANSITIONS,
    ticket_can_move,
    ticket_create,
    ticket_override_triage,
    ticket_transition,
)

__all__ = [
    "TICKET_TRANSITIONS",
    "attachment_add",
    "comment_add",
    "report_deflect",
    "report_file",
    "report_start",
    "report_update",
    "ticket_can_move",
    "ticket_create",
    "ticket_override_triage",
    "ticket_report",
    "ticket_transition",
]
