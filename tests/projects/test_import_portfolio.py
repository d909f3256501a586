from __future__ import annotations

import io
import json
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from projects.importing import portfolio_import
from projects.importing.service import MSG_END_BEFORE_START, MSG_MISSING_COLUMN
from projects.models import Organisation, Person, Project, Role, Tie

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
MODELS = (Project, Person, Role, Tie, Organisation)


def _row_counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


def _xlsx_from_folder(folder: Path, target: Path) -> Path:
    import csv

    wb = Workbook()
    for default_sheet in list(wb.worksheets):
        wb.remove(default_sheet)
    for name in ("projects", "people", "roles", "ties"):
        sheet = wb.create_sheet(name)
        with (folder / f"{name}.csv").open(encoding="utf-8") as fh:
            for row in csv.reader(fh):
                sheet.append(row)
    wb.save(target)
    return target


@pytest.mark.django_db
def test_good_folder_imports_every_row() -> None:
    report = portfolio_import(path=DATA / "good")

    assert report.ok, report.problems
    assert report.counts["projects"]["created"] == 4
    assert report.counts["people"]["created"] == 5
    assert report.counts["roles"]["created"] == 6
    assert report.counts["ties"]["created"] == 6
    dod = Project.objects.get(sponsor="DOD", award_number="W911NF-24-1-0042")
    assert dod.amount_usd == Decimal("1250000.00")
    assert dod.fundamental_research is True
    assert Project.objects.get(award_number="DE-SC0031234").end_date is None
    assert Person.objects.get(email="wei.chen@univ.edu").orcid == "0000-0001-5109-3700"
    assert (
        Role.objects.get(person__email="wei.chen@univ.edu", project__award_number="2234567").role
        == "co_pi"
    )
    tie = Tie.objects.get(person__email="wei.chen@univ.edu", kind="joint_research")
    assert tie.project is not None and tie.project.award_number == "2234567"
    assert tie.disclosed_in == ["biosketch", "current_pending"]


@pytest.mark.django_db
def test_organisations_are_stored_as_written_and_deduplicated_on_name_and_country() -> None:
    portfolio_import(path=DATA / "good")

    tsinghua = Organisation.objects.filter(name__startswith="Tsinghua")
    assert tsinghua.count() == 1  # "Tsinghua University" and "Tsinghua University " / cn
    assert tsinghua.get().country == "CN"
    assert (
        Organisation.objects.get(name="Peking University School of Public Health").country == "CN"
    )
    assert Organisation.objects.count() == 5


@pytest.mark.django_db
def test_second_import_reports_nothing_created_or_changed() -> None:
    portfolio_import(path=DATA / "good")
    before = _row_counts()

    report = portfolio_import(path=DATA / "good")

    assert report.ok
    for entity, counts in report.counts.items():
        assert counts["created"] == 0, entity
        assert counts["changed"] == 0, entity
    assert report.counts["ties"]["unchanged"] == 6
    assert _row_counts() == before


@pytest.mark.django_db
def test_changed_row_updates_in_place(tmp_path: Path) -> None:
    portfolio_import(path=DATA / "good")
    folder = tmp_path / "changed"
    shutil.copytree(DATA / "good", folder)
    text = (folder / "projects.csv").read_text(encoding="utf-8").replace("612000.00", "650000.00")
    (folder / "projects.csv").write_text(text, encoding="utf-8")

    report = portfolio_import(path=folder)

    assert report.counts["projects"] == {"created": 0, "changed": 1, "unchanged": 3}
    assert Project.objects.get(award_number="2234567").amount_usd == Decimal("650000.00")


