"""The field tagger's linear layer (issue 22): look-alikes, weak areas, evidence, the artifact.

The texts here are written for these tests (none is in the tuning or frozen split). Pure
Python: the shipped model is plain JSON, no scikit-learn needed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rules.fields import ProjectText, Taxonomy, load_taxonomy, tag_project
from rules.fields.loader import model_path
from rules.fields.model import ModelError, load_model, model_from_json
from rules.fields.tagger import tag_project_rules

REPO_ROOT = Path(__file__).resolve().parents[2]
TAXONOMY_PATH = REPO_ROOT / "seeds/fields/cet_2024.yaml"


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_PATH)


def areas(project: ProjectText, taxonomy: Taxonomy) -> set[str]:
    return {tag.area for tag in tag_project(project, taxonomy)}


def nsf(title: str, abstract: str, *codes: str) -> ProjectText:
    return ProjectText(sponsor="NSF", title=title, abstract=abstract, programme_codes=codes)


# --- look-alikes: mention a sensitive technology without advancing it --------------------

POLICY = nsf(
    "How Tariffs on Imported Batteries Shape Electric Vehicle Adoption",
    "This economics project uses county-level registration data and trade records to estimate "
    "how tariffs on imported lithium-ion battery cells changed electric vehicle prices and "
    "adoption, and who bears the cost. The findings will inform trade policy debates about "
    "clean energy supply chains and their distributional effects on households.",
    "NSF:DIR:SBE",
    "NSF:DIV:SES",
)
POLICY_AI = nsf(
    "Public Opinion on Algorithmic Risk Assessment in Criminal Courts",
    "Courts increasingly use machine learning risk scores in bail decisions. Through a national "
    "survey experiment, this political science project measures public support for such "
    "artificial intelligence tools, how explanations of accuracy and bias change attitudes, and "
    "what governance rules the public favours.",
    "NSF:DIR:SBE",
)
NATURAL = nsf(
    "Infrasound and Fragmentation of Fireballs Entering the Atmosphere",
    "Meteoroids strike the upper atmosphere at hypersonic speeds and break apart as fireballs. "
    "Using camera networks and infrasound stations, the team will reconstruct trajectories, "
    "model ablation and fragmentation, and estimate how much meteoric dust reaches the "
    "stratosphere each year.",
    "NSF:DIR:GEO",
    "NSF:DIV:AGS",
)
NATURAL_SENSING = nsf(
    "How Echolocating Bats Adjust Their Sonar in Cluttered Forests",
    "Bats emit calls and listen to echoes to hunt insects in dense vegetation. With microphone "
    "arrays and high-speed video in the field, this project measures how bats change call "
    "timing and beam direction as clutter increases, and what this reveals about the "
    "evolution of animal sensory systems.",
    "NSF:DIR:BIO",
    "NSF:DIV:IOS",
)
EDUCATION = nsf(
    "Summer Camp Introducing Rural Teens to Drones and Robotics",
    "A two-week summer camp will let high school students from rural counties build and fly "
    "small drones and program simple robots. The project studies how hands-on activities "
    "change students' interest in engineering careers and develops materials teachers can "
    "reuse in their classrooms.",
    "NSF:DIR:EHR",
)
WORKSHOP = nsf(
    "Workshop for Policymakers on the Ethics of Autonomous Weapons",
    "This workshop gathers ethicists, legal scholars and congressional staff to discuss "
    "meaningful human control, accountability and international humanitarian law for "
    "autonomous weapons, and to draft a policy brief for legislators.",
    "NSF:DIR:SBE",
)


@pytest.mark.parametrize(
    "project",
    [POLICY, POLICY_AI, NATURAL, NATURAL_SENSING, EDUCATION, WORKSHOP],
    ids=[
        "policy-economics",
        "policy-ai",
        "natural-meteors",
        "natural-bats",
        "education",
        "workshop",
    ],
)
def test_look_alikes_get_no_area(project: ProjectText, taxonomy: Taxonomy) -> None:
    assert tag_project(project, taxonomy) == []


# --- the weak areas -----------------------------------------------------------------------

WEAK = {
    "ai": nsf(
        "Generalization Theory for Overparameterized Deep Neural Networks",
        "Deep neural networks generalize well despite having more parameters than training "
        "examples. This project develops learning theory that explains when stochastic "
        "gradient descent finds solutions that generalize, and designs new training algorithms "
        "with provable guarantees for deep learning models.",
        "NSF:DIR:CISE",
        "NSF:DIV:IIS",
    ),
    "biotechnologies": ProjectText(
        sponsor="NIH",
        title="Prime Editing to Correct Disease Mutations in Liver Cells",
        abstract="We will engineer prime editing enzymes and guide RNAs delivered by lipid "
        "nanoparticles to correct pathogenic mutations in hepatocytes, quantify off-target "
        "editing, and test the gene therapy in mouse models of metabolic disease.",
        programme_codes=("NIH:IC:NHLBI",),
    ),
    "directed_energy": ProjectText(
        sponsor="DoD",
        title="Thermal Blooming Mitigation for High-Energy Laser Weapons at Sea",
        abstract="Kilowatt-class high-energy lasers lose irradiance on target through thermal "
        "blooming and turbulence in the maritime boundary layer. We will model beam "
        "propagation, develop adaptive optics beam control, and test a 20 kW laser against "
        "small boat targets.",
    ),
    "manufacturing": ProjectText(
        sponsor="DoD",
        title="In-Situ Monitoring for Qualification of Additively Manufactured Titanium Parts",
        abstract="Laser powder bed fusion could produce spare parts near the point of need, but "
        "qualifying each build is slow. This project fuses melt-pool imaging and acoustic "
        "signals to detect porosity during the build and links process parameters to fatigue "
        "properties to speed certification of additive manufacturing.",
    ),
    "sensing": ProjectText(
        sponsor="DoD",
        title="Compact Longwave Infrared Hyperspectral Imager for Gas Plume Detection",
        abstract="We will build a compact longwave infrared hyperspectral imaging sensor with an "
        "uncooled detector array and develop detection algorithms that find chemical gas plumes "
        "at kilometre ranges against cluttered backgrounds.",
    ),
    "communications_networking": nsf(
        "Beamforming and Medium Access for Millimeter-Wave Wireless Networks",
        "Millimeter-wave bands offer wide bandwidth for next-generation wireless networks but "
        "suffer from blockage. This project designs fast beam alignment, a medium access "
        "control protocol for dense 5G cells, and a testbed to measure throughput and latency.",
        "NSF:DIR:CISE",
        "NSF:DIV:CNS",
    ),
    "hmi": ProjectText(
        sponsor="NIH",
        title="Bidirectional Brain-Computer Interface for Dexterous Prosthetic Control",
        abstract="People with tetraplegia will control a robotic arm with an intracortical "
        "brain-computer interface that decodes movement intent and returns touch through "
        "microstimulation of somatosensory cortex, closing the loop for dexterous grasping.",
        programme_codes=("NIH:IC:NINDS",),
    ),
}


@pytest.mark.parametrize("area", sorted(WEAK))
def test_the_weak_areas_are_found(area: str, taxonomy: Taxonomy) -> None:
    assert area in areas(WEAK[area], taxonomy)


def test_a_tool_use_of_ai_is_still_not_ai(taxonomy: Taxonomy) -> None:
    project = nsf(
        "Drought Effects on Grassland Productivity Across the Great Plains",
        "We combine field plots with satellite observations and use machine learning to map "
        "how drought changes grassland productivity and plant species composition across the "
        "Great Plains, informing rangeland management under climate change.",
        "NSF:DIR:BIO",
        "NSF:DIV:DEB",
    )
    assert "ai" not in areas(project, taxonomy)


# --- evidence, method and the artifact ----------------------------------------------------


def test_every_tag_keeps_its_evidence(taxonomy: Taxonomy) -> None:
    for project in WEAK.values():
        for tag in tag_project(project, taxonomy):
            assert tag.evidence, tag
            assert len(tag.evidence) <= 8
    tags = {t.area: t for t in tag_project(WEAK["directed_energy"], taxonomy)}
    evidence = " ".join(tags["directed_energy"].evidence)
    assert "laser" in evidence


def test_the_model_adds_word_evidence_beyond_the_rule_phrases(taxonomy: Taxonomy) -> None:
    project = WEAK["ai"]
    ruled = {t.area: t.evidence for t in tag_project_rules(project, taxonomy, threshold=0.0)}
    tag = next(t for t in tag_project(project, taxonomy) if t.area == "ai")
    assert set(ruled.get("ai", ())) <= set(tag.evidence) or len(tag.evidence) == 8
    assert set(tag.evidence) - set(ruled.get("ai", ()))


def test_the_shipped_model_was_trained_on_the_tuning_split_only(taxonomy: Taxonomy) -> None:
    assert taxonomy.model is not None
    trained = taxonomy.model.trained_on
    with (REPO_ROOT / "tests/data/fields_tune.csv").open(encoding="utf-8") as handle:
        tune_rows = sum(1 for _ in handle) - 1
    assert trained["projects"] == tune_rows
    assert 0.0 < taxonomy.model.rule_keep <= taxonomy.model.threshold < 1.0


def test_without_an_artifact_the_rules_decide_alone(taxonomy: Taxonomy) -> None:
    rules_only = load_taxonomy(TAXONOMY_PATH, with_model=False)
    assert rules_only.model is None
    for project in (*WEAK.values(), POLICY):
        assert tag_project(project, rules_only) == tag_project_rules(project, rules_only)


def test_a_bad_artifact_is_refused_with_a_clear_error(tmp_path: Path, taxonomy: Taxonomy) -> None:
    data = json.loads(model_path(TAXONOMY_PATH).read_text(encoding="utf-8"))
    with pytest.raises(ModelError, match="areas differ"):
        model_from_json(data, list(taxonomy.codes)[:-1])
    broken = dict(data, threshold=1.5)
    with pytest.raises(ModelError, match="threshold"):
        model_from_json(broken, list(taxonomy.codes))
    path = tmp_path / "m.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read model"):
        load_model(path, list(taxonomy.codes))


def test_confidence_lands_on_the_default_threshold(taxonomy: Taxonomy) -> None:
    model = taxonomy.model
    assert model is not None
    for rule_tagged in (False, True):
        cut = 0.55
        edge = model.rule_keep if rule_tagged else model.threshold
        assert model.confidence(edge, rule_tagged, cut) == pytest.approx(cut)
        assert model.confidence(max(edge - 0.01, 0.0), rule_tagged, cut) < cut
        assert 0.0 <= model.confidence(1.0, rule_tagged, cut) <= 1.0
