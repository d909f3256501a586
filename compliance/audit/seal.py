"""Seals: the head of the audit chain (last sequence number and hash), written outside the
database, so that deleting the newest events (or emptying the table) is noticed.

The chain alone cannot show that its newest events are gone: what is left still verifies.
A seal written elsewhere (a file the administrator keeps, a mail, a log line) can. Beat
writes one every AUDIT_SEAL_MINUTES when the head has moved; `audit_verify` checks the chain
against the latest one. Before writing, the task checks the chain against the previous seal,
so a shortened chain is reported instead of being sealed over.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone

from compliance.audit.chain import GENESIS
from compliance.audit.models import AuditEvent

logger = logging.getLogger("grantcheck.audit.seal")

LAST_SEAL_KEY = "grantcheck:audit:last-seal"
MSG_SEAL_UNREADABLE = "no seal could be read from {path}"
MSG_HEAD_BEHIND = (
    "the newest audit events were deleted: the chain ends at #{head} but the seal of {at} "
    "holds #{seq}"
)
MSG_SEALED_MISSING = "audit event #{seq}, sealed on {at}, is missing"
MSG_HASH_DIFFERS = (
    "audit event #{seq} does not have the hash sealed on {at}: the chain was rewritten"
)


class AuditSealError(Exception):
    """The chain no longer reaches the event a seal holds."""


@dataclass(frozen=True)
class Seal:
    seq: int  # 0: the chain was empty
    hash: str
    sealed_at: str  # ISO time the seal was made

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def seal_make() -> Seal:
    """The chain's head now."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
    seq, hash_ = head or (0, GENESIS)
    return Seal(seq=seq, hash=hash_, sealed_at=timezone.now().isoformat())


def seal_parse(line: str) -> Seal | None:
    """A seal from a JSON line, or from a log line that carries one after its prefix."""
    start = line.find("{")
    if start < 0:
        return None
    try:
        data = json.loads(line[start:])
        return Seal(seq=int(data["seq"]), hash=str(data["hash"]), sealed_at=data["sealed_at"])
    except (ValueError, KeyError, TypeError):
        return None


def seal_read_latest(path: Path) -> Seal | None:
    """The last seal in a file of seals (JSON lines, or log lines holding them)."""
    if not path.exists():
        return None
    latest = None
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            latest = seal_parse(line) or latest
    return latest


def seal_target_file() -> Path | None:
    kind, _, where = settings.AUDIT_SEAL_TARGET.partition(":")
    return Path(where) if kind == "file" else None


def seal_check(seal: Seal) -> None:
    """Raise AuditSealError unless the chain still holds the sealed event with its hash."""
    if seal.seq == 0:
        return
    sealed = AuditEvent.objects.filter(seq=seal.seq).values_list("hash", flat=True).first()
    if sealed is None:
        head = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        template = MSG_HEAD_BEHIND if head < seal.seq else MSG_SEALED_MISSING
        raise AuditSealError(template.format(head=head, seq=seal.seq, at=seal.sealed_at))
    if sealed != seal.hash:
        raise AuditSealError(MSG_HASH_DIFFERS.format(seq=seal.seq, at=seal.sealed_at))


def seal_write(seal: Seal, target: str | None = None) -> None:
    """Append the seal to a file (fsync'd), mail it, or log it (AUDIT_SEAL_TARGET)."""
    target = target or settings.AUDIT_SEAL_TARGET
    kind, _, where = target.partition(":")
    if kind == "file":
        with open(where, "a", encoding="utf-8") as out:
            out.write(seal.to_json() + "\n")
            out.flush()
            os.fsync(out.fileno())
    elif kind == "mail":
        send_mail(
            f"grantcheck audit seal #{seal.seq}",
            "The head of the grantcheck audit chain. Keep this message: "
            "`manage.py audit_verify --seal FILE` checks the chain against it.\n\n"
            f"{seal.to_json()}\n",
            settings.DEFAULT_FROM_EMAIL,
            [a.strip() for a in where.split(",") if a.strip()],
        )
    else:
        logger.info("audit seal %s", seal.to_json())
    cache.set(LAST_SEAL_KEY, seal.to_json(), timeout=None)


def _previous_seal() -> Seal | None:
    path = seal_target_file()
    if path is not None:
        return seal_read_latest(path)
    remembered = cache.get(LAST_SEAL_KEY)
    return seal_parse(remembered) if remembered else None


def audit_seal() -> Seal | None:
    """Check the chain against the previous seal, then seal its head if it moved.

    Returns the new seal, or None when the head is where the previous seal left it. Raises
    AuditSealError (and logs it) when the chain lost sealed events: nothing is sealed then,
    so the previous seal stays the latest evidence.
    """
    previous = _previous_seal()
    if previous is not None:
        try:
            seal_check(previous)
        except AuditSealError as exc:
            logger.error("audit chain check against the last seal failed: %s", exc)
            raise
    seal = seal_make()
    if previous is not None and (previous.seq, previous.hash) == (seal.seq, seal.hash):
        return None
    seal_write(seal)
    return seal
