"""python manage.py tag_fields [--project AWARD] [--json]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.models import Project
from rules.services.fields import project_tags, projects_tag


class Command(BaseCommand):
    help = "Tag projects with NSTC CET 2024 areas from programme codes, title and abstract."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", help="award number (default: every project)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        ids = None
        if options["project"]:
            ids = list(
                Project.objects.filter(award_number=options["project"]).values_list("pk", flat=True)
            )
            if not ids:
                raise CommandError(f"unknown award number {options['project']!r}")
        counts = projects_tag(project_ids=ids)
        rows = project_tags(ids)
        if options["json"]:
            self.stdout.write(json.dumps(rows, indent=2))
            return
        self.stdout.write(
            f"tagged {counts['projects']} projects: {counts['created']} new tags, "
            f"{counts['updated']} updated, {counts['removed']} removed"
        )
        for row in rows:
            if row["tags"]:
                tags = ", ".join(
                    f"{t['area']} {t['confidence']:.2f} ({t['method']})" for t in row["tags"]
                )
                self.stdout.write(f"  {row['sponsor']} {row['award_number']}: {tags}")
