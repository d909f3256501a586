"""python manage.py load_rules [PATH] — load rule packs and scenarios through the services."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.errors import ApplicationError
from rules.services.rulepacks import rules_load


class Command(BaseCommand):
    help = "Load the YAML rule packs and scenarios (default seeds/rules); a second load is a no-op."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, default=Path(settings.BASE_DIR) / "seeds" / "rules"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_dir():
            raise CommandError(f"{path} is not a folder of rule packs")
        try:
            report = rules_load(directory=path)
        except ApplicationError as exc:
            raise CommandError(f"{exc.message} — nothing was loaded") from exc
        for pack, counts in report.items():
            self.stdout.write(f"{pack:<20} " + "  ".join(f"{k} {v}" for k, v in counts.items()))
