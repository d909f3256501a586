"""Undisclosed ties found in publications (the MEDLINE 2016 sample, NLM) and ORCID records:
R07 from a co-author at a DoD 1286-listed institution, R25 from a person's own foreign
affiliation with no disclosed appointment, none once it is disclosed, and a dispute that,
once accepted, keeps the evidence out of later imports."""

from __future__ import annotations

import os
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from compliance.audit.models import AuditEvent
from compliance.models import Finding, RecheckRun
from compliance.services.evaluation import portfolio_evaluate
from projects.connectors.medline import import_medline
from projects.disputes import dispute_decide, dispute_raise
from projects.models import Tie, TieEvidence
from rules.models import Scenario
from rules.services.screening import organisations_screen
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
)
from tests.services import IN_CI

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]
AS_OF = date(2017, 6, 1)  # the sample's papers are from 2007-2016: judged as of mid-2017
HOME = ["Johns Hopkins"]


def medline_sample() -> Path:
    candidates = [
        Path(os.environ["GRANTCHECK_SHARED_DATA"])
        if os.environ.get("GRANTCHECK_SHARED_DATA")
        else None,
        REPO.parent / "shared" / "data",
        REPO.parent.parent / "shared" / "data",
    ]
    for root in candidates:
        if root is not None:
            path = root / "pubmed-medline-affiliations" / "medline16n0902_subset.xml.gz"
            if path.exists():
                return path
    if IN_CI:
        pytest.fail("CI=true but the shared MEDLINE sample is missing", pytrace=False)
    pytest.skip("the shared data folder (../shared/data) is not here")


def _evaluate() -> None:
    portfolio_evaluate(scenario=Scenario.objects.get(code="current"), today=AS_OF)


def _open(rule: str, **filters: Any) -> list[Finding]:
    return list(
        Finding.objects.filter(
            rule__key=rule, scenario__code="current", status=Finding.Status.OPEN, **filters
        )
    )


@pytest.fixture
def portfolio(rules_loaded: None, pi: Any) -> dict[str, Any]:
    """Two authors of the sample in a portfolio: Lisa A Cooper (Johns Hopkins; PMID 26321012
    has a co-author at Sun Yat-sen University, on the DoD 1286 list) leads a DoD award; Feng
    Qiu (Oakland University, recorded employment; PMID 26702373 also lists him at Jilin
    University, China) leads an NSF award. The PI user is Feng Qiu."""
    cooper = PersonFactory.create(name="Lisa Cooper", department="Medicine")
    qiu = pi.person
    qiu.name = "Feng Qiu"
    qiu.save()
    TieFactory.create(
        person=qiu,
        organisation=OrganisationFactory.create(name="Oakland University", country="US"),
        kind="employment",
        start_date=date(2010, 1, 1),
        end_date=None,
    )
    dod = ProjectFactory.create(
        sponsor="DOD",
        award_number="W911NF-16-1-0001",
        amount_usd=Decimal("900000.00"),
        start_date=date(2016, 1, 1),
        end_date=date(2019, 12, 31),
    )
    RoleFactory.create(project=dod, person=cooper, role="pi")
    nsf = ProjectFactory.create(
        sponsor="NSF",
        award_number="1600001",
        start_date=date(2016, 1, 1),
        end_date=date(2019, 12, 31),
    )
    RoleFactory.create(project=nsf, person=qiu, role="pi")
    return {"cooper": cooper, "qiu": qiu, "dod": dod, "nsf": nsf, "pi": pi}


def _import() -> Any:
    report = import_medline(medline_sample(), home=HOME)
    organisations_screen()
    return report


def test_a_coauthor_at_a_1286_institution_gives_r07_from_the_publication(portfolio: dict) -> None:
    report = _import()
    assert report.counts["papers"] == 604 and report.counts.get("rejected", 0) == 0
    _evaluate()
    [finding] = _open("R07", project=portfolio["dod"])
    tie = finding.tie
    assert tie is not None
    assert tie.person == portfolio["cooper"]
    assert (tie.kind, tie.source, tie.organisation.name) == (
        "coauthorship",
        "publication",
        "Sun Yat-sen University",
    )
    evidence = tie.evidence.get()
    assert evidence.item_key == "pmid:26321012" and evidence.role == "coauthor"
    assert evidence.url == "https://pubmed.ncbi.nlm.nih.gov/26321012/"
    # a co-author's affiliation is collaboration, never an appointment of Cooper's
    assert not Tie.objects.filter(person=portfolio["cooper"], kind="appointment").exists()


