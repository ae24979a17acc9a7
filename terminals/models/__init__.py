"""Models of the terminals app: the registry (`registry`) and the spare pool (`pool`)."""

from terminals.models.pool import (
    OPEN_ALLOCATION_STATUSES,
    Allocation,
    AllocationStatus,
    DepotStockLevel,
    PoolDigest,
    PoolPolicy,
    RepairOrder,
)
from terminals.models.registry import (
    Connectivity,
    Depot,
    Terminal,
    TerminalEvent,
    TerminalModel,
    TerminalStatus,
    iccid_validator,
    tid_validator,
)

__all__ = [
    "OPEN_ALLOCATION_STATUSES",
    "Allocation",
    "AllocationStatus",
    "Connectivity",
    "Depot",
    "DepotStockLevel",
    "PoolDigest",
    "PoolPolicy",
    "RepairOrder",
    "Terminal",
    "TerminalEvent",
    "TerminalModel",
    "TerminalStatus",
    "iccid_validator",
    "tid_validator",
]
