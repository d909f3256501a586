"""Portal list pages: editions, entries with search, diff to the previous edition, import."""

from __future__ import annotations

import csv
import io
import tempfile
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from compliance.models import AuditEvent
from rules.models import ListEntry, ListVersion, ReferenceList
from rules.services.lists import list_import
from tests.web import import_via_preview, signed_in

DATA = Path(__file__).resolve().parents[1] / "data" / "lists"


def _upload(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (DATA / name).read_bytes())


def _rows() -> tuple[list[str], list[dict[str, str]]]:
    with (DATA / "csl_small.csv").open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def _csv(header: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, quoting=csv.QUOTE_ALL)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _state() -> tuple[int, int, int, int]:
    return (
        ReferenceList.objects.count(),
        ListVersion.objects.count(),
        ListEntry.objects.count(),
        AuditEvent.objects.filter(object_type="rules.listversion").count(),
    )


@pytest.fixture
def imported(db: None) -> ListVersion:
    list_import(fmt="csl-csv", path=DATA / "csl_small.csv")
    return ListVersion.objects.get(reference_list__code="EL")


def _gets(version: ListVersion) -> list[str]:
    return ["/lists/", f"/lists/versions/{version.pk}/", "/lists/import/"]


def _post(client: Client) -> Any:
    return client.post(
        "/lists/import/", {"format": "csl-csv", "file": _upload("csl_small.csv", b"x")}
    )


@pytest.mark.django_db
def test_list_pages_require_login(imported: ListVersion) -> None:
    for url in _gets(imported):
        response = signed_in(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert _post(signed_in(None)).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["outsider", "pi"])
def test_outsiders_and_pis_are_refused_every_list_page(
    persona: str, imported: ListVersion, request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(persona))
    state = _state()
    for url in [*_gets(imported), "/lists/versions/999999/"]:
        assert client.get(url).status_code == 403, url
    assert _post(client).status_code == 403
    assert _state() == state


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["auditor", "reviewer"])
def test_auditors_and_reviewers_read_list_pages_and_cannot_import(
    persona: str, imported: ListVersion, request: pytest.FixtureRequest
) -> None:
    client = signed_in(request.getfixturevalue(persona))
    state = _state()
    for url in _gets(imported):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'type="file"' not in response.content.decode()
    assert "Read only" in client.get("/lists/import/").content.decode()
    assert client.get("/lists/versions/999999/").status_code == 404
    response = client.post(
        "/lists/import/", {"format": "csl-csv", "file": _upload("csl_small.csv")}
    )
    assert response.status_code == 403
    assert _state() == state


@pytest.mark.django_db
def test_lists_page_shows_editions_with_counts_and_checksums(
    imported: ListVersion, auditor: Any
) -> None:
    page = signed_in(auditor).get("/lists/").content.decode()
    for code in ("EL", "SDN", "MBS", "UVL", "DTC"):
        assert f'id="list-{code}"' in page
    assert f'href="/lists/versions/{imported.pk}/"' in page
    assert imported.checksum[:12] in page and "csl_small.csv" in page
    assert '<td class="num">2</td>' in page  # EL has two entries
    assert "first edition" in page


@pytest.mark.django_db
def test_admin_imports_a_file_then_the_same_file_again_says_no_change(admin_user: Any) -> None:
    client = signed_in(admin_user)
    form = client.get("/lists/import/").content.decode()
    for fmt in ("csl-csv", "csl-json", "ofac-sdn", "grantcheck-yaml"):
        assert f'value="{fmt}"' in form
    response = import_via_preview(
        client,
        {"format": "csl-csv", "edition": "2026-11-01", "file": _upload("csl_small.csv")},
    )
    page = response.content.decode()
    assert response.status_code == 200 and "Imported csl_small.csv" in page
    assert "<td>new edition</td>" in page
    el = ListVersion.objects.get(reference_list__code="EL")
    assert el.entry_count == 2 and el.imported_by == admin_user
    assert el.edition is not None and el.edition.isoformat() == "2026-11-01"
    assert set(el.entries.values_list("external_id", flat=True)) == {"el-1", "el-2"}
    assert ListVersion.objects.count() == 5
    assert f'href="/lists/versions/{el.pk}/">EL</a>' in page
    event = AuditEvent.objects.get(object_type="rules.listversion", object_id=str(el.pk))
    assert event.action == "create" and event.actor_username == "admin_user"
    state = _state()
    again = client.post("/lists/import/", {"format": "csl-csv", "file": _upload("csl_small.csv")})
    assert again.status_code == 200
    assert (
        "No change:" in again.content.decode()
        and "<td>new edition</td>" not in again.content.decode()
    )
    assert _state() == state


@pytest.mark.parametrize(
    ("name", "fmt", "where"),
    [
        ("csl_bad_date.csv", "csl-csv", "csl_bad_date.csv, line 3, field start_date"),
        ("csl_bad.json", "csl-json", "csl_bad.json, line 4, field results[1].name"),
    ],
)
@pytest.mark.django_db
def test_a_malformed_file_shows_the_parser_error_and_writes_nothing(
    name: str, fmt: str, where: str, imported: ListVersion, admin_user: Any
) -> None:
    state = _state()
    response = signed_in(admin_user).post(
        "/lists/import/", {"format": fmt, "edition": "2026-12-01", "file": _upload(name)}
    )
    page = unescape(response.content.decode())
    assert response.status_code == 400
    assert where in page and 'id="file-error"' in page
    assert tempfile.gettempdir() not in page  # no server paths
    assert f'<option value="{fmt}" selected>' in page and 'value="2026-12-01"' in page
    assert _state() == state


