"""python manage.py import_orcid PATH [--home NAME ...] [--json]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.connectors.orcid import import_orcid
from projects.errors import ApplicationError
from projects.management.commands.import_publications import report_write


class Command(BaseCommand):
    help = (
        "Import ORCID public records (API v3.0 record XML or JSON; a file or a folder): "
        "employments, educations, invited positions, distinctions and fundings become ties "
        "with source orcid, linked to people by the record's ORCID iD only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
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
            report = import_orcid(path, home=options["home"])
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        report_write(self, report, options["json"])
