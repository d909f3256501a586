"""Screening, issue 22: each class of miss the whole-name index had, and its guard.

Pure Python on a small index of real list names (no database, no shared data): affiliation
units (laboratories at their host, numbered institutes of a group, host and address), word
order of institution forms, former names, brand short names with the common-word guard, and
near-miss negatives that must stay unmatched.
"""

from __future__ import annotations

import pytest

from rules.screening import IndexEntry, Match, Screener
from rules.screening.brands import brands_of
from rules.screening.dictionary import is_english_word
from rules.screening.units import institution_reorders, lab_form, parse_units

ENTRIES = [
    IndexEntry(("1286", 1), "DOD1286", "Xidian University", (), "CN"),
    IndexEntry(
        ("1286", 2),
        "DOD1286",
        "Defense S&T Key Laboratory of Radar Signal Processing at Xidian University",
        ("National Key Laboratory of Radar Signal Processing, Xidian University",),
        "CN",
    ),
    IndexEntry(
        ("1286", 3),
        "DOD1286",
        "ATR Defense S&T Key Laboratory of Intelligent Information Processing at Shenzhen "
        "University",
        (),
        "CN",
    ),
    IndexEntry(
        ("1286", 4),
        "DOD1286",
        "Defense S&T Key Laboratory of Multi-spectral Information Processing Technology at "
        "Huazhong University of S&T",
        (),
        "CN",
    ),
    IndexEntry(("1286", 5), "DOD1286", "Harbin Institute of Technology", (), "CN"),
    IndexEntry(("1286", 6), "DOD1286", "Moscow Institute of Physics and Technology", (), "RU"),
    IndexEntry(
        ("1286", 7),
        "DOD1286",
        "Army Medical University",
        ("Third Military Medical University",),
        "CN",
    ),
    IndexEntry(
        ("1260H", 1),
        "DOD1260H",
        "China Electronics Technology Group Corporation (CETC)",
        ("CETC",),
        "CN",
    ),
    IndexEntry(("1260H", 2), "DOD1260H", "14th Research Institute of CETC", (), "CN"),
    IndexEntry(
        ("1260H", 3),
        "DOD1260H",
        "Shanghai Yitu Network Technology Co., Ltd. (Yitu)",
        ("Yitu",),
        "CN",
    ),
    IndexEntry(("1260H", 4), "DOD1260H", "Robosense Technology Co., Ltd.", (), "CN"),
    IndexEntry(("1260H", 5), "DOD1260H", "Baidu, Inc. (Baidu)", ("Baidu",), "CN"),
    IndexEntry(("1260H", 6), "DOD1260H", "Continental Aerospace Technologies, Inc.", (), "US"),
    IndexEntry(("1260H", 7), "DOD1260H", "BGI Genomics Co., Ltd. (BGI)", ("BGI",), "CN"),
    IndexEntry(("1260H", 8), "DOD1260H", "Beijing Genomics Institute Group", (), "CN"),
    IndexEntry(("1260H", 9), "DOD1260H", "Autel Robotics Co., Ltd.", ("Autel Robotics",), "CN"),
    IndexEntry(
        ("1260H", 10),
        "DOD1260H",
        "Autel Intelligent Technology Corp., Ltd. (Autel Technology)",
        ("Autel Technology",),
        "CN",
    ),
]


@pytest.fixture(scope="module")
def screener() -> Screener:
    return Screener(ENTRIES)


def accepted(matches: list[Match]) -> set[str]:
    return {m.name for m in matches if m.decision == "accept"}


# ------------------------------------------------------------------------- unit parsing


def test_parse_units_types_each_part_of_an_affiliation() -> None:
    [units] = parse_units(
        "State Key Laboratory of X, School of Electronic Engineering, Xidian University, "
        "Xi'an 710071, China"
    )
    assert [u.kind for u in units] == ["lab", "school", "host", "city", "city"]
    [first, second] = parse_units("Dept. of Physics, Fudan Univ.; 15th Research Institute")
    assert [u.kind for u in first] == ["school", "host"]
    assert [u.kind for u in second] == ["institute"]


def test_lab_form_reads_listed_laboratory_names() -> None:
    topic, host = lab_form(ENTRIES[1].name) or ((), ())
    assert set(topic) == {"radar", "signal", "processing"}
    assert host == ("xidian", "university")
    assert lab_form(ENTRIES[1].aliases[0]) == (topic, host)  # "..., Xidian University"
    assert lab_form("Hefei National Laboratory for Physical Sciences at the Microscale") is None


def test_listed_laboratory_found_by_topic_and_host(screener: Screener) -> None:
    query = (
        "National Key Laboratory of Science and Technology on Multispectral Information "
        "Processing, Huazhong University of Science and Technology, Wuhan 430074, China"
    )
    assert accepted(screener.screen(query)) == {ENTRIES[3].name}
    atr = "ATR Key Laboratory, College of Electronics, Shenzhen University, Shenzhen 518060"
    assert accepted(screener.screen(atr)) == {ENTRIES[2].name}


