"""CET 2024 field tagger: taxonomy validation, the label rule, methods, bounds, determinism.

Pure Python, no database. The texts below are written for these tests. Tests that read the
shared NSF award sample skip when ../shared/data is absent, unless CI == "true".
"""

from __future__ import annotations

import copy
import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from rules.fields import (
    DEFAULT_THRESHOLD,
    FieldTag,
    ProjectText,
    Taxonomy,
    load_taxonomy,
    nsf_programme_codes,
    tag_project,
)
from rules.fields.loader import taxonomy_from_dict
from rules.fields.tagger import METHOD_CODE, METHOD_CODE_TEXT, METHOD_TEXT

REPO_ROOT = Path(__file__).resolve().parents[2]
TAXONOMY_PATH = REPO_ROOT / "seeds/fields/cet_2024.yaml"
LABELLED_PATH = REPO_ROOT / "tests/data/fields_labelled.csv"
SHARED_DATA = REPO_ROOT.parent / "shared/data"
CET_CSV = SHARED_DATA / "nstc-cet-2024/cet_2024_areas.csv"
NSF_SAMPLE = SHARED_DATA / "nsf-awards-2017/nsf_awards_2017_sample2000.csv"

OFFICIAL_NAMES = (
    "Advanced Computing",
    "Advanced Engineering Materials",
    "Advanced Gas Turbine Engine Technologies",
    "Advanced and Networked Sensing and Signature Management",
    "Advanced Manufacturing",
    "Artificial Intelligence",
    "Biotechnologies",
    "Clean Energy Generation and Storage",
    "Data Privacy, Data Security, and Cybersecurity Technologies",
    "Directed Energy",
    "Highly Automated, Autonomous, and Uncrewed Systems, and Robotics",
    "Human-Machine Interfaces",
    "Hypersonics",
    "Integrated Communication and Networking Technologies",
    "Positioning, Navigation, and Timing Technologies",
    "Quantum Information and Enabling Technologies",
    "Semiconductors and Microelectronics",
    "Space Technologies and Systems",
)

CLIMATE_ML = ProjectText(
    sponsor="NSF",
    title="Improving Arctic sea ice projections in climate models with machine learning",
    abstract=(
        "Sea ice loss in the Arctic is one of the clearest signals of climate change, yet "
        "climate models disagree on how fast it will proceed. This project will use machine "
        "learning and neural networks trained on satellite observations to improve the "
        "representation of sea ice processes in an earth system model. The resulting climate "
        "projections will inform assessments of sea level, ecosystems and coastal communities. "
        "Graduate students will be trained in climate science and data analysis."
    ),
    programme="ARCTIC NATURAL SCIENCES",
    programme_codes=("NSF:DIR:GEO", "NSF:DIV:OPP", "NSF:PE:5280"),
)
QUANTUM_HARDWARE = ProjectText(
    sponsor="NSF",
    title="Error-corrected superconducting qubit arrays for scalable quantum computing",
    abstract=(
        "Quantum computers promise to solve problems that are intractable for classical "
        "machines, but today's qubits are too noisy. This project will build arrays of "
        "superconducting qubits with improved coherence and implement quantum error correction "
        "on them. The team will develop new quantum gates, characterise crosstalk between "
        "qubits, and demonstrate a logical qubit that outlives its physical components."
    ),
    programme="QIS - Quantum Information Science",
    programme_codes=("NSF:DIR:MPS", "NSF:DIV:PHY", "NSF:PE:7281", "NSF:PR:7203"),
)
EDUCATION = ProjectText(
    sponsor="NSF",
    title="REU Site: Undergraduate research in robotics, artificial intelligence and drones",
    abstract=(
        "This Research Experiences for Undergraduates site will host ten students each summer. "
        "Students will work with faculty mentors on robotics, machine learning, autonomous "
        "drones and cybersecurity projects, attend workshops on research ethics and careers, "
        "and present posters. Recruitment targets students from institutions with limited "
        "research opportunities."
    ),
    programme="RSCH EXPER FOR UNDERGRAD SITES",
    programme_codes=("NSF:DIR:CISE", "NSF:DIV:CNS", "NSF:PE:1139"),
)
MICROSCOPE_BIOLOGY = ProjectText(
    sponsor="NSF",
    title="Cytoskeleton dynamics during plant cell division",
    abstract=(
        "Plant cells divide by building a new wall from the inside out. This project will use "
        "live-cell confocal microscopy and image analysis on a computing cluster to follow "
        "microtubules during cell division in moss and Arabidopsis, and test how evolutionary "
        "changes in microtubule-associated proteins shaped plant development."
    ),
    programme="Cellular Dynamics and Function",
    programme_codes=("NSF:DIR:BIO", "NSF:DIV:MCB", "NSF:PE:1114"),
)
BATTERY = ProjectText(
    sponsor="NSF",
    title="Solid polymer electrolytes for safer lithium-ion batteries",
    abstract=(
        "Lithium-ion batteries power vehicles and store renewable energy, but their liquid "
        "electrolytes are flammable. This project will synthesise solid polymer electrolytes, "
        "measure ion transport, and build battery cells that cycle safely. Energy storage "
        "devices made this way could be lighter and last longer."
    ),
)


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_PATH)


