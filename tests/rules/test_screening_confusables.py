"""Invisible characters and look-alike letters are folded before screening."""

from __future__ import annotations

import pytest

from rules.models import OrganisationMatch
from rules.screening.confusables import (
    LOOKALIKE_WORD_REASON,
    MIXED_SCRIPT_REASON,
    fold_lookalikes,
    strip_invisible,
)
from rules.services.screening import names_screen, organisations_screen
from tests.factories import OrganisationFactory

HIT = "Harbin Institute of Technology"
CYRILLIC_A, CYRILLIC_E, CYRILLIC_I = "\u0430", "\u0435", "\u0456"
GREEK_IOTA, GREEK_OMICRON = "\u0399", "\u03bf"


@pytest.mark.parametrize(
    ("name", "folded"),
    [
        ("Harbin Insti\u00adtute of Technology", HIT),  # soft hyphen
        ("Harbin Institute of Tech\u200bnology", HIT),  # zero-width space
        ("Har\u200dbin Insti\u200ctute of Tech\u2060nology", HIT),  # ZWJ, ZWNJ, word joiner
        ("\ufeffHarbin Institute of Technology", HIT),  # byte-order mark
        ("Harbin Institute\u034f of Technology\ufe0f", HIT),  # CGJ, variation selector
        ("哈尔滨\u200b工业大学", "哈尔滨工业大学"),
    ],
)
def test_invisible_characters_are_removed_without_a_reason(name: str, folded: str) -> None:
    result = fold_lookalikes(name)
    assert (result.text, result.reasons) == (folded, ())
    assert strip_invisible(name) == folded


@pytest.mark.parametrize(
    ("name", "folded", "word", "scripts"),
    [
        (
            f"B{CYRILLIC_E}ihang University",
            "Beihang University",
            f"B{CYRILLIC_E}ihang",
            "Cyrillic, Latin",
        ),
        (
            f"Harbin {GREEK_IOTA}nstitute of Technology",
            HIT,
            f"{GREEK_IOTA}nstitute",
            "Greek, Latin",
        ),
        (f"N{CYRILLIC_A}njing Univ.", "Nanjing Univ.", f"N{CYRILLIC_A}njing", "Cyrillic, Latin"),
    ],
)
def test_look_alike_letters_in_a_latin_word_are_folded_and_reported(
    name: str, folded: str, word: str, scripts: str
) -> None:
    result = fold_lookalikes(name)
    assert result.text == folded
    assert result.reasons == (MIXED_SCRIPT_REASON.format(words=f"“{word}” ({scripts})"),)


def test_a_word_of_cyrillic_look_alikes_in_a_latin_name_is_folded_and_reported() -> None:
    result = fold_lookalikes("\u041d\u0406\u0422 Harbin")  # "HIT" in Cyrillic capitals
    assert result.text == "HIT Harbin"
    assert result.reasons == (
        LOOKALIKE_WORD_REASON.format(script="Cyrillic", words="“\u041d\u0406\u0422”"),
    )


@pytest.mark.parametrize(
    "name",
    [
        "哈尔滨工业大学",
        "北京航空航天大学 (Beihang)",
        "Московский государственный университет",
        "Moscow МГУ",
        "Université de Montréal",
        "ETH Zürich",
        "Xi\u2019an Jiaotong University",
        "東京大学 とうきょう Tokyo",
        "서울대학교 Seoul National University",
        "Αριστοτέλειο Πανεπιστήμιο Θεσσαλονίκης",
    ],
)
def test_names_in_one_script_or_legitimate_mixes_are_left_alone(name: str) -> None:
    result = fold_lookalikes(name)
    assert (result.text, result.reasons) == (name, ())


def _top(name: str) -> dict[str, object]:
    [result] = names_screen(names=[name])
    assert result["matches"], f"{name!r} matched nothing"
    top: dict[str, object] = result["matches"][0]
    return top


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "Harbin Insti\u00adtute of Technology",
        "Harbin Institute of Tech\u200bnology",
        "\ufeffHarbin\u200d Institute of Technology",
    ],
)
def test_names_with_invisible_characters_screen_like_the_plain_name(
    seed_lists: None, name: str
) -> None:
    plain = _top(HIT)
    top = _top(name)
    assert (top["name"], top["decision"], top["score"]) == (HIT, "accept", plain["score"])
    assert top["note"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "entry"),
    [
        (f"B{CYRILLIC_E}ihang Univ{CYRILLIC_E}rsity", "Beihang University"),
        (f"Harbin {GREEK_IOTA}nstitute {GREEK_OMICRON}f Technology", HIT),
        (f"Harb{CYRILLIC_I}n Institute of Technology", HIT),
    ],
)
def test_mixed_script_names_match_but_go_to_review_with_the_reason(
    seed_lists: None, name: str, entry: str
) -> None:
    top = _top(name)
    assert (top["name"], top["list"], top["decision"]) == (entry, "DOD1286", "review")
    assert str(top["note"]).startswith("mixed scripts in one word: “")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "entry"),
    [("哈尔滨工业大学", HIT), ("哈工大", HIT), ("北京航空航天大学", "Beihang University")],
)
def test_chinese_names_still_match_exactly(seed_lists: None, name: str, entry: str) -> None:
    top = _top(name)
    assert (top["name"], top["alias"], top["method"]) == (entry, name, "alias")
    assert (top["decision"], top["note"]) == ("accept", "")


@pytest.mark.django_db
def test_an_organisation_with_a_mixed_script_name_gets_a_pending_match_with_its_note(
    seed_lists: None,
) -> None:
    spoof = OrganisationFactory.create(name=f"Harb{CYRILLIC_I}n Institute of Technology")
    hidden = OrganisationFactory.create(name="Harbin Insti\u00adtute of Technology")

    organisations_screen(organisation_ids=[spoof.pk, hidden.pk])

    held = OrganisationMatch.objects.get(organisation=spoof, reference_list__code="DOD1286")
    assert (held.decision, held.review_status, held.counts_as_listed) == (
        "review",
        "pending",
        False,
    )
    assert held.note == MIXED_SCRIPT_REASON.format(words=f"“Harb{CYRILLIC_I}n” (Cyrillic, Latin)")
    plain = OrganisationMatch.objects.get(organisation=hidden, reference_list__code="DOD1286")
    assert (plain.decision, plain.note, plain.counts_as_listed) == ("accept", "", True)
