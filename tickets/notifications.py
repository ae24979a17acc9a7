"""Who hears about a ticket, and what they read, in their own language.

Two halves, because messages go through the outbox (`tickets.services.outbox`):

- `plan(kind, object_id, …)` decides the recipients now, inside the transaction of the change,
  and returns one `Planned` message per address: a template, the recipient and a context of
  ids and codes (never rendered text), plus the event part of its dedupe key.
- `render(template, language, context, recipient_name)` turns a stored message into text when
  a worker sends it, from `emails/<template>.subject.<language>.txt` and `….body.…txt`.

Nobody is told about a ticket they could not open in the portal, and internal notes are never
sent at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.access import visible_to
from portal.models import Role, User
from tickets.masking import mask_card_numbers
from tickets.models import (
    Comment,
    Escalation,
    Priority,
    Report,
    ResponseCode,
    SlaTarget,
    Status,
    Ticket,
)

LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)
KINDS = frozenset({"filed", "reply", "status", "p1"})


class NotRelevant(Exception):  # noqa: N818 (a reason not to send, not a failure)
    """The message's subject is gone or no longer concerns the recipient: do not send it."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body_text: str
    language: str


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str
    name: str = ""
    user_id: int | None = None
    phone: str = ""


@dataclass(frozen=True)
class Planned:
    """One message to write to the outbox: `event` identifies its cause for the dedupe key."""

    template: str
    recipient: Recipient
    event: str
    context: dict[str, Any] = field(default_factory=dict)


