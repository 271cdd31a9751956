"""Make the event log append-only in the database itself, not only in the ORM.

PostgreSQL refuses UPDATE and DELETE on core_event; SQLite refuses UPDATE (its test-suite teardown
empties tables with DELETE, which PostgreSQL does with TRUNCATE, untouched by row triggers).
"""

from django.db import migrations

POSTGRES_FORWARD = """
CREATE OR REPLACE FUNCTION escalade_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'core_event is append-only (% refused)', TG_OP USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER core_event_append_only BEFORE UPDATE OR DELETE ON core_event
    FOR EACH ROW EXECUTE FUNCTION escalade_event_append_only();
"""
POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS core_event_append_only ON core_event;
DROP FUNCTION IF EXISTS escalade_event_append_only();
"""
SQLITE_FORWARD = """
CREATE TRIGGER core_event_append_only BEFORE UPDATE ON core_event
BEGIN SELECT RAISE(ABORT, 'core_event is append-only (UPDATE refused)'); END;
"""
SQLITE_BACKWARD = "DROP TRIGGER IF EXISTS core_event_append_only;"


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FORWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_FORWARD)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD, params=None)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
