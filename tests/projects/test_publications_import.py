"""Publications as evidence: MEDLINE XML and OpenAlex works → linked authors → ties with
evidence (appointments from a person's own second affiliation, co-authorships from their
co-authors' institutions), idempotent, with a run record."""

from __future__ import annotations

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from projects.connectors.affiliations import institution_of, institutions_of
from projects.connectors.linking import Author, Linker
from projects.connectors.medline import import_medline
from projects.connectors.openalex import import_openalex
from projects.models import ImportRun, Organisation, Person, Tie, TieEvidence
from tests.factories import OrganisationFactory, PersonFactory, TieFactory

pytestmark = pytest.mark.django_db
DATA = Path(__file__).resolve().parents[1] / "data" / "connectors"
HOME = ["Example State University"]


@pytest.fixture
def people() -> dict[str, object]:
    return {
        "olga": PersonFactory.create(name="Olga Orcidson", orcid="0000-0002-1825-0097"),
        "nora": PersonFactory.create(name="Nora Namesake"),
        "luke": PersonFactory.create(name="Luke Lonely"),
    }


# ---------------------------------------------------------------- affiliations


def test_an_affiliation_names_its_institution_and_country() -> None:
    purdue = institution_of(
        "Department of Speech Language & Hearing Sciences, Purdue University, West Lafayette, "
        "IN 47907-2038, USA. someone@purdue.edu"
    )
    assert purdue is not None and (purdue.name, purdue.country) == ("Purdue University", "US")
    sysu = institution_of(
        "School of Mathematics and Computational Science, Sun Yat-sen University, Guangzhou, China."
    )
    assert sysu is not None and (sysu.name, sysu.country) == ("Sun Yat-sen University", "CN")
    jh = institution_of(
        "Department of Medicine, The Johns Hopkins School of Medicine, Baltimore, Maryland"
    )
    assert jh is not None and jh.country == "US" and "Johns Hopkins" in jh.name
    both = institutions_of(
        [
            "Dermatology Outcomes Collaboration, University of Chicago, Chicago, IL, USA ; "
            "Department of Medicine, Nanjing Drum Tower Hospital, Nanjing, China"
        ]
    )
    assert [(i.name, i.country) for i in both] == [
        ("University of Chicago", "US"),
        ("Nanjing Drum Tower Hospital", "CN"),
    ]
    assert institution_of("Baltimore, Maryland") is None


# ---------------------------------------------------------------- linking


def test_linking_by_orcid_by_name_and_affiliation_never_by_name_alone(people: dict) -> None:
    linker = Linker.build(extra_home=HOME)
    by_orcid = linker.link(Author("Orcidson", "O", orcid="https://orcid.org/0000-0002-1825-0097"))
    assert by_orcid is not None and by_orcid.person == people["olga"]
    assert (by_orcid.method, by_orcid.confidence) == ("orcid", 1.0)

    affiliated = ("Dept of Chemistry, Example State University, Springfield, IL, USA",)
    by_name = linker.link(Author("Namesake", "Nora", affiliations=affiliated))
    assert by_name is not None and by_name.person == people["nora"]
    assert by_name.method == "name_affiliation" and by_name.confidence == pytest.approx(0.9)
    initials = linker.link(Author("Namesake", "N", affiliations=affiliated))
    assert initials is not None and initials.confidence == pytest.approx(0.75)

    # the same name, elsewhere: no link
    elsewhere = ("Institute of Chemistry, Chinese Academy of Sciences, Beijing, China",)
    assert linker.link(Author("Namesake", "Nora", affiliations=elsewhere)) is None
    assert linker.link(Author("Namesake", "Nora")) is None
    # a different first name at the home institution: no link
    assert linker.link(Author("Namesake", "Nathan", affiliations=affiliated)) is None
    # an ORCID iD on the paper that is not the person's rules them out, whatever the name
    other = Author("Orcidson", "Olga", orcid="0000-0001-5109-3700", affiliations=affiliated)
    assert linker.link(other) is None