@pytest.fixture()
def raw_taxonomy() -> dict[str, Any]:
    with TAXONOMY_PATH.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


def areas_of(tags: list[FieldTag]) -> set[str]:
    return {tag.area for tag in tags}


def shared_data_or_skip(path: Path) -> Path:
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"shared test data missing under CI: {path}")
        pytest.skip(f"shared test data not available: {path}")
    return path


# --- taxonomy ---------------------------------------------------------------------------


def test_it_ships_the_eighteen_official_areas_in_order(taxonomy: Taxonomy) -> None:
    assert tuple(area.name for area in taxonomy.areas) == OFFICIAL_NAMES
    assert len(set(taxonomy.codes)) == 18
    assert {"ai", "advanced_computing", "semiconductors", "quantum", "biotechnologies"} <= set(
        taxonomy.codes
    )
    assert "2024" in str(taxonomy.source.get("date"))
    assert all(area.description and area.terms for area in taxonomy.areas)


def test_it_matches_the_nstc_list_in_shared_data(taxonomy: Taxonomy) -> None:
    path = shared_data_or_skip(CET_CSV)
    with path.open(encoding="utf-8", newline="") as handle:
        official = [row["cet_area"] for row in sorted(csv.DictReader(handle), key=_order)]
    assert [area.name for area in taxonomy.areas] == official


def _order(row: dict[str, str]) -> int:
    return int(row["order"])


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d["areas"][5].pop("terms"), "area 'ai': key 'terms'"),
        (lambda d: d["areas"][5]["terms"].update({"deep learning": "high"}), "key 'terms'"),
        (lambda d: d["areas"][5]["terms"].update({"deep learning": 0}), "area 'ai'"),
        (lambda d: d["areas"][5].update({"colour": "blue"}), "area 'ai': key 'colour'"),
        (lambda d: d["areas"][5].update({"code": "Artificial Intelligence"}), "key 'code'"),
        (lambda d: d["areas"][5].update({"name": ""}), "area 'ai': key 'name'"),
        (lambda d: d["areas"][6].update({"code": "ai"}), "area 'ai': key 'code': duplicate"),
        (lambda d: d["areas"][6].update({"order": 6}), "key 'order': duplicate"),
        (
            lambda d: d["areas"][15].update({"nsf_programme_elements": ["7928"]}),
            "area 'quantum': key 'nsf_programme_elements'",
        ),
        (lambda d: d["context"].update({"usage_words_after": "based"}), "usage_words_after"),
        (lambda d: d["context"].update({"colour": 1}), "context: key 'colour'"),
        (lambda d: d.update({"mask_phrases": "food security"}), "mask_phrases"),
        (lambda d: d.update({"areas": []}), "no areas"),
    ],
)
def test_it_rejects_bad_taxonomy_data_naming_the_area_and_key(
    raw_taxonomy: dict[str, Any], mutate: Any, expected: str
) -> None:
    data = copy.deepcopy(raw_taxonomy)
    mutate(data)
    with pytest.raises(ValueError, match=expected.replace("(", r"\(")):
        taxonomy_from_dict(data)


def test_it_rejects_a_file_that_is_not_a_taxonomy(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="areas"):
        load_taxonomy(path)


# --- the label rule ---------------------------------------------------------------------


def test_a_climate_model_using_machine_learning_is_not_ai(taxonomy: Taxonomy) -> None:
    assert "ai" not in areas_of(tag_project(CLIMATE_ML, taxonomy))
    assert tag_project(CLIMATE_ML, taxonomy) == []


