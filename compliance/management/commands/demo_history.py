"""python manage.py demo_history [--months 6] [--steps 6] — demo databases only."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from compliance.models import Finding
from compliance.services.demo_history import demo_history_evaluate


class Command(BaseCommand):
    help = (
        "Demo only: evaluate the portfolio at past dates (departments brought on board one "
        "after another) so the demo has a history. Does nothing once findings exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months", type=int, default=6)
        parser.add_argument("--steps", type=int, default=6)

    def handle(self, *args: Any, **options: Any) -> None:
        if Finding.objects.exists():  # `make run` again: the history was written the first time
            self.stdout.write("findings exist already: no demo history written")
            return
        steps = demo_history_evaluate(
            today=timezone.localdate(), months=options["months"], steps=options["steps"]
        )
        for step in steps:
            self.stdout.write(
                f"{step.day}: {step.projects} projects came on board, {step.new} new, "
                f"{step.resolved} resolved"
            )
