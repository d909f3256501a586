"""Exports: three formats read back with the API's row counts; as-of; injection; scoping."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from compliance.models import AuditEvent, Finding
from compliance.services.decisions import finding_decide
from compliance.services.evaluation import portfolio_evaluate
from compliance.services.report_rows import ReportRequest, finding_rows
from rules.models import Scenario
from rules.services.screening import organisations_screen
from tests.compliance.conftest import TODAY
from tests.factories import OrganisationFactory, TieFactory


def _evaluate_all() -> None:
    for scenario in Scenario.objects.all():
        portfolio_evaluate(scenario=scenario, today=TODAY)


@pytest.fixture
def demo(rules_loaded: None) -> None:
    call_command("load_demo", "--projects", "60", stdout=io.StringIO())
    _evaluate_all()


def _api_count(client: Any, **filters: str) -> int:
    return int(client.get("/api/v1/findings/", filters).json()["count"])


@pytest.mark.django_db
def test_demo_exports_in_three_formats_read_back_with_the_apis_row_counts(
    demo: None, auditor: Any, api_client_for: Callable[[Any], Any], tmp_path: Path
) -> None:
    client = api_client_for(auditor)
    codes = list(Scenario.objects.values_list("code", flat=True))
    expected = {f"findings:{code}": _api_count(client, scenario=code) for code in codes}
    assert all(expected.values())
    for fmt in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"findings.{fmt}"
        call_command(
            "export_report", "findings", "--format", fmt, "--output", str(out), stdout=io.StringIO()
        )
        manifest = json.loads((tmp_path / f"findings.{fmt}.manifest.json").read_text())
        assert manifest["row_counts"] == expected  # per scenario, never one total
        assert manifest["files"][out.name] == hashlib.sha256(out.read_bytes()).hexdigest()
        if fmt == "csv":
            rows = list(csv.DictReader(out.open(encoding="utf-8")))
            assert len(rows) == sum(expected.values())
        elif fmt == "xlsx":
            book = load_workbook(out)
            sheet = book["Current obligations"]
            assert sheet.max_row - 1 == expected["findings:current"]
            assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
        else:
            text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
            assert "Findings register" in text
    # the API's CSV export gives the same rows, scoped to the caller
    response = client.get("/api/v1/reports/findings/", {"format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(body)))) == sum(expected.values())
    assert AuditEvent.objects.filter(action="export", object_id="findings").count() == 4


@pytest.mark.django_db
def test_a_finding_decided_on_day_two_is_open_as_of_day_one(
    portfolio: dict[str, Any], reviewer: Any
) -> None:
    portfolio_evaluate(scenario=Scenario.objects.get(code="current"), today=TODAY)
    finding = Finding.objects.get(rule__key="R07", scenario__code="current")
    day_one = timezone.localdate() - timedelta(days=1)
    # the finding was created on day one (history moved back, as a clock would have it)
    Finding.history.filter(id=finding.pk).update(history_date=timezone.now() - timedelta(days=1))
    finding_decide(
        finding=finding, decision="false_positive", reason="Consortium paper", user=reviewer
    )
    before = {r["id"]: r for r in finding_rows(ReportRequest("findings", "csv", reviewer, day_one))}
    after = {
        r["id"]: r
        for r in finding_rows(ReportRequest("findings", "csv", reviewer, timezone.localdate()))
    }
    assert before[finding.pk]["review_status"] == "New"  # exports give the label, not the code
    assert after[finding.pk]["review_status"] == "False positive"
    assert date.today() - day_one == timedelta(days=1)


@pytest.mark.django_db
def test_formula_injection_is_neutralised_in_csv_and_xlsx(
    portfolio: dict[str, Any], auditor: Any, tmp_path: Path
) -> None:
    evil = OrganisationFactory.create(name='=HYPERLINK("http://x","y")', country="CN")
    TieFactory.create(
        person=portfolio["pi"].person,
        organisation=evil,
        kind="funding",
        start_date=date(2025, 1, 1),
        end_date=None,
    )
    organisations_screen()
    portfolio_evaluate(scenario=Scenario.objects.get(code="current"), today=TODAY)
    assert Finding.objects.filter(tie__organisation=evil).exists()
    csv_path, xlsx_path = tmp_path / "f.csv", tmp_path / "f.xlsx"
    call_command(
        "export_report",
        "findings",
        "--format",
        "csv",
        "--output",
        str(csv_path),
        stdout=io.StringIO(),
    )
    call_command(
        "export_report",
        "findings",
        "--format",
        "xlsx",
        "--output",
        str(xlsx_path),
        stdout=io.StringIO(),
    )
    orgs = [r["Organisation"] for r in csv.DictReader(csv_path.open(encoding="utf-8"))]
    assert '\'=HYPERLINK("http://x","y")' in orgs
    assert not any(o.startswith("=") for o in orgs)
    sheet = load_workbook(xlsx_path)["Current obligations"]  # one sheet per scenario
    header = [c.value for c in sheet[1]]
    column = header.index("Organisation") + 1
    values = [sheet.cell(row=r, column=column) for r in range(2, sheet.max_row + 1)]
    # XLSX keeps the literal text in a string cell with Excel's quote prefix: never a formula
    [evil_cell] = [c for c in values if c.value == '=HYPERLINK("http://x","y")']
    assert evil_cell.data_type == "s" and evil_cell.quotePrefix
    assert all(c.data_type != "f" for c in values)


@pytest.mark.django_db
def test_exports_are_scoped_and_the_audit_log_is_not_for_pis(
    portfolio: dict[str, Any],
    pi: Any,
    co_pi: Any,
    outsider: Any,
    auditor: Any,
    api_client_for: Callable[[Any], Any],
) -> None:
    _evaluate_all()

    def rows(user: Any, kind: str = "findings") -> list[dict[str, str]]:
        response = api_client_for(user).get(f"/api/v1/reports/{kind}/", {"format": "csv"})
        assert response.status_code == 200, response.content
        return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert {r["Award"] for r in rows(pi)} == {"W911NF-24-1-0042"}
    assert rows(co_pi) == [] and rows(outsider) == []
    assert len(rows(auditor)) == Finding.objects.count()
    assert rows(auditor, "audit")
    for user in (pi, outsider):
        assert (
            api_client_for(user).get("/api/v1/reports/audit/", {"format": "csv"}).status_code == 403
        )
    assert api_client_for(None).get("/api/v1/reports/findings/").status_code in (401, 403)
    assert (
        api_client_for(auditor).get("/api/v1/reports/findings/", {"format": "doc"}).status_code
        == 400
    )
    assert api_client_for(auditor).post("/api/v1/reports/findings/").status_code == 405
    xlsx = api_client_for(auditor).get("/api/v1/reports/exposure/", {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxml")


@pytest.mark.django_db
def test_large_exports_run_in_the_background_and_are_downloaded_by_their_owner(
    portfolio: dict[str, Any],
    auditor: Any,
    reviewer: Any,
    outsider: Any,
    eager_celery: None,
    api_client_for: Callable[[Any], Any],
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.EXPORT_ROOT = tmp_path
    _evaluate_all()
    client = api_client_for(auditor)
    with django_capture_on_commit_callbacks(execute=True):
        started = client.post("/api/v1/reports/findings/exports/?format=xlsx&scenario=current")
    assert started.status_code == 202
    export_id = started.json()["id"]
    status = client.get(f"/api/v1/report-exports/{export_id}/").json()
    assert status["status"] == "done", status
    assert status["manifest"]["row_counts"] == {
        "findings:current": Finding.objects.filter(scenario__code="current").count()
    }
    download = client.get(status["download"])
    assert download.status_code == 200
    body = b"".join(download.streaming_content)
    assert hashlib.sha256(body).hexdigest() in status["manifest"]["files"].values()
    for other in (reviewer, outsider):  # someone else's export is not there for them
        assert api_client_for(other).get(f"/api/v1/report-exports/{export_id}/").status_code == 404
    bad = client.post("/api/v1/reports/findings/exports/?format=docx")
    assert bad.status_code == 400