def plan(kind: str, object_id: int, **extra: Any) -> list[Planned]:
    """The messages of one kind ("filed", "reply", "status", "p1") about one object, now."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind of ticket e-mail: {kind!r}")
    if kind == "reply":
        comment = (
            Comment.objects.select_related("author", "ticket__reporter", "ticket__assignee")
            .filter(pk=object_id)
            .first()
        )
        return plan_public_reply(comment) if comment else []
    ticket = _ticket_query().filter(pk=object_id).first()
    if ticket is None:
        return []
    if kind == "filed":
        return plan_ticket_filed(ticket)
    if kind == "status":
        return plan_status_change(ticket, extra["from_status"], extra["to_status"])
    return plan_new_p1(ticket)


def plan_ticket_filed(ticket: Ticket) -> list[Planned]:
    """To the reporter: the reference, the probable cause, what to do now, what happens next."""
    return _plan_all(
        "ticket_filed", _users_who_may_see(ticket, [ticket.reporter]), f"t{ticket.pk}", ticket
    )


def plan_public_reply(comment: Comment) -> list[Planned]:
    """A staff reply goes to the reporter and the merchant's owners; a merchant's to the assignee.

    Internal notes are never sent.
    """
    if comment.internal:
        return []
    ticket, author = comment.ticket, comment.author
    if author.is_merchant_user:
        template, users = "reply_from_merchant", [ticket.assignee] if ticket.assignee else []
    else:
        owners = User.objects.filter(merchant_id=ticket.merchant_id, role=Role.MERCHANT_OWNER)
        template, users = "reply_from_staff", [ticket.reporter, *owners.order_by("pk")]
    recipients = _users_who_may_see(ticket, [u for u in users if u.pk != author.pk])
    return _plan_all(template, recipients, f"c{comment.pk}", ticket, comment=comment.pk)


def plan_status_change(
    ticket: Ticket, from_status: str, to_status: str, *, event: str = ""
) -> list[Planned]:
    """To the reporter: what the ticket's status is now, and what that asks of them.

    `event` names the change for the dedupe key; by default the target status within the
    throttle window, so a ticket flapping between two statuses does not flood the merchant.
    """
    if from_status == to_status:
        return []
    recipients = _users_who_may_see(ticket, [ticket.reporter])
    event = event or f"t{ticket.pk}:{to_status}:{throttle_bucket()}"
    context = {"from_status": from_status, "to_status": to_status}
    return _plan_all("status_changed", recipients, event, ticket, **context)


def plan_new_p1(ticket: Ticket) -> list[Planned]:
    """To the provider's active support staff and its support mailbox: a P1 waits in the queue.

    A ticket that is no longer P1 alerts nobody.
    """
    if ticket.priority != Priority.P1:
        return []
    staff = User.objects.filter(
        provider_id=ticket.provider_id, role=Role.PROVIDER_SUPPORT, is_active=True
    ).order_by("pk")
    recipients = _users_who_may_see(ticket, staff)
    if ticket.provider.support_email:
        recipients.append(Recipient(ticket.provider.support_email, settings.LANGUAGE_CODE))
    return _plan_all("new_p1", recipients, f"t{ticket.pk}", ticket)


def plan_for_users(
    template: str,
    ticket: Ticket,
    users: Iterable[User],
    event: str,
    *,
    mailbox: bool = False,
    **context: Any,
) -> list[Planned]:
    """A message about a ticket to some users who may see it (and its provider's mailbox)."""
    recipients = _users_who_may_see(ticket, users)
    if mailbox and ticket.provider.support_email:
        recipients.append(Recipient(ticket.provider.support_email, settings.LANGUAGE_CODE))
    return _plan_all(template, recipients, event, ticket, **context)


THROTTLE_WINDOW_SECONDS = 15 * 60


def throttle_bucket(window_seconds: int = THROTTLE_WINDOW_SECONDS) -> int:
    """The number of the current throttle window; part of the dedupe key of repeatable messages."""
    return int(timezone.now().timestamp()) // window_seconds


def ticket_url(ticket: Ticket) -> str:
    return ticket_url_for(ticket.pk)


def ticket_url_for(ticket_id: int) -> str:
    return f"{settings.SITE_URL}/tickets/{ticket_id}/"


# --- rendering, when a worker sends ---------------------------------------------------------


def render(
    template: str, language: str, context: dict[str, Any], recipient_name: str = ""
) -> Rendered:
    """The text of a stored message, from the objects its context names, as they are now.

    Raises NotRelevant when the ticket (or comment, escalation) is gone.
    """
    full = {**_render_context(template, context), "recipient_name": recipient_name}
    ticket = full["ticket"]
    language = language if language in LANGUAGES else settings.LANGUAGE_CODE
    # Times are written in the provider's time zone, the one its business hours are kept in.
    zone = ZoneInfo(ticket.provider.calendar.timezone)
    with translation.override(language), timezone.override(zone):
        subject = render_to_string(f"emails/{template}.subject.{language}.txt", full)
        body = render_to_string(f"emails/{template}.body.{language}.txt", full)
    return Rendered(" ".join(subject.split()), body.strip() + "\n", language)


def may_see(user: User, ticket_id: int) -> bool:
    return user.is_active and visible_to(user, Ticket.objects.filter(pk=ticket_id)).exists()


def _render_context(template: str, ids: dict[str, Any]) -> dict[str, Any]:
    ticket = _ticket_query().filter(pk=ids.get("ticket")).first()
    if ticket is None:
        raise NotRelevant("the ticket is gone")
    context: dict[str, Any] = {**ids, **_ticket_context(ticket)}
    if "comment" in ids:
        comment = Comment.objects.select_related("author").filter(pk=ids["comment"]).first()
        if comment is None or comment.internal:
            raise NotRelevant("the reply is gone")
        context["author"] = comment.author
        context["message"] = mask_card_numbers(comment.body)
    if "escalation" in ids:
        escalation = Escalation.objects.filter(pk=ids["escalation"]).first()
        if escalation is None:
            raise NotRelevant("the escalation is gone")
        context["escalation"] = escalation
    if "from_status" in ids:
        context["from_status"] = _status_label(ids["from_status"])
        context["to_status"] = _status_label(ids["to_status"])
        context["to_status_code"] = ids["to_status"]
    if "target" in ids:
        context["target_label"] = SlaTarget(ids["target"]).label
        context["target_due"] = context["due"].get(ids["target"])
    if template == "ticket_filed":
        context["response_code"] = _response_code(ticket)
    return context


def _ticket_query() -> Any:
    return Ticket.objects.select_related(
        "reporter", "provider__calendar", "merchant", "terminal", "assignee"
    )


def _ticket_context(ticket: Ticket) -> dict[str, Any]:
    due = {sla.target: sla.due_at for sla in ticket.sla_targets.all() if sla.met_at is None}
    return {
        "ticket": ticket,
        "url": ticket_url(ticket),
        "hotline": ticket.provider.hotline,
        "due": due,
    }


def _response_code(ticket: Ticket) -> ResponseCode | None:
    """The catalogue entry for the code the merchant saw, which carries advice in both languages."""
    report = Report.objects.filter(ticket=ticket).only("scheme", "error_code").first()
    if report is None or not (report.scheme and report.error_code):
        return None
    return ResponseCode.objects.filter(scheme=report.scheme, code=report.error_code).first()


def _status_label(status: str) -> Any:
    return Status(status).label if status in Status.values else status


def _users_who_may_see(ticket: Ticket, users: Iterable[User]) -> list[Recipient]:
    """Active users with an address who may open the ticket, in their language."""
    recipients: list[Recipient] = []
    for user in users:
        if not (user.is_active and user.email) or not may_see(user, ticket.pk):
            continue
        language = user.language if user.language in LANGUAGES else settings.LANGUAGE_CODE
        name = user.get_full_name() or user.username
        recipients.append(Recipient(user.email, language, name, user.pk, user.phone))
    return recipients


def _plan_all(
    template: str, recipients: Iterable[Recipient], event: str, ticket: Ticket, **context: Any
) -> list[Planned]:
    """One message per address (the first recipient with it wins)."""
    planned: dict[str, Planned] = {}
    for recipient in recipients:
        key = recipient.address.casefold()
        if key not in planned:
            ids = {"ticket": ticket.pk, **context}
            planned[key] = Planned(template, recipient, event, ids)
    return list(planned.values())
