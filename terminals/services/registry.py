"""Changes to terminals. Every status change goes through `terminal_set_status`."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from portal.errors import ConflictError, DomainError
from portal.models import User
from terminals.models import Terminal, TerminalEvent

S = Terminal.Status

# The one table of terminal status moves: from → the statuses it may go to.
TERMINAL_TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.ACTIVE, S.IN_STOCK, S.RETIRED}),
    S.ACTIVE: frozenset({S.DORMANT, S.FAULTY, S.IN_REPAIR, S.RETIRED, S.LOST}),
    S.DORMANT: frozenset({S.ACTIVE, S.RETIRED}),
    S.FAULTY: frozenset({S.ACTIVE, S.IN_REPAIR, S.RETIRED, S.LOST}),
    S.IN_REPAIR: frozenset({S.ACTIVE, S.IN_STOCK, S.RETIRED}),
    S.IN_STOCK: frozenset({S.ON_LOAN, S.QUARANTINED, S.IN_REPAIR, S.RETIRED, S.LOST}),
    S.ON_LOAN: frozenset({S.IN_STOCK, S.QUARANTINED, S.LOST}),
    S.QUARANTINED: frozenset({S.IN_STOCK, S.IN_REPAIR, S.RETIRED}),
    S.RETIRED: frozenset(),
    S.LOST: frozenset({S.QUARANTINED}),
}


def terminal_can_move(from_status: str, to_status: str) -> bool:
    return to_status in TERMINAL_TRANSITIONS.get(from_status, frozenset())


@transaction.atomic
def terminal_set_status(
    *, terminal: Terminal, to: str, actor: User | None, reason: str = ""
) -> Terminal:
    """Move a terminal to `to`, writing its history.

    1. Lock the row so two changes cannot interleave.
    2. Already there: nothing to do.
    3. Refuse a move the table does not allow.
    4. Save and write the event in the same transaction.
    """
    if to not in S.values:
        raise DomainError(_("Unknown terminal status: %(to)s.") % {"to": to}, field="status")
    locked = Terminal.objects.select_for_update().get(pk=terminal.pk)
    if locked.status == to:
        return locked
    if not terminal_can_move(locked.status, to):
        raise ConflictError(
            _("A terminal cannot go from %(from)s to %(to)s.")
            % {"from": S(locked.status).label, "to": S(to).label}
        )
    from_status = locked.status
    locked.status = to
    locked.save(update_fields=["status", "updated_at"])
    TerminalEvent.objects.create(
        terminal=locked,
        actor=actor,
        kind=TerminalEvent.Kind.STATUS_CHANGED,
        from_status=from_status,
        to_status=to,
        reason=reason,
    )
    return locked
