"""The import's extra sheets: equipment, foreign components, patents and the institution's
facts. Good rows land (and re-importing changes nothing); a bad row refuses the whole import
with its file, row and column, and nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from projects.importing import portfolio_import
from projects.importing.readers import SHEETS
from projects.importing.sheets import registry
from projects.models import (
    EquipmentItem,
    ForeignComponent,
    InstitutionAgreement,
    InstitutionProfile,
    InstitutionUnit,
    PatentFiling,
    ProgrammeElement,
    Tie,
)

GOOD = Path(__file__).resolve().parent.parent / "data" / "import" / "good"

EXTRA_GOOD = {
    "equipment": (
        "award_number,description,manufacturer,manufacturer_country,model,acquired_on\n"
        "W911NF-24-1-0042,Network camera,Hangzhou Hikvision Digital Technology Co.,CN,"
        "DS-2CD2143G2,2025-03-01\n"
    ),
    "foreign_components": (
        "award_number,kind,country,organisation,activity_code,due_date\n"
        "2234567,component,ZA,University of Cape Town,R01,2026-06-05\n"
    ),
    "patents": (
        "email,assignee,assignee_country,jurisdiction,filing_date,application_number,disclosed_in\n"
        "wei.chen@univ.edu,Shenzhen Photonics Co.,CN,CN,2024-05-01,CN202410012345.6,\n"
    ),
    "institution": "name,federal_rd_3yr_avg_usd\nExample State University,412000000\n",
    "institution_agreements": (
        "kind,counterpart,counterpart_country,unit,start_date,end_date\n"
        "confucius_institute,Center for Language Education and Cooperation,CN,"
        "College of Arts and Sciences,2012-09-01,\n"
    ),
    "programme_elements": "element,certified_on\ncybersecurity,2025-01-15\ntraining,2025-02-01\n",
}

# sheet -> (a bad row appended to the good file, the column the problem names)
BAD_ROWS = {
    "equipment": ("W911NF-24-1-0042,Lidar,Hesai,CN,AT128,2025-13-01\n", "acquired_on"),
    "foreign_components": ("2234567,component,US,Somewhere,R01,2026-06-05\n", "country"),
    "patents": ("wei.chen@univ.edu,Acme,DE,XX,2024-05-01,DE1,\n", "jurisdiction"),
    "institution": ("Another University,-5\n", "federal_rd_3yr_avg_usd"),
    "institution_agreements": ("confucius_institute,CLEC,CN,,2012-09-01,2010-01-01\n", "end_date"),
    "programme_elements": ("firewall,2025-01-15\n", "element"),
}
MODELS = (
    EquipmentItem,
    ForeignComponent,
    PatentFiling,
    InstitutionProfile,
    InstitutionAgreement,
    InstitutionUnit,
    ProgrammeElement,
)


def _folder(tmp_path: Path, extra: dict[str, str]) -> Path:
    folder = tmp_path / "import"
    shutil.copytree(GOOD, folder)
    for name, text in extra.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def test_every_registered_sheet_is_read_from_folders_and_workbooks() -> None:
    assert {s.name for s in registry()} <= set(SHEETS)


@pytest.mark.django_db
def test_good_extra_sheets_import_and_reimport_changes_nothing(tmp_path: Path) -> None:
    folder = _folder(tmp_path, EXTRA_GOOD)
    report = portfolio_import(path=folder)
    assert report.ok, report.problems
    camera = EquipmentItem.objects.get()
    assert (camera.project.award_number, camera.manufacturer.country) == ("W911NF-24-1-0042", "CN")
    assert ForeignComponent.objects.get().activity_code == "R01"
    filing = PatentFiling.objects.get()
    assert (filing.tie.kind, filing.tie.person.email, filing.jurisdiction) == (
        "patent",
        "wei.chen@univ.edu",
        "CN",
    )
    profile = InstitutionProfile.objects.get()
    assert profile.federal_rd_3yr_avg_usd == 412_000_000
    agreement = InstitutionAgreement.objects.get()
    assert agreement.unit is not None and agreement.unit.name == "College of Arts and Sciences"
    assert set(ProgrammeElement.objects.values_list("element", flat=True)) == {
        "cybersecurity",
        "training",
    }
    for name in EXTRA_GOOD:
        assert report.counts[name]["created"] >= 1, name

    again = portfolio_import(path=folder)
    assert again.ok
    for name in EXTRA_GOOD:
        assert again.counts[name]["created"] == again.counts[name]["changed"] == 0, name
    assert Tie.objects.filter(kind="patent").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("sheet", sorted(BAD_ROWS))
def test_a_bad_row_in_an_extra_sheet_refuses_the_import(tmp_path: Path, sheet: str) -> None:
    bad_row, column = BAD_ROWS[sheet]
    files = dict(EXTRA_GOOD)
    files[sheet] = files[sheet] + bad_row
    report = portfolio_import(path=_folder(tmp_path, files))
    assert not report.ok
    [problem] = report.problems
    assert (problem.file, problem.column) == (f"{sheet}.csv", column), problem
    assert problem.row == files[sheet].count("\n")  # the last row (header is row 1)
    for model in MODELS:
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_institution_facts_without_a_profile_are_refused_row_by_row(tmp_path: Path) -> None:
    files = {"programme_elements": EXTRA_GOOD["programme_elements"]}
    report = portfolio_import(path=_folder(tmp_path, files))
    assert not report.ok
    assert [(p.file, p.row) for p in report.problems] == [
        ("programme_elements.csv", 2),
        ("programme_elements.csv", 3),
    ]
    assert "institution profile" in report.problems[0].reason
