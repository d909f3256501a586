"""Screening: normalisation, affiliation splitting, the matcher's guards, scores and decisions.

Pure Python, no database. The tests against the full lists read ../shared/data and skip when
it is absent, except under CI=true, where a missing data folder fails (``shared_data``).
"""

from __future__ import annotations

import csv
import os
from collections import Counter
from pathlib import Path

import pytest

from rules.lists.parsers import ParsedEntry, apply_alias_table, load_alias_table, parse_list
from rules.screening import (
    IndexEntry,
    Match,
    ScreeningIndex,
    Thresholds,
    name_variants,
    normalize,
    split_affiliation,
)

REPO = Path(__file__).resolve().parents[2]
SEEDS = REPO / "seeds" / "lists"
LABELLED = REPO / "tests" / "data" / "screening_labelled.csv"
SHARED = Path(os.environ.get("GRANTCHECK_SHARED_DATA", REPO.parent / "shared" / "data"))
CATEGORIES = {
    "abbreviation",
    "affiliation",
    "chinese",
    "former_name",
    "typo",
    "word_order",
    "exact",
    "variant",
    "hard_negative",
    "negative",
}


def shared_data(relative: str) -> Path:
    """Path inside ../shared/data; skip when missing, but fail under CI=true."""
    path = SHARED / relative
    if not path.exists():
        message = f"shared data not found: {path}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}", pytrace=False)
        pytest.skip(message)
    return path


def to_index_entries(tag: str, entries: list[ParsedEntry]) -> list[IndexEntry]:
    return [
        IndexEntry(
            key=(tag, e.list_code, e.external_id),
            list_code=e.list_code,
            name=e.primary_name,
            aliases=tuple(a.name for a in e.aliases),
            country=e.country,
        )
        for e in entries
        if e.entity_type != "country"
    ]


def hits(matches: list[Match], decision: str | None = "accept") -> set[tuple[str, str]]:
    return {(m.list_code, m.name) for m in matches if decision is None or m.decision == decision}


# ------------------------------------------------------------------- a small index


def _entry(code: str, name: str, *aliases: str, country: str = "CN") -> IndexEntry:
    return IndexEntry((code, name), code, name, aliases, country)


SMALL = [
    _entry("DOD1286", "Beihang University", "北京航空航天大学", "BUAA"),
    _entry(
        "EL",
        "Beijing University of Aeronautics and Astronautics (BUAA)",
        "Beihang University",
    ),
    _entry("DOD1286", "Nanjing University of Aeronautics and Astronautics", "NUAA"),
    _entry("DOD1286", "Nanjing University of Science and Technology", "南京理工大学"),
    _entry("DOD1286", "Northwestern Polytechnical University", "西北工业大学", "NWPU", "NPU"),
    _entry("DOD1286", "Center for International Security and Strategy of Tsinghua University"),
    _entry("DOD1286", "University of Science and Technology of China", "中国科学技术大学", "USTC"),
    _entry("DOD1286", "Harbin Institute of Technology", "哈尔滨工业大学", "HIT"),
    _entry("DOD1286", "Harbin Engineering University", "哈尔滨工程大学"),
    _entry("DOD1286", "Beijing Institute of Technology", "北京理工大学"),
    _entry("DOD1286", "Army Medical University", "Third Military Medical University"),
    _entry("DOD1286", "National Defense University", "国防大学"),
    _entry("DOD1286", "Chinese Academy of Sciences – Institute of Physics"),  # noqa: RUF001
    _entry("DOD1286", "Moscow State University", "Lomonosov Moscow State University", country="RU"),
    _entry("DOD1260H", "Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)"),
    _entry("DOD1260H", "Shenzhen DJI Innovation Technology Co., Ltd. (DJI)"),
]


@pytest.fixture(scope="module")
def small() -> ScreeningIndex:
    return ScreeningIndex(SMALL)


