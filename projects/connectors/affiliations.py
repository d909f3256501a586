"""Affiliation strings as papers print them → the institutions they name, with a country.

"Department of Speech Language & Hearing Sciences, Purdue University, West Lafayette, IN
47907-2038, USA." names Purdue University (US). Several affiliations in one string are split
on ";". The institution is the comma-separated part that names one (University, Institute,
Academy, College, Hospital, ...), preferring a university over the department or
laboratory inside it; the country is read from the last parts ("USA", "P.R. China",
a US state and ZIP code). Screening the institution against the lists is the screening
module's job (rules.screening), once the organisation exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django_countries import countries

from projects.normalize import organisation_key
from projects.vocabulary import OrganisationType

_EMAIL_RE = re.compile(r"\S+@\S+|electronic address\s*:?", re.IGNORECASE)
_US_ZIP_RE = re.compile(r"^(?:[A-Z]{2}\s+)?\d{5}(?:-\d{4})?$")
_US_STATE_ZIP_RE = re.compile(r"\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b")
# Country names as papers write them, beyond ISO's English names.
COUNTRY_ALIASES: dict[str, str] = {
    "usa": "US",
    "u s a": "US",
    "us": "US",
    "united states": "US",
    "united states of america": "US",
    "china": "CN",
    "p r china": "CN",
    "pr china": "CN",
    "peoples republic of china": "CN",
    "people s republic of china": "CN",
    "uk": "GB",
    "united kingdom": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "korea": "KR",
    "south korea": "KR",
    "republic of korea": "KR",
    "russia": "RU",
    "russian federation": "RU",
    "iran": "IR",
    "taiwan": "TW",
    "the netherlands": "NL",
    "hong kong": "HK",
}
# Words naming an institution, best first: the part with the best one is the institution.
HEADS: tuple[tuple[str, str], ...] = (
    ("university", OrganisationType.UNIVERSITY),
    ("universidad", OrganisationType.UNIVERSITY),
    ("universite", OrganisationType.UNIVERSITY),
    ("universitat", OrganisationType.UNIVERSITY),
    ("universita", OrganisationType.UNIVERSITY),
    ("academy", OrganisationType.RESEARCH_INSTITUTE),
    ("institute", OrganisationType.RESEARCH_INSTITUTE),
    ("institut", OrganisationType.RESEARCH_INSTITUTE),
    ("college", OrganisationType.UNIVERSITY),
    ("hospital", OrganisationType.OTHER),
    ("clinic", OrganisationType.OTHER),
    ("foundation", OrganisationType.NONPROFIT),
    ("laboratory", OrganisationType.RESEARCH_INSTITUTE),
    ("laboratories", OrganisationType.RESEARCH_INSTITUTE),
    ("center", OrganisationType.RESEARCH_INSTITUTE),
    ("centre", OrganisationType.RESEARCH_INSTITUTE),
    ("inc", OrganisationType.COMPANY),
    ("ltd", OrganisationType.COMPANY),
    ("corporation", OrganisationType.COMPANY),
    ("company", OrganisationType.COMPANY),
    ("ministry", OrganisationType.GOVERNMENT),
    ("agency", OrganisationType.GOVERNMENT),
    ("school", OrganisationType.UNIVERSITY),
)
US_STATES = frozenset(
    [
        "alabama",
        "alaska",
        "arizona",
        "arkansas",
        "california",
        "colorado",
        "connecticut",
        "delaware",
        "florida",
        "georgia",
        "hawaii",
        "idaho",
        "illinois",
        "indiana",
        "iowa",
        "kansas",
        "kentucky",
        "louisiana",
        "maine",
        "maryland",
        "massachusetts",
        "michigan",
        "minnesota",
        "mississippi",
        "missouri",
        "montana",
        "nebraska",
        "nevada",
        "ohio",
        "oklahoma",
        "oregon",
        "pennsylvania",
        "tennessee",
        "texas",
        "utah",
        "vermont",
        "virginia",
        "washington",
        "wisconsin",
        "wyoming",
    ]
) | {
    "new hampshire",
    "new jersey",
    "new mexico",
    "new york",
    "north carolina",
    "north dakota",
    "rhode island",
    "south carolina",
    "south dakota",
    "west virginia",
    "district of columbia",
}
# A part opening with these words is a unit inside an institution, not the institution.
UNIT_OPENERS = frozenset(
    [
        "department",
        "dept",
        "division",
        "faculty",
        "section",
        "unit",
        "program",
        "programme",
        "graduate",
        "school",
        "key",
        "state",
        "lab",
        "laboratory",
        "center",
        "centre",
        "service",
        "group",
    ]
)


@dataclass(frozen=True)
class Institution:
    name: str
    country: str  # ISO alpha-2, "" when the string does not say
    type: str

    @property
    def key(self) -> str:
        return organisation_key(self.name)


def country_of(part: str) -> str:
    """ISO code of a country name as written ("USA", "P.R. China", "Germany"), or "".

    Postcodes and a city before the name are allowed ("130025 People's Republic of China",
    "410011 Hunan China"): the part's last words are tried, longest first."""
    words = [w for w in organisation_key(part).split() if not w.isdigit()]
    for n in range(min(5, len(words)), 0, -1):
        tail = " ".join(words[-n:])
        if tail in COUNTRY_ALIASES:
            return COUNTRY_ALIASES[tail]
        code = countries.by_name(tail)
        if code:
            return str(code)
    return ""


def _parts(text: str) -> list[str]:
    text = _EMAIL_RE.sub(" ", text)
    return [p.strip(" .;:\t") for p in text.split(",") if p.strip(" .;:\t")]


def _head_rank(part: str) -> tuple[int, str] | None:
    words = organisation_key(part).split()
    for rank, (head, kind) in enumerate(HEADS):
        if head in words:
            return rank, kind
    return None


def _country(parts: list[str]) -> str:
    for part in reversed(parts[-2:]):
        code = country_of(part)
        if code:
            return code
    if parts and (_US_ZIP_RE.match(parts[-1]) or _US_STATE_ZIP_RE.search(parts[-1])):
        return "US"
    if parts and organisation_key(parts[-1]) in US_STATES:
        return "US"
    return ""


def institution_of(affiliation: str) -> Institution | None:
    """The institution one affiliation names, or None when no part names one."""
    parts = _parts(affiliation)
    if not parts:
        return None
    country = _country(parts)
    best: tuple[int, int, str, str] | None = None  # (unit?, rank, part, type)
    for part in parts:
        if country and country_of(part) == country:
            continue
        ranked = _head_rank(part)
        if ranked is None:
            continue
        rank, kind = ranked
        first = organisation_key(part).split()[0]
        unit = 1 if first in UNIT_OPENERS else 0
        candidate = (unit, rank, part, kind)
        if best is None or candidate[:2] < best[:2]:
            best = candidate
    if best is None:
        return None
    return Institution(name=best[2][:500], country=country, type=best[3])


def institutions_of(affiliations: list[str]) -> list[Institution]:
    """Every institution named by these affiliation strings, once each, in order."""
    found: list[Institution] = []
    seen: set[tuple[str, str]] = set()
    for text in affiliations:
        for piece in text.split(";"):
            inst = institution_of(piece)
            if inst is not None and (inst.key, inst.country) not in seen:
                seen.add((inst.key, inst.country))
                found.append(inst)
    return found


def names_institution(affiliation_key: str, organisation_name: str) -> bool:
    """Whether a normalised affiliation text names this organisation (whole words)."""
    key = organisation_key(organisation_name)
    return bool(key) and f" {key} " in f" {affiliation_key} "
