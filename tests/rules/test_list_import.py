"""Importing list editions: versions, diffs, no-op re-imports, all-or-nothing on bad files."""

from __future__ import annotations

import csv
import io
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.errors import ApplicationError
from rules.models import ListEntry, ListVersion, ReferenceList
from rules.services.lists import list_import
from tests.rules.conftest import SEED_LISTS

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def _shared(path: str) -> Path:
    full = SHARED / path
    if not full.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but shared data {full} is missing")
        pytest.skip(f"needs ../shared/data/{path} (not in a fresh clone)")
    return full


def _tiny_list(path: Path, entries: list[dict[str, object]]) -> Path:
    doc = {
        "format": "grantcheck-list/1",
        "list": {
            "code": "TESTLIST",
            "title": "Test list",
            "publisher": "grantcheck tests",
            "legal_basis": "none",
            "url": "https://example.org/list",
            "edition": "2026-01-01",
        },
        "entries": entries,
    }
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    return path


def _entry(name: str, country: str = "CN") -> dict[str, object]:
    return {"name": name, "country": country, "entity_type": "institution", "source": "test"}


@pytest.mark.django_db
def test_seed_lists_import_and_reimport_is_a_no_op() -> None:
    report = list_import(fmt="grantcheck-yaml", path=SEED_LISTS)

    codes = {o.code for o in report.lists}
    assert {"DOD1286", "DOD1260H"} <= codes
    dod1286 = ReferenceList.objects.get(code="DOD1286").current_version
    assert dod1286 is not None and dod1286.entry_count == 156
    harbin = ListEntry.objects.get(version=dod1286, primary_name="Harbin Institute of Technology")
    assert "HIT" in harbin.alias_names
    versions, entries = ListVersion.objects.count(), ListEntry.objects.count()

    again = list_import(fmt="grantcheck-yaml", path=SEED_LISTS)

    assert {o.status for o in again.lists} == {"unchanged"}
    assert (ListVersion.objects.count(), ListEntry.objects.count()) == (versions, entries)


@pytest.mark.django_db
def test_new_edition_records_added_removed_and_changed(tmp_path: Path) -> None:
    first = _tiny_list(
        tmp_path / "a.yaml",
        [_entry("Alpha Institute"), _entry("Beta University"), _entry("Gamma Academy")],
    )
    list_import(fmt="grantcheck-yaml", path=first)
    second = _tiny_list(
        tmp_path / "b.yaml",
        [_entry("Alpha Institute"), _entry("Beta University", "RU"), _entry("Delta College")],
    )

    report = list_import(fmt="grantcheck-yaml", path=second)

    [outcome] = report.lists
    assert (outcome.status, outcome.added, outcome.removed, outcome.changed) == ("created", 1, 1, 1)
    version = ListVersion.objects.get(pk=outcome.version_id)
    assert [d["name"] for d in version.diff["added"]] == ["Delta College"]
    assert [d["name"] for d in version.diff["removed"]] == ["Gamma Academy"]
    assert [d["name"] for d in version.diff["changed"]] == ["Beta University"]
    assert version.previous is not None and version.previous.entry_count == 3


@pytest.mark.django_db
def test_malformed_file_is_rejected_naming_line_and_field(tmp_path: Path) -> None:
    path = _tiny_list(tmp_path / "bad.yaml", [_entry("Alpha Institute")])
    text = path.read_text(encoding="utf-8").replace("country: CN", "country: Narnia-Land")
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ApplicationError) as exc:
        list_import(fmt="grantcheck-yaml", path=path)

    assert "country" in exc.value.message
    assert exc.value.extra.get("line")
    assert ListVersion.objects.count() == 0 and ReferenceList.objects.count() == 0


@pytest.mark.django_db
def test_import_list_command_reports_and_refuses_bad_files(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("import_list", "grantcheck-yaml", str(SEED_LISTS), stdout=out)
    assert "DOD1286" in out.getvalue() and "new version" in out.getvalue()
    broken = tmp_path / "broken.yaml"
    broken.write_text("list: [unclosed\n", encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_list", "grantcheck-yaml", str(broken))


@pytest.mark.django_db
def test_csl_csv_imports_every_row_per_source_and_reimport_is_a_no_op() -> None:
    path = _shared("trade-gov-csl/csl_2023-11-30.csv")
    with path.open(encoding="utf-8") as fh:
        sources = Counter(row["source"] for row in csv.DictReader(fh) if row["source"] != "source")

    report = list_import(fmt="csl-csv", path=path)

    imported = {o.code: o.entries for o in report.lists}
    assert sum(imported.values()) == sum(sources.values())
    assert len(imported) == len(sources)
    again = list_import(fmt="csl-csv", path=path)
    assert {o.status for o in again.lists} == {"unchanged"}


@pytest.mark.django_db
def test_ofac_sdn_set_imports_with_aliases(tmp_path: Path) -> None:
    folder = _shared("ofac-sdn")
    target = tmp_path / "sdn"
    shutil.copytree(folder, target)

    report = list_import(fmt="ofac-sdn", path=target)

    [outcome] = report.lists
    assert outcome.entries > 8000
    with_aliases = ListEntry.objects.filter(version_id=outcome.version_id).exclude(aliases=[])
    assert with_aliases.count() > 1000
