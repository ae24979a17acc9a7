"""Beat computes the dashboards every minute; admins can change or pause it in the admin."""

from django.db import migrations

NAME = "Dashboard: compute the figures ahead of readers"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "tickets.refresh_dashboards", "interval": interval, "expire_seconds": 50},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("tickets", "0012_filter_count_indexes"),
    ]
    operations = [migrations.RunPython(schedule, unschedule)]
