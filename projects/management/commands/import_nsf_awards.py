"""python manage.py import_nsf_awards PATH [--json]"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from projects.connectors.nsf_import import COUNT_KEYS, import_nsf_awards
from projects.connectors.nsf_xml import count_files
from projects.connectors.progress import ProgressBar
from projects.models import ImportRun


class Command(BaseCommand):
    help = (
        "Import NSF award XML (NSF's bulk download: a folder, a .zip or a .tar.gz of one XML "
        "file per award) as projects, their investigators as people with roles, and the "
        "awardee institutions. Idempotent; a malformed file is reported by name and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--json", action="store_true", help="Print the run's report as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        bar = None
        if not options["json"] and sys.stdout.isatty():
            bar = ProgressBar(sys.stdout, count_files(path), label="files")
        try:
            run = import_nsf_awards(path, progress=bar)
        finally:
            if bar is not None:
                bar.close()
        if options["json"]:
            self.stdout.write(json.dumps(report_dict(run), indent=2))
            return
        for problem in run.problems:
            self.stderr.write(f"{problem['item']}: {problem['reason']}")
        hidden = run.problems_total - len(run.problems)
        if hidden:
            self.stderr.write(f"… and {hidden} more rejected item(s) not shown")
        counts = run.counts
        self.stdout.write(
            f"NSF awards from {path}: "
            + ", ".join(f"{counts.get(key, 0):,} {key}" for key in COUNT_KEYS)
            + f" (run {run.pk})"
        )
        extra = {k: v for k, v in counts.items() if k not in COUNT_KEYS}
        if extra:
            self.stdout.write(
                "  " + ", ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in extra.items())
            )


def report_dict(run: ImportRun) -> dict[str, Any]:
    return {
        "run": run.pk,
        "connector": run.connector,
        "source": run.source,
        "status": run.status,
        "counts": run.counts,
        "problems": run.problems,
        "problems_total": run.problems_total,
    }
