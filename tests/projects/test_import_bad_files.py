"""Portfolio files that are not clean UTF-8 CSV or a healthy XLSX: read, or a clear 400."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from openpyxl import Workbook

from projects.importing import portfolio_import
from projects.importing.report import MSG_MORE_PROBLEMS
from projects.importing.xlsx import MSG_FORMULA_NO_VALUE, MSG_NOT_XLSX
from projects.models import Organisation, Person, Project, Role, Tie
from projects.textcodec import MSG_NOT_UTF8

DATA = Path(__file__).resolve().parent.parent / "data" / "import"
GOOD = DATA / "good"
MODELS = (Project, Person, Role, Tie, Organisation)
TABLES = ("projects", "people", "roles", "ties")


def _counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in MODELS}


EMPTY = {m.__name__: 0 for m in MODELS}


def _upload(client: Any, files: dict[str, tuple[str, bytes]]) -> Any:
    payload = {field: SimpleUploadedFile(name, content) for field, (name, content) in files.items()}
    return client.post("/api/v1/imports/portfolio/", payload, format="multipart")


def _csv_files(encode: Callable[[str], bytes]) -> dict[str, tuple[str, bytes]]:
    return {
        t: (f"{t}.csv", encode((GOOD / f"{t}.csv").read_text(encoding="utf-8"))) for t in TABLES
    }


def _workbook(target: Path, formulas: dict[str, str] | None = None) -> Path:
    import csv

    wb = Workbook()
    for sheet in list(wb.worksheets):
        wb.remove(sheet)
    for name in TABLES:
        sheet = wb.create_sheet(name)
        with (GOOD / f"{name}.csv").open(encoding="utf-8") as fh:
            for row in csv.reader(fh):
                sheet.append(row)
    for ref, formula in (formulas or {}).items():
        sheet_name, cell = ref.split("!")
        wb[sheet_name][cell] = formula
    wb.save(target)
    return target


def _with_cached_values(path: Path, sheet_index: int, values: dict[str, str]) -> Path:
    """Add the saved results Excel would write next to each formula (openpyxl writes none)."""
    member = f"xl/worksheets/sheet{sheet_index}.xml"
    with zipfile.ZipFile(path) as zin:
        items = {n: zin.read(n) for n in zin.namelist()}
    xml = items[member].decode()
    for cell, value in values.items():
        xml, found = re.subn(
            rf'<c r="{cell}"([^>]*)><f>(.*?)</f><v\s*/>',
            rf'<c r="{cell}"\1 t="str"><f>\2</f><v>{value}</v>',
            xml,
        )
        assert found == 1, cell
    items[member] = xml.encode()
    with zipfile.ZipFile(path, "w") as zout:
        for name, data in items.items():
            zout.writestr(name, data)
    return path


# --- encodings ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: t.encode("utf-16"),
        lambda t: t.replace("\n", "\r\n").encode("utf-16-be").join([b"\xfe\xff", b""]),
    ],
    ids=["utf8", "utf8-bom", "utf16-le-bom", "utf16-be-bom-crlf"],
)
def test_csv_in_utf8_or_utf16_with_bom_imports(
    encode: Callable[[str], bytes], admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = _upload(api_client_for(admin_user), _csv_files(encode))

    assert response.status_code == 200, response.content
    assert response.json()["counts"]["projects"]["created"] == 4
    assert Project.objects.filter(title="Monsoon variability in a warming climate").exists()
    assert Tie.objects.count() == 6


@pytest.mark.django_db
def test_csv_in_another_encoding_is_a_400_naming_it(
    admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    files = _csv_files(lambda t: t.encode("utf-8"))
    people = GOOD.joinpath("people.csv").read_text(encoding="utf-8") + "zoe@univ.edu,Zoë Ñúñez,,\n"
    files["people"] = ("people.csv", people.encode("cp1252"))

    response = _upload(api_client_for(admin_user), files)

    assert response.status_code == 400
    body = response.json()
    assert body["written"] is False
    [problem] = [p for p in body["problems"] if p["file"] == "people.csv"]
    assert MSG_NOT_UTF8 in problem["reason"] and problem["row"] == 7
    assert _counts() == EMPTY


@pytest.mark.django_db
def test_random_bytes_as_csv_are_a_400(
    admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    files = _csv_files(lambda t: t.encode("utf-8"))
    files["projects"] = ("projects.csv", bytes(range(256)) * 4)
    response = _upload(api_client_for(admin_user), files)
    assert response.status_code == 400
    assert any(MSG_NOT_UTF8 in p["reason"] for p in response.json()["problems"])
    assert _counts() == EMPTY


@pytest.mark.django_db
def test_command_reads_utf16_folder(tmp_path: Path) -> None:
    for name in TABLES:
        text = (GOOD / f"{name}.csv").read_text(encoding="utf-8")
        (tmp_path / f"{name}.csv").write_bytes(text.encode("utf-16"))
    report = portfolio_import(path=tmp_path)
    assert report.ok, report.problems
    assert Project.objects.count() == 4


# --- corrupt workbooks ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "content",
    [b"PK\x03\x04 this is not really a zip" * 50, bytes(range(256)) * 10, b""],
    ids=["broken-zip", "random", "empty"],
)
def test_corrupt_xlsx_upload_is_a_400(
    content: bytes, admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    response = _upload(api_client_for(admin_user), {"file": ("portfolio.xlsx", content)})

    assert response.status_code == 400, response.content
    [problem] = response.json()["problems"]
    assert MSG_NOT_XLSX in problem["reason"]
    assert _counts() == EMPTY


@pytest.mark.django_db
def test_zip_that_is_not_a_workbook_is_a_400(
    admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("hello.txt", "hello")
    response = _upload(api_client_for(admin_user), {"file": ("p.xlsx", buffer.getvalue())})
    assert response.status_code == 400
    assert MSG_NOT_XLSX in response.json()["problems"][0]["reason"]
    assert _counts() == EMPTY


@pytest.mark.django_db
def test_truncated_workbook_is_refused_by_the_command(tmp_path: Path) -> None:
    good = _workbook(tmp_path / "good.xlsx")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_portfolio", str(broken), stderr=err, stdout=io.StringIO())
    assert MSG_NOT_XLSX in err.getvalue()
    assert _counts() == EMPTY


# --- formulas ---------------------------------------------------------------------


@pytest.mark.django_db
def test_formulas_are_read_from_their_saved_values(tmp_path: Path) -> None:
    path = _workbook(
        tmp_path / "f.xlsx",
        {
            "projects!D2": '="Monsoon variability"&" in a warming climate"',
            "projects!F2": "=600000+12000",
        },
    )
    _with_cached_values(path, 1, {"D2": "Monsoon variability in a warming climate", "F2": "612000"})

    report = portfolio_import(path=path)

    assert report.ok, report.problems
    project = Project.objects.get(award_number="2234567")
    assert project.title == "Monsoon variability in a warming climate"
    assert project.amount_usd == 612000


@pytest.mark.django_db
def test_formulas_without_saved_values_are_refused_naming_the_cells(
    tmp_path: Path, admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    path = _workbook(
        tmp_path / "f.xlsx", {"projects!D2": '="Monsoon"&" variability"', "people!B3": "=A3"}
    )

    response = _upload(api_client_for(admin_user), {"file": ("f.xlsx", path.read_bytes())})

    assert response.status_code == 400
    reasons = " | ".join(p["reason"] for p in response.json()["problems"])
    assert MSG_FORMULA_NO_VALUE in reasons
    assert "projects!D2" in reasons and "people!B3" in reasons
    assert "required" not in reasons
    assert _counts() == EMPTY


# --- error reports are bounded ------------------------------------------------------


@pytest.mark.django_db
@override_settings(GRANTCHECK_IMPORT_MAX_PROBLEMS=5)
def test_error_report_lists_the_first_n_problems_and_the_total(
    admin_user: Any, api_client_for: Callable[[Any], Any], tmp_path: Path
) -> None:
    files = _csv_files(lambda t: t.encode("utf-8"))
    rows = "".join(f"person{i}@univ.edu,,,\n" for i in range(40))  # name is required
    files["people"] = ("people.csv", ("email,name,orcid,department\n" + rows).encode())

    response = _upload(api_client_for(admin_user), files)

    assert response.status_code == 400
    body = response.json()
    assert len(body["problems"]) == 5
    assert body["problem_count"] >= 40
    assert body["problems"][0]["row"] == 2
    assert _counts() == EMPTY
    shutil.copytree(GOOD, tmp_path / "folder")
    (tmp_path / "folder" / "people.csv").write_bytes(files["people"][1])
    err = io.StringIO()
    with pytest.raises(CommandError, match=rf"{body['problem_count']} problem\(s\)"):
        call_command("import_portfolio", str(tmp_path / "folder"), stderr=err)
    assert MSG_MORE_PROBLEMS.format(count=body["problem_count"] - 5) in err.getvalue()


def test_csv_rows_are_read_from_the_file_on_each_pass_not_held() -> None:
    from projects.importing.readers import CsvRows, read_csv_stream

    stream = io.BytesIO(
        "email,name\r\na@x.org,A\r\n\r\nb@x.org,B,extra\r\nc@x.org,C\r\n".encode("utf-16")
    )
    table, problems = read_csv_stream("people", "people.csv", stream)

    assert table is not None and isinstance(table.rows, CsvRows)
    assert [p.row for p in problems] == [4]  # the row with too many fields, once
    first = list(table.rows)
    assert first == [(2, {"email": "a@x.org", "name": "A"}), (5, {"email": "c@x.org", "name": "C"})]
    assert list(table.rows) == first
