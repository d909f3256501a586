from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from compliance.models import Finding, RecheckRun
from compliance.services.evaluation import portfolio_evaluate
from compliance.services.recheck import recheck_request
from projects.models import Organisation, Person, Project
from rules.models import Rule, RuleVersion, Scenario
from rules.services.lists import list_import
from rules.services.rulepacks import rules_load
from rules.services.screening import organisations_screen
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
)

ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 11, 28)


@pytest.fixture
def rules_loaded(db: None) -> None:
    list_import(fmt="grantcheck-yaml", path=ROOT / "seeds" / "lists")
    rules_load(directory=ROOT / "seeds" / "rules")


def finding_build(project_id: int, subject: str, scenario: str = "current") -> Finding:
    """An unsaved R07 finding of a project (under a scenario code), built by hand."""
    rule = Rule.objects.get(key="R07")
    return Finding(
        scenario=Scenario.objects.get(code=scenario),
        rule=rule,
        rule_version=RuleVersion.objects.filter(rule=rule).first(),
        project_id=project_id,
        subject=subject,
        severity="high",
        explanation="x",
        last_confirmed=timezone.now(),
    )


def org(name: str, country: str = "CN") -> Organisation:
    return OrganisationFactory.create(name=name, country=country)


@pytest.fixture
def portfolio(rules_loaded: None, pi: Any) -> dict[str, Any]:
    """The hand-built portfolio of the scenario tests."""
    hit = org("Harbin Institute of Technology")
    tsinghua = org("Tsinghua University")
    megvii = org("Beijing Megvii Technology Co., Ltd.")
    climate = ProjectFactory.create(
        sponsor="NSF",
        award_number="2300001",
        title="Monsoon variability in a warming climate",
        department="Earth and Climate Sciences",
        amount_usd=Decimal("600000.00"),
    )
    co_pi: Person = PersonFactory.create(name="Chen Co-PI")
    RoleFactory.create(project=climate, person=co_pi, role="co_pi")
    TieFactory.create(
        person=co_pi,
        organisation=tsinghua,
        kind="coauthorship",
        start_date=date(2024, 3, 1),
        end_date=date(2024, 3, 1),
        source="publication",
    )
    dod: Project = ProjectFactory.create(
        sponsor="DOD",
        award_number="W911NF-24-1-0042",
        title="Hypersonic boundary layers",
        department="Aerospace",
        amount_usd=Decimal("1250000.00"),
    )
    RoleFactory.create(project=dod, person=pi.person, role="pi")
    visiting = TieFactory.create(
        person=pi.person,
        organisation=hit,
        kind="visiting_at",
        start_date=date(2022, 9, 1),
        end_date=date(2023, 6, 30),
    )
    old = TieFactory.create(
        person=pi.person,
        organisation=hit,
        kind="coauthorship",
        start_date=date(2018, 5, 1),
        end_date=date(2019, 5, 1),
    )
    organisations_screen()
    return {
        "climate": climate,
        "dod": dod,
        "visiting": visiting,
        "old": old,
        "hit": hit,
        "megvii": megvii,
        "pi": pi,
        "co_pi": co_pi,
    }


@pytest.fixture
def evaluated(portfolio: dict[str, Any]) -> dict[str, Any]:
    """The portfolio evaluated under every scenario; "finding" is its R07 finding today."""
    for scenario in Scenario.objects.all():
        portfolio_evaluate(scenario=scenario, today=TODAY)
    portfolio["finding"] = Finding.objects.get(rule__key="R07", scenario__code="current")
    return portfolio


class Driver:
    """Creates runs as the triggers do, but keeps chunk ids to run them by hand."""

    def __init__(self, capture: Any) -> None:
        self.capture = capture
        self.sent: list[int] = []

    def request(self, **kwargs: Any) -> RecheckRun:
        with self.capture(execute=True):
            return recheck_request(**kwargs)


@pytest.fixture
def driver(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> Iterator[Driver]:
    d = Driver(django_capture_on_commit_callbacks)
    monkeypatch.setattr("compliance.services.recheck._enqueue_chunks", d.sent.extend)
    yield d
