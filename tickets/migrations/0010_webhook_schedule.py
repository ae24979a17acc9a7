"""Register the webhook drain with django-celery-beat (never overwrites an admin's change)."""

from django.db import migrations

NAME = "Webhooks: deliver due events"


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    interval, _ = IntervalSchedule.objects.get_or_create(every=1, period="minutes")
    PeriodicTask.objects.get_or_create(
        name=NAME,
        defaults={"task": "tickets.deliver_webhooks", "interval": interval, "expire_seconds": 55},
    )


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("tickets", "0009_webhooks"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
