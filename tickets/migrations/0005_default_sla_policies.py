"""Default time targets per priority (research/domain.md §5), measured in working hours.

Editable by operator admins afterwards; providers may get their own rows for their contract.
"""

from datetime import timedelta

from django.db import migrations

H = timedelta(hours=1)
DEFAULTS = {
    # priority: (first response, trading restored, resolution)
    "p1": (timedelta(minutes=30), 4 * H, 18 * H),
    "p2": (2 * H, 9 * H, 27 * H),
    "p3": (9 * H, 45 * H, 45 * H),
}


def seed(apps, schema_editor):
    SlaPolicy = apps.get_model("tickets", "SlaPolicy")
    for priority, (first, restore, resolution) in DEFAULTS.items():
        SlaPolicy.objects.update_or_create(
            provider=None,
            priority=priority,
            defaults={"first_response": first, "restore": restore, "resolution": resolution},
        )


def unseed(apps, schema_editor):
    apps.get_model("tickets", "SlaPolicy").objects.filter(provider=None).delete()


class Migration(migrations.Migration):
    dependencies = [("tickets", "0004_sla_escalations_visits_appeals")]
    operations = [migrations.RunPython(seed, unseed)]
