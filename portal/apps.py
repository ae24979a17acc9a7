from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Organisations and people")
    default = True

    def ready(self) -> None:
        from portal.audit import connect_receivers

        connect_receivers()


class PortalAdminConfig(admin_apps.AdminConfig):
    """Django's admin on a site that writes every add, change and deletion to the audit log.

    Listed in INSTALLED_APPS in place of django.contrib.admin; never the default of `portal`.
    """

    default = False
    default_site = "portal.audit.AuditedAdminSite"
