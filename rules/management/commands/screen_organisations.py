"""python manage.py screen_organisations — re-screen every portfolio organisation now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from rules.services.screening import organisations_screen


class Command(BaseCommand):
    help = "Re-screen every organisation in the portfolio against the current lists."

    def handle(self, *args: Any, **options: Any) -> None:
        run = organisations_screen(trigger="command")
        self.stdout.write(
            f"screened {run.organisations} organisations: {run.matches_new} new, "
            f"{run.matches_changed} changed, {run.matches_removed} no longer matching"
        )
