"""python manage.py load_demo [--projects N] [--seed S]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.demo import DEMO_USERS, demo_load


class Command(BaseCommand):
    help = "Build a realistic, deterministic demo portfolio and one demo user per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--projects", type=int, default=300)
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["projects"] < 1:
            raise CommandError("--projects must be at least 1")
        report = demo_load(projects=options["projects"], seed=options["seed"])
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(str(problem))
            raise CommandError("demo data failed validation; nothing was written")
        for entity, counts in report.counts.items():
            self.stdout.write(
                f"{entity:<14} {counts['created']:>6} created  {counts['changed']:>6} changed  "
                f"{counts['unchanged']:>6} unchanged"
            )
        self.stdout.write("Demo users (development only):")
        for user in DEMO_USERS:
            self.stdout.write(
                f"  {user.group:<9} username {user.username:<9} password {user.password}"
            )