def test_a_recorded_employment_counts_as_a_known_affiliation(people: dict) -> None:
    TieFactory.create(
        person=people["luke"],
        organisation=OrganisationFactory.create(
            name="Harbin Institute of Technology", country="CN"
        ),
        kind="employment",
    )
    linker = Linker.build()
    link = linker.link(
        Author("Lonely", "Luke", affiliations=("Harbin Institute of Technology, Harbin, China",))
    )
    assert link is not None and link.person == people["luke"]


# ---------------------------------------------------------------- the MEDLINE import


def _ties(person: Person) -> set[tuple[str, str, str, str]]:
    return {
        (t.kind, t.organisation.name, str(t.organisation.country), t.source)
        for t in Tie.objects.filter(person=person)
    }


def test_medline_import_makes_ties_with_evidence(people: dict) -> None:
    report = import_medline(DATA / "medline_small.xml", home=HOME)
    run = ImportRun.objects.get()
    assert run.status == "completed" and run.connector == "medline_xml"
    assert run.counts == report.counts
    assert report.counts["papers"] == 2 and report.counts["authors_linked"] == 2
    assert (
        report.counts["linked_by_orcid"] == 1 and report.counts["linked_by_name_affiliation"] == 1
    )

    # Olga: her own second affiliation is an appointment; her co-author's institution a
    # co-authorship; her home institution neither
    assert _ties(people["olga"]) == {
        ("appointment", "Zhejiang University", "CN", "publication"),
        ("coauthorship", "Chinese Academy of Sciences", "CN", "publication"),
    }
    # Nora: co-authors' institutions only (Olga's Zhejiang affiliation is collaboration for her)
    assert _ties(people["nora"]) == {
        ("coauthorship", "Zhejiang University", "CN", "publication"),
        ("coauthorship", "Chinese Academy of Sciences", "CN", "publication"),
    }
    # Luke: named on both papers, never at a known affiliation: never linked
    assert not Tie.objects.filter(person=people["luke"]).exists()

    appointment = Tie.objects.get(person=people["olga"], kind="appointment")
    assert (appointment.start_date, appointment.end_date) == (date(2016, 3, 4), date(2016, 3, 4))
    [evidence] = appointment.evidence.all()
    assert evidence.item_key == "pmid:90000001"
    assert evidence.url == "https://pubmed.ncbi.nlm.nih.gov/90000001/"
    assert evidence.title == "Sample paper one."
    assert evidence.role == "own_affiliation" and evidence.link_method == "orcid"
    assert "Zhejiang University" in evidence.affiliation
    nora_evidence = TieEvidence.objects.filter(tie__person=people["nora"]).first()
    assert nora_evidence is not None
    assert nora_evidence.link_method == "name_affiliation"
    assert nora_evidence.confidence == pytest.approx(0.9)


def test_medline_import_twice_changes_nothing(people: dict) -> None:
    import_medline(DATA / "medline_small.xml", home=HOME)
    ties = list(Tie.objects.order_by("pk").values())
    evidence = list(TieEvidence.objects.order_by("pk").values())
    orgs = Organisation.objects.count()
    second = import_medline(DATA / "medline_small.xml", home=HOME)
    assert list(Tie.objects.order_by("pk").values()) == ties
    assert list(TieEvidence.objects.order_by("pk").values()) == evidence
    assert Organisation.objects.count() == orgs
    assert second.counts.get("new", 0) == 0 and second.counts["unchanged"] == 4
    assert ImportRun.objects.count() == 2


def test_a_recorded_tie_is_confirmed_not_duplicated(people: dict) -> None:
    zju = OrganisationFactory.create(name="Zhejiang University", country="CN")
    recorded = TieFactory.create(
        person=people["olga"],
        organisation=zju,
        kind="appointment",
        start_date=date(2015, 1, 1),
        end_date=None,
        disclosed_in=["other_support"],
    )
    report = import_medline(DATA / "medline_small.xml", home=HOME)
    assert report.counts["confirmed"] == 1
    assert not Tie.objects.filter(
        person=people["olga"], kind="appointment", source="publication"
    ).exists()
    assert recorded.evidence.get().item_key == "pmid:90000001"


