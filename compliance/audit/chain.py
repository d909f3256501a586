"""Write and verify the hash chain."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from compliance.audit.context import current_actor
from compliance.audit.models import AuditEvent
from compliance.services.bulk import RawJSON, build, copy_insert, copy_insert_values, copy_rows
from projects.auditing import jsonable

GENESIS = "0" * 64
_LOCK_KEY = 7_412_026  # pg_advisory_xact_lock key serialising chain appends


# One encoder each: json.dumps with options builds a new encoder on every call.
_SORTED = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))
_PLAIN = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _text(content: dict[str, Any]) -> str:
    """The canonical JSON of an event's content: sorted keys, compact, UTF-8."""
    return _SORTED.encode(content)


def _chain(prev_hash: str, text: str) -> str:
    return hashlib.sha256((prev_hash + "\n" + text).encode()).hexdigest()


def event_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return _chain(prev_hash, _text(content))


def _content(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": event.at.isoformat(),
        "actor_id": event.actor_id,
        "actor_username": event.actor_username,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "before": event.before,
        "after": event.after,
        "request_id": event.request_id,
        "ip": event.ip,
    }


_dump = _PLAIN.encode


def _json_or_null(value: Any) -> str:
    return "null" if value is None else _text(value)


# The content's keys in their canonical (sorted) order; a test holds this to _content().
CONTENT_KEYS = (
    "action",
    "actor_id",
    "actor_username",
    "after",
    "at",
    "before",
    "ip",
    "object_id",
    "object_repr",
    "object_type",
    "request_id",
)


def _shared_parts(
    actor_id: Any, username: str, at: Any, ip: Any, request_id: str
) -> tuple[str, str, str, str]:
    """The serialised members an event's text shares with the other events of its batch."""
    return (
        f'"actor_id":{_dump(actor_id)},"actor_username":{_dump(username)}',
        f'"at":{_dump(at.isoformat())}',
        f'"ip":{_dump(ip)}',
        f'"request_id":{_dump(request_id)}',
    )


def _hashed_text(
    shared: tuple[str, str, str, str],
    action: str,
    before: str,
    after: str,
    object_id: str,
    object_repr: str,
    object_type: str,
) -> str:
    """Exactly _text(_content(event)), members in CONTENT_KEYS order, from the batch's shared
    parts and before/after serialised by _text already (a nested object serialises the same
    as a top-level one)."""
    actor, at, ip, request = shared
    return (
        f'{{"action":{_dump(action)},{actor},"after":{after},{at},"before":{before},{ip},'
        f'"object_id":{_dump(object_id)},"object_repr":{_dump(object_repr)},'
        f'"object_type":{_dump(object_type)},{request}}}'
    )


def _event_text(event: AuditEvent, before: str, after: str) -> str:
    shared = _shared_parts(
        event.actor_id, event.actor_username, event.at, event.ip, event.request_id
    )
    return _hashed_text(
        shared, event.action, before, after, event.object_id, event.object_repr, event.object_type
    )


Links = list[tuple[str, str]]  # (prev_hash, hash) of each event appended