@pytest.mark.django_db
def test_import_form_errors_are_shown_next_to_their_fields(admin_user: Any) -> None:
    state = _state()
    client = signed_in(admin_user)
    no_file = client.post("/lists/import/", {"format": "csl-csv"})
    assert no_file.status_code == 400 and "Choose the list file" in no_file.content.decode()
    bad = client.post(
        "/lists/import/",
        {"format": "xlsx", "edition": "last week", "file": _upload("csl_small.csv")},
    )
    page = bad.content.decode()
    assert bad.status_code == 400
    assert "Select a valid choice" in page and "Enter a valid date" in page
    assert 'value="last week"' in page
    two = client.post(
        "/lists/import/",
        {"format": "csl-csv", "file": [_upload("csl_small.csv"), _upload("csl_bad.json")]},
    )
    assert two.status_code == 400 and "takes one file" in two.content.decode()
    assert _state() == state


@pytest.mark.django_db
def test_a_file_without_the_chosen_list_is_refused_and_rolled_back(
    imported: ListVersion, admin_user: Any
) -> None:
    list_import(fmt="grantcheck-yaml", path=DATA / "yaml" / "demo_list.yaml")
    header, rows = _rows()
    changed = [{**r, "name": r["name"] + " (renamed)"} for r in rows]
    state = _state()
    response = signed_in(admin_user).post(
        "/lists/import/",
        {
            "format": "csl-csv",
            "reference_list": "DEMO",
            "file": _upload("csl_next.csv", _csv(header, changed)),
        },
    )
    page = unescape(response.content.decode())
    assert response.status_code == 400
    assert "The file holds DTC, EL, MBS, SDN, UVL, not DEMO; nothing was imported." in page
    assert _state() == state


@pytest.mark.django_db
def test_a_new_edition_is_diffed_against_the_previous(
    imported: ListVersion, admin_user: Any, settings: Any
) -> None:
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 256  # the upload goes through a temporary file
    header, rows = _rows()
    rows = [r for r in rows if r["_id"] != "el-2"]
    rows = [{**r, "name": "Sun Yat-sen University"} if r["_id"] == "uvl-1" else r for r in rows]
    rows.append({**rows[0], "_id": "el-3", "name": "Harbin Engineering University"})
    response = import_via_preview(
        signed_in(admin_user),
        {
            "format": "csl-csv",
            "reference_list": "EL",
            "file": _upload("csl_next.csv", _csv(header, rows)),
        },
    )
    assert response.status_code == 200, response.content.decode()
    el = ListVersion.objects.filter(reference_list__code="EL").order_by("-pk").first()
    assert el is not None and el.previous == imported
    assert el.diff["added"] == [{"id": "el-3", "name": "Harbin Engineering University"}]
    page = unescape(signed_in(admin_user).get(f"/lists/versions/{el.pk}/").content.decode())
    added = page[page.index("<h3>Added (1)") : page.index("<h3>Removed")]
    removed = page[page.index("<h3>Removed (1)") : page.index("<h3>Changed")]
    assert "el-3" in added and "Harbin Engineering University" in added
    assert "el-2" in removed and "National University of Defense Technology" in removed
    assert "<h3>Changed (0)" in page
    assert f'href="/lists/versions/{imported.pk}/"' in page  # link to the previous edition
    uvl = ListVersion.objects.filter(reference_list__code="UVL").order_by("-pk").first()
    assert uvl is not None
    uvl_page = signed_in(admin_user).get(f"/lists/versions/{uvl.pk}/").content.decode()
    changed = uvl_page[uvl_page.index("<h3>Changed (1)") :]
    assert "uvl-1" in changed and "Sun Yat-sen University" in changed
    assert ListVersion.objects.filter(reference_list__code="SDN").count() == 1  # unchanged


@pytest.mark.django_db
def test_entries_are_paginated_and_searchable(admin_user: Any, auditor: Any) -> None:
    header, rows = _rows()
    template = rows[0]
    many = [
        {**template, "_id": f"el-{i:03d}", "name": f"Institute number {i:03d}"} for i in range(120)
    ]
    many.append({**template, "_id": "el-nudt", "name": "National University of Defense Technology"})
    upload = _upload("many.csv", _csv(header, many))
    response = import_via_preview(signed_in(admin_user), {"format": "csl-csv", "file": upload})
    assert response.status_code == 200
    version = ListVersion.objects.get(reference_list__code="EL")
    client = signed_in(auditor)
    first = client.get(f"/lists/versions/{version.pk}/").content.decode()
    assert "121 entries" in first and "Page 1 of 3" in first
    assert "Institute number 000" in first and "Institute number 050" not in first
    third = client.get(f"/lists/versions/{version.pk}/", {"page": 3}).content.decode()
    assert "National University of Defense Technology" in third
    found = client.get(f"/lists/versions/{version.pk}/", {"q": "defense"}).content.decode()
    assert "1 entry matching" in found and "Institute number" not in found
    by_id = client.get(f"/lists/versions/{version.pk}/", {"q": "EL-007"}).content.decode()
    assert "Institute number 007" in by_id and "Institute number 008" not in by_id


@pytest.mark.django_db
def test_ofac_sdn_takes_its_three_files_together(admin_user: Any) -> None:
    files = [
        SimpleUploadedFile(name, (DATA / "ofac" / name).read_bytes())
        for name in ("sdn.csv", "alt.csv", "add.csv")
    ]
    response = import_via_preview(signed_in(admin_user), {"format": "ofac-sdn", "file": files})
    assert response.status_code == 200, response.content.decode()
    version = ListVersion.objects.get(reference_list__code="SDN")
    assert version.format == "ofac-sdn" and version.entry_count > 0
    assert version.entry_count == version.entries.count()