# ----------------------------------------------------------------- normalisation


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Beihang Univ.", "beihang university"),
        ("Harbin Inst. of Tech.", "harbin institute of tech"),
        ("Natl. Acad. of Sci.", "national academy of science"),
        ("Dept. of Physics, Lab. of Optics", "department of physics laboratory of optics"),
        ("Huazhong University of S&T", "huazhong university of science and technology"),
        ("Northwest A&F University", "northwest a and f university"),
        # NFKC: full-width letters and an ideographic space
        (
            "\uff22\uff25\uff29\uff28\uff21\uff2e\uff27\u3000\uff35\uff2e\uff29\uff36",
            "beihang university",
        ),
        ("Xi\u2019an Jiaotong University", "xian jiaotong university"),
        ("Xi'an Jiaotong University", "xian jiaotong university"),
        ("Academy?s 159 Factory", "academy 159 factory"),  # CSL's '?' for an apostrophe
        ("Université de Montréal", "university de montreal"),
        ("Centre for Defence Studies", "center for defense studies"),
        ("Beihang University, Beijing 100191, China", "beihang university"),
        ("Ocean University of China", "ocean university of china"),  # "of China" stays
        ("Inst. of Physics, P.R. China", "institute of physics"),
        ("People's Liberation Army General Hospital", "pla general hospital"),
        ("Institute of Physics, CAS", "institute of physics chinese academy of science"),
        ("EP-CAS Ltd", "ep cas limited"),  # only a stand-alone CAS is spelled out
        ("哈爾濱工業大學", "哈尔滨工业大学"),  # traditional to simplified
        ("華為技術有限公司", "华为技术有限公司"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_split_affiliation_beihang_example() -> None:
    parts = split_affiliation("School of Astronautics, Beihang Univ., Beijing 100191, China")
    assert parts[:2] == ["School of Astronautics", "Beihang Univ"]
    assert "Beijing 100191" not in parts and "China" not in parts
    assert parts[-1].endswith("School of Astronautics")  # combinations come last


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Institute of Physics, Chinese Academy of Sciences, Beijing 100190",
            "Institute of Physics, Chinese Academy of Sciences",
        ),
        ("Sun Yat-sen University Cancer Center, Guangzhou", "sun yat sen university"),
        ("The First Affiliated Hospital of Xi'an Jiaotong University", "xian jiaotong university"),
        ("Defense Technology, National University of", "National University of Defense Technology"),
        ("北京航空航天大学宇航学院，北京 100191", "北京航空航天大学"),  # noqa: RUF001
        (
            "Harbin Institute of Technology (Shenzhen), Shenzhen 518055",
            "Harbin Institute of Technology",
        ),
        ("Beihang University Beijing", "beihang university"),
        ("Tencent AI Lab, Shenzhen", "tencent"),
        ("The 54th Research Institute of CETC", "cetc"),
    ],
)
def test_split_affiliation_candidates(text: str, expected: str) -> None:
    assert expected in split_affiliation(text)


def test_split_affiliation_drops_places_emails_and_keeps_names_whole() -> None:
    parts = split_affiliation(
        "Dept. of Physics, Nanjing University, Nanjing 210093, China. "
        "Electronic address: a@nju.edu.cn"
    )
    assert "Nanjing University" in parts
    assert not any("@" in p or "210093" in p for p in parts)
    # no split inside names: a university "of" something is one name
    assert split_affiliation("Nanjing University of Aeronautics and Astronautics") == [
        "Nanjing University of Aeronautics and Astronautics"
    ]
    assert "tianjin university" not in split_affiliation("Tianjin Univ Technol, Tianjin 300384")


def test_name_variants() -> None:
    assert name_variants("Beijing University of Aeronautics and Astronautics (BUAA)") == [
        "Beijing University of Aeronautics and Astronautics (BUAA)",
        "Beijing University of Aeronautics and Astronautics",
        "BUAA",
    ]
    assert "CETC" not in name_variants(
        "10th Research Institute of China Electronic Technology Group Corp (CETC)", primary=False
    )
    assert "China Aerospace Science and Industry Corporation (CASIC) Fourth Academy" in (
        name_variants(
            "China Aerospace Science and Industry Corporation (CASIC) Fourth Academy, "
            "and its sub-units and successors"
        )
    )


# ----------------------------------------------------------------------- matching


def test_beihang_affiliation_on_small_index(small: ScreeningIndex) -> None:
    matches = small.screen("School of Astronautics, Beihang Univ., Beijing 100191, China")
    assert hits(matches) == {
        ("DOD1286", "Beihang University"),
        ("EL", "Beijing University of Aeronautics and Astronautics (BUAA)"),
    }
    top = matches[0]
    assert (top.name, top.alias, top.method, top.score) == (
        "Beihang University",
        None,
        "exact",
        1.0,
    )
    el = next(m for m in matches if m.list_code == "EL")
    assert (el.alias, el.method) == ("Beihang University", "alias")


@pytest.mark.parametrize(
    "query",
    [
        "Nanjing University",
        "Department of Physics, Nanjing University, Nanjing 210093, China",
        "南京大学",
        "Tsinghua University",
        "Department of Automation, Tsinghua University, Beijing 100084, China",
        "Northwestern University",
        "Department of Chemistry, Northwestern University, Evanston, IL 60208, USA",
        "University of Science and Technology Beijing",
        "School of Materials, University of Science and Technology Beijing, Beijing 100083",
        "Beijing University of Technology",
        "Harbin University of Science and Technology",
        "Northwest University, Xi'an",
        "Institute of Chemistry, Chinese Academy of Sciences",
        "Chinese Academy of Sciences",
        "Academy of Military Sciences",
        "Moscow State Technical University",
        "Tianjin",
    ],
)
def test_substrings_and_near_names_are_not_matches(small: ScreeningIndex, query: str) -> None:
    assert small.screen(query) == []