def _chain_append(texts: Sequence[str], write: Callable[[int, Links], None]) -> None:
    """Link these event texts to the last event under the chain's lock, and call
    write(last_seq, links), each link an event's (prev_hash, hash), still under the lock."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
        last_seq, prev = last or (0, GENESIS)
        links: Links = []
        for text in texts:
            links.append((prev, _chain(prev, text)))
            prev = links[-1][1]
        write(last_seq, links)


def _row(event: AuditEvent, before: str, after: str) -> dict[str, Any]:
    row = {f.attname: getattr(event, f.attname) for f in _COLUMNS}
    row["before"] = None if event.before is None else RawJSON(before)
    row["after"] = None if event.after is None else RawJSON(after)
    return row


_COLUMNS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]


@dataclass(frozen=True)
class Change:
    action: str
    object_type: str
    object_id: str
    object_repr: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


def audit_record_many(
    changes: Sequence[Change], *, json_safe: bool = False, read_seqs: bool = True
) -> list[AuditEvent]:
    """Append events in order, chained to the last one. Runs inside the caller's transaction.

    json_safe: the changes' before/after are already JSON-safe (made by snapshot()), so they
    are not converted again. read_seqs=False: the caller does not use the events' sequence
    numbers (they stay None), so they are not read back after COPY.
    """
    if not changes:
        return []
    safe = (lambda value: value) if json_safe else jsonable
    actor = current_actor()
    now = timezone.now()
    events = [
        build(
            AuditEvent,
            {
                "at": now,
                "actor_id": actor.user_id,
                "actor_username": actor.username,
                "action": change.action,
                "object_type": change.object_type,
                "object_id": str(change.object_id),
                "object_repr": change.object_repr[:300],
                "before": safe(change.before) if change.before is not None else None,
                "after": safe(change.after) if change.after is not None else None,
                "request_id": actor.request_id,
                "ip": actor.ip,
            },
        )
        for change in changes
    ]
    # Before the lock (it serialises): before/after are serialised once, for the hashed text
    # and for the JSON columns alike.
    serialised = [(_json_or_null(event.before), _json_or_null(event.after)) for event in events]
    texts = [_event_text(event, b, a) for event, (b, a) in zip(events, serialised, strict=True)]

    def write(last_seq: int, links: Links) -> None:
        for event, (prev_hash, hash_) in zip(events, links, strict=True):
            event.prev_hash, event.hash = prev_hash, hash_
        if connection.vendor == "postgresql":
            copy_insert_values(
                AuditEvent,
                [
                    _row(event, before, after)
                    for event, (before, after) in zip(events, serialised, strict=True)
                ],
            )
        else:
            copy_insert(events)
        if read_seqs and events[0].seq is None:  # COPY: the new rows are those after last_seq
            seqs = AuditEvent.objects.filter(seq__gt=last_seq).order_by("seq")
            for event, seq in zip(events, seqs.values_list("seq", flat=True), strict=True):
                event.seq = seq

    _chain_append(texts, write)
    return events


def audit_append_bulk(changes: Sequence[Change]) -> None:
    """Append events for changes whose before/after snapshot() made (JSON-safe), the way
    audit_record_many does (same rows, same chain), without building model instances or
    reading sequence numbers back: a re-check appends thousands per chunk."""
    if not changes:
        return
    if connection.vendor != "postgresql":
        audit_record_many(changes, json_safe=True, read_seqs=False)
        return
    actor = current_actor()
    now = timezone.now()
    shared = _shared_parts(actor.user_id, actor.username, now, actor.ip, actor.request_id)
    rows: list[list[Any]] = []
    texts: list[str] = []
    for change in changes:
        before, after = _json_or_null(change.before), _json_or_null(change.after)
        object_id, object_repr = str(change.object_id), change.object_repr[:300]
        texts.append(
            _hashed_text(
                shared, change.action, before, after, object_id, object_repr, change.object_type
            )
        )
        rows.append(  # in _COLUMNS order (a test holds it), prev_hash and hash to come
            [
                now,
                actor.user_id,
                actor.username,
                change.action,
                change.object_type,
                object_id,
                object_repr,
                None if change.before is None else before,
                None if change.after is None else after,
                actor.request_id,
                actor.ip,
            ]
        )

    def write(last_seq: int, links: Links) -> None:
        copy_rows(AuditEvent, _COLUMNS, ([*r, *link] for r, link in zip(rows, links, strict=True)))

    _chain_append(texts, write)


def audit_record(change: Change) -> AuditEvent:
    return audit_record_many([change])[0]


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    broken_at: int | None = None
    reason: str = ""


def audit_verify(events: Iterable[AuditEvent] | None = None) -> ChainReport:
    """Walk the chain in sequence order; name the first broken link."""
    rows = events if events is not None else AuditEvent.objects.order_by("seq").iterator(2000)
    prev = GENESIS
    checked = 0
    for event in rows:
        if event.prev_hash != prev:
            return ChainReport(
                False,
                checked,
                event.seq,
                "link broken: its previous-hash does not match the event before it "
                "(an event was deleted, inserted or reordered)",
            )
        if event_hash(event.prev_hash, _content(event)) != event.hash:
            return ChainReport(
                False, checked, event.seq, "content does not match its hash (modified)"
            )
        prev = event.hash
        checked += 1
    return ChainReport(True, checked)
