"""The audit event table. Append-only: no update or delete path in code, admin or API, and a
database trigger (migration 0004) rejects UPDATE and DELETE."""

from __future__ import annotations

from typing import Any

from django.db import models

APPEND_ONLY = "Audit events are append-only."


class HashedJSONField(models.JSONField):
    """JSON kept as the exact text the chain hashed: PostgreSQL's `json` type, not `jsonb`.

    jsonb re-encodes what it stores (key order, spacing), so the stored text was not the
    hashed text, and converting thousands of before/after documents per re-check chunk to
    jsonb cost PostgreSQL a third of the chunk's audit append (0.5 -> 0.33 s for a chunk of
    4,000 changed findings). Nothing queries inside these documents. Elsewhere (SQLite) the
    column is the usual JSON text.
    """

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if not isinstance(value, str):
            return value  # None, or what psycopg parsed from `json` (Django reads jsonb as text)
        return super().from_db_value(value, expression, connection)


class AuditEvent(models.Model):
    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(db_index=True)
    actor_id = models.IntegerField(null=True, blank=True)  # no FK: users may go, events stay
    actor_username = models.CharField(max_length=150)
    action = models.CharField(max_length=32)
    object_type = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = HashedJSONField(null=True, blank=True)
    after = HashedJSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["seq"]
        # Few indexes on purpose: a re-check appends thousands of events per chunk, and every
        # index is written for every event (db_index on a CharField also adds a LIKE index).
        constraints = [models.UniqueConstraint(fields=["hash"], name="auditevent_unique_hash")]
        indexes = [models.Index(fields=["object_type", "object_id"], name="auditevent_object")]

    def __str__(self) -> str:
        who = f"{self.at:%Y-%m-%d %H:%M} {self.actor_username}"
        return f"#{self.seq} {who} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.seq is not None:
            raise PermissionError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError(APPEND_ONLY)