def test_substring_is_never_a_match_in_either_direction(small: ScreeningIndex) -> None:
    assert hits(
        small.screen("Center for International Security and Strategy, Tsinghua University")
    ) == {("DOD1286", "Center for International Security and Strategy of Tsinghua University")}
    nuaa = small.screen("Nanjing University of Aeronautics and Astronautics")
    assert hits(nuaa) == {("DOD1286", "Nanjing University of Aeronautics and Astronautics")}
    assert hits(small.screen("Northwestern Polytechnical University")) == {
        ("DOD1286", "Northwestern Polytechnical University")
    }


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("北京航空航天大学", "Beihang University"),
        ("北京航空航天大学宇航学院，北京 100191", "Beihang University"),  # noqa: RUF001
        ("西北工业大学航空学院", "Northwestern Polytechnical University"),
        ("中国科学技术大学物理学院", "University of Science and Technology of China"),
        ("哈爾濱工業大學", "Harbin Institute of Technology"),
    ],
)
def test_chinese_names(small: ScreeningIndex, query: str, name: str) -> None:
    assert ("DOD1286", name) in hits(small.screen(query))


def test_chinese_names_are_never_fuzzy(small: ScreeningIndex) -> None:
    assert small.screen("哈尔滨理工大学") == []  # Harbin Univ. of Sci. & Tech., one character off
    assert small.screen("北京工业大学") == []  # Beijing Univ. of Technology vs 北京理工大学


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("Beihang Universty", "Beihang University"),
        ("Harbin Institue of Technology", "Harbin Institute of Technology"),
        ("Northwestern Polytechnical Univeristy", "Northwestern Polytechnical University"),
        ("Harbim Institute of Technology", "Harbin Institute of Technology"),
        ("Beijng Institute of Technology", "Beijing Institute of Technology"),
        ("Hikvison", "Hangzhou Hikvision Digital Technology Co., Ltd. (Hikvision)"),
    ],
)
def test_typos(small: ScreeningIndex, query: str, name: str) -> None:
    matches = small.screen(query)
    assert name in {m.name for m in matches if m.decision == "accept"}
    assert all(m.method == "fuzzy" for m in matches)


def test_typos_never_join_two_real_names(small: ScreeningIndex) -> None:
    # Nanjing/Nanning and Hunan/Henan are places one letter apart, not typos
    assert small.screen("Nanning University of Science and Technology") == []


def test_word_order_abbreviations_and_former_names(small: ScreeningIndex) -> None:
    assert ("DOD1286", "Beihang University") in hits(small.screen("University of Beihang"))
    assert ("DOD1286", "Harbin Engineering University") in hits(
        small.screen("Engineering University of Harbin")
    )
    assert ("DOD1286", "Moscow State University") in hits(
        small.screen("Faculty of Physics, Lomonosov Moscow State University, Moscow 119991")
    )
    assert ("DOD1286", "Army Medical University") in hits(
        small.screen("Southwest Hospital, Third Military Medical University, Chongqing 400038")
    )
    assert ("DOD1286", "Harbin Institute of Technology") in hits(small.screen("HIT, Harbin, China"))
    assert ("DOD1260H", "Shenzhen DJI Innovation Technology Co., Ltd. (DJI)") in hits(
        small.screen("DJI Innovation Technology Co., Ltd.")  # a company's city may be omitted
    )


def test_scores_and_decisions(small: ScreeningIndex) -> None:
    exact = small.screen("Harbin Institute of Technology")[0]
    assert (exact.method, exact.score, exact.decision) == ("exact", 1.0, "accept")
    alias = small.screen("哈尔滨工业大学")[0]
    assert (alias.method, alias.alias, alias.score) == ("alias", "哈尔滨工业大学", 0.97)
    bare = small.screen("HIT")  # a bare three-letter abbreviation is ambiguous: review
    assert [(m.name, m.decision) for m in bare] == [("Harbin Institute of Technology", "review")]
    moved = small.screen("China University of Science and Technology")  # "of China" moved
    assert [m.decision for m in moved] == ["review"]
    abroad = small.screen("National Defense University, Fort McNair, Washington, DC 20319, USA")
    assert [m.decision for m in abroad] == ["review"]  # the place contradicts the entry
    at_home = small.screen("National Defense University, Beijing")
    assert [m.decision for m in at_home] == ["accept"]


