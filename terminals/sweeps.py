"""Spare-pool sweeps: backups to be returned, spares whose test lapses, depots running short.

Terminals never imports tickets, so these messages do not go through the tickets outbox; they
are sent here with Django's mail backend and deduplicated by a record on the row they speak of
(docs/notifications.md, "The spare pool's messages"):

- a backup's reminder: `Allocation.return_reminded_for` (the return date it reminded of) and
  `overdue_chased_on` (the day of the last chase): the row is locked, the mail sent, the stamp
  written, in one transaction. A send that fails leaves no stamp and the next run tries again.
- the admins' digest: a `PoolDigest` row with a unique `sequence`, written in the transaction
  that stamps `DepotStockLevel.short_since`; it is sent by whichever run claims it first and
  stays unsent (and is tried again) until a send succeeds.

So running a sweep twice, or on two beats at once, sends once. Sending is at least once: a
crash after the mail server accepted a message and before the stamp commits sends it again.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from portal.models import Role, User
from terminals.models import Allocation, AllocationStatus, DepotStockLevel, PoolDigest, Terminal
from terminals.readiness import functional_test_cutoff, ready_spares

logger = logging.getLogger(__name__)

LIMIT = 500
REMIND_BEFORE = timedelta(days=2)
DIGEST_LINES = 50
LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)


class TransientMailError(Exception):
    """The mail server or the network failed; the next run tries again."""


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mail:
    template: str
    context: dict[str, Any]


def recipients_of_merchant(merchant_id: int) -> list[User]:
    """The merchant's active users with an address (owners and staff)."""
    users = User.objects.filter(merchant_id=merchant_id, is_active=True).exclude(email="")
    return list(users.order_by("pk"))


def operator_admins() -> list[User]:
    users = User.objects.filter(role=Role.OPERATOR_ADMIN, is_active=True).exclude(email="")
    return list(users.order_by("pk"))


def send_to_users(mail: Mail, users: Iterable[User], *, reference: str) -> int:
    """Send `mail` to each user in their language; returns how many went.

    A refused address is logged and skipped (it would fail the same way every time); anything
    that may work later raises TransientMailError, so the caller leaves its stamp unset.
    """
    sent = 0
    for user in users:
        language = user.language if user.language in LANGUAGES else settings.LANGUAGE_CODE
        subject, body = render_mail(mail, language, user.get_full_name() or user.username)
        message = EmailMessage(
            subject=subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated", "Content-Language": language},
        )
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused:
            logger.warning("%s: %s refused the %s mail", reference, user.email, mail.template)
            continue
        except smtplib.SMTPResponseException as exc:
            if exc.smtp_code >= 500:
                logger.warning("%s: %s mail to %s failed: %s", reference, mail.template, user, exc)
                continue
            raise TransientMailError(f"SMTP {exc.smtp_code}") from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransientMailError(f"{type(exc).__name__}: {exc}") from exc
        sent += 1
    return sent


def render_mail(mail: Mail, language: str, name: str) -> tuple[str, str]:
    context = {**mail.context, "recipient_name": name, "site_url": settings.SITE_URL}
    with translation.override(language):
        subject = render_to_string(f"emails/{mail.template}.subject.{language}.txt", context)
        body = render_to_string(f"emails/{mail.template}.body.{language}.txt", context)
    return " ".join(subject.split()), body.strip() + "\n"


# --- backups to be returned --------------------------------------------------------------------


def _returns_due(today: date) -> Q:
    """Asked back, and either due within two days and not yet reminded of this date, or late
    and not chased today."""
    remind = Q(return_due_at__gte=today) & (
        Q(return_reminded_for__isnull=True) | ~Q(return_reminded_for=F("return_due_at"))
    )
    chase = Q(return_due_at__lt=today) & (
        Q(overdue_chased_on__isnull=True) | Q(overdue_chased_on__lt=today)
    )
    return Q(status=AllocationStatus.RETURN_DUE, return_due_at__lte=today + REMIND_BEFORE) & (
        remind | chase
    )


def sweep_backup_returns(*, now: datetime | None = None, limit: int = LIMIT) -> int:
    """Remind merchants two days before a backup is due back; chase late ones once a day.

    Selects through allocation_return_due (status return_due, by date). Returns how many
    allocations got a message.
    """
    today = timezone.localdate(now or timezone.now())
    due = Allocation.objects.filter(_returns_due(today))
    ids = list(due.order_by("return_due_at", "pk").values_list("pk", flat=True)[:limit])
    return sum(_remind_return(pk, today) for pk in ids)


@transaction.atomic
def _remind_return(allocation_id: int, today: date) -> bool:
    """1. Lock the allocation if it is still due (another run may have just sent).
    2. Send the reminder or the chase to the merchant's users, then stamp the row.
    """
    allocation = (
        Allocation.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("merchant", "spare__model", "depot")
        .filter(_returns_due(today), pk=allocation_id)
        .first()
    )
    if allocation is None or allocation.return_due_at is None:
        return False
    due = allocation.return_due_at
    late = (today - due).days
    template = "backup_return_overdue" if late > 0 else "backup_return_reminder"
    mail = Mail(template, {"allocation": allocation, "days_late": late, "days_left": -late})
    try:
        send_to_users(
            mail, recipients_of_merchant(allocation.merchant_id), reference=allocation.reference
        )
    except TransientMailError as exc:
        logger.warning("%s: return reminder not sent, next run retries: %s", allocation, exc)
        return False
    stamp = {"overdue_chased_on": today} if late > 0 else {"return_reminded_for": due}
    Allocation.objects.filter(pk=allocation.pk).update(**stamp)
    return True


