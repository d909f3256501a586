"""List import in the portal: upload -> preview of the diff (nothing written) -> confirm."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from compliance.portal.manage_lists import CANCELLED, STAGED_GONE
from rules.models import CuratedAlias, ListEntry, ListVersion, ReferenceList
from rules.services.lists import STALE_PREVIEW, list_import
from rules.services.screening import names_screen
from tests.rules.conftest import SEED_LISTS
from tests.web import signed_in

REMOVED = "Academy of Military Medical Sciences, Institute of Medical Equipment"
ADDED = "Example Institute of Edition Testing"


@pytest.fixture
def seed_lists(db: None) -> None:
    list_import(fmt="grantcheck-yaml", path=SEED_LISTS)


@pytest.fixture(autouse=True)
def _staging(settings: Any, tmp_path: Path) -> Path:
    settings.LIST_IMPORT_STAGING_DIR = str(tmp_path / "staging")
    return tmp_path / "staging"


def _edition_bytes() -> bytes:
    doc = yaml.safe_load((SEED_LISTS / "dod_1286_fy2025.yaml").read_text(encoding="utf-8"))
    entries = [e for e in doc["entries"] if e["name"] != REMOVED]
    doc["entries"] = [{**entries[0], "name": ADDED}, *entries]
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode()


def _upload() -> dict[str, Any]:
    return {
        "format": "grantcheck-yaml",
        "reference_list": "DOD1286",
        "file": SimpleUploadedFile("dod_1286_fy2026.yaml", _edition_bytes()),
    }


def _state() -> tuple[int, int, int]:
    return (ListVersion.objects.count(), ListEntry.objects.count(), CuratedAlias.objects.count())


def _token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, "no confirmation form in the preview"
    return found.group(1)


def _current() -> ListVersion:
    version = ReferenceList.objects.get(code="DOD1286").current_version
    assert version is not None
    return version


def _preview(client: Client) -> tuple[str, str]:
    response = client.post("/lists/import/", _upload())
    page = unescape(response.content.decode())
    assert response.status_code == 200, page
    return page, _token(page)


@pytest.mark.django_db
def test_preview_shows_the_diff_and_confirm_imports_keeping_curated_names(
    seed_lists: None, admin_user: Any
) -> None:
    client = signed_in(admin_user)
    first = _current()
    state = _state()

    page, token = _preview(client)

    assert _state() == state  # nothing written by the preview
    assert "Preview: what importing dod_1286_fy2026.yaml would change" in page
    section = page[page.index('<h3 id="preview-DOD1286">') :]
    assert "<h3>Added (1)</h3>" in section and ADDED in section
    assert "<h3>Removed (1)</h3>" in section and REMOVED in section
    assert "<h3>Changed (0)</h3>" in section and "Aliases: unchanged." in section

    response = client.post("/lists/import/", {"token": token, "action": "confirm"})

    assert response.status_code == 200
    assert "Imported dod_1286_fy2026.yaml" in response.content.decode()
    version = _current()
    assert version.previous == first and version.imported_by == admin_user
    assert version.diff["summary"]["added"] == 1 and version.diff["summary"]["removed"] == 1
    assert version.diff["summary"]["aliases_dropped"] == 0
    curated = (("哈尔滨工业大学", "Harbin Institute of Technology"), ("BUAA", "Beihang University"))
    for name, entry in curated:
        [result] = names_screen(names=[name])
        top = result["matches"][0]
        assert (top["name"], top["decision"], top["list_version"]) == (entry, "accept", version.pk)
    detail = unescape(client.get(f"/lists/versions/{version.pk}/").content.decode())
    assert "<h3>Added (1)</h3>" in detail and "Aliases: unchanged." in detail
    # The token is spent.
    again = client.post("/lists/import/", {"token": token, "action": "confirm"})
    assert again.status_code == 400 and STAGED_GONE in unescape(again.content.decode())
    assert ListVersion.objects.filter(reference_list__code="DOD1286").count() == 2


@pytest.mark.django_db
def test_another_admin_cannot_confirm_someone_elses_preview(
    seed_lists: None, admin_user: Any, django_user_model: Any
) -> None:
    _page, token = _preview(signed_in(admin_user))
    other = django_user_model.objects.create_user("other_admin", is_staff=True, is_superuser=True)
    state = _state()

    response = signed_in(other).post("/lists/import/", {"token": token, "action": "confirm"})

    assert response.status_code == 400
    assert STAGED_GONE in unescape(response.content.decode())
    assert _state() == state
    mine = signed_in(admin_user).post("/lists/import/", {"token": token, "action": "confirm"})
    assert mine.status_code == 200 and _state() != state


@pytest.mark.django_db
def test_a_staged_file_altered_after_the_preview_is_refused(
    seed_lists: None, admin_user: Any, _staging: Path
) -> None:
    client = signed_in(admin_user)
    _page, token = _preview(client)
    [staged] = (_staging / token / "files").iterdir()
    staged.write_bytes(staged.read_bytes().replace(ADDED.encode(), b"Something Else Entirely"))
    state = _state()

    response = client.post("/lists/import/", {"token": token, "action": "confirm"})

    assert response.status_code == 400 and STAGED_GONE in unescape(response.content.decode())
    assert _state() == state


@pytest.mark.django_db
def test_cancel_discards_the_upload_and_writes_nothing(
    seed_lists: None, admin_user: Any, _staging: Path
) -> None:
    client = signed_in(admin_user)
    _page, token = _preview(client)
    state = _state()

    response = client.post("/lists/import/", {"token": token, "action": "cancel"})

    assert response.status_code == 200 and CANCELLED in response.content.decode()
    assert not (_staging / token).exists()
    assert _state() == state


@pytest.mark.django_db
def test_confirming_after_another_edition_landed_is_refused(
    seed_lists: None, admin_user: Any, tmp_path: Path
) -> None:
    client = signed_in(admin_user)
    _page, token = _preview(client)
    other = tmp_path / "other" / "dod.yaml"
    other.parent.mkdir()
    doc = yaml.safe_load((SEED_LISTS / "dod_1286_fy2025.yaml").read_text(encoding="utf-8"))
    doc["entries"] = doc["entries"][1:]
    other.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    list_import(fmt="grantcheck-yaml", path=other)
    state = _state()

    response = client.post("/lists/import/", {"token": token, "action": "confirm"})

    assert response.status_code == 400
    assert STALE_PREVIEW.format(code="DOD1286") in unescape(response.content.decode())
    assert _state() == state


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["auditor", "reviewer", "outsider", "pi"])
def test_only_admins_preview_or_confirm(
    persona: str, seed_lists: None, admin_user: Any, request: pytest.FixtureRequest
) -> None:
    _page, token = _preview(signed_in(admin_user))
    client = signed_in(request.getfixturevalue(persona))
    state = _state()

    assert client.post("/lists/import/", _upload()).status_code == 403
    assert client.post("/lists/import/", {"token": token, "action": "confirm"}).status_code == 403
    assert _state() == state


@pytest.mark.django_db
def test_an_unchanged_file_needs_no_confirmation(seed_lists: None, admin_user: Any) -> None:
    data = {
        "format": "grantcheck-yaml",
        "file": SimpleUploadedFile(
            "dod_1286_fy2025.yaml", (SEED_LISTS / "dod_1286_fy2025.yaml").read_bytes()
        ),
    }
    state = _state()

    response = signed_in(admin_user).post("/lists/import/", data)

    page = response.content.decode()
    assert response.status_code == 200 and "No change:" in page and 'name="token"' not in page
    assert _state() == state
