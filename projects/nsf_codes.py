"""Turning NSF award metadata (CSV or XML columns) into programme codes (NSF:DIR:MPS, ...).

Pure (no Django). Lives with the portfolio, which the NSF award connector fills; the field
tagger (rules.fields) reads the same codes and re-exports these functions."""

from __future__ import annotations

import re

# Long names as NSF award files print them (often truncated) -> standard abbreviations.
# Matching is on lower-cased fragments, first hit wins, so longer fragments come first.
_DIRECTORATES: tuple[tuple[str, str], ...] = (
    ("mathematical & physical", "MPS"),
    ("mathematical and physical", "MPS"),
    ("computer & info", "CISE"),
    ("computer and information", "CISE"),
    ("engineering", "ENG"),
    ("social, behav", "SBE"),
    ("social, behavioral", "SBE"),
    ("education and human", "EHR"),
    ("stem education", "EHR"),
    ("geosciences", "GEO"),
    ("biological sciences", "BIO"),
    ("technology, innovation", "TIP"),
    ("office of the director", "OD"),
    ("information & resource", "OIRM"),
    ("budget, finance", "BFA"),
)
_DIVISIONS: tuple[tuple[str, str], ...] = (
    ("materials research", "DMR"),
    ("mathematical sciences", "DMS"),
    ("division of physics", "PHY"),
    ("division of chemistry", "CHE"),
    ("astronomical sciences", "AST"),
    ("information & intelligent", "IIS"),
    ("information and intelligent", "IIS"),
    ("computing and communication", "CCF"),
    ("computer and network", "CNS"),
    ("advanced cyberinfrastructure", "OAC"),
    ("industrial innovation", "IIP"),
    ("electrical, commun", "ECCS"),
    ("chem, bioeng", "CBET"),
    ("chemical, bioengineering", "CBET"),
    ("civil, mechanical", "CMMI"),
    ("engineering education", "EEC"),
    ("emerging frontiers & multidisciplinary", "EFMA"),
    ("emerging frontiers and multidisciplinary", "EFMA"),
    ("behavioral and cognitive", "BCS"),
    ("social and economic", "SES"),
    ("sbe off of multidisciplinary", "SMA"),
    ("s&e statistics", "NCSES"),
    ("undergraduate education", "DUE"),
    ("graduate education", "DGE"),
    ("research on learning", "DRL"),
    ("human resource development", "HRD"),
    ("earth sciences", "EAR"),
    ("ocean sciences", "OCE"),
    ("atmospheric & geospace", "AGS"),
    ("atmospheric and geospace", "AGS"),
    ("polar programs", "OPP"),
    ("environmental biology", "DEB"),
    ("biological infrastructure", "DBI"),
    ("molecular and cellular", "MCB"),
    ("integrative organismal", "IOS"),
    ("emerging frontiers", "EF"),
    ("internatl science", "OISE"),
    ("international science", "OISE"),
    ("integrative activities", "OIA"),
    ("icer", "ICER"),
)
_ABBREVIATION_RE = re.compile(r"^[A-Z]{2,6}$")
_CODE_SPLIT_RE = re.compile(r"[;,\s]+")


def _abbreviate(name: str, table: tuple[tuple[str, str], ...]) -> str:
    name = " ".join(name.split())
    if not name:
        return ""
    if _ABBREVIATION_RE.match(name):
        return name
    lowered = name.lower()
    for fragment, abbreviation in table:
        if fragment in lowered:
            return abbreviation
    return ""


def nsf_directorate_abbreviation(name: str) -> str:
    """'Direct For Mathematical & Physical Scien' -> 'MPS' ('' when unknown)."""
    return _abbreviate(name, _DIRECTORATES)


def nsf_division_abbreviation(name: str) -> str:
    """'Division Of Materials Research' -> 'DMR' ('' when unknown)."""
    return _abbreviate(name, _DIVISIONS)


def _split_codes(codes: str) -> list[str]:
    return [code.upper() for code in _CODE_SPLIT_RE.split(codes.strip()) if code]


def nsf_programme_codes(
    directorate: str, division: str, element_codes: str, reference_codes: str
) -> tuple[str, ...]:
    """Programme codes for ProjectText from NSF award columns.

    Accepts long names or abbreviations for directorate and division, and element/reference
    codes joined by ';', ',' or spaces (the CSV joins them with '; ').
    """
    result: list[str] = []
    directorate_code = nsf_directorate_abbreviation(directorate)
    if directorate_code:
        result.append(f"NSF:DIR:{directorate_code}")
    division_code = nsf_division_abbreviation(division)
    if division_code:
        result.append(f"NSF:DIV:{division_code}")
    result.extend(f"NSF:PE:{code}" for code in _split_codes(element_codes))
    result.extend(f"NSF:PR:{code}" for code in _split_codes(reference_codes))
    return tuple(dict.fromkeys(result))
