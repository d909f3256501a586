"""List editions keep curated aliases by entry identity; the diff says exactly what changed."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from projects.errors import ApplicationError
from rules.models import CuratedAlias, ListEntry, ListVersion, ReferenceList
from rules.services.lists import STALE_PREVIEW, list_import
from rules.services.screening import names_screen
from tests.rules.conftest import SEED_LISTS

#: Curated names (aliases.yaml) of DoD 1286 universities, and the entry each must hit.
CURATED = {
    "哈尔滨工业大学": "Harbin Institute of Technology",
    "哈工大": "Harbin Institute of Technology",
    "HIT": "Harbin Institute of Technology",
    "北京航空航天大学": "Beihang University",
    "BUAA": "Beihang University",
    "西北工业大学": "Northwestern Polytechnical University",
    "NWPU": "Northwestern Polytechnical University",
}
REMOVED = "Academy of Military Medical Sciences, Institute of Medical Equipment"
ADDED = "Example Institute of Edition Testing"


def _seed_1286() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(
        (SEED_LISTS / "dod_1286_fy2025.yaml").read_text(encoding="utf-8")
    )
    return doc


def _write(path: Path, doc: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _next_edition(tmp_path: Path) -> Path:
    """The DoD 1286 file alone (no aliases.yaml beside it): one entry added, one removed."""
    doc = _seed_1286()
    entries = [e for e in doc["entries"] if e["name"] != REMOVED]
    assert len(entries) == len(doc["entries"]) - 1
    added = {**entries[0], "name": ADDED}
    doc["entries"] = [added, *entries]  # at the top: every later entry moves down a line
    folder = tmp_path / "upload"
    folder.mkdir(parents=True)
    return _write(folder / "dod_1286_fy2026.yaml", doc)


def _top_hits() -> dict[str, tuple[str, str, str, float]]:
    out = {}
    for result in names_screen(names=list(CURATED)):
        top = result["matches"][0] if result["matches"] else None
        assert top is not None, f"{result['query']} matched nothing"
        out[result["query"]] = (top["list"], top["name"], top["decision"], top["score"])
    return out


def _dod1286() -> ListVersion:
    version = ReferenceList.objects.get(code="DOD1286").current_version
    assert version is not None
    return version


@pytest.mark.django_db
def test_an_edition_uploaded_as_one_yaml_file_keeps_curated_aliases(
    seed_lists: None, tmp_path: Path
) -> None:
    before = _top_hits()
    assert {hit[1] for hit in before.values()} == set(CURATED.values())
    first = _dod1286()

    report = list_import(fmt="grantcheck-yaml", path=_next_edition(tmp_path))

    [outcome] = report.lists
    assert (outcome.code, outcome.status) == ("DOD1286", "created")
    assert (outcome.added, outcome.removed, outcome.changed) == (1, 1, 0)
    assert (outcome.aliases_added, outcome.aliases_dropped) == (0, 0)
    version = _dod1286()
    assert version.pk == outcome.version_id and version.previous == first
    assert [d["name"] for d in version.diff["added"]] == [ADDED]
    assert [d["name"] for d in version.diff["removed"]] == [REMOVED]
    assert version.diff["changed"] == []
    assert version.diff["summary"] == {
        "added": 1,
        "removed": 1,
        "changed": 0,
        "aliases_added": 0,
        "aliases_dropped": 0,
    }
    harbin = ListEntry.objects.get(version=version, primary_name="Harbin Institute of Technology")
    assert {"哈尔滨工业大学", "哈工大", "HIT"} <= set(harbin.alias_names)
    after = _top_hits()
    assert after == before  # same list, entry, decision and score for every curated name
    for result in names_screen(names=["哈尔滨工业大学"]):
        assert result["matches"][0]["list_version"] == version.pk


@pytest.mark.django_db
def test_the_diff_names_changed_fields_and_aliases_added_or_dropped(
    seed_lists: None, tmp_path: Path
) -> None:
    doc = _seed_1286()
    for entry in doc["entries"]:
        if entry["name"] == "Harbin Engineering University":
            entry["country"] = "HK"
            entry["aliases"] = [{"name": "Harbin Eng. Univ.", "kind": "variant", "source": "t"}]
    folder = tmp_path / "one"
    folder.mkdir()
    list_import(fmt="grantcheck-yaml", path=_write(folder / "dod.yaml", doc))
    for entry in doc["entries"]:
        if entry["name"] == "Harbin Engineering University":
            entry["aliases"] = []

    report = list_import(fmt="grantcheck-yaml", path=_write(folder / "dod.yaml", doc))

    [outcome] = report.lists
    assert (outcome.added, outcome.removed, outcome.changed) == (0, 0, 1)
    assert (outcome.aliases_added, outcome.aliases_dropped) == (0, 1)
    [change] = _dod1286().diff["changed"]
    assert change["id"] == "harbin-engineering-university"
    assert change["fields"] == {} and change["aliases_dropped"] == ["Harbin Eng. Univ."]
    first_change = _dod1286().previous
    assert first_change is not None
    [earlier] = first_change.diff["changed"]
    assert earlier["fields"] == {"country": ["CN", "HK"]}
    assert earlier["aliases_added"] == ["Harbin Eng. Univ."] and earlier["aliases_dropped"] == []
    # The curated aliases were never in play.
    entry = ListEntry.objects.get(version=_dod1286(), external_id="harbin-engineering-university")
    assert {"哈尔滨工程大学", "HEU"} <= set(entry.alias_names)


@pytest.mark.django_db
def test_a_preview_reports_the_diff_and_writes_nothing(seed_lists: None, tmp_path: Path) -> None:
    path = _next_edition(tmp_path)
    counts = (ListVersion.objects.count(), ListEntry.objects.count(), CuratedAlias.objects.count())

    report = list_import(fmt="grantcheck-yaml", path=path, dry_run=True)

    [outcome] = report.lists
    assert report.dry_run and outcome.status == "created"
    assert (outcome.added, outcome.removed, outcome.changed) == (1, 1, 0)
    assert outcome.previous_version_id == _dod1286().pk
    assert counts == (
        ListVersion.objects.count(),
        ListEntry.objects.count(),
        CuratedAlias.objects.count(),
    )


@pytest.mark.django_db
def test_an_import_against_a_stale_preview_is_refused(seed_lists: None, tmp_path: Path) -> None:
    path = _next_edition(tmp_path)
    stale = {"DOD1286": _dod1286().pk - 1}
    versions = ListVersion.objects.count()

    with pytest.raises(ApplicationError) as exc:
        list_import(fmt="grantcheck-yaml", path=path, expected_previous=stale)

    assert exc.value.message == STALE_PREVIEW.format(code="DOD1286")
    assert ListVersion.objects.count() == versions


@pytest.mark.django_db
def test_curated_aliases_come_back_with_an_entry_that_returns(
    seed_lists: None, tmp_path: Path
) -> None:
    doc = _seed_1286()
    folder = tmp_path / "x"
    folder.mkdir()
    without = {**doc, "entries": [e for e in doc["entries"] if "Harbin Institute" not in e["name"]]}
    list_import(fmt="grantcheck-yaml", path=_write(folder / "a.yaml", without))
    assert names_screen(names=["哈尔滨工业大学"])[0]["matches"] == []

    list_import(fmt="grantcheck-yaml", path=_write(folder / "a.yaml", doc))

    [result] = names_screen(names=["哈尔滨工业大学"])
    assert result["matches"][0]["name"] == "Harbin Institute of Technology"
    assert result["matches"][0]["decision"] == "accept"


@pytest.mark.django_db
def test_reimporting_the_seed_folder_after_a_single_file_edition_changes_nothing_more(
    seed_lists: None, tmp_path: Path
) -> None:
    list_import(fmt="grantcheck-yaml", path=_next_edition(tmp_path))
    again = list_import(fmt="grantcheck-yaml", path=_next_edition(tmp_path / "again"))
    assert {o.status for o in again.lists} == {"unchanged"}


@pytest.mark.django_db
def test_the_api_previews_an_edition_with_dry_run(
    seed_lists: None, tmp_path: Path, admin_user: Any, api_client_for: Callable[[Any], Any]
) -> None:
    path = _next_edition(tmp_path)
    versions = ListVersion.objects.count()
    client = api_client_for(admin_user)
    with path.open("rb") as fh:
        response = client.post(
            "/api/v1/imports/list/",
            {"format": "grantcheck-yaml", "dry_run": "true", "file": fh},
            format="multipart",
        )
    assert response.status_code == 200, response.content
    body = response.json()
    [outcome] = body["lists"]
    assert body["dry_run"] is True
    assert outcome["diff"]["summary"] == {
        "added": 1,
        "removed": 1,
        "changed": 0,
        "aliases_added": 0,
        "aliases_dropped": 0,
    }
    assert ListVersion.objects.count() == versions


@pytest.mark.django_db
def test_the_migration_keeps_the_aliases_current_editions_hold_beyond_their_file(
    seed_lists: None, tmp_path: Path
) -> None:
    from django.apps import apps

    migration = importlib.import_module("rules.migrations.0003_curated_aliases_per_entry")
    expected = set(CuratedAlias.objects.values_list("external_id", "name"))
    CuratedAlias.objects.all().delete()  # as before the store existed

    migration.curated_from_current_editions(apps, None)

    assert set(CuratedAlias.objects.values_list("external_id", "name")) == expected
    assert ("harbin-institute-of-technology", "哈尔滨工业大学") in expected
    report = list_import(fmt="grantcheck-yaml", path=_next_edition(tmp_path))
    assert (report.lists[0].aliases_added, report.lists[0].aliases_dropped) == (0, 0)
