"""Partial indexes on a finding's assignee and list entry (rows with one only): a re-check
inserts findings with no assignee and, for most rules, no list entry, and wrote an entry for
each of them in both indexes. Lookups by either (including the SET NULL on delete) imply the
column is not null, so they still use the index."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0011_finding_run_unindexed"),
        ("projects", "0005_historicalorganisation_historicalperson_and_more"),
        ("rules", "0002_rulepack_scenario_rule_packparameter_scenariopack_and_more"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="finding",
            name="assignee",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="list_entry",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="rules.listentry",
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)),
                fields=["assignee"],
                name="finding_assignee",
            ),
        ),
        migrations.AddIndex(
            model_name="finding",
            index=models.Index(
                condition=models.Q(("list_entry__isnull", False)),
                fields=["list_entry"],
                name="finding_list_entry",
            ),
        ),
    ]
