"""python manage.py audit_verify — check the audit hash chain; name the first broken link.

With a seal (--seal FILE, or the file GRANTCHECK_AUDIT_SEAL_TARGET=file:... names), also
check that the chain still reaches the sealed head: deleted newest events are reported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.audit.chain import audit_verify
from compliance.audit.seal import (
    MSG_SEAL_UNREADABLE,
    AuditSealError,
    seal_check,
    seal_read_latest,
    seal_target_file,
)


class Command(BaseCommand):
    help = "Verify the tamper-evident audit trail (SHA-256 hash chain), against the latest seal."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seal",
            type=Path,
            help="file of seals (JSON lines, or log lines holding them); the last one is "
            "checked. Default: the file of GRANTCHECK_AUDIT_SEAL_TARGET=file:..., if any.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_verify()
        if not report.ok:
            raise CommandError(
                f"audit chain broken at event #{report.broken_at}: {report.reason} "
                f"({report.checked} events verified before it)"
            )
        summary = f"audit chain intact: {report.checked} events verified"
        path: Path | None = options["seal"] or seal_target_file()
        if path is None:
            self.stdout.write(f"{summary}; no seal to check the head against")
            return
        seal = seal_read_latest(path)
        if seal is None:
            if options["seal"]:
                raise CommandError(MSG_SEAL_UNREADABLE.format(path=path))
            self.stdout.write(f"{summary}; no seal written to {path} yet")
            return
        try:
            seal_check(seal)
        except AuditSealError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{summary}; the chain still holds event #{seal.seq} as sealed on {seal.sealed_at}"
        )