def test_quantum_computing_hardware_is_quantum(taxonomy: Taxonomy) -> None:
    tags = tag_project(QUANTUM_HARDWARE, taxonomy)
    assert tags[0].area == "quantum"
    assert tags[0].method == METHOD_CODE_TEXT
    assert "qubit" in tags[0].evidence
    assert "NSF:PE:7281" in tags[0].evidence


def test_an_education_award_gets_no_tag(taxonomy: Taxonomy) -> None:
    assert tag_project(EDUCATION, taxonomy) == []
    without_codes = ProjectText(sponsor="NSF", title=EDUCATION.title, abstract=EDUCATION.abstract)
    assert tag_project(without_codes, taxonomy) == []


def test_a_biology_study_using_a_microscope_is_not_advanced_computing(
    taxonomy: Taxonomy,
) -> None:
    assert tag_project(MICROSCOPE_BIOLOGY, taxonomy) == []


def test_battery_research_is_clean_energy_from_text_alone(taxonomy: Taxonomy) -> None:
    tags = tag_project(BATTERY, taxonomy)
    assert tags[0].area == "clean_energy"
    assert tags[0].method == METHOD_TEXT
    assert "ai" not in areas_of(tags)


# --- methods, bounds, determinism -------------------------------------------------------


def test_a_programme_code_alone_tags_with_the_programme_code_method(taxonomy: Taxonomy) -> None:
    project = ProjectText(
        sponsor="NSF",
        title="Collaborative research: small project",
        abstract="",
        programme_codes=nsf_programme_codes("", "", "7928", "7203"),
    )
    tags = tag_project(project, taxonomy)
    assert areas_of(tags) == {"quantum"}
    assert tags[0].method == METHOD_CODE
    assert set(tags[0].evidence) == {"NSF:PE:7928", "NSF:PR:7203"}


def test_programme_codes_are_matched_case_and_space_insensitively(taxonomy: Taxonomy) -> None:
    lower = ProjectText(sponsor="NSF", title="t", abstract="", programme_codes=("nsf:pe: 7928",))
    upper = ProjectText(sponsor="NSF", title="t", abstract="", programme_codes=("NSF:PE:7928",))
    assert tag_project(lower, taxonomy) == tag_project(upper, taxonomy)


def test_nih_institute_codes_are_read(taxonomy: Taxonomy) -> None:
    project = ProjectText(
        sponsor="NIH",
        title="Engineering yeast strains by metabolic engineering for biomanufacturing",
        abstract="We will apply synthetic biology to build strains that make drug precursors.",
        programme_codes=("NIH:IC:NIBIB",),
    )
    tags = tag_project(project, taxonomy)
    assert tags[0].area == "biotechnologies"
    assert "NIH:IC:NIBIB" in tags[0].evidence


def test_confidences_are_probabilities_above_the_threshold(taxonomy: Taxonomy) -> None:
    for project in (QUANTUM_HARDWARE, BATTERY, CLIMATE_ML, MICROSCOPE_BIOLOGY):
        for threshold in (0.0, 0.3, DEFAULT_THRESHOLD, 0.9, 1.0):
            for tag in tag_project(project, taxonomy, threshold=threshold):
                assert 0.0 < tag.confidence <= 1.0
                assert tag.confidence >= threshold
    loose = areas_of(tag_project(QUANTUM_HARDWARE, taxonomy, threshold=0.1))
    strict = areas_of(tag_project(QUANTUM_HARDWARE, taxonomy, threshold=0.9))
    assert strict <= loose


@pytest.mark.parametrize("threshold", [-0.1, 1.5])
def test_it_rejects_a_threshold_outside_zero_to_one(taxonomy: Taxonomy, threshold: float) -> None:
    with pytest.raises(ValueError, match="threshold"):
        tag_project(BATTERY, taxonomy, threshold=threshold)


def test_tagging_is_deterministic(taxonomy: Taxonomy) -> None:
    reordered = ProjectText(
        sponsor=QUANTUM_HARDWARE.sponsor,
        title=QUANTUM_HARDWARE.title,
        abstract=QUANTUM_HARDWARE.abstract,
        programme=QUANTUM_HARDWARE.programme,
        programme_codes=tuple(reversed(QUANTUM_HARDWARE.programme_codes)),
    )
    first = tag_project(QUANTUM_HARDWARE, taxonomy)
    assert tag_project(QUANTUM_HARDWARE, taxonomy) == first
    assert tag_project(reordered, taxonomy) == first
    assert tag_project(QUANTUM_HARDWARE, load_taxonomy(TAXONOMY_PATH)) == first


