"""The tickets app's models, one module per part of the work.

`core`: incidents, their timeline, the report, conversation and evidence, and the
response-code catalogue. `sla`: time targets and the clock ledger. `work`: escalations and
engineer visits. `appeal`: risk-freeze appeal cases. `outbox`: messages to send and
per-user channel preferences. `webhook`: provider webhook endpoints, deliveries, receipts.
"""

from tickets.models.appeal import (
    AppealCase,
    AppealDecision,
    AppealMaterial,
    AppealStatus,
    MaterialKind,
)
from tickets.models.core import (
    OPEN_STATUSES,
    Action,
    Attachment,
    Cause,
    Comment,
    Priority,
    Report,
    ResponseCode,
    Scheme,
    ScreenMessagePattern,
    Signal,
    Status,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from tickets.models.outbox import (
    Channel,
    NotificationPreference,
    OutboxMessage,
    OutboxStatus,
)
from tickets.models.sla import ClockInterval, SlaPolicy, SlaTarget, TicketSla
from tickets.models.webhook import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
    WebhookReceipt,
)
from tickets.models.work import (
    EngineerVisit,
    Escalation,
    EscalationStatus,
    Party,
    Team,
    VisitOutcome,
    VisitStatus,
)

__all__ = [
    "OPEN_STATUSES",
    "Action",
    "AppealCase",
    "AppealDecision",
    "AppealMaterial",
    "AppealStatus",
    "Attachment",
    "Cause",
    "Channel",
    "ClockInterval",
    "Comment",
    "EngineerVisit",
    "Escalation",
    "EscalationStatus",
    "MaterialKind",
    "NotificationPreference",
    "OutboxMessage",
    "OutboxStatus",
    "Party",
    "Priority",
    "Report",
    "ResponseCode",
    "Scheme",
    "ScreenMessagePattern",
    "Signal",
    "SlaPolicy",
    "SlaTarget",
    "Status",
    "Team",
    "Ticket",
    "TicketEvent",
    "TicketSequence",
    "TicketSla",
    "VisitOutcome",
    "VisitStatus",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "WebhookEndpoint",
    "WebhookEvent",
    "WebhookReceipt",
]
