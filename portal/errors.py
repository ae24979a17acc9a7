"""Errors that services raise; views and the API turn them into messages and status codes."""

from __future__ import annotations


class DomainError(Exception):
    """A request that the rules refuse. `field` names the input at fault, if one is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ConflictError(DomainError):
    """The request is valid but clashes with the current state (an illegal transition)."""
