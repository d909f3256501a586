"""Database guard on the audit table.

PostgreSQL (production, CI): a trigger rejects every UPDATE and DELETE. SQLite (the embedded
development default): UPDATE is rejected; DELETE is left to the model (which refuses it)
because Django's test flush empties SQLite tables with DELETE.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION grantcheck_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditevent_append_only
    BEFORE UPDATE OR DELETE ON compliance_auditevent
    FOR EACH ROW EXECUTE FUNCTION grantcheck_audit_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS auditevent_append_only ON compliance_auditevent;
DROP FUNCTION IF EXISTS grantcheck_audit_append_only();
"""
SQLITE_UP = [
    "CREATE TRIGGER auditevent_no_update BEFORE UPDATE ON compliance_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS auditevent_no_update;",
]


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_UP:
            schema_editor.execute(statement)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_DOWN:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0003_auditevent_finding_assignee_findingdecision_and_more")]

    operations = [migrations.RunPython(up, down)]
