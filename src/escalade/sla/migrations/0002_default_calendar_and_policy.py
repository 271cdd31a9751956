"""Seed French office hours and a default SLA policy, used by organisations without a contract."""

from datetime import time

from django.db import migrations

# priority: (first response, resolution) in business minutes
TARGETS = {1: (30, 240), 2: (60, 480), 3: (240, 1_440), 4: (480, 2_400), 5: (960, 4_800)}


def seed(apps, schema_editor):
    calendar_model = apps.get_model("sla", "BusinessCalendar")
    interval_model = apps.get_model("sla", "WorkingInterval")
    policy_model = apps.get_model("sla", "SlaPolicy")
    target_model = apps.get_model("sla", "SlaTarget")
    if policy_model.objects.filter(is_default=True).exists():
        return
    calendar, created = calendar_model.objects.get_or_create(
        name="Heures ouvrées France (lun-ven 8h30-18h)",
        defaults={"time_zone": "Europe/Paris", "holiday_country": "FR"},
    )
    if created:
        for weekday in range(5):
            interval_model.objects.create(calendar=calendar, weekday=weekday, start=time(8, 30), end=time(12, 30))
            interval_model.objects.create(calendar=calendar, weekday=weekday, start=time(13, 30), end=time(18, 0))
    policy = policy_model.objects.create(
        name="Standard",
        calendar=calendar,
        is_default=True,
        pause_states=["pending_requester", "pending_third_party"],
    )
    for priority, (first_response, resolution) in TARGETS.items():
        target_model.objects.create(
            policy=policy, priority=priority, first_response_minutes=first_response, resolution_minutes=resolution
        )


class Migration(migrations.Migration):
    dependencies = [("sla", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
