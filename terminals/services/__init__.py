"""Changes to terminals, the spare pool and backup allocations.

`registry`: terminal statuses. `pool`: functional tests and firmware. `allocation`: lending a
backup and every step of its life, and repair orders (RMA) for the terminals they replace.
"""

from terminals.services.allocation import (
    ALLOCATION_TRANSITIONS,
    allocate_backup,
    allocation_activate,
    allocation_can_move,
    allocation_cancel,
    allocation_deliver,
    allocation_inspect,
    allocation_return,
    allocation_serve_waiting,
    allocation_set_return_due,
    allocation_ship,
    repair_close,
    repair_open,
)
from terminals.services.pool import (
    terminal_record_test,
    terminal_update_firmware,
    terminals_record_test,
    terminals_update_firmware,
)
from terminals.services.registry import (
    TERMINAL_TRANSITIONS,
    terminal_can_move,
    terminal_set_status,
)

__all__ = [
    "ALLOCATION_TRANSITIONS",
    "TERMINAL_TRANSITIONS",
    "allocate_backup",
    "allocation_activate",
    "allocation_can_move",
    "allocation_cancel",
    "allocation_deliver",
    "allocation_inspect",
    "allocation_return",
    "allocation_serve_waiting",
    "allocation_set_return_due",
    "allocation_ship",
    "repair_close",
    "repair_open",
    "terminal_can_move",
    "terminal_record_test",
    "terminal_set_status",
    "terminal_update_firmware",
    "terminals_record_test",
    "terminals_update_firmware",
]
