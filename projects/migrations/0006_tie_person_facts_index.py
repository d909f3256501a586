"""A covering index of ties by person for the facts of a re-check (an index-only scan on
PostgreSQL), replacing the plain index on the person; created before that one is dropped."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0005_historicalorganisation_historicalperson_and_more"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="tie",
            index=models.Index(
                fields=["person"],
                include=(
                    "id",
                    "kind",
                    "start_date",
                    "end_date",
                    "compensated",
                    "source",
                    "disclosed_in",
                    "project",
                    "organisation",
                ),
                name="tie_person_facts",
            ),
        ),
        migrations.AlterField(
            model_name="tie",
            name="person",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="ties",
                to="projects.person",
            ),
        ),
    ]
