"""python manage.py import_list FORMAT PATH [--edition YYYY-MM-DD] [--json]"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.errors import ApplicationError
from rules.lists.parsers import PARSERS
from rules.services.lists import list_import


class Command(BaseCommand):
    help = (
        "Import an edition of a restricted list; records its diff; the same file twice is a no-op."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=sorted(PARSERS))
        parser.add_argument("path", type=Path)
        parser.add_argument("--edition", type=date.fromisoformat, default=None)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = list_import(
                fmt=options["format"], path=options["path"], edition=options["edition"]
            )
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} — nothing was written") from exc
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
            return
        for o in report.lists:
            if o.status == "unchanged":
                self.stdout.write(f"{o.code:<10} unchanged ({o.entries} entries)")
            else:
                self.stdout.write(
                    f"{o.code:<10} new version {o.version_id}: {o.entries} entries "
                    f"(+{o.added} -{o.removed} ~{o.changed})"
                )
