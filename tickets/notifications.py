"""Who hears about a ticket by e-mail, and what they read, in their own language.

Each `emails_for_*` decides the recipients and renders one `Email` per address from the
templates `emails/<kind>.subject.<language>.txt` and `emails/<kind>.body.<language>.txt`.
Nobody is mailed about a ticket they could not open in the portal, and internal notes are
never mailed at all. Sending is `tickets.tasks`' job, after the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.access import visible_to
from portal.models import Role, User
from tickets.masking import mask_card_numbers
from tickets.models import Comment, Priority, Report, ResponseCode, Status, Ticket

LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body_text: str
    language: str


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str
    name: str = ""


def emails_for(kind: str, object_id: int, **extra: Any) -> list[Email]:
    """The e-mails of one kind ("filed", "reply", "status", "p1") about one object, now."""
    if kind == "reply":
        comment = (
            Comment.objects.select_related("author", "ticket__reporter", "ticket__assignee")
            .filter(pk=object_id)
            .first()
        )
        return emails_for_public_reply(comment) if comment else []
    ticket = (
        Ticket.objects.select_related("reporter", "provider", "merchant", "terminal", "assignee")
        .filter(pk=object_id)
        .first()
    )
    if ticket is None:
        return []
    if kind == "filed":
        return emails_for_ticket_filed(ticket)
    if kind == "status":
        return emails_for_status_change(ticket, extra["from_status"], extra["to_status"])
    if kind == "p1":
        return emails_for_new_p1(ticket)
    raise ValueError(f"unknown kind of ticket e-mail: {kind!r}")


def emails_for_ticket_filed(ticket: Ticket) -> list[Email]:
    """To the reporter: the reference, the probable cause, what to do now, what happens next."""
    context = {**_ticket_context(ticket), "response_code": _response_code(ticket)}
    return _render_all("ticket_filed", _users_who_may_see(ticket, [ticket.reporter]), context)


def emails_for_public_reply(comment: Comment) -> list[Email]:
    """A staff reply goes to the reporter and the merchant's owners; a merchant's to the assignee.

    Internal notes are never e-mailed.
    """
    if comment.internal:
        return []
    ticket, author = comment.ticket, comment.author
    if author.is_merchant_user:
        kind, users = "reply_from_merchant", [ticket.assignee] if ticket.assignee else []
    else:
        owners = User.objects.filter(merchant_id=ticket.merchant_id, role=Role.MERCHANT_OWNER)
        kind, users = "reply_from_staff", [ticket.reporter, *owners.order_by("pk")]
    context = {
        **_ticket_context(ticket),
        "author": author,
        "message": mask_card_numbers(comment.body),
    }
    recipients = _users_who_may_see(ticket, [u for u in users if u.pk != author.pk])
    return _render_all(kind, recipients, context)


def emails_for_status_change(ticket: Ticket, from_status: str, to_status: str) -> list[Email]:
    """To the reporter: what the ticket's status is now, and what that asks of them."""
    if from_status == to_status:
        return []
    context = {
        **_ticket_context(ticket),
        "from_status": _status_label(from_status),
        "to_status": _status_label(to_status),
        "to_status_code": to_status,
    }
    return _render_all("status_changed", _users_who_may_see(ticket, [ticket.reporter]), context)


def emails_for_new_p1(ticket: Ticket) -> list[Email]:
    """To the provider's active support staff and its support mailbox: a P1 waits in the queue.

    A ticket that is no longer P1 by the time this runs alerts nobody.
    """
    if ticket.priority != Priority.P1:
        return []
    staff = User.objects.filter(
        provider_id=ticket.provider_id, role=Role.PROVIDER_SUPPORT, is_active=True
    ).order_by("pk")
    recipients = _users_who_may_see(ticket, staff)
    if ticket.provider.support_email:
        recipients.append(Recipient(ticket.provider.support_email, settings.LANGUAGE_CODE))
    return _render_all("new_p1", recipients, _ticket_context(ticket))


def ticket_url(ticket: Ticket) -> str:
    return f"{settings.SITE_URL}/tickets/{ticket.pk}/"


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
    """Active users with an address who may open the ticket, each once, in their language."""
    recipients: list[Recipient] = []
    for user in users:
        if not (user.is_active and user.email) or not _may_see(user, ticket):
            continue
        language = user.language if user.language in LANGUAGES else settings.LANGUAGE_CODE
        recipients.append(Recipient(user.email, language, user.get_full_name() or user.username))
    return recipients


def _may_see(user: User, ticket: Ticket) -> bool:
    return visible_to(user, Ticket.objects.filter(pk=ticket.pk)).exists()


def _render_all(kind: str, recipients: Iterable[Recipient], context: dict[str, Any]) -> list[Email]:
    emails: dict[str, Email] = {}
    for recipient in recipients:
        key = recipient.address.casefold()
        if key not in emails:
            emails[key] = _render(kind, recipient, context)
    return list(emails.values())


def _render(kind: str, recipient: Recipient, context: dict[str, Any]) -> Email:
    language = recipient.language
    context = {**context, "recipient_name": recipient.name}
    ticket = context.get("ticket")
    zone = ticket.provider.calendar.timezone if isinstance(ticket, Ticket) else settings.TIME_ZONE
    # Times are written in the provider's time zone, the one its business hours are kept in.
    with translation.override(language), timezone.override(ZoneInfo(zone)):
        subject = render_to_string(f"emails/{kind}.subject.{language}.txt", context)
        body = render_to_string(f"emails/{kind}.body.{language}.txt", context)
    return Email(
        to=recipient.address,
        subject=" ".join(subject.split()),
        body_text=body.strip() + "\n",
        language=language,
    )