def test_an_own_foreign_affiliation_not_disclosed_gives_r25(portfolio: dict) -> None:
    _import()
    _evaluate()
    [finding] = _open("R25", project=portfolio["nsf"])
    tie = finding.tie
    assert tie is not None
    assert (tie.kind, tie.source, tie.organisation.name, str(tie.organisation.country)) == (
        "appointment",
        "publication",
        "Jilin University",
        "CN",
    )
    assert tie.evidence.get().item_key == "pmid:26702373"
    # the recorded employment at Oakland University is confirmed by the same paper, not doubled
    oakland = Tie.objects.get(person=portfolio["qiu"], organisation__name="Oakland University")
    assert oakland.evidence.filter(item_key="pmid:26702373").exists()
    assert not _open("R25", project=portfolio["dod"])


def test_with_the_appointment_disclosed_there_is_no_r25(portfolio: dict) -> None:
    disclosed = TieFactory.create(
        person=portfolio["qiu"],
        organisation=OrganisationFactory.create(name="Jilin University", country="CN"),
        kind="appointment",
        start_date=date(2014, 9, 1),
        end_date=None,
        disclosed_in=["current_pending"],
        disclosed_on=date(2016, 1, 10),
    )
    _import()
    _evaluate()
    assert not _open("R25")
    assert disclosed.evidence.get().item_key == "pmid:26702373"
    assert not Tie.objects.filter(
        person=portfolio["qiu"], source="publication", kind="appointment"
    ).exists()


def test_disclosing_after_the_import_takes_over_the_evidence_and_resolves_r25(
    portfolio: dict,
) -> None:
    _import()
    _evaluate()
    [finding] = _open("R25")
    found = finding.tie
    assert found is not None
    jilin = found.organisation
    recorded = TieFactory.create(
        person=portfolio["qiu"],
        organisation=jilin,
        kind="appointment",
        start_date=date(2015, 1, 1),
        end_date=None,
        disclosed_in=["other_support"],
    )
    assert not Tie.objects.filter(pk=found.pk).exists()  # merged into the recorded tie
    assert recorded.evidence.get().item_key == "pmid:26702373"
    _evaluate()
    assert not _open("R25")


def test_an_accepted_dispute_keeps_the_evidence_out_of_later_imports(
    portfolio: dict, reviewer: Any
) -> None:
    _import()
    _evaluate()
    [finding] = _open("R25")
    tie = finding.tie
    assert tie is not None
    dispute = dispute_raise(
        tie=tie, user=portfolio["pi"], reason="wrong_affiliation", comment="A visit, no post."
    )
    assert dispute.status == "pending"
    dispute_decide(
        dispute=dispute, user=reviewer, accept=True, reason="Checked with the department."
    )
    assert not Tie.objects.filter(pk=tie.pk).exists()
    _evaluate()
    assert not _open("R25")

    again = _import()
    assert again.counts["suppressed"] == 1
    assert not Tie.objects.filter(
        person=portfolio["qiu"], organisation__name="Jilin University"
    ).exists()
    dispute.refresh_from_db()
    assert dispute.suppressed_items == 1 and dispute.last_suppressed_at is not None
    _evaluate()
    assert not _open("R25")
    actions = set(
        AuditEvent.objects.filter(
            object_type="projects.evidencedispute", object_id=str(dispute.pk)
        ).values_list("action", flat=True)
    )
    assert actions == {"create", "update"}
    assert (
        AuditEvent.objects.filter(
            object_type="projects.evidencedispute", object_id=str(dispute.pk), action="update"
        ).count()
        == 2
    )


def test_a_rejected_dispute_leaves_the_tie(portfolio: dict, reviewer: Any) -> None:
    _import()
    tie = Tie.objects.get(person=portfolio["qiu"], organisation__name="Jilin University")
    dispute = dispute_raise(tie=tie, user=portfolio["pi"], reason="not_me")
    dispute_decide(dispute=dispute, user=reviewer, accept=False, reason="The paper lists him.")
    assert Tie.objects.filter(pk=tie.pk).exists() and tie.evidence.count() == 1
    again = _import()
    assert again.counts.get("suppressed", 0) == 0


def test_an_accepted_end_date_ends_the_tie_and_holds_on_reimport(
    portfolio: dict, reviewer: Any
) -> None:
    _import()
    tie = Tie.objects.get(person=portfolio["qiu"], organisation__name="Jilin University")
    ended = tie.start_date
    dispute = dispute_raise(tie=tie, user=portfolio["pi"], reason="ended", ended_on=ended)
    dispute_decide(dispute=dispute, user=reviewer, accept=True, reason="Contract seen.")
    tie.refresh_from_db()
    assert tie.end_date == ended
    _import()
    tie.refresh_from_db()
    assert tie.end_date == ended


def test_imports_request_rechecks_of_the_affected_projects(
    portfolio: dict, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        import_medline(medline_sample(), home=HOME)
    people = {f"person:{portfolio['cooper'].pk}", f"person:{portfolio['qiu'].pk}"}
    assert people <= set(RecheckRun.objects.values_list("scope_key", flat=True))
    assert TieEvidence.objects.filter(
        tie__person__in=[portfolio["cooper"], portfolio["qiu"]]
    ).exists()
