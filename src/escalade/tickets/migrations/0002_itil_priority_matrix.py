"""Seed the priority matrix with ITIL's default impact × urgency → priority table."""

from django.db import migrations

ITIL_MATRIX = {
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 5,
}  # fmt: skip


def seed(apps, schema_editor):
    rule = apps.get_model("tickets", "PriorityRule")
    for (impact, urgency), priority in ITIL_MATRIX.items():
        rule.objects.get_or_create(impact=impact, urgency=urgency, defaults={"priority": priority})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
