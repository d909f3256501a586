"""python manage.py export_report KIND --format csv|xlsx|pdf [--scenario NAME] [--as-of DATE]
[--output PATH]"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.audit.context import acting_as
from compliance.services.report_rows import FORMATS, KINDS, ReportRequest
from compliance.services.reports import report_write
from projects.errors import ApplicationError


class Command(BaseCommand):
    help = "Export a report (findings, decisions, exposure, audit) with its manifest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("--format", choices=FORMATS, default="csv")
        parser.add_argument("--scenario")
        parser.add_argument("--severity")
        parser.add_argument("--status")
        parser.add_argument("--sponsor")
        parser.add_argument("--department")
        parser.add_argument("--as-of", type=date.fromisoformat)
        parser.add_argument("--output", type=Path, required=True)
        parser.add_argument("--bom", action="store_true", help="UTF-8 BOM for Excel (CSV)")
        parser.add_argument("--user", help="export as this user (default: a system export)")

    def handle(self, *args: Any, **options: Any) -> None:
        user: Any = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"unknown user {options['user']!r}")
        else:
            user = _SystemAuditor()
        filters = {
            k: options[k]
            for k in ("scenario", "severity", "status", "sponsor", "department")
            if options[k]
        }
        req = ReportRequest(options["kind"], options["format"], user, options["as_of"], filters)
        path: Path = options["output"]
        try:
            with acting_as(user if options["user"] else None, username=options["user"] or "cli"):
                manifest = report_write(req, path, bom=options["bom"])
        except (ApplicationError, PermissionError) as exc:
            raise CommandError(str(exc)) from exc
        manifest_path = path.with_name(path.name + ".manifest.json")
        manifest_path.write_text(manifest.to_json(), encoding="utf-8")
        rows = ", ".join(f"{k} {v}" for k, v in manifest.row_counts.items())
        self.stdout.write(f"wrote {path} ({rows}); manifest {manifest_path}")


class _SystemAuditor:
    """The command line runs with the whole portfolio in view (it has database access)."""

    is_authenticated = True
    is_superuser = True
    is_staff = True
    pk = None

    def get_username(self) -> str:
        return "cli"