# --- spares whose test lapses, depots below their minimum ------------------------------------


def sweep_pool_readiness(*, now: datetime | None = None) -> int:
    """Tell the operator admins, in one digest, what newly lapsed or fell short; then send any
    digest still unsent. Returns how many digests were sent."""
    now = now or timezone.now()
    try:
        pool_digest_write(now=now)
    except IntegrityError:
        logger.info("another pool sweep wrote this digest")
    return sum(pool_digest_send(digest_id=pk) for pk in unsent_digests())


def lapsed_spares(*, now: datetime, after: datetime | None) -> list[int]:
    """In-stock spares whose passed test ran out of validity after `after` (index
    terminal_spare_test_lapse)."""
    lapsed = Terminal.objects.filter(
        is_spare=True,
        status=Terminal.Status.IN_STOCK,
        test_passed=True,
        tested_at__lte=functional_test_cutoff(now),
    )
    if after is not None:
        lapsed = lapsed.filter(tested_at__gt=after)
    return list(lapsed.order_by("tested_at", "pk").values_list("pk", flat=True))


def short_stock_levels(*, now: datetime) -> set[int]:
    """Minimums a depot does not meet with ready spares of that model (two queries; the table
    of minimums is depots × models, small)."""
    ready = ready_spares(now).values("depot_id", "model_id").annotate(n=Count("pk"))
    counts = {(row["depot_id"], row["model_id"]): row["n"] for row in ready}
    levels = DepotStockLevel.objects.filter(minimum__gt=0).values_list(
        "pk", "depot_id", "model_id", "minimum"
    )
    return {pk for pk, depot, model, minimum in levels if counts.get((depot, model), 0) < minimum}


@transaction.atomic
def pool_digest_write(*, now: datetime) -> PoolDigest | None:
    """Record what is new since the last digest; None when nothing is.

    1. Spares whose test lapsed since the last digest's cutoff.
    2. Minimums newly unmet (`short_since` was empty); minimums met again are cleared, so a
       depot that recovers and falls short again is reported again.
    3. Something new: write the next digest. Its sequence is unique: a sweep running at the
       same moment fails on it (IntegrityError) and its whole transaction rolls back.
    """
    last = PoolDigest.objects.order_by("-sequence").first()
    spares = lapsed_spares(now=now, after=last.tested_before if last else None)
    short = short_stock_levels(now=now)
    DepotStockLevel.objects.filter(short_since__isnull=False).exclude(pk__in=short).update(
        short_since=None
    )
    newly_short = sorted(
        DepotStockLevel.objects.filter(pk__in=short, short_since__isnull=True).values_list(
            "pk", flat=True
        )
    )
    DepotStockLevel.objects.filter(pk__in=newly_short).update(short_since=now)
    if not (spares or newly_short):
        return None
    return PoolDigest.objects.create(
        sequence=(last.sequence + 1) if last else 1,
        created_at=now,
        tested_before=functional_test_cutoff(now),
        spares=spares,
        stock_levels=newly_short,
    )


def unsent_digests() -> list[int]:
    """Digests not sent yet (index pool_digest_unsent), oldest first."""
    unsent = PoolDigest.objects.filter(sent_at__isnull=True).order_by("sequence")
    return list(unsent.values_list("pk", flat=True)[:10])


@transaction.atomic
def pool_digest_send(*, digest_id: int) -> bool:
    """Send one digest to the operator admins unless another run has it or has sent it."""
    claimed = PoolDigest.objects.select_for_update(skip_locked=True)
    digest = claimed.filter(pk=digest_id, sent_at__isnull=True).first()
    if digest is None:
        return False
    try:
        send_to_users(
            Mail("pool_digest", digest_context(digest)),
            operator_admins(),
            reference=f"pool digest {digest.sequence}",
        )
    except TransientMailError as exc:
        logger.warning("pool digest %s not sent, next run retries: %s", digest.sequence, exc)
        return False
    PoolDigest.objects.filter(pk=digest.pk).update(sent_at=timezone.now())
    return True


def digest_context(digest: PoolDigest) -> dict[str, Any]:
    """The digest's spares and short minimums as they are now, at most DIGEST_LINES each."""
    spares = Terminal.objects.select_related("model", "depot").filter(pk__in=digest.spares)
    levels = DepotStockLevel.objects.select_related("depot", "model").filter(
        pk__in=digest.stock_levels
    )
    ready = ready_spares().values("depot_id", "model_id").annotate(n=Count("pk"))
    counts = {(row["depot_id"], row["model_id"]): row["n"] for row in ready}
    short = [
        {"level": level, "ready": counts.get((level.depot_id, level.model_id), 0)}
        for level in levels.order_by("depot__name", "model__name")[:DIGEST_LINES]
    ]
    return {
        "digest": digest,
        "spares": list(spares.order_by("tested_at", "pk")[:DIGEST_LINES]),
        "more_spares": max(len(digest.spares) - DIGEST_LINES, 0),
        "short": short,
        "more_short": max(len(digest.stock_levels) - DIGEST_LINES, 0),
        "valid_days": int(settings.SPARE_TEST_VALID_DAYS),
    }
