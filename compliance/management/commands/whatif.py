"""python manage.py whatif --scenario CODE [--rule-file PATH] [--param KEY=VALUE ...] [--json]"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from compliance.services.whatif import scenario_whatif
from projects.errors import ApplicationError
from rules.models import Scenario


def _value(text: str) -> Any:
    """KEY=VALUE values are YAML scalars or lists: 3, true, [EL, MEU], 2024-08-09."""
    value = yaml.safe_load(text)
    return value.isoformat() if isinstance(value, date) else value


class Command(BaseCommand):
    help = (
        "Evaluate a scenario with a draft rule or changed parameters; "
        "live findings stay as they are."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scenario", required=True)
        parser.add_argument("--rule-file", type=Path, action="append", default=[])
        parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
        parser.add_argument("--date", type=date.fromisoformat)
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        scenario = (
            Scenario.objects.filter(code=options["scenario"]).first()
            or Scenario.objects.filter(name=options["scenario"]).first()
        )
        if scenario is None:
            raise CommandError(f"unknown scenario {options['scenario']!r}")
        params: dict[str, Any] = {}
        for item in options["param"]:
            key, sep, raw = item.partition("=")
            if not sep:
                raise CommandError(f"--param takes KEY=VALUE, got {item!r}")
            params[key.strip()] = _value(raw)
        rules: list[dict[str, Any]] = []
        for path in options["rule_file"]:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            rules.extend(doc["rules"] if isinstance(doc, dict) and "rules" in doc else [doc])
        try:
            result = scenario_whatif(
                scenario=scenario,
                param_overrides=params,
                rule_contents=rules,
                today=options["date"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result, indent=2, default=str))
            return
        before, after = result["exposure_before"], result["exposure_after"]
        self.stdout.write(f"What-if on {scenario.name} ({result['evaluation_date']})")
        self.stdout.write(
            f"  findings: {len(result['new'])} new, {len(result['resolved'])} resolved, "
            f"{result['unchanged']} unchanged"
        )
        self.stdout.write(
            f"  at stake: ${before['total_usd']} on {before['projects']} projects -> "
            f"${after['total_usd']} on {after['projects']} projects "
            f"(no longer at stake ${result['no_longer_at_stake_usd']}, "
            f"newly at stake ${result['newly_at_stake_usd']})"
        )
        for label, rows in (("resolved", result["resolved"]), ("new", result["new"])):
            for row in rows[:50]:
                self.stdout.write(
                    f"  {label:<8} {row['rule__key']} project {row['project_id']} "
                    f"{row['subject']}: {row['explanation']}"
                )
