"""Pages of the terminals app: the registry, the spare pool, CSV import, backup allocations."""

from terminals.views.allocations import allocation_action, allocation_detail, allocation_index
from terminals.views.pool import (
    pool_bulk,
    pool_import,
    pool_import_confirm,
    pool_index,
    spare_firmware,
    spare_test,
)
from terminals.views.registry import terminal_detail, terminal_index

__all__ = [
    "allocation_action",
    "allocation_detail",
    "allocation_index",
    "pool_bulk",
    "pool_import",
    "pool_import_confirm",
    "pool_index",
    "spare_firmware",
    "spare_test",
    "terminal_detail",
    "terminal_index",
]
