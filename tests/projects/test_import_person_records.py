"""training.csv, travel.csv and certifications.csv (and roles.csv's joined_on): good rows are
upserted on their natural keys; a bad row is reported with file, row and column, and nothing
of the import is written."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import Workbook

from projects.importing import portfolio_import
from projects.importing.person_records import (
    MSG_IN_FUTURE,
    MSG_REFERENCE_WITHOUT_DATE,
    MSG_RETURN_BEFORE_DEPARTURE,
)
from projects.models import MftrpCertification, Role, TrainingRecord, TravelRecord

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
TRAINING = "email,course,provider,completed_on\n"
TRAVEL = (
    "email,destination_country,departed_on,returned_on,purpose,preauthorised_on,"
    "preauthorisation_reference\n"
)
CERTS = "email,award_number,certified_on\n"


def _folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "import"
    shutil.copytree(DATA / "good", folder)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


GOOD = {
    "training": TRAINING + "wei.chen@univ.edu,CITI Research Security,CITI,2025-09-01\n",
    "travel": TRAVEL
    + "wei.chen@univ.edu,China,2026-06-01,2026-06-10,conference,,\n"
    + "ana.silva@univ.edu,DE,2026-03-01,2026-03-05,workshop,2026-02-01,TA-2026-17\n",
    "certifications": CERTS + "ana.silva@univ.edu,2234567,2025-07-01\n",
}


@pytest.mark.django_db
def test_person_records_import_and_reimport_changes_nothing(tmp_path: Path) -> None:
    folder = _folder(tmp_path, **GOOD)
    report = portfolio_import(path=folder)
    assert report.ok, report.problems
    assert report.counts["training"] == {"created": 1, "changed": 0, "unchanged": 0}
    assert report.counts["travel"]["created"] == 2
    assert report.counts["certifications"]["created"] == 1
    trip = TravelRecord.objects.get(person__email="wei.chen@univ.edu")
    assert (trip.destination_country, trip.preauthorised) == ("CN", False)
    authorised = TravelRecord.objects.get(person__email="ana.silva@univ.edu")
    assert authorised.preauthorised_on == date(2026, 2, 1)
    cert = MftrpCertification.objects.get()
    assert (cert.project.award_number, cert.certified_on) == ("2234567", date(2025, 7, 1))
    assert TrainingRecord.objects.get().history.count() == 1  # audited like other rows

    again = portfolio_import(path=folder)
    assert again.ok
    for name in ("training", "travel", "certifications"):
        assert again.counts[name]["created"] == 0 and again.counts[name]["changed"] == 0


@pytest.mark.django_db
def test_travel_update_in_place(tmp_path: Path) -> None:
    portfolio_import(path=_folder(tmp_path, **GOOD))
    changed = GOOD["travel"].replace("conference,,", "conference,2026-05-20,TA-2026-31")
    report = portfolio_import(path=_folder(tmp_path / "2", travel=changed))
    assert report.counts["travel"] == {"created": 0, "changed": 1, "unchanged": 1}
    trip = TravelRecord.objects.get(person__email="wei.chen@univ.edu")
    assert trip.preauthorisation_reference == "TA-2026-31"


@pytest.mark.parametrize(
    ("name", "text", "column", "reason"),
    [
        ("training", TRAINING + "wei.chen@univ.edu,,CITI,2025-09-01\n", "course", "is required"),
        ("training", TRAINING + "wei.chen@univ.edu,CITI,CITI,01/09/2025\n", "completed_on", "bad"),
        ("training", TRAINING + "nobody@univ.edu,CITI,CITI,2025-09-01\n", "email", "unknown"),
        ("training", TRAINING + "wei.chen@univ.edu,CITI,CITI,{future}\n", "completed_on", ""),
        (
            "travel",
            TRAVEL + "wei.chen@univ.edu,Atlantis,2026-06-01,,,,\n",
            "destination_country",
            "",
        ),
        (
            "travel",
            TRAVEL + "wei.chen@univ.edu,CN,2026-06-10,2026-06-01,,,\n",
            "returned_on",
            MSG_RETURN_BEFORE_DEPARTURE,
        ),
        (
            "travel",
            TRAVEL + "wei.chen@univ.edu,CN,2026-06-10,,,,TA-1\n",
            "preauthorised_on",
            MSG_REFERENCE_WITHOUT_DATE,
        ),
        ("certifications", CERTS + "ana.silva@univ.edu,NOPE-1,2025-07-01\n", "award_number", ""),
        ("certifications", CERTS + "ana.silva@univ.edu,2234567,\n", "certified_on", "required"),
    ],
)
@pytest.mark.django_db
def test_bad_row_is_reported_and_nothing_is_written(
    tmp_path: Path, name: str, text: str, column: str, reason: str
) -> None:
    future = (timezone.localdate() + timedelta(days=3)).isoformat()
    files = {**GOOD, name: text.replace("{future}", future)}
    report = portfolio_import(path=_folder(tmp_path, **files))
    assert not report.ok
    [problem] = report.problems
    assert (problem.file, problem.row, problem.column) == (f"{name}.csv", 2, column)
    assert reason in problem.reason
    if "{future}" in text:
        assert problem.reason == MSG_IN_FUTURE
    assert TrainingRecord.objects.count() == TravelRecord.objects.count() == 0
    assert MftrpCertification.objects.count() == Role.objects.count() == 0


@pytest.mark.django_db
def test_missing_required_column(tmp_path: Path) -> None:
    report = portfolio_import(
        path=_folder(tmp_path, training="email,course\nwei.chen@univ.edu,CITI\n")
    )
    assert [(p.file, p.column) for p in report.problems] == [("training.csv", "completed_on")]


@pytest.mark.django_db
def test_xlsx_sheets_and_role_joined_on(tmp_path: Path) -> None:
    import csv

    folder = _folder(tmp_path, **GOOD)
    roles = (folder / "roles.csv").read_text(encoding="utf-8").splitlines()
    roles = [roles[0] + ",joined_on"] + [r + ",2025-01-15" for r in roles[1:]]
    (folder / "roles.csv").write_text("\n".join(roles) + "\n", encoding="utf-8")
    wb = Workbook()
    wb.remove(wb.worksheets[0])
    for name in ("projects", "people", "roles", "ties", "training", "travel", "certifications"):
        sheet = wb.create_sheet(name)
        with (folder / f"{name}.csv").open(encoding="utf-8") as fh:
            for row in csv.reader(fh):
                sheet.append(row)
    target = tmp_path / "portfolio.xlsx"
    wb.save(target)
    report = portfolio_import(path=target)
    assert report.ok, report.problems
    assert TravelRecord.objects.count() == 2 and TrainingRecord.objects.count() == 1
    assert set(Role.objects.values_list("joined_on", flat=True)) == {date(2025, 1, 15)}
