"""python manage.py import_portfolio PATH [--dry-run] [--json]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.importing import portfolio_import


class Command(BaseCommand):
    help = (
        "Import projects, people, roles and ties from a folder of CSV files "
        "(projects.csv, people.csv, roles.csv, ties.csv) or one .xlsx workbook with sheets "
        "of those names. Every row is validated; if anything is wrong nothing is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        report = portfolio_import(path=path, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
        else:
            for line in report.problem_lines():
                self.stderr.write(line)
            if report.ok:
                verb = "Would import" if options["dry_run"] else "Imported"
                self.stdout.write(f"{verb} {path}:")
                for entity, counts in report.counts.items():
                    self.stdout.write(
                        f"  {entity:<14} {counts['created']:>6} created  "
                        f"{counts['changed']:>6} changed  {counts['unchanged']:>6} unchanged"
                    )
        if not report.ok:
            raise CommandError(f"{report.problem_count} problem(s) found; nothing was written")
