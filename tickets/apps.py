from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Incidents")

    def ready(self) -> None:
        from tickets import panels

        panels.register()
