"""python manage.py demo_history [--months 6] [--steps 6] [--projects N] [--seed S]

load_demo with a past (demo databases only): compliance.services.demo_history.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from compliance.services.demo_history import demo_history_load
from projects.demo import DEMO_USERS


class Command(BaseCommand):
    help = (
        "Demo only: load the demo portfolio department by department over the last months, "
        "each batch re-checked on its date, so the demo has a history. A portfolio that "
        "exists already is loaded as load_demo does, with no history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=6)
        parser.add_argument("--steps", type=int, default=6)
        parser.add_argument("--projects", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["projects"] < 1:
            raise CommandError("--projects must be at least 1")
        report, history = demo_history_load(
            today=timezone.localdate(),
            projects=options["projects"],
            seed=options["seed"],
            months=options["months"],
            steps=options["steps"],
        )
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError("demo data failed validation; nothing more was written")
        if not history:
            self.stdout.write("the portfolio exists already: loaded as load_demo, no history")
        for step in history:
            self.stdout.write(
                f"{step.day}: {step.projects} projects came on board "
                f"({', '.join(step.departments)}), {step.findings} findings first seen"
            )
        self.stdout.write("Demo users (development only):")
        for user in DEMO_USERS:
            self.stdout.write(
                f"  {user.group:<9} username {user.username:<9} password {user.password}"
            )
