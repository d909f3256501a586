"""What a findings upsert leaves to write last: new findings, history rows and audit events.

A re-check chunk upserts every scenario, then writes these once, just before its commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from compliance.models import Finding, RecheckRun
from compliance.services.bulk import copy_insert_new, copy_insert_values
from projects.auditing import BulkChange, record

FINDING_KEY = ("scenario_id", "rule_id", "project_id", "subject")


@dataclass
class PendingWrites:
    """New findings, history rows and audit events of one or more upserts, written together
    by flush().

    A re-check chunk upserts every scenario, then flushes once just before its commit: the
    audit chain's lock is then held only for that moment, not for the whole chunk, and the
    new findings of every scenario go in one COPY. The findings of the scenarios reference
    the same projects, people and ties: one statement checks and key-share-locks each of those
    rows once, where one statement per scenario locked them again from each statement's
    savepoint (a subtransaction), making PostgreSQL combine the lockers into a multixact.
    """

    now: Any
    run: RecheckRun | None = None
    insert: list[Finding] = field(default_factory=list)  # new findings not written yet
    new: list[Finding] = field(default_factory=list)  # inserted without their ids (not COPY)
    created: list[Finding] = field(default_factory=list)
    changed: list[Finding] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    before: dict[int, dict[str, Any]] = field(default_factory=dict)

    def flush(self) -> None:
        """The new findings (one statement), then model history (for as-of reports) and audit
        events for every status change.

        Rows inserted without COPY (not PostgreSQL) are read back for their ids; rows a
        concurrent transaction inserted first are not ours and get no event from us.

        The findings' references were checked as each of their statements ended (statement
        triggers, migration compliance.0013): no deferred check is left for the commit,
        under the audit chain's lock, which every audited write of the portal waits for.
        """
        if self.insert:
            # ON CONFLICT semantics: a concurrent run may have inserted the same finding first.
            inserted = copy_insert_new(self.insert, FINDING_KEY)
            if inserted is None:
                self.new += self.insert  # read back below
            else:
                self.created += inserted
        created = list(self.created)
        if self.new:
            keys = {(f.scenario_id, f.rule_id, f.project_id, f.subject) for f in self.new}
            created += [
                f
                for f in Finding.objects.filter(
                    project_id__any={f.project_id for f in self.new},
                    scenario_id__in={f.scenario_id for f in self.new},
                    first_seen__gte=self.now,
                    run=self.run,
                )
                if (f.scenario_id, f.rule_id, f.project_id, f.subject) in keys
            ]
        _history_write(created, [*self.changed, *self.resolved], self.now)
        record(
            [BulkChange("create", f) for f in created]
            + [BulkChange("update", f, self.before.get(f.pk)) for f in self.changed]
            + [BulkChange("resolve", f, self.before.get(f.pk)) for f in self.resolved]
        )
        self.insert, self.new, self.created = [], [], []
        self.changed, self.resolved, self.before = [], [], {}


def _history_write(created: list[Finding], updated: list[Finding], now: Any) -> None:
    """History rows ('+' for created, '~' for updated findings), in that order.

    On PostgreSQL the rows are copied inside the database from the findings as just written
    (this transaction holds them): the columns django-simple-history's bulk_history_create
    would send, without serialising every finding once more in Python."""
    model = Finding.history.model
    findings = [*created, *updated]
    if not findings:
        return
    if connection.vendor != "postgresql" or any("_history_user" in f.__dict__ for f in findings):
        rows = _history_rows(created, "+", now) + _history_rows(updated, "~", now)
        copy_insert_values(model, rows)
        return
    user = getattr(model.get_default_history_user(findings[0]), "pk", None)
    q = connection.ops.quote_name
    columns = ", ".join(q(f.column) for f in model.tracked_fields)
    selected = ", ".join(f"f.{q(f.column)}" for f in model.tracked_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(model._meta.db_table)} (history_date, history_user_id, "  # noqa: S608
            f"history_change_reason, history_type, {columns}) "
            f"SELECT %s, %s, '', b.history_type, {selected} "
            f"FROM unnest(%s::bigint[], %s::text[]) WITH ORDINALITY AS b(id, history_type, n) "
            f"JOIN {q(Finding._meta.db_table)} f ON f.id = b.id ORDER BY b.n",
            [now, user, [f.pk for f in findings], ["+"] * len(created) + ["~"] * len(updated)],
        )


def _history_rows(findings: list[Finding], history_type: str, now: Any) -> list[dict[str, Any]]:
    """Historical rows as django-simple-history's bulk_history_create builds them."""
    model = Finding.history.model
    tracked = [f.attname for f in model.tracked_fields]
    shared: list[Any] = []  # the default history user (the request's), looked up once

    def user_id(f: Finding) -> Any:
        if "_history_user" in f.__dict__:  # set on this instance: it wins
            return getattr(f.__dict__["_history_user"], "pk", None)
        if not shared:
            shared.append(getattr(model.get_default_history_user(f), "pk", None))
        return shared[0]

    return [
        {
            "history_date": now,
            "history_user_id": user_id(f),
            "history_change_reason": "",
            "history_type": history_type,
            **{name: getattr(f, name) for name in tracked},
        }
        for f in findings
    ]
