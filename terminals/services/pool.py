"""Functional tests and firmware updates of terminals, one at a time or in bulk.

A passed test puts a quarantined spare back in stock; a failed one quarantines an in-stock
spare. Whatever makes spares ready ends by serving the waiting line, in the same transaction,
so a ready spare never sits beside a request waiting for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.errors import DomainError
from portal.models import User
from terminals.models import Terminal, TerminalEvent
from terminals.services.allocation import allocation_serve_waiting
from terminals.services.registry import terminal_set_status

S = Terminal.Status


@transaction.atomic
def terminal_record_test(
    *,
    terminal: Terminal,
    passed: bool,
    actor: User | None,
    note: str = "",
    at: datetime | None = None,
) -> Terminal:
    """Record one functional test and serve the waiting line."""
    terminal = _record_test(terminal=terminal, passed=passed, actor=actor, note=note, at=at)
    allocation_serve_waiting(actor=actor)
    return terminal


@transaction.atomic
def terminals_record_test(
    *, terminals: Iterable[Terminal], passed: bool, actor: User | None, note: str = ""
) -> int:
    """Record the same test outcome for many terminals; all or none."""
    count = 0
    for terminal in terminals:
        _record_test(terminal=terminal, passed=passed, actor=actor, note=note, at=None)
        count += 1
    allocation_serve_waiting(actor=actor)
    return count


def _record_test(
    *, terminal: Terminal, passed: bool, actor: User | None, note: str, at: datetime | None
) -> Terminal:
    at = at or timezone.now()
    if at > timezone.now():
        raise DomainError(_("A test cannot be recorded in the future."), field="at")
    locked = Terminal.objects.select_for_update().get(pk=terminal.pk)
    locked.tested_at, locked.test_passed = at, passed
    locked.save(update_fields=["tested_at", "test_passed", "updated_at"])
    outcome = _("passed") if passed else _("failed")
    TerminalEvent.objects.create(
        terminal=locked,
        actor=actor,
        kind=TerminalEvent.Kind.TESTED,
        reason=(_("Functional test %(outcome)s.") % {"outcome": outcome} + f" {note}").strip(),
    )
    if locked.is_spare and passed and locked.status == S.QUARANTINED:
        locked = terminal_set_status(
            terminal=locked, to=S.IN_STOCK, actor=actor, reason=_("Passed a functional test.")
        )
    elif locked.is_spare and not passed and locked.status == S.IN_STOCK:
        locked = terminal_set_status(
            terminal=locked, to=S.QUARANTINED, actor=actor, reason=_("Failed a functional test.")
        )
    return locked


@transaction.atomic
def terminal_update_firmware(*, terminal: Terminal, version: str, actor: User | None) -> Terminal:
    """Record that `terminal` now runs firmware `version`, and serve the waiting line."""
    terminal = _update_firmware(terminal=terminal, version=version, actor=actor)
    allocation_serve_waiting(actor=actor)
    return terminal


@transaction.atomic
def terminals_update_firmware(
    *, terminals: Iterable[Terminal], version: str, actor: User | None
) -> int:
    """Record one firmware version for many terminals; all or none."""
    count = 0
    for terminal in terminals:
        _update_firmware(terminal=terminal, version=version, actor=actor)
        count += 1
    allocation_serve_waiting(actor=actor)
    return count


def _update_firmware(*, terminal: Terminal, version: str, actor: User | None) -> Terminal:
    version = version.strip()
    if not version or len(version) > 40:
        raise DomainError(_("Give the firmware version (up to 40 characters)."), field="version")
    locked = Terminal.objects.select_for_update().get(pk=terminal.pk)
    if locked.firmware_version == version:
        return locked
    previous = locked.firmware_version
    locked.firmware_version = version
    locked.save(update_fields=["firmware_version", "updated_at"])
    TerminalEvent.objects.create(
        terminal=locked,
        actor=actor,
        kind=TerminalEvent.Kind.FIRMWARE_UPDATED,
        reason=_("Firmware %(old)s → %(new)s.") % {"old": previous, "new": version},
    )
    return locked
