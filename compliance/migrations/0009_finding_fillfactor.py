"""Half-empty pages for findings (PostgreSQL): room for HOT updates.

Every re-check confirms each finding it derives again (last_confirmed). With full pages,
each such update writes a new row version elsewhere and a new entry in every one of the
table's indexes; with room left on the page, PostgreSQL updates the row in place of the
indexes (a heap-only tuple: last_confirmed is in no index), several times cheaper. A nightly
re-check confirms nearly every finding of a page at once, so the page keeps half its space
for the new versions (the old ones, dead since the last night, are pruned to make room).
Pages written before this migration get the room when the table is rewritten (VACUUM FULL).
"""

from django.db import migrations

TABLE = "compliance_finding"


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} SET (fillfactor = 50)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("compliance", "0008_fewer_write_indexes")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
