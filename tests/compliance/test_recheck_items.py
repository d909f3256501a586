"""Equipment, foreign components, patent filings and the institution profile: the rules that
read them fire from the database, and a change re-checks only what it can affect."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from compliance.models import Finding, RecheckRun
from compliance.services.recheck import recheck_request
from projects.models import (
    EquipmentItem,
    ForeignComponent,
    InstitutionAgreement,
    InstitutionProfile,
    PatentFiling,
    ProgrammeElement,
)
from rules.services.screening import organisations_screen
from tests.compliance.conftest import TODAY, org
from tests.factories import PersonFactory, ProjectFactory, RoleFactory, TieFactory


def _run_projects(run: RecheckRun) -> set[int]:
    return {pid for chunk in run.chunks.all() for pid in chunk.project_ids}


def _open(rule: str, **filters: Any) -> list[Finding]:
    return list(
        Finding.objects.filter(
            rule__key=rule, scenario__code="current", status="open", **filters
        ).order_by("pk")
    )


@pytest.mark.django_db(transaction=True)
def test_listed_equipment_on_a_dod_project_rechecks_that_project_only(
    portfolio: dict[str, Any], eager_celery: None
) -> None:
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    dod, climate = portfolio["dod"], portfolio["climate"]
    maker = org("Hangzhou Hikvision Digital Technology Co., Ltd.")
    organisations_screen(organisation_ids=[maker.pk])
    item = EquipmentItem.objects.create(
        project=dod, description="Network camera", manufacturer=maker, model="DS-2CD2143G2"
    )
    run = RecheckRun.objects.order_by("-pk").first()
    assert run is not None and run.scope_key == f"project:{dod.pk}"
    assert _run_projects(run) == {dod.pk}
    [finding] = _open("R08")
    assert (finding.project_id, finding.subject) == (dod.pk, f"equipment:{item.pk}")
    assert finding.severity == "block" and "Hikvision" in finding.explanation

    # The same camera on an NSF project is no R08 matter.
    item.project = climate
    item.save()
    runs = list(RecheckRun.objects.filter(trigger__startswith="equipment").order_by("-pk")[:2])
    assert [_run_projects(r) for r in runs] in ([{dod.pk}, {climate.pk}], [{climate.pk}, {dod.pk}])
    assert _open("R08") == []


@pytest.mark.django_db(transaction=True)
def test_a_foreign_subaward_on_an_nih_project_is_found_and_scoped_to_it(
    portfolio: dict[str, Any], eager_celery: None
) -> None:
    nih = ProjectFactory.create(sponsor="NIH", award_number="R01CA000001", status="active")
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    component = ForeignComponent.objects.create(
        project=nih,
        kind="component",
        country="ZA",
        activity_code="PF5",
        due_date=date(2026, 6, 5),
        organisation="University of Cape Town",
    )
    run = RecheckRun.objects.order_by("-pk").first()
    assert run is not None and _run_projects(run) == {nih.pk}
    assert _open("R14") == []  # a PF5 linked award is the allowed structure
    component.activity_code = "R01"
    component.save()
    [finding] = _open("R14")
    assert finding.subject == f"component:{component.pk}" and finding.severity == "high"


@pytest.mark.django_db(transaction=True)
def test_a_patent_filing_rechecks_its_persons_projects_only(
    portfolio: dict[str, Any], eager_celery: None
) -> None:
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    pi_person = portfolio["pi"].person
    assignee = org("Shenzhen Photonics Co., Ltd.")
    tie = TieFactory.create(
        person=pi_person, organisation=assignee, kind="patent", start_date=date(2025, 2, 1)
    )
    filing = PatentFiling.objects.create(tie=tie, jurisdiction="CN", application_number="CN1")
    run = RecheckRun.objects.order_by("-pk").first()
    assert run is not None and run.scope_key == f"person:{pi_person.pk}"
    assert _run_projects(run) == {portfolio["dod"].pk}
    [finding] = _open("R10")
    assert finding.subject == f"patent:{filing.pk}" and finding.severity == "high"
    assert finding.person_id == pi_person.pk


@pytest.mark.django_db(transaction=True)
def test_an_institution_change_rechecks_the_projects_institution_rules_apply_to(
    portfolio: dict[str, Any], eager_celery: None
) -> None:
    nsf_proposal = ProjectFactory.create(sponsor="NSF", award_number="2600001", status="proposal")
    nih = ProjectFactory.create(sponsor="NIH", award_number="R01CA000002", status="active")
    recheck_request(trigger="baseline", scope_key="all", today=TODAY)
    profile = InstitutionProfile.objects.create(
        name="Example State University", federal_rd_3yr_avg_usd=Decimal("412000000")
    )
    run = RecheckRun.objects.order_by("-pk").first()
    assert run is not None and run.scope_key == "institution"
    # R11 (NSF and DoD proposals) and R19 (federal proposals); not the active awards
    covered = _run_projects(run)
    assert nsf_proposal.pk in covered
    assert not {nih.pk, portfolio["dod"].pk, portfolio["climate"].pk} & covered
    [r19] = _open("R19")
    assert r19.project_id == nsf_proposal.pk

    agreement = InstitutionAgreement.objects.create(
        profile=profile,
        kind="confucius_institute",
        counterpart="CLEC",
        counterpart_country="CN",
        start_date=date(2012, 9, 1),
    )
    dod_proposal = ProjectFactory.create(
        sponsor="DOD", award_number="HR0011-26-1", status="proposal"
    )
    assert {f.project_id for f in _open("R11")} == {nsf_proposal.pk, dod_proposal.pk}
    assert [f.severity for f in _open("R11", project__sponsor="NSF")] == ["block"]
    assert [f.severity for f in _open("R11", project__sponsor="DOD")] == ["high"]
    agreement.end_date = date(2025, 6, 30)
    agreement.save()
    assert _open("R11") == []

    for element in ProgrammeElement.Element.values:
        ProgrammeElement.objects.create(
            profile=profile, element=element, certified_on=date(2025, 1, 15)
        )
    assert _open("R19") == []


@pytest.mark.django_db
def test_a_screening_change_on_a_manufacturer_reaches_the_projects_using_its_equipment(
    rules_loaded: None,
) -> None:
    from compliance.services.recheck_scope import projects_for_organisations

    maker = org("Hesai Technology Co., Ltd.")
    project = ProjectFactory.create(sponsor="DOD", award_number="HR0011-1")
    other = ProjectFactory.create(sponsor="DOD", award_number="HR0011-2")
    RoleFactory.create(project=other, person=PersonFactory.create())
    EquipmentItem.objects.create(project=project, description="Lidar", manufacturer=maker)
    assert projects_for_organisations(organisation_ids=[maker.pk]) == [project.pk]


@pytest.mark.django_db
def test_institution_facts_imported_in_bulk_recheck_the_institution_scope(
    rules_loaded: None, django_capture_on_commit_callbacks: Any
) -> None:
    from projects.importing import Table, portfolio_import_tables

    proposal = ProjectFactory.create(sponsor="NSF", award_number="2600009", status="proposal")
    rows = [(2, {"name": "Example State University", "federal_rd_3yr_avg_usd": "412000000"})]
    table = Table("institution", "institution.csv", ["name", "federal_rd_3yr_avg_usd"], rows)
    with django_capture_on_commit_callbacks(execute=True):
        assert portfolio_import_tables(tables={"institution": table}).ok
    run = RecheckRun.objects.get(scope_key="institution")
    assert proposal.pk in _run_projects(run)


@pytest.mark.django_db
def test_a_change_to_an_item_rule_reaches_projects_without_any_listed_tie(
    rules_loaded: None,
) -> None:
    from compliance.services.recheck_scope import projects_for_rules

    maker = org("Hesai Technology Co., Ltd.")
    dod = ProjectFactory.create(sponsor="DOD", award_number="HR0011-3", status="active")
    nsf = ProjectFactory.create(sponsor="NSF", award_number="2600011", status="active")
    EquipmentItem.objects.create(project=dod, description="Lidar", manufacturer=maker)
    ids, scenarios = projects_for_rules(rule_keys=["R08"])
    assert dod.pk in ids and nsf.pk not in ids and "current" in scenarios
