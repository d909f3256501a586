"""Findings' references checked once per statement instead of once per row (PostgreSQL).

A re-check inserts thousands of findings per chunk. With ten foreign-key constraints, PostgreSQL
ran ten checks per inserted row, each a query locking the referenced row: about a sixth of a
first run's time. The constraints are replaced by statement-level triggers with transition
tables that give the same guarantees:

- inserting or updating findings: every referenced row (new values only) must exist; each is
  locked FOR KEY SHARE, as a foreign-key check locks it, once per statement, so that no
  concurrent transaction can delete it before this one commits;
- deleting, truncating or renumbering a referenced row (a project, person, tie, scenario,
  rule, rule version, list entry, re-check run or user) that a finding still references fails.

Violations raise SQLSTATE 23503 (foreign_key_violation), as a foreign key does. Unlike the
constraints they replace, the checks are not deferred to the commit: they run at the end of
each statement. Other databases (SQLite, the embedded default) keep no database-level check on
these columns; the ORM's on_delete rules apply everywhere.
"""

from typing import Any

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

FINDINGS = "compliance_finding"


def _references(apps: Any) -> list[tuple[str, str]]:
    """(finding column, referenced table) of every relation of a finding at this state."""
    finding = apps.get_model("compliance", "Finding")
    return [
        (f.column, f.related_model._meta.db_table)
        for f in finding._meta.concrete_fields
        if f.is_relation
    ]


# The SQL below is built from the models' table and column names only (no input).
# ruff: noqa: S608


def _check(column: str, table: str, changed: str) -> str:
    message = (
        f'insert or update on table "{FINDINGS}" violates a reference: '
        f'key ({column})=(%s) is not present in table "{table}"'
    )
    return f"""
  WITH wanted AS ({changed}),
       locked AS (SELECT r.id FROM {table} r WHERE r.id IN (SELECT v FROM wanted) FOR KEY SHARE)
  SELECT w.v INTO missing FROM wanted w WHERE w.v NOT IN (SELECT l.id FROM locked l) LIMIT 1;
  IF missing IS NOT NULL THEN
    RAISE foreign_key_violation USING MESSAGE = format('{message}', missing);
  END IF;"""


def _check_function(name: str, refs: list[tuple[str, str]], updated: bool) -> str:
    checks = []
    for column, table in refs:
        new = f"SELECT DISTINCT n.{column} AS v FROM new_rows n WHERE n.{column} IS NOT NULL"
        if updated:  # values the statement brought in: kept references were checked already
            new += (
                f" AND n.{column} NOT IN"
                f" (SELECT o.{column} FROM old_rows o WHERE o.{column} IS NOT NULL)"
            )
        checks.append(_check(column, table, new))
    unchanged = ""
    if updated:  # most updates (confirmations, rewordings, reviews) keep every reference
        same = " AND ".join(f"o.{c} IS NOT DISTINCT FROM n.{c}" for c, _t in refs)
        unchanged = f"""
  IF NOT EXISTS (
    SELECT 1 FROM new_rows n
    WHERE NOT EXISTS (SELECT 1 FROM old_rows o WHERE o.id = n.id AND {same})
  ) THEN
    RETURN NULL;
  END IF;"""
    return f"""CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE missing bigint;
BEGIN{unchanged}{"".join(checks)}
  RETURN NULL;
END $body$;"""


REFERENCED = f"""CREATE FUNCTION compliance_finding_referenced() RETURNS trigger
LANGUAGE plpgsql AS $body$
DECLARE
  col text;
  hit bigint;
BEGIN
  FOREACH col IN ARRAY TG_ARGV LOOP
    IF TG_OP = 'TRUNCATE' THEN
      EXECUTE format('SELECT f.%1$I FROM {FINDINGS} f WHERE f.%1$I IS NOT NULL LIMIT 1', col)
        INTO hit;
    ELSIF TG_OP = 'DELETE' THEN
      EXECUTE format('SELECT f.%1$I FROM {FINDINGS} f '
                     'WHERE f.%1$I IN (SELECT o.id FROM old_rows o) LIMIT 1', col)
        INTO hit;
    ELSE
      EXECUTE format('SELECT f.%1$I FROM {FINDINGS} f WHERE f.%1$I = $1 LIMIT 1', col)
        INTO hit USING OLD.id;
    END IF;
    IF hit IS NOT NULL THEN
      RAISE foreign_key_violation USING MESSAGE = format(
        '%s on table "%s" violates a reference from table "{FINDINGS}": '
        'key (%s)=(%s) is still referenced',
        lower(TG_OP), TG_TABLE_NAME, col, hit);
    END IF;
  END LOOP;
  IF TG_LEVEL = 'ROW' THEN
    RETURN NEW;
  END IF;
  RETURN NULL;
END $body$;"""


def _by_table(refs: list[tuple[str, str]]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for column, table in refs:
        found.setdefault(table, []).append(column)
    return found


def create(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    refs = _references(apps)
    statements = [
        _check_function("compliance_finding_refs_inserted", refs, updated=False),
        _check_function("compliance_finding_refs_updated", refs, updated=True),
        f"CREATE TRIGGER finding_refs_inserted AFTER INSERT ON {FINDINGS} "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION compliance_finding_refs_inserted()",
        f"CREATE TRIGGER finding_refs_updated AFTER UPDATE ON {FINDINGS} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION compliance_finding_refs_updated()",
        REFERENCED,
    ]
    for table, columns in _by_table(refs).items():
        args = ", ".join(f"'{c}'" for c in columns)
        statements += [
            f"CREATE TRIGGER finding_referenced_deleted AFTER DELETE ON {table} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION compliance_finding_referenced({args})",
            f"CREATE TRIGGER finding_referenced_truncated AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION compliance_finding_referenced({args})",
            f"CREATE TRIGGER finding_referenced_renumbered BEFORE UPDATE OF id ON {table} "
            "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
            f"EXECUTE FUNCTION compliance_finding_referenced({args})",
        ]
    with schema_editor.connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def drop(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    refs = _references(apps)
    with schema_editor.connection.cursor() as cursor:
        for table in _by_table(refs):
            for trigger in ("deleted", "truncated", "renumbered"):
                cursor.execute(f"DROP TRIGGER IF EXISTS finding_referenced_{trigger} ON {table}")
        for trigger in ("inserted", "updated"):
            cursor.execute(f"DROP TRIGGER IF EXISTS finding_refs_{trigger} ON {FINDINGS}")
            cursor.execute(f"DROP FUNCTION IF EXISTS compliance_finding_refs_{trigger}()")
        cursor.execute("DROP FUNCTION IF EXISTS compliance_finding_referenced()")


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0012_finding_partial_fk_indexes"),
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
                db_constraint=False,
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
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="rules.listentry",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="person",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="findings",
                to="projects.person",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="project",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="findings",
                to="projects.project",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="resolved_by_run",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="compliance.recheckrun",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="rule",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="findings",
                to="rules.rule",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="rule_version",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="rules.ruleversion",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="run",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="findings",
                to="compliance.recheckrun",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="scenario",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="findings",
                to="rules.scenario",
            ),
        ),
        migrations.AlterField(
            model_name="finding",
            name="tie",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="findings",
                to="projects.tie",
            ),
        ),
        migrations.RunPython(create, drop),
    ]
