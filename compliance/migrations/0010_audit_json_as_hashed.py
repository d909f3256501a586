"""Audit events keep before/after as the exact JSON text the chain hashed (PostgreSQL `json`).

The column type changes from jsonb to json; events stored before are converted from jsonb's
own text form, which still verifies (the chain re-serialises the parsed values canonically).
On PostgreSQL the table is rewritten once.
"""

from importlib import import_module

from django.db import migrations

import compliance.audit.models

# SQLite re-creates the table to alter it, dropping its triggers: the guard goes back on.
sqlite_guard = import_module("compliance.migrations.0008_fewer_write_indexes").sqlite_guard


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0009_finding_fillfactor"),
    ]

    operations = [
        migrations.AlterField(
            model_name="auditevent",
            name="after",
            field=compliance.audit.models.HashedJSONField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="before",
            field=compliance.audit.models.HashedJSONField(blank=True, null=True),
        ),
        migrations.RunPython(sqlite_guard, migrations.RunPython.noop),
    ]
