"""python manage.py import_cpos PATH [--date YYYY-MM-DD] [--person EMAIL] [--json]"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.connectors.cpos.importer import cpos_import

COUNTS = ("files", "created", "confirmed", "unchanged", "project", "rejected")


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date {value!r} is not a date YYYY-MM-DD") from exc


class Command(BaseCommand):
    help = (
        "Import SciENcv Current and Pending (Other) Support XML (the simple upload template; "
        "a file or a folder of .xml files) as what each person disclosed: every entry "
        "confirms a tie, or becomes one, disclosed in current and pending support on the "
        "document's date. Format: docs/cpos.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--date",
            default="",
            help="the document's date, YYYY-MM-DD (when it was certified); default today",
        )
        parser.add_argument(
            "--person",
            default="",
            metavar="EMAIL",
            help="whose document it is, when it carries no ORCID iD of a portfolio person",
        )
        parser.add_argument("--json", action="store_true", help="print the run's report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        day = _day(options["date"]) if options["date"] else None
        run = cpos_import(path=path, document_date=day, person_email=options["person"])
        counts = {key: int(run.counts.get(key, 0)) for key in COUNTS}
        if options["json"]:
            report = {
                "run": run.pk,
                "status": run.status,
                "counts": counts,
                "problems": run.problems,
                "problems_total": run.problems_total,
            }
            self.stdout.write(json.dumps(report, indent=2))
        else:
            for problem in run.problems:
                self.stderr.write(f"{problem['item']}: {problem['reason']}")
            if run.problems_total > len(run.problems):
                self.stderr.write(f"… and {run.problems_total - len(run.problems)} more")
            self.stdout.write(
                f"CPOS import #{run.pk} of {path}: {counts['files']} file(s); "
                f"ties {counts['created']} created, {counts['confirmed']} confirmed, "
                f"{counts['unchanged']} unchanged; {counts['project']} project(s) confirmed; "
                f"{counts['rejected']} rejected"
            )
        if counts["rejected"]:
            raise CommandError(
                f"{counts['rejected']} item(s) rejected, each with its reason above; "
                "everything else was imported"
            )
