"""The ticket conversation: public replies, internal notes, and evidence files."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.models import User
from tickets.evidence import checked_upload, storage_name
from tickets.masking import mask_card_numbers
from tickets.models import Attachment, Comment, Report, Status, Ticket, TicketEvent
from tickets.services import sla
from tickets.services.lifecycle import ticket_transition
from tickets.services.outbox import notify

MAX_COMMENT_LENGTH = 5000


@transaction.atomic
def comment_add(*, ticket: Ticket, author: User, body: str, internal: bool = False) -> Comment:
    """A reply (everyone on the ticket sees it) or an internal note (staff only).

    Card numbers in the text are masked before it is stored.
    """
    if internal and not (author.is_provider_staff or author.is_operator_admin):
        raise PermissionDenied(_("Only provider staff can write internal notes."))
    text = mask_card_numbers(body.strip())
    if not text:
        raise DomainError(_("Write a message."), field="body")
    if len(text) > MAX_COMMENT_LENGTH:
        raise DomainError(
            _("A message can be at most %(n)d characters.") % {"n": MAX_COMMENT_LENGTH},
            field="body",
        )
    comment = Comment.objects.create(ticket=ticket, author=author, body=text, internal=internal)
    TicketEvent.objects.create(
        ticket=ticket,
        actor=author,
        kind=TicketEvent.Kind.NOTE_ADDED if internal else TicketEvent.Kind.COMMENTED,
        internal=internal,
        data={"comment": comment.pk},
    )
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=comment.created_at)
    if not internal:
        notify("reply", comment.pk)
        waiting = Ticket.objects.filter(pk=ticket.pk, status=Status.WAITING_ON_MERCHANT)
        if author.is_merchant_user and waiting.exists():
            # The merchant answered what staff asked: the ticket is the provider's turn again.
            ticket_transition(
                ticket=ticket,
                to=Status.IN_PROGRESS,
                actor=author,
                reason=_("The merchant replied."),
            )
        else:
            sla.sla_record_first_response(ticket, author, at=comment.created_at)
    return comment


def attachment_add(
    *,
    uploaded_by: User,
    upload: UploadedFile,
    kind: str = Attachment.Kind.OTHER,
    ticket: Ticket | None = None,
    report: Report | None = None,
) -> Attachment:
    """Keep an evidence file for a ticket or a report in progress.

    1. Check it by content, size and name (tickets.evidence); a refusal saves nothing.
    2. Store it under a random name in the private media folder.
    3. Record it; if recording fails, the stored file is removed again.
    """
    owner = ticket or report
    if owner is None:
        raise DomainError(_("Evidence belongs to a ticket or a report."))
    if kind not in Attachment.Kind.values:
        raise DomainError(_("Unknown kind of evidence."), field="kind")
    checked = checked_upload(upload)
    storage = Attachment._meta.get_field("file").storage
    stored = storage.save(
        timezone.now().strftime("evidence/%Y/%m/") + storage_name(checked),
        ContentFile(checked.content),
    )
    try:
        with transaction.atomic():
            attachment = Attachment.objects.create(
                merchant_id=owner.merchant_id,
                provider_id=owner.provider_id,
                ticket=ticket,
                report=report,
                uploaded_by=uploaded_by,
                kind=kind,
                file=stored,
                original_name=checked.safe_name,
                content_type=checked.content_type,
                size=checked.size,
                sha256=checked.sha256,
            )
            if ticket is not None:
                TicketEvent.objects.create(
                    ticket=ticket,
                    actor=uploaded_by,
                    kind=TicketEvent.Kind.EVIDENCE_ADDED,
                    data={"attachment": attachment.pk, "name": checked.safe_name},
                )
    except BaseException:
        storage.delete(stored)
        raise
    return attachment
