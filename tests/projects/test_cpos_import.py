"""`import_cpos`: SciENcv CPOS upload files imported as what the person disclosed."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from projects.connectors.cpos.importer import cpos_import
from projects.connectors.cpos.read import cpos_read_bytes, parse_xml
from projects.connectors.cpos.template import SUPPORT_ORDER, cpos_validate
from projects.models import ImportRun, Organisation, Person, Tie
from tests.factories import OrganisationFactory, PersonFactory, ProjectFactory, RoleFactory

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "data" / "cpos"
SAMPLE = DATA / "jane_doe.xml"
ORCID = "0000-0002-1825-0097"
DAY = date(2026, 3, 2)


@pytest.fixture
def jane() -> Person:
    person = PersonFactory.create(name="Jane M. Doe", email="jdoe@univ.edu", orcid=ORCID)
    project = ProjectFactory.create(sponsor="NSF", award_number="NSF-2401234")
    RoleFactory.create(project=project, person=person, role="pi")
    return person


def _run(path: Path, **kwargs: object) -> ImportRun:
    return cpos_import(path=path, document_date=DAY, **kwargs)  # type: ignore[arg-type]


def test_each_entry_becomes_a_tie_disclosed_in_current_and_pending_support(jane: Person) -> None:
    run = _run(SAMPLE)
    assert run.status == "completed"
    assert run.counts == {"files": 1, "created": 4, "project": 1}
    ties = {t.organisation.name: t for t in jane.ties.select_related("organisation")}
    assert set(ties) == {
        "Example State University",
        "Harbin Institute of Technology",
        "Technical University of Munich",
        "Max Planck Institute for Polymer Research",
    }
    for tie in ties.values():
        assert tie.disclosed_in == ["current_pending"]
        assert tie.disclosed_on == DAY
        assert tie.source == "self_disclosed"
    hit = ties["Harbin Institute of Technology"]
    assert (hit.kind, hit.start_date, hit.end_date) == ("appointment", date(2022, 1, 1), None)
    assert str(hit.organisation.country) == "CN"
    assert "CPOS position title: Adjunct Professor" in hit.notes
    tum = ties["Technical University of Munich"]
    assert (tum.kind, tum.start_date, tum.end_date) == (
        "funding",
        date(2025, 1, 1),
        date(2026, 12, 31),
    )
    assert "CPOS award number: TUM-SEED-77" in tum.notes
    assert "CPOS amount: 60000" in tum.notes
    assert "CPOS person-months: 2025 0.5; 2026 -" in tum.notes
    mpi = ties["Max Planck Institute for Polymer Research"]
    assert mpi.kind == "in_kind"
    assert "neutron spectrometer" in mpi.notes
    # the NSF award is the person's project: confirmed, not a tie to the NSF
    assert not Organisation.objects.filter(name="National Science Foundation").exists()


def test_importing_the_same_file_again_changes_nothing(jane: Person) -> None:
    _run(SAMPLE)
    before = list(Tie.objects.order_by("id").values())
    again = _run(SAMPLE)
    assert again.counts == {"files": 1, "unchanged": 4, "project": 1}
    assert list(Tie.objects.order_by("id").values()) == before


def test_an_entry_confirms_the_tie_already_on_record(jane: Person) -> None:
    hit = OrganisationFactory.create(name="Harbin Institute of Technology", country="CN")
    tie = Tie.objects.create(
        person=jane,
        organisation=hit,
        kind="appointment",
        start_date=date(2022, 3, 1),
        disclosed_in=["biosketch"],
        disclosed_on=date(2025, 1, 10),
    )
    run = _run(SAMPLE)
    assert run.counts["confirmed"] == 1 and run.counts["created"] == 3
    tie.refresh_from_db()
    assert tie.disclosed_in == ["biosketch", "current_pending"]
    assert tie.disclosed_on == DAY
    assert tie.start_date == date(2022, 3, 1)  # the record's own dates are kept
    assert jane.ties.filter(organisation=hit).count() == 1


def test_a_later_disclosure_date_on_record_is_kept(jane: Person) -> None:
    _run(SAMPLE)
    cpos_import(path=SAMPLE, document_date=date(2025, 6, 1))
    assert set(Tie.objects.values_list("disclosed_on", flat=True)) == {DAY}


def test_a_file_is_linked_by_its_orcid_id_and_never_by_a_name_alone(jane: Person) -> None:
    no_orcid = SAMPLE.read_text().replace(ORCID, "")
    path = DATA.parent.parent / "_cpos_no_orcid.xml"
    try:
        path.write_text(no_orcid)
        run = _run(path)
    finally:
        path.unlink()
    assert run.counts == {"files": 1, "rejected": 1}
    assert "no ORCID iD" in run.problems[0]["reason"]
    assert "a name alone is never enough" in run.problems[0]["reason"]
    assert not Tie.objects.exists()


def test_an_orcid_id_nobody_has_is_refused(db: None) -> None:
    PersonFactory.create(name="Jane Marie Doe")  # the same name, no ORCID iD: not linked
    run = _run(SAMPLE)
    assert run.counts["rejected"] == 1
    assert f"ORCID iD {ORCID} is not on anyone's record" in run.problems[0]["reason"]
    assert not Tie.objects.exists()


def test_the_person_can_be_named_by_e_mail(tmp_path: Path) -> None:
    person = PersonFactory.create(email="jdoe@univ.edu")
    path = tmp_path / "cpos.xml"
    path.write_text(SAMPLE.read_text().replace(ORCID, ""))
    run = _run(path, person_email="JDoe@univ.edu")
    assert run.counts["created"] == 5  # the NSF award is no project of this person: a tie
    assert person.ties.count() == 5
    other = PersonFactory.create(email="other@univ.edu", orcid="0000-0001-5109-3700")
    refused = _run(SAMPLE, person_email=other.email)
    assert "is not the ORCID iD of other@univ.edu" in refused.problems[0]["reason"]


def test_bad_files_are_rejected_by_name_and_the_good_ones_imported(
    jane: Person, tmp_path: Path
) -> None:
    (tmp_path / "a_good.xml").write_bytes(SAMPLE.read_bytes())
    (tmp_path / "b_broken.xml").write_text("<profile><funding></profile>")
    (tmp_path / "c_entities.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x "boom">]><profile>&x;</profile>'
    )
    (tmp_path / "d_root.xml").write_text("<cv><funding/></cv>")
    (tmp_path / "notes.txt").write_text("not XML, not read")
    run = _run(tmp_path)
    assert run.counts["files"] == 4 and run.counts["created"] == 4
    reasons = {p["item"]: p["reason"] for p in run.problems}
    assert reasons["b_broken.xml"].startswith("not well-formed XML")
    assert "entities are not allowed" in reasons["c_entities.xml"]
    assert "root element must be <profile>, not <cv>" in reasons["d_root.xml"]
    assert run.counts["rejected"] == 3


def test_a_bad_entry_is_rejected_with_its_problems_and_the_others_imported(
    jane: Person, tmp_path: Path
) -> None:
    text = SAMPLE.read_text()
    text = text.replace("<startdate>2025-01-01</startdate>", "<startdate>01/2025</startdate>")
    text = text.replace("<awardamount>60000</awardamount>", "<awardamount>$60,000</awardamount>")
    path = tmp_path / "cpos.xml"
    path.write_text(text)
    run = _run(path)
    assert run.counts == {"files": 1, "created": 3, "project": 1, "rejected": 1}
    [problem] = run.problems
    assert problem["item"] == "cpos.xml support[2]"
    assert "<startdate> must be a date YYYY-MM-DD, not '01/2025'" in problem["reason"]
    assert "<awardamount> must be whole dollars" in problem["reason"]
    assert not Organisation.objects.filter(name="Technical University of Munich").exists()


def test_a_document_date_in_the_future_is_refused(jane: Person) -> None:
    run = cpos_import(path=SAMPLE, document_date=date(2999, 1, 1))
    assert "in the future" in run.problems[0]["reason"]
    assert not Tie.objects.exists()


def test_the_command_prints_the_report_and_fails_when_something_was_rejected(
    jane: Person, tmp_path: Path
) -> None:
    out = io.StringIO()
    call_command("import_cpos", str(SAMPLE), "--date", "2026-03-02", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["counts"]["unchanged"] == 0 and report["counts"]["created"] == 4
    assert ImportRun.objects.get(pk=report["run"]).connector == "cpos"
    (tmp_path / "x.xml").write_text("<profile>")
    with pytest.raises(CommandError, match="1 item\\(s\\) rejected"):
        call_command("import_cpos", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO())
    with pytest.raises(CommandError, match="not a date"):
        call_command("import_cpos", str(SAMPLE), "--date", "March 2nd")


def test_the_sample_conforms_to_the_template_and_departures_are_named() -> None:
    good = SAMPLE.read_bytes()
    assert cpos_validate(parse_xml(good)) == []
    doc = cpos_read_bytes(good)
    assert (doc.orcid, doc.era_commons, doc.name) == (ORCID, "JDOE1", "Jane Marie Doe")
    assert len(doc.positions) == 2 and len(doc.supports) == 3

    def problems(old: str, new: str) -> list[str]:
        return [
            str(p) for p in cpos_validate(parse_xml(good.replace(old.encode(), new.encode(), 1)))
        ]

    assert problems("<contributiontype>award</contributiontype>", "") == [
        "support[1]: <contributiontype> must be award or inkind, not ''"
    ]
    assert problems('<personmonth year="2024">', "<personmonth>") == [
        "support[1]: <personmonth> year must be YYYY, not ''"
    ]
    assert problems("<supporttype>current</supporttype>", "<supporttype>done</supporttype>")[0] == (
        "support[1]: <supporttype> must be current or pending, not 'done'"
    )
    assert problems("<projecttitle></projecttitle>", "<projecttitle>Beam</projecttitle>") == [
        "support[3]: an in-kind entry's <projecttitle> must be empty"
    ]
    swapped = problems(
        "<awardnumber>NSF-2401234</awardnumber>",
        "<location>Example State University</location>",
    )
    assert swapped == [
        f"support[1]: <support> children must be in the order {', '.join(SUPPORT_ORDER)}",
        "support[1]: <location> appears more than once in <support>",
    ]
    assert problems("<profile>", '<profile xmlns="urn:x">') == [
        "the root element must be <profile>, not <{urn:x}profile>"
    ]
    no_funding = cpos_validate(parse_xml(b"<profile><identification/><cv/></profile>"))
    assert [str(p) for p in no_funding] == [
        "<cv> is not allowed in <profile>",
        "<funding> is missing",
    ]
    long_title = "x" * 301
    assert problems("Polymer Dynamics at Interfaces", long_title) == [
        "support[1]: <projecttitle> has 301 characters (at most 300)"
    ]