def test_other_laboratories_of_the_same_host_do_not_match(screener: Screener) -> None:
    query = "State Key Laboratory of Powder Metallurgy, Shenzhen University, Shenzhen"
    assert accepted(screener.screen(query)) == set()
    # the same topic at another host is another laboratory
    other = "Key Laboratory of Radar Signal Processing, Nanjing University, Nanjing"
    assert accepted(screener.screen(other)) == set()


def test_numbered_institute_of_a_group_finds_its_parent(screener: Screener) -> None:
    query = "The 14th Research Institute of China Electronics Technology Group Corporation, Nanjing"
    assert ENTRIES[7].name in accepted(screener.screen(query))


# ------------------------------------------------------------------------- word order


def test_institute_word_order_is_insensitive_for_institutions(screener: Screener) -> None:
    assert institution_reorders("Harbin Technology Institute") == ["harbin institute of technology"]
    assert accepted(screener.screen("Harbin Technology Institute")) == {ENTRIES[4].name}
    assert accepted(screener.screen("Moscow Physics and Technology Institute")) == {ENTRIES[5].name}


def test_reordering_never_turns_an_academy_institute_into_a_company(screener: Screener) -> None:
    # "Beijing Institute of Genomics" (an academy's institute) is not "Beijing Genomics
    # Institute" (a company's former name); nor is the reordered form of the latter.
    assert accepted(screener.screen("Beijing Institute of Genomics, CAS, Beijing")) == set()
    assert accepted(screener.screen("Beijing Genomics Institute")) == {ENTRIES[14].name}


# ------------------------------------------------------------------------- former names


def test_former_name_in_an_affiliation(screener: Screener) -> None:
    query = "State Key Laboratory of Trauma, Third Military Medical University, Chongqing"
    [match] = [m for m in screener.screen(query) if m.decision == "accept"]
    assert match.name == "Army Medical University"
    assert match.alias == "Third Military Medical University"


# ------------------------------------------------------------------------- brands


def test_brands_come_from_the_lists_own_names() -> None:
    assert brands_of("Shanghai Yitu Network Technology Co., Ltd. (Yitu)") == {"yitu"}
    assert brands_of("Robosense Technology Co., Ltd.") == {"robosense"}
    assert brands_of("Continental Aerospace Technologies, Inc.") == set()  # English word
    assert brands_of("China Telecom Corporation Limited") == set()  # the country is the brand
    assert brands_of("Harbin Institute of Technology") == set()  # not a company


def test_brand_short_name_with_industry_words_and_address(screener: Screener) -> None:
    assert accepted(screener.screen("Yitu Technology, Shanghai")) == {ENTRIES[9].name}
    assert accepted(screener.screen("RoboSense, Shenzhen 518057")) == {ENTRIES[10].name}
    # a US lab of a listed company: a long brand loses only a little for the foreign place
    assert accepted(screener.screen("Baidu Research, Sunnyvale, CA 94089, USA")) == {
        ENTRIES[11].name
    }
    # three letters: only with a place in the company's country
    assert accepted(screener.screen("BGI-Shenzhen, Shenzhen 518083, China")) == {ENTRIES[13].name}
    assert accepted(screener.screen("BGI Research")) == set()


def test_common_word_guard(screener: Screener) -> None:
    assert is_english_word("continental") and is_english_word("phoenix")
    assert not is_english_word("hikvision")
    assert accepted(screener.screen("Continental AG, Hanover, Germany")) == set()
    assert accepted(screener.screen("Continental Airlines")) == set()


def test_brand_not_tried_when_a_full_name_was_accepted(screener: Screener) -> None:
    assert accepted(screener.screen("Autel Robotics")) == {ENTRIES[15].name}


# ------------------------------------------------------------------------- near misses


@pytest.mark.parametrize(
    "query",
    [
        "Harbin Medical University, Harbin",
        "Harbin University of Science and Technology",
        "Xidian Hotel, Xi'an",
        "Huazhong Agricultural University, Wuhan",
        "Institute of Physics, Academia Sinica, Taipei, Taiwan",
        "Moscow State Institute of International Relations",
        "Shenzhen University, Shenzhen 518060",
    ],
)
def test_near_miss_negatives_stay_unmatched(screener: Screener, query: str) -> None:
    assert accepted(screener.screen(query)) == set()


def test_naive_and_blocked_screening_agree_with_the_extra_rules(screener: Screener) -> None:
    for query in ("Yitu Technology, Shanghai", "Harbin Technology Institute"):
        assert {(m.key, m.decision) for m in screener.screen(query)} == {
            (m.key, m.decision) for m in screener.screen_naive(query)
        }
