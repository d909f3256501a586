"""manage.py import_publications {medline-xml,openalex-jsonl} PATH [--home NAME ...] [--json]"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.connectors.medline import import_medline
from projects.connectors.openalex import import_openalex
from projects.connectors.runs import RunReport
from projects.errors import ApplicationError

FORMATS = {"medline-xml": import_medline, "openalex-jsonl": import_openalex}


def report_write(command: BaseCommand, report: RunReport, as_json: bool) -> None:
    run = report.run
    if as_json:
        command.stdout.write(
            json.dumps(
                {
                    "run": run.pk if run else None,
                    "counts": report.counts,
                    "problems": report.problems,
                    "problems_total": report.problems_total,
                },
                indent=2,
            )
        )
        return
    for problem in report.problems:
        command.stderr.write(f"rejected {problem['item']}: {problem['reason']}")
    command.stdout.write(f"Import run #{run.pk if run else '?'}:")
    for key, value in sorted(report.counts.items()):
        command.stdout.write(f"  {key:<24} {value:>8}")


class Command(BaseCommand):
    help = (
        "Import publications as evidence of ties: PubMed MEDLINE citation XML (medline-xml) "
        "or OpenAlex works as JSON Lines (openalex-jsonl), a file or a folder. Authors link "
        "to portfolio people by ORCID iD, else by name and affiliation (never a name alone)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=sorted(FORMATS))
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--home",
            action="append",
            default=[],
            help="A home institution's name (repeatable); adds to GRANTCHECK_HOME_INSTITUTIONS.",
        )
        parser.add_argument("--json", action="store_true", help="Print the report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        try:
            report = FORMATS[options["format"]](path, home=options["home"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        report_write(self, report, options["json"])
