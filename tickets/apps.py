from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from terminals.signals import allocation_changed
        from tickets import panels
        from tickets.services.backup import on_allocation_changed

        panels.register()
        allocation_changed.connect(on_allocation_changed, dispatch_uid="tickets-backup-steps")