def test_tags_are_sorted_best_first(taxonomy: Taxonomy) -> None:
    project = ProjectText(
        sponsor="NSF",
        title="Hardware security for 3-D integrated circuits",
        abstract=(
            "Stacked integrated circuits raise new hardware security problems. We will design "
            "CMOS circuits that detect hardware trojans and side-channel attacks, and verify "
            "them on fabricated chips. Attackers who tamper with a chip will be detected."
        ),
        programme_codes=("NSF:PE:8060",),
    )
    tags = tag_project(project, taxonomy)
    assert {"cybersecurity", "semiconductors"} <= areas_of(tags)
    assert [t.confidence for t in tags] == sorted((t.confidence for t in tags), reverse=True)


# --- NSF programme codes -----------------------------------------------------------------


def test_nsf_programme_codes_from_award_columns() -> None:
    codes = nsf_programme_codes(
        "Direct For Mathematical & Physical Scien",
        "Division Of Materials Research",
        "1710; 8292",
        "7203; 054z",
    )
    assert codes == (
        "NSF:DIR:MPS",
        "NSF:DIV:DMR",
        "NSF:PE:1710",
        "NSF:PE:8292",
        "NSF:PR:7203",
        "NSF:PR:054Z",
    )


@pytest.mark.parametrize(
    ("directorate", "division", "expected"),
    [
        (
            "Direct For Computer & Info Scie & Enginr",
            "Div Of Information & Intelligent Systems",
            ("NSF:DIR:CISE", "NSF:DIV:IIS"),
        ),
        (
            "Directorate For Engineering",
            "Div Of Electrical, Commun & Cyber Sys",
            ("NSF:DIR:ENG", "NSF:DIV:ECCS"),
        ),
        (
            "Direct For Education and Human Resources",
            "Division Of Undergraduate Education",
            ("NSF:DIR:EHR", "NSF:DIV:DUE"),
        ),
        (
            "Directorate For Geosciences",
            "Office of Polar Programs (OPP)",
            ("NSF:DIR:GEO", "NSF:DIV:OPP"),
        ),
        ("CISE", "CCF", ("NSF:DIR:CISE", "NSF:DIV:CCF")),
        ("", "", ()),
    ],
)
def test_nsf_directorates_and_divisions_are_abbreviated(
    directorate: str, division: str, expected: tuple[str, ...]
) -> None:
    assert nsf_programme_codes(directorate, division, "", "") == expected


# --- labelled data and benchmark ------------------------------------------------------------


def test_the_labelled_set_is_well_formed(taxonomy: Taxonomy) -> None:
    with LABELLED_PATH.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert rows and list(rows[0]) == ["AwardID", "areas", "note"]
    assert len(rows) >= 150
    assert len({row["AwardID"] for row in rows}) == len(rows)
    codes = set(taxonomy.codes)
    labelled = [set(filter(None, row["areas"].split(";"))) for row in rows]
    assert all(areas <= codes for areas in labelled)
    assert all(row["note"].strip() for row in rows)
    assert sum(not areas for areas in labelled) >= 50


def test_the_benchmark_meets_its_quality_target_on_the_nsf_sample() -> None:
    shared_data_or_skip(NSF_SAMPLE)
    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench/fields_eval.py"), "--data", str(NSF_SAMPLE)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["tune"]["projects"] >= 800 and result["frozen_test"]["projects"] >= 300
    assert "TUNING split" in completed.stdout and "FROZEN TEST split" in completed.stdout
    # Regression floors, below the figures measured at the end of issue 22 (frozen test: macro
    # F1 0.653, sensitive accuracy 0.830; the goals of 0.80 / 0.95 are not met yet).
    assert result["frozen_test"]["macro_f1"] >= 0.62
    assert result["frozen_test"]["sensitive_accuracy"] >= 0.80
    assert result["tune"]["macro_f1"] >= 0.8
    # speed is the benchmark's to report (bench/fields_eval.py), not a timed test's to assert


def test_the_benchmark_fails_clearly_without_data(tmp_path: Path) -> None:
    completed = subprocess.run(
        [sys.executable, str(REPO_ROOT / "bench/fields_eval.py"), "--data", str(tmp_path / "x")],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode != 0
    assert "award sample not found" in completed.stderr