def test_thresholds_are_configurable(small: ScreeningIndex) -> None:
    query = "Beihnag University"  # one transposition in the distinctive word
    default = small.screen(query)
    assert default and {m.decision for m in default} == {"accept"}
    score = default[0].score
    strict = small.screen(query, thresholds=Thresholds(accept=0.99, review=0.5))
    assert {m.decision for m in strict} == {"review"}
    assert small.screen(query, thresholds=Thresholds(accept=0.995, review=score + 0.001)) == []
    with pytest.raises(ValueError, match="thresholds"):
        Thresholds(accept=0.5, review=0.9)


def test_ranking_limit_and_one_match_per_key() -> None:
    entries = [
        IndexEntry("a", "X", "Beihang University", ("BUAA", "Beihang Univ")),
        IndexEntry("b", "Y", "Beijing University of Aeronautics and Astronautics", ("Beihang",)),
        IndexEntry("c", "Z", "Beihang University", ()),
        IndexEntry("c", "Z", "Beihang University", ("北航",)),  # same key twice
    ]
    index = ScreeningIndex(entries)
    matches = index.screen("Beihang University")
    assert [m.key for m in matches] == ["a", "c", "b"]
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert len(index.screen("Beihang University", limit=1)) == 1


def test_naive_baseline_agrees_with_the_index(small: ScreeningIndex) -> None:
    for query in [
        "School of Astronautics, Beihang Univ., Beijing 100191, China",
        "Harbin Institue of Technology",
        "Nanjing University",
        "北京理工大学",
        "Hikvison",
        "University of Beihang",
    ]:
        assert small.screen(query) == small.screen_naive(query)


def test_empty_and_odd_queries(small: ScreeningIndex) -> None:
    for query in ["", "   ", ",,,", "China", "Beijing 100191, China", "Co., Ltd.", "12345"]:
        assert small.screen(query) == []


# ----------------------------------------------------------------- the full lists


@pytest.fixture(scope="module")
def full() -> ScreeningIndex:
    csl = parse_list("csl-csv", shared_data("trade-gov-csl/csl_2023-11-30.csv")).entries
    sdn = parse_list("ofac-sdn", shared_data("ofac-sdn")).entries
    table = load_alias_table(SEEDS / "aliases.yaml")
    entries = to_index_entries("csl", apply_alias_table(csl, table))
    entries += to_index_entries("ofac", sdn)
    entries += to_index_entries("seed", parse_list("grantcheck-yaml", SEEDS).entries)
    return ScreeningIndex(entries)


def test_full_lists_beihang_example(full: ScreeningIndex) -> None:
    matches = full.screen("School of Astronautics, Beihang Univ., Beijing 100191, China")
    assert hits(matches) == {
        ("DOD1286", "Beihang University"),
        ("EL", "Beijing University of Aeronautics and Astronautics (BUAA)"),
    }


@pytest.mark.parametrize(
    "query",
    [
        "Nanjing University",
        "Tsinghua University",
        "Northwestern University",
        "University of Science and Technology Beijing",
        "Beijing University of Technology",
        "Beijing Institute of Genomics, Chinese Academy of Sciences",
    ],
)
def test_full_lists_traps_are_not_accepted(full: ScreeningIndex, query: str) -> None:
    assert hits(full.screen(query)) == set()


def test_full_lists_index_size(full: ScreeningIndex) -> None:
    assert 13_000 < len(full.entries) < 14_500
    assert full.name_count > 30_000


# ------------------------------------------------------------------ labelled set


def _labelled() -> list[dict[str, str]]:
    with LABELLED.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_labelled_set_shape() -> None:
    rows = _labelled()
    categories = Counter(r["category"] for r in rows)
    assert set(categories) <= CATEGORIES
    positives = sum(1 for r in rows if r["expected"])
    assert positives >= 200
    assert categories["hard_negative"] >= 80
    assert all(
        bool(r["expected"]) == (r["category"] not in {"hard_negative", "negative"}) for r in rows
    )
    assert len({r["query"] for r in rows}) == len(rows)


def test_labelled_expected_names_exist() -> None:
    seeds = parse_list("grantcheck-yaml", SEEDS).entries
    known = {(e.list_code, e.primary_name) for e in seeds}
    expected = {
        tuple(part.split("|", 1)) for r in _labelled() for part in r["expected"].split(";") if part
    }
    dod = {pair for pair in expected if pair[0].startswith("DOD")}
    assert dod <= known
    csl = parse_list("csl-csv", shared_data("trade-gov-csl/csl_2023-11-30.csv")).entries
    sdn = parse_list("ofac-sdn", shared_data("ofac-sdn")).entries
    known |= {(e.list_code, e.primary_name) for e in csl + sdn}
    assert expected <= known
