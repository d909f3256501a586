"""List files that are not UTF-8: UTF-16 with a BOM is read; anything else is a clear 400."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from compliance.models import AuditEvent
from projects.textcodec import MSG_NOT_UTF8, MSG_UTF16_NO_BOM
from rules.models import ListEntry, ListVersion, ReferenceList
from tests.web import import_via_preview, signed_in

DATA = Path(__file__).resolve().parents[1] / "data" / "lists"
CSL = (DATA / "csl_small.csv").read_bytes()
YAML = (DATA.parents[2] / "seeds" / "lists" / "dod_1260h.yaml").read_bytes()
RANDOM = bytes(range(256)) * 8

# (name, bytes, format)
GOOD = {
    "csl-utf16": (
        "csl.csv",
        "\ufeff".encode("utf-16-le") + CSL.decode().encode("utf-16-le"),
        "csl-csv",
    ),
    "csl-utf16be": ("csl.csv", CSL.decode().encode("utf-16"), "csl-csv"),
    "csl-utf8-bom": ("csl.csv", b"\xef\xbb\xbf" + CSL, "csl-csv"),
    "yaml-utf16": ("list.yaml", YAML.decode().encode("utf-16"), "grantcheck-yaml"),
}
BAD = {
    "csl-random": ("csl.csv", RANDOM, "csl-csv", MSG_NOT_UTF8),
    "csl-cp1252": (
        "csl.csv",
        CSL.replace(b"Beijing", "B\xe9ijing".encode("cp1252")),
        "csl-csv",
        MSG_NOT_UTF8,
    ),
    "csl-utf16-no-bom": ("csl.csv", CSL.decode().encode("utf-16-le"), "csl-csv", MSG_UTF16_NO_BOM),
    "yaml-random": ("list.yaml", RANDOM, "grantcheck-yaml", MSG_NOT_UTF8),
    "json-random": ("list.json", RANDOM, "csl-json", MSG_NOT_UTF8),
}


def _state() -> tuple[int, int, int, int]:
    return (
        ReferenceList.objects.count(),
        ListVersion.objects.count(),
        ListEntry.objects.count(),
        AuditEvent.objects.filter(object_type="rules.listversion").count(),
    )


def _api(client: Any, name: str, content: bytes, fmt: str) -> Any:
    return client.post(
        "/api/v1/imports/list/",
        {"format": fmt, "file": SimpleUploadedFile(name, content)},
        format="multipart",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(GOOD))
def test_api_reads_utf16_and_bom_files(
    case: str, admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    name, content, fmt = GOOD[case]
    response = _api(api_client_for(admin_user), name, content, fmt)
    assert response.status_code == 201, response.content
    assert ListEntry.objects.count() > 0
    assert all(o["entries"] > 0 for o in response.json()["lists"])


@pytest.mark.django_db
def test_utf16_file_reads_the_same_entries_as_utf8(
    admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    client = api_client_for(admin_user)
    _api(client, "csl.csv", CSL, "csl-csv")
    names = sorted(ListEntry.objects.values_list("primary_name", flat=True))
    again = _api(client, "csl.csv", CSL.decode().encode("utf-16"), "csl-csv")
    # same content in another encoding: every list unchanged, no new version
    assert again.status_code == 200, again.content
    assert {o["status"] for o in again.json()["lists"]} == {"unchanged"}
    assert sorted(ListEntry.objects.values_list("primary_name", flat=True)) == names


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD))
def test_api_refuses_undecodable_files_with_400_naming_the_encoding(
    case: str, admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    name, content, fmt, message = BAD[case]
    response = _api(api_client_for(admin_user), name, content, fmt)
    assert response.status_code == 400, response.content
    assert message in response.json()["detail"]
    assert _state() == (0, 0, 0, 0)


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD))
def test_portal_refuses_undecodable_files_with_400_naming_the_encoding(
    case: str, admin_user: Any
) -> None:
    name, content, fmt, message = BAD[case]
    response = signed_in(admin_user).post(
        "/lists/import/", {"format": fmt, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert _state() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_portal_reads_a_utf16_file(admin_user: Any) -> None:
    name, content, fmt = GOOD["csl-utf16"]
    response = import_via_preview(
        signed_in(admin_user), {"format": fmt, "file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200
    assert ListVersion.objects.count() > 0


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD))
def test_command_refuses_undecodable_files_clearly(case: str, tmp_path: Path) -> None:
    name, content, fmt, message = BAD[case]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError) as exc:
        call_command("import_list", fmt, str(path), stdout=io.StringIO())
    assert message in str(exc.value) and "nothing was written" in str(exc.value)
    assert _state() == (0, 0, 0, 0)


@pytest.mark.django_db
def test_command_reads_a_utf16_file(tmp_path: Path) -> None:
    name, content, fmt = GOOD["yaml-utf16"]
    path = tmp_path / name
    path.write_bytes(content)
    out = io.StringIO()
    call_command("import_list", fmt, str(path), stdout=out)
    assert "DOD1260H" in out.getvalue()
