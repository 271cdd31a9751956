"""The hourly auto-close job becomes a time automation: resolved for the reopen window → close."""

from django.conf import settings
from django.db import migrations

NAME = "Fermer les tickets résolus après le délai de réouverture / Close resolved tickets after the reopen window"


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    TimeRule = apps.get_model("automation", "TimeRule")
    if TimeRule.objects.filter(name=NAME).exists():
        return
    TimeRule.objects.create(
        name=NAME,
        position=10,
        state="resolved",
        after=max(1, settings.ESCALADE_REOPEN_WINDOW_DAYS),
        unit="days",
        actions=[{"type": "close", "params": {"value": "", "text": ""}}],
    )


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("automation", "TimeRule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("automation", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
