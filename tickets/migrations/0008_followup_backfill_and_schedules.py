"""Backfill the follow-up fields and register the periodic tasks with django-celery-beat.

The schedules are PeriodicTask rows, so admins edit them in the Django admin (Periodic
tasks); this migration only creates the ones that do not exist yet and never overwrites an
admin's change. Rows of existing waiting tickets get `chase_at` now, so the first sweep sets
their real next follow-up; open targets get an approximate warning time (the exact one is
written the next time the ticket's clock is refreshed).
"""

from django.db import migrations
from django.utils import timezone

# name → (task, every, period, expire after seconds)
SCHEDULES = {
    "Outbox: send due messages": ("tickets.drain_outbox", 1, "minutes", 55),
    "SLA: warnings and breaches": ("tickets.sweep_sla", 1, "minutes", 55),
    "Follow-up: merchants who have not answered": (
        "tickets.sweep_waiting_on_merchant", 10, "minutes", 9 * 60),
    "Follow-up: overdue escalations": ("tickets.sweep_escalations", 10, "minutes", 9 * 60),
    "Follow-up: close resolved tickets": ("tickets.sweep_resolved", 1, "hours", 59 * 60),
}


def schedule(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, every, period, expire) in SCHEDULES.items():
        interval, _ = IntervalSchedule.objects.get_or_create(every=every, period=period)
        PeriodicTask.objects.get_or_create(
            name=name,
            defaults={"task": task, "interval": interval, "expire_seconds": expire},
        )


def unschedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=list(SCHEDULES)).delete()


def backfill(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    TicketSla = apps.get_model("tickets", "TicketSla")
    TicketEvent = apps.get_model("tickets", "TicketEvent")
    now = timezone.now()
    for ticket in Ticket.objects.filter(status="waiting_on_merchant").only("pk", "updated_at"):
        last = (
            TicketEvent.objects.filter(ticket=ticket, to_status="waiting_on_merchant")
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        Ticket.objects.filter(pk=ticket.pk).update(
            waiting_since=last or ticket.updated_at, chase_at=now
        )
    open_targets = TicketSla.objects.filter(met_at__isnull=True, due_at__isnull=False)
    for sla in open_targets.only("pk", "due_at", "allowed"):
        TicketSla.objects.filter(pk=sla.pk).update(warn_at=sla.due_at - sla.allowed * 0.2)


class Migration(migrations.Migration):

    dependencies = [
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("tickets", "0007_outbox_followups"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(schedule, unschedule),
    ]
