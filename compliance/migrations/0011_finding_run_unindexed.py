"""No index on a finding's runs: a re-check sets `run` on every finding it changes, and the
index made each such update write every index of the table instead of updating the row in
place (HOT). Nothing selects findings by run; runs are not deleted (see the admin)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0010_audit_json_as_hashed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="finding",
            name="resolved_by_run",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="compliance.recheckrun",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="run",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="findings",
                to="compliance.recheckrun",
            ),
        ),
    ]
