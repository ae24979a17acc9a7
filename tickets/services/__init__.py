"""Changes to tickets. Pages, the API and workers call these; nothing else writes a ticket.

- `lifecycle`: opening tickets, the status transition table, triage overrides.
- `intake`: the merchant's guided report, deflection, filing with triage.
- `conversation`: public replies, internal notes and evidence.
- `assignment`: claiming, assigning and bulk actions.
- `sla`: the clock ledger and time targets.
"""

from tickets.services.assignment import (
    bulk_assign,
    bulk_transition,
    ticket_assign,
    ticket_claim,
)
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
    allowed_moves,
    require_staff,
    ticket_can_move,
    ticket_create,
    ticket_override_triage,
    ticket_transition,
)

__all__ = [
    "TICKET_TRANSITIONS",
    "allowed_moves",
    "attachment_add",
    "bulk_assign",
    "bulk_transition",
    "comment_add",
    "report_deflect",
    "report_file",
    "report_start",
    "report_update",
    "require_staff",
    "ticket_assign",
    "ticket_can_move",
    "ticket_claim",
    "ticket_create",
    "ticket_override_triage",
    "ticket_report",
    "ticket_transition",
]

# Risk-freeze appeals (tickets.services.appeals).
from tickets.services.appeals import (
    APPEAL_TRANSITIONS,
    appeal_add_material,
    appeal_can_move,
    appeal_checklist,
    appeal_decide,
    appeal_open,
    appeal_open_if_risk_freeze,
    appeal_set_explanation,
    appeal_submit,
    appeal_withdraw,
)

# Escalations and engineer visits (tickets.services.escalation, tickets.services.visits).
from tickets.services.escalation import (
    ESCALATION_TRANSITIONS,
    RESPONSE_TARGETS,
    escalate,
    escalation_can_move,
    escalation_update,
)
from tickets.services.visits import (
    VISIT_TRANSITIONS,
    visit_can_move,
    visit_dispatch,
    visit_update,
)

__all__ += [
    "APPEAL_TRANSITIONS",
    "appeal_add_material",
    "appeal_can_move",
    "appeal_checklist",
    "appeal_decide",
    "appeal_open",
    "appeal_open_if_risk_freeze",
    "appeal_set_explanation",
    "appeal_submit",
    "appeal_withdraw",
]

# Escalations and engineer visits.
__all__ += [
    "ESCALATION_TRANSITIONS",
    "RESPONSE_TARGETS",
    "VISIT_TRANSITIONS",
    "escalate",
    "escalation_can_move",
    "escalation_update",
    "visit_can_move",
    "visit_dispatch",
    "visit_update",
]
