"""A CPOS import is a disclosure the rules read: an NIH PI's foreign appointment, missing from
Other Support (R15), is no longer a finding once their CPOS lists it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from compliance.models import Finding
from compliance.services.evaluation import portfolio_evaluate
from projects.connectors.cpos.importer import cpos_import
from rules.models import Scenario
from tests.compliance.conftest import TODAY
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
)

pytestmark = pytest.mark.django_db

CPOS = """<?xml version="1.0" encoding="utf-8"?>
<profile>
  <identification><id idtype="orcid">0000-0002-1825-0097</id></identification>
  <employment>
    <position current="yes">
      <positiontitle>Visiting Chair Professor</positiontitle>
      <organization>
        <orgname>Harbin Institute of Technology</orgname><country>CHN</country>
      </organization>
      <startdate><year>2024</year></startdate>
    </position>
  </employment>
  <funding/>
</profile>
"""


def _r15_open() -> list[Finding]:
    return list(Finding.objects.filter(rule__key="R15", status="open", scenario__code="current"))


def test_an_appointment_listed_in_a_cpos_is_disclosed_for_the_rules(
    rules_loaded: None, tmp_path: Path
) -> None:
    person = PersonFactory.create(orcid="0000-0002-1825-0097")
    project = ProjectFactory.create(sponsor="NIH", award_number="R01CA000001", end_date=None)
    RoleFactory.create(project=project, person=person, role="pi")
    hit = OrganisationFactory.create(name="Harbin Institute of Technology", country="CN")
    tie = TieFactory.create(
        person=person, organisation=hit, kind="appointment", start_date=date(2024, 9, 1)
    )
    current = Scenario.objects.get(code="current")
    portfolio_evaluate(scenario=current, today=TODAY)
    [finding] = _r15_open()
    assert finding.tie_id == tie.pk

    path = tmp_path / "cpos.xml"
    path.write_text(CPOS)
    run = cpos_import(path=path, document_date=date(2026, 11, 2))
    assert run.counts == {"files": 1, "confirmed": 1}
    tie.refresh_from_db()
    assert (tie.disclosed_in, tie.disclosed_on) == (["current_pending"], date(2026, 11, 2))
    portfolio_evaluate(scenario=current, today=TODAY)
    assert _r15_open() == []
    finding.refresh_from_db()
    assert finding.status == "resolved"
