"""NSF award XML: the parser (file -> records) and the import (records -> portfolio)."""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from compliance.models import RecheckRun
from projects.connectors.nsf_import import import_nsf_awards, person_key_email
from projects.connectors.nsf_xml import NsfAward, Rejected, count_files, read_awards
from projects.models import ImportRun, Organisation, Person, Project, Role
from tests.factories import PersonFactory

REPO = Path(__file__).resolve().parents[2]
AWARDS = REPO / "tests" / "data" / "nsf" / "awards"
SHARED = Path(os.environ.get("GRANTCHECK_SHARED_DATA", REPO.parent / "shared" / "data"))
TARBALL = SHARED / "nsf-awards-2017" / "nsf_awards_2017_xml.tar.gz"
ADDRESSES = ("example.edu", "ada.quill", "bo.lattice", "2175550199", "2175550100")
GOOD = {"2400001", "2400002"}


def _split(records: list[NsfAward | Rejected]) -> tuple[dict[str, NsfAward], dict[str, str]]:
    awards = {r.award_id: r for r in records if isinstance(r, NsfAward)}
    rejected = {r.item: r.reason for r in records if isinstance(r, Rejected)}
    return awards, rejected


# ---------------------------------------------------------------- parser


def test_parser_reads_awards_and_names_every_file_it_rejects() -> None:
    awards, rejected = _split(list(read_awards(AWARDS)))
    assert set(awards) == GOOD
    assert set(rejected) == {"2400003.xml", "2400004.xml", "2400005.xml"}
    assert rejected["2400003.xml"].startswith("not well-formed XML")
    assert "AwardAmount" in rejected["2400004.xml"] and "-500" in rejected["2400004.xml"]
    assert rejected["2400005.xml"].startswith("refused: the XML declares entities")

    quantum = awards["2400001"]
    assert quantum.title == "Quantum Sensing with Trapped Ions"
    assert quantum.amount_usd == Decimal("450000")
    assert (quantum.start_date, quantum.end_date) == (date(2024, 9, 1), date(2027, 8, 31))
    assert quantum.directorate == "Direct For Mathematical & Physical Scien"
    assert quantum.division == "Division Of Physics"
    assert quantum.programme_elements == (
        ("7281", "QUANTUM INFORMATION SCIENCE"),
        ("1290", "ATOMIC MOLECULAR & OPTICAL"),
    )
    assert quantum.programme_references == (("7203", "QUANTUM INFORMATION SCIENCE"),)
    assert quantum.abstract == (
        "Trapped ions make precise sensors.\n\nThis award reflects NSF's statutory mission."
    )
    assert quantum.institution is not None
    assert quantum.institution.name == "Example State University"
    assert quantum.institution.country_name == "United States"
    roles = [(i.name, i.role_code) for i in quantum.investigators]
    assert roles == [
        ("Ada Quill", "Principal Investigator"),
        ("Bo Lattice", "Co-Principal Investigator"),
        ("Cy Former", "Former Co-Principal Investigator"),
        ("Di Noaddress", "Co-Principal Investigator"),
    ]
    assert quantum.investigators[0].email == "ada.quill@example.edu"  # a key, lower-cased
    # neither addresses nor phone numbers appear when a record is printed or logged
    text = repr(quantum)
    assert not any(fragment in text.lower() for fragment in ADDRESSES)


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_parser_reads_archives_as_the_folder(tmp_path: Path, kind: str) -> None:
    archive = tmp_path / f"awards.{kind}"
    if kind == "zip":
        with zipfile.ZipFile(archive, "w") as out:
            for path in sorted(AWARDS.iterdir()):
                out.write(path, f"awards/{path.name}")
    else:
        with tarfile.open(archive, "w:gz") as out:
            out.add(AWARDS, arcname="awards")
    awards, rejected = _split(list(read_awards(archive)))
    assert set(awards) == GOOD
    assert set(rejected) == {"awards/2400003.xml", "awards/2400004.xml", "awards/2400005.xml"}
    assert count_files(archive) == 5  # the README is not an award file


def test_a_corrupt_archive_is_reported_by_name(tmp_path: Path) -> None:
    good = tmp_path / "good.tar.gz"
    with tarfile.open(good, "w:gz") as out:
        out.add(AWARDS, arcname="awards")
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(good.read_bytes()[:400])  # cut short
    records = list(read_awards(broken))
    assert records and isinstance(records[-1], Rejected)
    assert records[-1].item == "broken.tar.gz"
    assert records[-1].reason.startswith("cannot read the archive")
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip at all")
    [rejected] = read_awards(garbage)
    assert isinstance(rejected, Rejected) and rejected.item == "garbage.zip"


