"""The usual activities of a service desk, named in both languages (administrators may add more)."""

from django.db import migrations

ACTIVITIES = (
    ("phone", "Appel téléphonique", "Phone call", True),
    ("diagnosis", "Diagnostic", "Diagnosis", True),
    ("remote", "Intervention à distance", "Remote intervention", True),
    ("onsite", "Intervention sur site", "On-site intervention", True),
    ("internal", "Travail interne", "Internal work", False),
)


def seed(apps, schema_editor):
    activity_type = apps.get_model("timetracking", "ActivityType")
    for code, name_fr, name_en, billable in ACTIVITIES:
        activity_type.objects.get_or_create(
            code=code, defaults={"name_fr": name_fr, "name_en": name_en, "is_billable": billable}
        )


class Migration(migrations.Migration):
    dependencies = [("timetracking", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
