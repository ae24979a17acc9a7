"""Panels on the role-aware home page, contributed by the apps.

`portal` may not import `terminals` or `tickets` (see DESIGN.md), yet its home page shows
their counts. Each app registers panels from its AppConfig.ready(); the home view asks every
panel whether it has something for this user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from portal.models import User

PanelContext = Callable[[User], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    name: str
    template: str
    context: PanelContext
    order: int = 100


_registry: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _registry[panel.name] = panel


def panels_for(user: User) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) for each panel with something to show this user, in order."""
    shown = []
    for panel in sorted(_registry.values(), key=lambda p: (p.order, p.name)):
        context = panel.context(user)
        if context is not None:
            shown.append((panel.template, context))
    return shown