# ---------------------------------------------------------------- import


def _rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row the import writes, with its timestamps (a re-import must touch nothing)."""
    return {
        "projects": list(Project.objects.order_by("pk").values_list()),
        "people": list(Person.objects.order_by("pk").values_list()),
        "roles": list(Role.objects.order_by("pk").values_list()),
        "organisations": list(Organisation.objects.order_by("pk").values_list()),
        "history": [
            Project.history.count(),
            Person.history.count(),
            Role.history.count(),
        ],
    }


@pytest.mark.django_db
def test_import_writes_projects_people_roles_and_institution() -> None:
    run = import_nsf_awards(AWARDS)
    assert run.status == ImportRun.Status.COMPLETED
    assert run.connector == ImportRun.Connector.NSF_AWARDS
    assert {k: run.counts[k] for k in ("imported", "updated", "unchanged", "rejected")} == {
        "imported": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 3,
    }
    assert {p["item"] for p in run.problems} == {"2400003.xml", "2400004.xml", "2400005.xml"}
    assert run.problems_total == 3

    quantum = Project.objects.get(sponsor="NSF", award_number="2400001")
    assert quantum.title == "Quantum Sensing with Trapped Ions"
    assert quantum.amount_usd == Decimal("450000.00")
    assert quantum.status == "active"
    assert quantum.programme == "QUANTUM INFORMATION SCIENCE; ATOMIC MOLECULAR & OPTICAL"
    assert quantum.programme_codes == [
        "NSF:DIR:MPS",
        "NSF:DIV:PHY",
        "NSF:PE:7281",
        "NSF:PE:1290",
        "NSF:PR:7203",
    ]
    coastal = Project.objects.get(award_number="2400002")
    assert coastal.status == "closed"  # ended in 2019
    assert coastal.programme_codes == ["NSF:DIR:GEO", "NSF:DIV:OCE", "NSF:PE:1610"]
    # "Example State University" and "The Example State University" are one organisation
    org = Organisation.objects.get()
    assert (org.name, org.country, org.type) == ("Example State University", "US", "university")
    assert quantum.institution == org and coastal.institution == org

    roles = {(r.project.award_number, r.person.name): r.role for r in Role.objects.all()}
    assert roles == {
        ("2400001", "Ada Quill"): "pi",
        ("2400001", "Bo Lattice"): "co_pi",
        ("2400001", "Cy Former"): "other",
        ("2400001", "Di Noaddress"): "co_pi",
        ("2400002", "Ada Quill"): "pi",  # the same person on both awards
    }
    assert Person.objects.count() == 4


@pytest.mark.django_db
def test_email_addresses_are_keys_only_never_stored() -> None:
    known = PersonFactory.create(email="bo.lattice@example.edu", name="Bo Lattice-Smith")
    import_nsf_awards(AWARDS)
    # a person the portfolio already has (by the institution's address) is that person
    assert Role.objects.get(project__award_number="2400001", person=known).role == "co_pi"
    assert Person.objects.get(pk=known.pk).name == "Bo Lattice-Smith"  # names are not rewritten
    others = Person.objects.exclude(pk=known.pk)
    assert others.count() == 3
    for person in others:
        assert person.email.endswith("@person-key.invalid")
        assert "example" not in person.email and "quill" not in person.email
    ada = Person.objects.get(name="Ada Quill")
    assert ada.email == person_key_email("Ada.Quill@Example.edu")
    for row in Project.objects.values_list("title", "abstract"):
        assert not any(fragment in " ".join(row).lower() for fragment in ADDRESSES)


@pytest.mark.django_db
def test_a_second_import_changes_nothing() -> None:
    import_nsf_awards(AWARDS)
    before = _rows()
    again = import_nsf_awards(AWARDS)
    assert {k: again.counts[k] for k in ("imported", "updated", "unchanged", "rejected")} == {
        "imported": 0,
        "updated": 0,
        "unchanged": 2,
        "rejected": 3,
    }
    assert _rows() == before
    assert ImportRun.objects.count() == 2


@pytest.mark.django_db
def test_a_changed_award_is_updated_and_rechecked(
    tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    folder = tmp_path / "awards"
    shutil.copytree(AWARDS, folder)
    import_nsf_awards(folder)
    path = folder / "2400002.xml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("<AwardAmount>120000<", "<AwardAmount>180000<")
    text = text.replace("</Investigator>", "</Investigator>\n" + _co_pi("Eve", "Newcomer"), 1)
    path.write_text(text, encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        run = import_nsf_awards(folder)
    assert (run.counts["updated"], run.counts["unchanged"]) == (1, 1)
    coastal = Project.objects.get(award_number="2400002")
    assert coastal.amount_usd == Decimal("180000.00")
    assert Role.objects.get(project=coastal, person__name="Eve Newcomer").role == "co_pi"
    [recheck] = RecheckRun.objects.filter(trigger="portfolio import")
    assert _rechecked(recheck) == {coastal.pk}


def _rechecked(run: RecheckRun) -> set[int]:
    return {pid for chunk in run.chunks.all() for pid in chunk.project_ids}


def _co_pi(first: str, last: str) -> str:
    return (
        f"<Investigator>\n<FirstName>{first}</FirstName>\n<LastName>{last}</LastName>\n"
        f"<EmailAddress>{first.lower()}@example.edu</EmailAddress>\n"
        "<RoleCode>Co-Principal Investigator</RoleCode>\n</Investigator>"
    )


@pytest.mark.django_db
def test_the_first_import_rechecks_the_new_projects(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        import_nsf_awards(AWARDS)
    [recheck] = RecheckRun.objects.filter(trigger="portfolio import")
    assert _rechecked(recheck) == set(Project.objects.values_list("pk", flat=True))


@pytest.mark.django_db
def test_the_command_prints_the_counts_and_names_rejected_files() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_nsf_awards", str(AWARDS), stdout=out, stderr=err)
    assert "2 imported, 0 updated, 0 unchanged, 3 rejected" in out.getvalue()
    assert "\r" not in out.getvalue()  # no progress bar when stdout is not a terminal
    assert "2400003.xml: not well-formed XML" in err.getvalue()
    assert not any(fragment in out.getvalue() + err.getvalue() for fragment in ADDRESSES)


@pytest.mark.django_db
def test_a_sample_of_the_real_tarball_imports(tmp_path: Path) -> None:
    if not TARBALL.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {TARBALL} is missing", pytrace=False)
        pytest.skip(f"needs {TARBALL}")
    sample = tmp_path / "sample.tar.gz"
    taken = 0
    with tarfile.open(TARBALL, "r|gz") as source, tarfile.open(sample, "w:gz") as out:
        for member in source:
            if member.isfile():
                out.addfile(member, source.extractfile(member))
                taken += 1
            if taken == 150:
                break
    run = import_nsf_awards(sample)
    counts = run.counts
    assert counts["imported"] + counts["rejected"] == 150
    assert counts["imported"] == Project.objects.filter(sponsor="NSF").count() >= 145
    assert all(p["reason"] for p in run.problems)
    assert not Person.objects.exclude(email__endswith="@person-key.invalid").exists()
    assert Role.objects.filter(role="pi").count() >= counts["imported"]
    assert not Project.objects.filter(institution__isnull=True).exists()
    again = import_nsf_awards(sample)
    assert again.counts["unchanged"] == counts["imported"] and again.counts["imported"] == 0


@pytest.mark.django_db
def test_on_a_terminal_the_command_draws_a_progress_bar(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    call_command("import_nsf_awards", str(AWARDS))
    drawn = capsys.readouterr().out
    assert "\r[" in drawn and "100% 5/5 files" in drawn
    assert "2 imported" in drawn


def test_the_progress_bar_without_a_total_counts() -> None:
    from projects.connectors.progress import ProgressBar

    stream = io.StringIO()
    bar = ProgressBar(stream, None, label="files")
    bar(3)
    bar.close()
    assert "3 files" in stream.getvalue() and stream.getvalue().endswith("\n")


def test_an_unreadable_file_in_a_folder_is_named_and_the_rest_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "awards"
    shutil.copytree(AWARDS, folder)
    (folder / "2400009.xml").mkdir()  # not a file: skipped, not an award
    real_open = Path.open

    def refusing_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "2400002.xml":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refusing_open)
    awards, rejected = _split(list(read_awards(folder)))
    assert set(awards) == {"2400001"}
    assert rejected["2400002.xml"] == "cannot read the file: Permission denied"
