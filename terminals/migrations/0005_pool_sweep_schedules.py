"""Register the spare pool's sweeps with django-celery-beat.

PeriodicTask rows, so admins edit them under Periodic tasks; this migration only creates the
ones that do not exist yet and never overwrites an admin's change.
"""

from django.conf import settings
from django.db import migrations

# Return reminders go out in office hours (09:00-18:00, every hour: a reminder that failed
# is tried again the next hour); the stamps on the allocation keep it to once a day.
RETURNS = "Spare pool: backup return reminders"
# name → (task, every, period, expire after seconds)
INTERVALS = {
    "Spare pool: lapsed tests and short depots": ("terminals.sweep_pool_readiness", 1, "hours", 59 * 60),
}


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="5",
        hour="9-18",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.get_or_create(
        name=RETURNS,
        defaults={"task": "terminals.sweep_backup_returns", "crontab": crontab, "expire_seconds": 55 * 60},
    )
    for name, (task, every, period, expire) in INTERVALS.items():
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "interval": interval, "expire_seconds": expire},
        )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[RETURNS, *INTERVALS]).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("terminals", "0004_pool_sweeps"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
