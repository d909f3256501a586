"""The audit table refuses TRUNCATE as well (PostgreSQL).

TRUNCATE fires no DELETE trigger, so the guard of migration 0004 let it empty the table. A
statement-level BEFORE TRUNCATE trigger refuses it, except in a test database (named test_...)
whose session has set grantcheck.audit_truncate = 'allow': Django's test runner empties every
table with TRUNCATE between transactional tests (tests/conftest.py sets it). A production
database is never named test_..., so no session setting opens it there; dropping the trigger
needs the table's owner, and the audit seal (compliance/audit/seal.py) shows the loss anyway.
SQLite has no TRUNCATE.
"""

from django.db import migrations

PG_UP = """
CREATE OR REPLACE FUNCTION grantcheck_audit_no_truncate() RETURNS trigger AS $$
BEGIN
    IF left(current_database(), 5) = 'test_'
       AND current_setting('grantcheck.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'audit events are append-only: TRUNCATE refused';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER auditevent_no_truncate
    BEFORE TRUNCATE ON compliance_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION grantcheck_audit_no_truncate();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS auditevent_no_truncate ON compliance_auditevent;
DROP FUNCTION IF EXISTS grantcheck_audit_no_truncate();
"""


def up(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_UP)


def down(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_DOWN)


class Migration(migrations.Migration):
    dependencies = [("compliance", "0014_findingdecision_legal_basis_and_origin")]

    operations = [migrations.RunPython(up, down)]
