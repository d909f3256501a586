"""python manage.py evaluate [--scenario CODE] [--project AWARD] [--date YYYY-MM-DD]"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.services.evaluation import portfolio_evaluate
from projects.models import Project
from rules.models import Scenario


class Command(BaseCommand):
    help = "Evaluate scenarios over the portfolio (or one project) and persist the findings."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenario", help="scenario code or name (default: every scenario)")
        parser.add_argument("--project", help="award number (default: every project)")
        parser.add_argument(
            "--date", type=date.fromisoformat, help="evaluation date (default today)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scenarios = list(Scenario.objects.all())
        if options["scenario"]:
            wanted = options["scenario"]
            scenarios = [s for s in scenarios if wanted in (s.code, s.name)]
            if not scenarios:
                raise CommandError(f"unknown scenario {wanted!r}")
        if not scenarios:
            raise CommandError("no scenarios: run `manage.py load_rules` first")
        project_ids = None
        if options["project"]:
            project_ids = list(
                Project.objects.filter(award_number=options["project"]).values_list("pk", flat=True)
            )
            if not project_ids:
                raise CommandError(f"unknown award number {options['project']!r}")
        for scenario in scenarios:
            counts = portfolio_evaluate(
                scenario=scenario, project_ids=project_ids, today=options["date"]
            )
            self.stdout.write(
                f"{scenario.name}: {counts.projects} projects, {counts.new} new, "
                f"{counts.changed} changed, {counts.unchanged} unchanged, "
                f"{counts.resolved} resolved, {counts.errors} errors"
            )
