"""python manage.py screen NAME [NAME ...] [--json]

Each match says whether its list entry is current or delisted (with the dates) and whether
the name that matched is one of the entry's former names."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from rules.services.screening import names_screen


class Command(BaseCommand):
    help = "Screen names (as written in CVs and papers) against the current edition of every list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="+")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        results = names_screen(names=options["names"])
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
            return
        for result in results:
            self.stdout.write(result["query"])
            if not result["matches"]:
                self.stdout.write("  no match")
            for m in result["matches"]:
                via = f" via alias {m['alias']!r}" if m["alias"] else ""
                former = ", a former name" if m["on_former_name"] else ""
                self.stdout.write(
                    f"  {m['decision']:<6} {m['score']:.2f} {m['list']:<9} {m['name']}"
                    f" ({m['method']}{via}{former}) [{_listing(m['listing'])}]"
                )


def _listing(listing: dict[str, Any]) -> str:
    """'current, listed 2021-06-03' / 'delisted 2025-01-07, listed 2024-01-31'."""
    status = listing["status"]
    if status == "delisted":
        status = f"delisted {listing['delisted_on']}"
    if listing["listed_on"]:
        status += f", listed {listing['listed_on']}"
    return str(status)
