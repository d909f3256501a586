"""Scenarios are alternative futures: no total or count ever adds them up (issue 21 §1).

One hand-built portfolio: the DoD project has one real finding today and three forecast
findings (two if the SAFE Research Act passes, one if S.4525 passes); the NSF project has one
finding if SAFE passes. Every report, page and API gives these per scenario, labelled, and none
gives 5 findings or the $4,350,000 that adding the scenarios' exposure would make.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from compliance.models import Finding
from compliance.services.report_rows import ReportRequest, exposure_rows
from tests.compliance.conftest import finding_build
from tests.factories import ProjectFactory, RoleFactory

#: A dollar total on one line with the word "total" (the old "Total across scenarios: $...").
CROSS_TOTAL = re.compile(r"total[^\n]*\$", re.IGNORECASE)
EVIDENCE = {
    ("tie:1", "current"): "today-one",
    ("tie:1", "current_safe"): "safe-one",
    ("tie:2", "current_safe"): "safe-two",
    ("tie:1", "current_s4525"): "s4525-one",
    ("tie:9", "current_safe"): "nsf-safe",
}


def _finding(project: Any, subject: str, scenario: str, severity: str) -> Finding:
    finding = finding_build(project.pk, subject, scenario)
    finding.severity = severity
    finding.amount_usd = project.amount_usd
    finding.explanation = f"Evidence {EVIDENCE[subject, scenario]}."
    finding.save()
    return finding


@pytest.fixture
def futures(rules_loaded: None, pi: Any) -> dict[str, Any]:
    dod = ProjectFactory.create(
        sponsor="DOD",
        award_number="W911NF-1",
        department="Aerospace",
        amount_usd=Decimal("1250000.00"),
    )
    RoleFactory.create(project=dod, person=pi.person, role="pi")
    nsf = ProjectFactory.create(
        sponsor="NON_FEDERAL",
        award_number="NF-2",
        department="Physics",
        amount_usd=Decimal("600000.00"),
    )
    _finding(dod, "tie:1", "current", "high")
    _finding(dod, "tie:1", "current_safe", "block")
    _finding(dod, "tie:2", "current_safe", "block")
    _finding(dod, "tie:1", "current_s4525", "block")
    _finding(nsf, "tie:9", "current_safe", "medium")
    return {"dod": dod, "nsf": nsf}


def _export(kind: str, fmt: str, tmp_path: Path, *extra: str) -> tuple[Path, dict[str, Any]]:
    out = tmp_path / f"{kind}.{fmt}"
    call_command(
        "export_report", kind, "--format", fmt, "--output", str(out), *extra, stdout=io.StringIO()
    )
    manifest = json.loads((tmp_path / f"{kind}.{fmt}.manifest.json").read_text())
    return out, manifest


def _pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


PER_SCENARIO = {
    "findings:current": 1,
    "findings:current_safe": 3,
    "findings:current_s4525": 1,
    "findings:current_s2755": 0,
}


@pytest.mark.django_db
def test_findings_pdf_has_per_scenario_tables_and_exposure_and_no_total(
    futures: dict[str, Any], tmp_path: Path
) -> None:
    out, manifest = _export("findings", "pdf", tmp_path)
    text = _pdf_text(out)
    assert manifest["row_counts"] == PER_SCENARIO
    assert not CROSS_TOTAL.search(text)
    # the chart: each scenario's own dollars, labelled; never their sum
    assert "$1,250,000.00" in text and "$1,850,000.00" in text
    assert "$4,350,000" not in text and "$3,100,000" not in text
    assert "never added up across scenarios" in text
    for heading in ("Current obligations", "If SAFE Research Act passes", "If S.2755 passes"):
        assert heading in text
    assert "If S.4525 / H.R. 8901 passes" in text
    assert "5 rows" not in text  # one table per scenario: 1, 3, 1 and 0 rows
    assert "3 rows." in text and "1 row." in text and "No rows." in text


@pytest.mark.django_db
def test_findings_xlsx_has_one_sheet_per_scenario_with_its_own_rows(
    futures: dict[str, Any], tmp_path: Path
) -> None:
    out, manifest = _export("findings", "xlsx", tmp_path)
    book = load_workbook(out)
    assert book.sheetnames == [
        "Current obligations",
        "If SAFE Research Act passes",
        "If S.4525 _ H.R. 8901 passes",
        "If S.2755 passes",
    ]
    rows = {name: book[name].max_row - 1 for name in book.sheetnames}
    assert list(rows.values()) == [1, 3, 1, 0]
    assert manifest["row_counts"] == PER_SCENARIO
    safe = book["If SAFE Research Act passes"]
    header = [c.value for c in safe[1]]
    scenario_column = header.index("Scenario")
    values = {row[scenario_column] for row in safe.iter_rows(min_row=2, values_only=True)}
    assert values == {"Current obligations + SAFE Research Act"}  # a name, not a code
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not any(isinstance(v, str) and "total" in v.lower() for v in row)


@pytest.mark.django_db
def test_findings_csv_counts_rows_per_scenario_in_its_manifest(
    futures: dict[str, Any], tmp_path: Path
) -> None:
    out, manifest = _export("findings", "csv", tmp_path)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert manifest["row_counts"] == PER_SCENARIO
    assert "findings" not in manifest["row_counts"]  # no count across scenarios
    assert {r["Scenario"] for r in rows} == {
        "Current obligations",
        "Current obligations + SAFE Research Act",
        "Current obligations + S.4525 / H.R. 8901",
    }
    assert not any("current_" in value for r in rows for value in r.values())


@pytest.mark.django_db
def test_exposure_report_has_a_total_per_scenario_only(
    futures: dict[str, Any], auditor: Any, tmp_path: Path
) -> None:
    rows = exposure_rows(ReportRequest("exposure", "csv", auditor))
    totals = {r["scenario_code"]: r["amount_usd"] for r in rows if r["group"] == "total"}
    assert totals == {
        "current": Decimal("1250000.00"),
        "current_safe": Decimal("1850000.00"),
        "current_s4525": Decimal("1250000.00"),
        "current_s2755": Decimal(0),
    }
    out, manifest = _export("exposure", "csv", tmp_path)
    assert set(manifest["row_counts"]) == {
        f"exposure:{c}" for c in ("current", "current_safe", "current_s4525", "current_s2755")
    }
    body = out.read_text(encoding="utf-8")
    assert "4350000" not in body and "across" not in body


@pytest.mark.django_db
def test_audit_pdf_holds_audit_content_only(futures: dict[str, Any], tmp_path: Path) -> None:
    out, manifest = _export("audit", "pdf", tmp_path)
    text = _pdf_text(out)
    assert "Audit log" in text
    assert "Exposure by scenario" not in text and "USD at stake" not in text
    assert "$1,250,000" not in text
    assert list(manifest["row_counts"]) == ["audit"]


@pytest.mark.django_db
def test_exposure_api_is_per_scenario_with_no_total_across_them(
    futures: dict[str, Any], auditor: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = api_client_for(auditor).get("/api/v1/findings/exposure/")
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list)  # one entry per scenario, nothing beside them
    by_code = {e["scenario"]: e for e in body}
    assert by_code["current"]["at_stake_usd"] == "1250000.00"
    assert by_code["current"]["open_findings"] == {"high": 1}
    assert by_code["current_safe"]["at_stake_usd"] == "1850000.00"
    assert by_code["current_safe"]["open_findings"] == {"block": 2, "medium": 1}
    assert all("total" not in key for e in body for key in e)


def _department_table(html: str) -> str:
    start = html.index('id="department-table"')
    return html[start : html.index("</table>", start)]


@pytest.mark.django_db
def test_dashboard_open_findings_by_department_follow_the_chosen_scenario(
    futures: dict[str, Any], reviewer: Any
) -> None:
    client = Client()
    client.force_login(reviewer)
    today = client.get(reverse("portal-dashboard"), {"scenario": "current"}).content.decode()
    table = _department_table(today)
    assert "Aerospace" in table and "Physics" not in table  # Physics has forecasts only
    assert "Open findings by department: Current obligations" in today
    safe = client.get(reverse("portal-dashboard"), {"scenario": "current_safe"}).content.decode()
    table = _department_table(safe)
    assert "Aerospace" in table and "Physics" in table
    assert "Open findings by department: Current obligations + SAFE Research Act" in safe
    # Aerospace: 2 block under SAFE, not 1 high + 2 block + 1 block counted together
    aerospace = table[table.index("Aerospace") :].split("</tr>")[0]
    cells = [c.split("<")[0] for c in aerospace.split('<td class="num">')[1:]]
    assert cells == ["2", "0", "0", "0", "0", "0"]


@pytest.mark.django_db
def test_pi_project_list_counts_today_and_each_forecast_apart(
    futures: dict[str, Any], pi: Any
) -> None:
    client = Client()
    client.force_login(pi)
    html = client.get(reverse("portal-projects")).content.decode()
    start = html.rindex("<tr>", 0, html.index("W911NF-1"))
    row = html[start:].split("</tr>")[0]
    cells = row.split('<td class="num">')
    assert cells[2].startswith("1<")  # open findings today: the one real finding
    assert "If SAFE Research Act passes: 2" in row
    assert "If S.4525 / H.R. 8901 passes: 1" in row
    assert ">4<" not in row and ">3<" not in row
    assert "$1,250,000" in row and "Department of Defense" in row


@pytest.mark.django_db
def test_pi_project_page_separates_today_from_forecasts(futures: dict[str, Any], pi: Any) -> None:
    client = Client()
    client.force_login(pi)
    html = client.get(reverse("portal-project", args=[futures["dod"].pk])).content.decode()
    today = html[html.index("Open findings today") : html.index("Forecast: If SAFE")]
    assert "Evidence today-one." in today
    assert "safe-" not in today and "s4525-" not in today
    safe = html[html.index("Forecast: If SAFE Research Act passes") :]
    assert "nothing to fix now" in safe
    assert "Evidence safe-two." in safe
    assert "Forecast: If S.4525 / H.R. 8901 passes" in html
    assert "Forecast: If S.2755 passes" not in html  # no finding there: no section


@pytest.mark.django_db
def test_exports_name_scenarios_sponsors_and_review_states_in_words(
    futures: dict[str, Any], tmp_path: Path
) -> None:
    out, _manifest = _export("findings", "csv", tmp_path, "--scenario", "current_safe")
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {r["Sponsor"] for r in rows} == {"Department of Defense", "Non-federal"}
    assert {r["Review status"] for r in rows} == {"New"}
    pdf, _manifest = _export("findings", "pdf", tmp_path, "--scenario", "current_safe")
    cover = PdfReader(pdf).pages[0].extract_text()
    scope = "scenario: Current obligations + SAFE Research Act (current_safe) (current data)."
    assert scope in " ".join(cover.split())
    # the Filters block names the scenario too, with its code for matching the CSV
    filters = cover.split("Filters", 1)[1].split("Row counts", 1)[0]
    assert "Current obligations + SAFE Research Act (current_safe)" in " ".join(filters.split())