def test_a_malformed_file_is_reported_by_name_and_the_rest_imported(
    people: dict, tmp_path: Path
) -> None:
    (tmp_path / "a_broken.xml").write_text("<MedlineCitationSet><MedlineCitation>")
    (tmp_path / "b_good.xml").write_bytes((DATA / "medline_small.xml").read_bytes())
    report = import_medline(tmp_path, home=HOME)
    assert report.counts["rejected"] == 1 and report.problems[0]["item"] == "a_broken.xml"
    assert report.counts["files"] == 2
    assert Tie.objects.filter(person=people["olga"]).count() == 2


def test_entities_are_not_expanded(people: dict, tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<MedlineCitationSet><MedlineCitation><PMID>1</PMID></MedlineCitation></MedlineCitationSet>"
    )
    report = import_medline(bomb, home=HOME)
    assert report.counts["rejected"] == 1 and report.problems[0]["item"] == "bomb.xml"


def test_import_publications_command(people: dict) -> None:
    out = StringIO()
    call_command(
        "import_publications",
        "medline-xml",
        str(DATA / "medline_small.xml"),
        "--home",
        HOME[0],
        "--json",
        stdout=out,
    )
    printed = json.loads(out.getvalue())
    assert printed["counts"]["new"] == 4 and printed["run"] == ImportRun.objects.get().pk
    with pytest.raises(CommandError, match="does not exist"):
        call_command("import_publications", "medline-xml", "/nonexistent/file.xml")


# ---------------------------------------------------------------- OpenAlex


def test_openalex_import_uses_identified_institutions(people: dict) -> None:
    report = import_openalex(DATA / "openalex_works.jsonl", home=HOME)
    assert report.counts["papers"] == 2
    assert report.counts["rejected"] == 1 and "line 3" in report.problems[0]["item"]
    assert _ties(people["olga"]) == {
        ("appointment", "Beihang University", "CN", "publication"),
        ("coauthorship", "Harbin Institute of Technology", "CN", "publication"),
    }
    beihang = Organisation.objects.get(name="Beihang University")
    assert beihang.type == "university"
    evidence = TieEvidence.objects.get(tie__person=people["olga"], tie__kind="appointment")
    assert evidence.item_key == "openalex:W2900000001"
    assert evidence.url == "https://doi.org/10.5555/example.1"
    assert evidence.published_on == date(2022, 5, 17)
    # Nora is linked by name and the raw affiliation string naming the home institution
    assert ("coauthorship", "Beihang University", "CN", "publication") in _ties(people["nora"])
    again = import_openalex(DATA / "openalex_works.jsonl", home=HOME)
    assert again.counts.get("new", 0) == 0


def test_an_odd_link_is_dropped_not_the_evidence(people: dict, tmp_path: Path) -> None:
    work = {
        "id": "https://openalex.org/W1",
        "doi": "not a link at all",
        "title": "Odd",
        "publication_date": "2023-02-01",
        "authorships": [
            {
                "author": {"display_name": "Olga Orcidson", "orcid": "0000-0002-1825-0097"},
                "institutions": [
                    {"display_name": "Example State University", "country_code": "US"},
                    {"display_name": "Tsinghua University", "country_code": "CN"},
                ],
            },
            {"author": {"display_name": "Bad Types"}, "institutions": "not a list"},
        ],
    }
    path = tmp_path / "w.jsonl"
    path.write_text(json.dumps(work) + "\n" + json.dumps([1, 2]) + "\n")
    report = import_openalex(path, home=HOME)
    evidence = TieEvidence.objects.get(tie__organisation__name="Tsinghua University")
    assert evidence.url == "" and evidence.item_key == "openalex:W1"
    assert report.counts["rejected"] == 1 and "line 2" in report.problems[0]["item"]