@pytest.mark.django_db
def test_a_person_renamed_by_an_import_rechecks_their_projects_outside_the_file(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    from projects.signals import portfolio_changed
    from tests.factories import OrganisationFactory, ProjectFactory, RoleFactory, TieFactory

    portfolio_import(path=DATA / "good")
    wei = Person.objects.get(email="wei.chen@univ.edu")
    elsewhere = ProjectFactory.create(sponsor="NIH", award_number="R01-OUTSIDE")
    RoleFactory.create(project=elsewhere, person=wei, role="senior_key")
    hosted = ProjectFactory.create(sponsor="NSF", award_number="2400002")  # wei: no role
    TieFactory.create(person=wei, organisation=OrganisationFactory.create(), project=hosted)
    folder = tmp_path / "renamed"
    shutil.copytree(DATA / "good", folder)
    text = (folder / "people.csv").read_text(encoding="utf-8")
    (folder / "people.csv").write_text(text.replace("Wei Chen,", "Chen Wei,"), encoding="utf-8")
    sent: list[list[int]] = []

    def listener(sender: Any, project_ids: list[int], **kwargs: Any) -> None:
        sent.append(project_ids)

    portfolio_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            report = portfolio_import(path=folder)
    finally:
        portfolio_changed.disconnect(listener)
    assert report.counts["people"]["changed"] == 1
    wei_projects = set(Role.objects.filter(person=wei).values_list("project_id", flat=True))
    [ids] = sent
    assert wei_projects | {hosted.pk} == set(ids) and elsewhere.pk in ids


@pytest.mark.django_db
def test_bad_fixture_reports_every_problem_and_writes_nothing() -> None:
    report = portfolio_import(path=DATA / "bad")

    assert not report.ok
    assert _row_counts() == {m.__name__: 0 for m in MODELS}
    found = {(p.file, p.row, p.column) for p in report.problems}
    reasons = " | ".join(str(p) for p in report.problems)
    expected = {
        ("projects.csv", 3, "sponsor"),  # unknown enum
        ("projects.csv", 4, "amount_usd"),  # negative amount
        ("projects.csv", 5, "start_date"),  # bad date
        ("projects.csv", 6, "end_date"),  # end before start
        ("projects.csv", 7, "status"),  # unknown status
        ("projects.csv", 8, "award_number"),  # duplicate award number
        ("projects.csv", 9, "fundamental_research"),  # bad boolean
        ("projects.csv", 10, "title"),  # required value missing
        ("people.csv", 3, "email"),  # bad e-mail
        ("people.csv", 4, "orcid"),  # ORCID checksum
        ("roles.csv", 3, "award_number"),  # unknown award number
        ("roles.csv", 4, "email"),  # unknown person
        ("roles.csv", 5, "email"),  # second role for the same person
        ("roles.csv", 6, "role"),  # unknown role
        ("ties.csv", 1, "kind"),  # missing required column
    }
    assert expected <= found, reasons
    assert len(report.problems) == len(expected), reasons
    assert any(MSG_END_BEFORE_START in p.reason for p in report.problems)
    assert any(p.reason == MSG_MISSING_COLUMN for p in report.problems)
    assert any("checksum" in p.reason for p in report.problems)


@pytest.mark.django_db
def test_wrong_encoding_is_reported_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_bytes(
        b"email,name,orcid,department\nok@univ.edu,Ok,,Physics\nlatin1@univ.edu,Jos\xe9,,Physics\n"
    )

    report = portfolio_import(path=tmp_path)

    assert not report.ok
    [problem] = report.problems
    assert problem.file == "people.csv" and problem.row == 3
    assert "UTF-8" in problem.reason
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_xlsx_workbook_imports_like_the_folder(tmp_path: Path) -> None:
    path = _xlsx_from_folder(DATA / "good", tmp_path / "portfolio.xlsx")

    report = portfolio_import(path=path)

    assert report.ok, report.problems
    assert report.counts["ties"]["created"] == 6
    assert Project.objects.count() == 4
    again = portfolio_import(path=path)
    assert all(c["created"] == 0 and c["changed"] == 0 for c in again.counts.values())


@pytest.mark.django_db
def test_xlsx_problems_name_the_sheet_and_row(tmp_path: Path) -> None:
    path = _xlsx_from_folder(DATA / "bad", tmp_path / "bad.xlsx")

    report = portfolio_import(path=path)

    assert not report.ok
    assert ("bad.xlsx[projects]", 4, "amount_usd") in {
        (p.file, p.row, p.column) for p in report.problems
    }
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_dry_run_validates_without_writing() -> None:
    report = portfolio_import(path=DATA / "good", dry_run=True)

    assert report.ok
    assert report.counts["projects"]["created"] == 4
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_command_exits_non_zero_and_lists_problems(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_portfolio", str(DATA / "bad"))
    err = capsys.readouterr().err
    assert "projects.csv, row 4, column amount_usd" in err
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_command_json_report() -> None:
    out = io.StringIO()
    call_command("import_portfolio", str(DATA / "good"), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["ok"] is True and data["written"] is True
    assert data["counts"]["people"]["created"] == 5


# --- API upload ---------------------------------------------------------------


def _upload(client: Any, folder: Path, **extra: Any) -> Any:
    files = {
        name: (folder / f"{name}.csv").open("rb")
        for name in ("projects", "people", "roles", "ties")
    }
    try:
        return client.post("/api/v1/imports/portfolio/", {**files, **extra}, format="multipart")
    finally:
        for fh in files.values():
            fh.close()


@pytest.mark.django_db
def test_admin_upload_imports_and_returns_report(
    admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = _upload(api_client_for(admin_user), DATA / "good")

    assert response.status_code == 200, response.content
    assert response.json()["counts"]["projects"]["created"] == 4
    assert Project.objects.count() == 4


@pytest.mark.django_db
def test_admin_upload_of_bad_files_returns_400_with_every_problem(
    admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = _upload(api_client_for(admin_user), DATA / "bad")

    assert response.status_code == 400
    body = response.json()
    assert body["written"] is False
    assert len(body["problems"]) == 15
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_admin_upload_of_xlsx(
    admin_user: Any, api_client_for: Callable[[Any], Any], tmp_path: Path
) -> None:
    path = _xlsx_from_folder(DATA / "good", tmp_path / "portfolio.xlsx")
    with path.open("rb") as fh:
        response = api_client_for(admin_user).post(
            "/api/v1/imports/portfolio/", {"file": fh}, format="multipart"
        )
    assert response.status_code == 200, response.content
    assert Tie.objects.count() == 6


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "auditor", "reviewer", "pi"])
def test_non_admins_cannot_upload(
    persona: str, request: pytest.FixtureRequest, api_client_for: Callable[[Any], Any]
) -> None:
    user = request.getfixturevalue(persona)
    response = _upload(api_client_for(user), DATA / "good")
    assert response.status_code == 403
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_cannot_upload(api_client_for: Callable[[Any], Any]) -> None:
    response = _upload(api_client_for(None), DATA / "good")
    assert response.status_code in (401, 403)
    assert Project.objects.count() == 0


@pytest.mark.django_db
def test_disclosed_on_is_imported_and_checked_like_a_tie_form(tmp_path: Path) -> None:
    folder = tmp_path / "disclosed"
    shutil.copytree(DATA / "good", folder)
    ties = folder / "ties.csv"
    lines = ties.read_text(encoding="utf-8").splitlines()
    lines[0] += ",disclosed_on"
    lines[1:] = [line + "," for line in lines[1:]]
    # the row disclosed in a biosketch and current & pending support gets its date
    lines = [line + "2024-01-15" if "biosketch;current_pending" in line else line for line in lines]
    ties.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = portfolio_import(path=folder)
    assert not report.problems
    tie = Tie.objects.get(disclosed_in=["biosketch", "current_pending"])
    assert str(tie.disclosed_on) == "2024-01-15"
    assert Tie.objects.exclude(pk=tie.pk).filter(disclosed_on__isnull=False).count() == 0

    # a date with no document, and a date in the future, are row errors; nothing is written
    bad = [lines[0], lines[1] + "2024-02-01", lines[2].replace("2024-01-15", "2999-01-01")]
    ties.write_text("\n".join(bad) + "\n", encoding="utf-8")
    before = list(Tie.objects.values_list("pk", "disclosed_on").order_by("pk"))
    report = portfolio_import(path=folder)
    reasons = {(p.row, p.column, p.reason) for p in report.problems}
    assert (2, "disclosed_on", "Say where it was disclosed as well as when.") in reasons
    assert (3, "disclosed_on", "The disclosure date cannot be in the future.") in reasons
    assert list(Tie.objects.values_list("pk", "disclosed_on").order_by("pk")) == before
