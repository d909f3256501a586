"""ORCID public records (v3.0 XML and JSON) → ties with source orcid, linked by ORCID iD only;
an undisclosed employment or invited position found there feeds R25."""

from __future__ import annotations

from datetime import date
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from compliance.models import Finding
from compliance.services.evaluation import portfolio_evaluate
from projects.connectors.orcid import import_orcid
from projects.models import ImportRun, Tie
from rules.models import Scenario
from rules.services.screening import organisations_screen
from tests.factories import (
    OrganisationFactory,
    PersonFactory,
    ProjectFactory,
    RoleFactory,
    TieFactory,
)

pytestmark = pytest.mark.django_db
RECORDS = Path(__file__).resolve().parents[1] / "data" / "connectors" / "orcid"
HOME = ["Example State University"]
TODAY = date(2026, 11, 28)


@pytest.fixture
def people() -> dict[str, Any]:
    return {
        "olga": PersonFactory.create(name="Olga Orcidson", orcid="0000-0002-1825-0097"),
        "nora": PersonFactory.create(name="Nora Namesake", orcid="0000-0001-5109-3700"),
        # same name as the unlinked record's owner would not matter: ORCID iD only
        "other": PersonFactory.create(name="Nobody Known"),
    }


def _ties(person: Any) -> dict[str, tuple[str, str, date | None, date | None]]:
    return {
        t.kind: (t.organisation.name, t.source, t.start_date, t.end_date)
        for t in Tie.objects.filter(person=person)
    }


def test_orcid_records_become_ties_by_orcid_id(people: dict) -> None:
    report = import_orcid(RECORDS, home=HOME)
    assert report.counts["files"] == 4 and report.counts["records"] == 3
    assert report.counts["linked"] == 2 and report.counts["unlinked"] == 1
    assert report.counts["home"] == 1  # Olga's own job at the home institution
    assert report.counts["rejected"] == 1 and report.problems[0]["item"] == "broken.json"
    assert _ties(people["olga"]) == {
        "education": ("Tsinghua University", "orcid", date(2004, 9, 1), date(2009, 6, 1)),
        "visiting_at": ("Zhejiang University", "orcid", date(2023, 6, 1), date(2024, 5, 31)),
        "talent_programme": ("Thousand Talents Plan", "orcid", date(2022, 1, 1), None),
        "funding": (
            "National Natural Science Foundation of China",
            "orcid",
            date(2021, 1, 1),
            date(2025, 12, 1),
        ),
    }
    assert _ties(people["nora"]) == {
        "employment": ("Harbin Institute of Technology", "orcid", date(2024, 3, 1), None)
    }
    assert not Tie.objects.filter(person=people["other"]).exists()
    evidence = Tie.objects.get(person=people["olga"], kind="visiting_at").evidence.get()
    assert evidence.item_key == "orcid:0000-0002-1825-0097:invited-position:3001"
    assert evidence.url == "https://orcid.org/0000-0002-1825-0097"
    assert evidence.title == "Visiting Professor" and evidence.role == "record"
    run = ImportRun.objects.get()
    assert run.connector == "orcid" and run.status == "completed"


def test_orcid_import_twice_changes_nothing(people: dict) -> None:
    import_orcid(RECORDS, home=HOME)
    before = list(Tie.objects.order_by("pk").values())
    again = import_orcid(RECORDS, home=HOME)
    assert list(Tie.objects.order_by("pk").values()) == before
    assert again.counts.get("new", 0) == 0 and again.counts["unchanged"] == 5


def test_a_name_never_links_a_record(people: dict, tmp_path: Path) -> None:
    record = tmp_path / "r.json"
    record.write_text(
        '{"orcid-identifier": {"path": "0000-0003-9999-0002"}, "person": {"name": '
        '{"given-names": {"value": "Olga"}, "family-name": {"value": "Orcidson"}}}, '
        '"activities-summary": {"employments": {"affiliation-group": [{"summaries": '
        '[{"employment-summary": {"put-code": 9, "organization": {"name": "Beihang University",'
        ' "address": {"country": "CN"}}}}]}]}}}'
    )
    report = import_orcid(record, home=HOME)
    assert report.counts["unlinked"] == 1
    assert not Tie.objects.exists()


def test_an_undisclosed_orcid_employment_gives_r25_and_a_disclosed_one_does_not(
    rules_loaded: None, people: dict
) -> None:
    project = ProjectFactory.create(sponsor="NSF", award_number="2500001")
    RoleFactory.create(project=project, person=people["nora"], role="pi")
    RoleFactory.create(project=project, person=people["olga"], role="co_pi")
    TieFactory.create(
        person=people["olga"],
        organisation=OrganisationFactory.create(name="Zhejiang University", country="CN"),
        kind="visiting_at",
        start_date=date(2023, 6, 1),
        end_date=date(2024, 5, 31),
        disclosed_in=["current_pending"],
    )
    out = StringIO()
    call_command("import_orcid", str(RECORDS), "--home", HOME[0], stdout=out)
    assert "confirmed" in out.getvalue()
    organisations_screen()
    portfolio_evaluate(scenario=Scenario.objects.get(code="current"), today=TODAY)
    r25 = Finding.objects.filter(rule__key="R25", scenario__code="current", status="open")
    flagged = {(f.tie.person.name, f.tie.kind, f.tie.organisation.name) for f in r25 if f.tie}
    assert ("Nora Namesake", "employment", "Harbin Institute of Technology") in flagged
    assert ("Olga Orcidson", "talent_programme", "Thousand Talents Plan") in flagged
    assert ("Olga Orcidson", "funding", "National Natural Science Foundation of China") in flagged
    # the invited position Olga disclosed, and her education, are not flagged
    assert not any(kind in ("visiting_at", "education") for _n, kind, _o in flagged)


def test_the_self_check_says_where_it_was_found(rules_loaded: None, pi: Any, co_pi: Any) -> None:
    """ "Found in: <source>, <year> — disclose it, or tell us it isn't right" (the dispute link
    for the person themselves only)."""
    nora = pi.person
    nora.orcid = "0000-0001-5109-3700"
    nora.save()
    project = ProjectFactory.create(sponsor="NSF", award_number="2500002")
    RoleFactory.create(project=project, person=nora, role="pi")
    RoleFactory.create(project=project, person=co_pi.person, role="co_pi")
    import_orcid(RECORDS, home=HOME)
    organisations_screen()
    tie = Tie.objects.get(person=nora, kind="employment")
    from tests.web import signed_in

    page = signed_in(pi).get(f"/projects/{project.pk}/self-check/").content.decode()
    assert "R25" in page
    assert (
        'Found in: <a href="https://orcid.org/0000-0001-5109-3700" rel="noopener">'
        "ORCID record</a>, 2024" in page
    )
    assert f'href="/projects/{project.pk}/ties/{tie.pk}/edit/">disclose it</a>' in page
    assert f'href="/evidence/ties/{tie.pk}/dispute/">tell us it isn' in page
    colleague = signed_in(co_pi).get(f"/projects/{project.pk}/self-check/").content.decode()
    assert "Found in: " in colleague and "/dispute/" not in colleague
