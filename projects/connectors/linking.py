"""Which portfolio person wrote this? Authors of papers linked to people, never on a name alone.

- By ORCID iD when the paper gives one: certain (confidence 1.0). A different ORCID iD on the
  paper rules the person out, whatever the name.
- Otherwise by name *and* affiliation: the surname must be the same and the given names
  compatible (the same first name: 0.9; initials only: 0.75), and one of the author's
  affiliations on the paper must name an organisation the person is known to work at (the
  home institutions of GRANTCHECK_HOME_INSTITUTIONS, or an employment, appointment or
  visiting tie of theirs that no publication import made). Two people matching equally well
  link neither.
- A name alone, with no affiliation in common, never links.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings

from projects.models import Person, Tie
from projects.normalize import organisation_key
from projects.vocabulary import TieSource

ORCID_CONFIDENCE = 1.0
FULL_NAME_CONFIDENCE = 0.9
INITIALS_CONFIDENCE = 0.75
WORK_KINDS = ("employment", "appointment", "visiting_at")


@dataclass(frozen=True)
class Author:
    surname: str
    given: str  # first names or initials, as printed
    orcid: str = ""
    affiliations: tuple[str, ...] = ()
    # Institutions the source identified itself (OpenAlex), as (name, ISO country, type).
    institutions: tuple[tuple[str, str, str], ...] = ()


@dataclass(frozen=True)
class Link:
    person: Person
    method: str  # "orcid" or "name_affiliation"
    confidence: float


def fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return "".join(ch if ch.isalnum() else " " for ch in text).strip()


def split_name(name: str) -> tuple[str, list[str]]:
    """A person's name as (surname, given names): "Last, First M" or "First M Last"."""
    if "," in name:
        last, _, first = name.partition(",")
        return fold(last).replace(" ", ""), fold(first).split()
    words = fold(name).split()
    if not words:
        return "", []
    return words[-1], words[:-1]


def given_match(author_given: str, person_given: list[str]) -> float:
    """FULL_NAME_CONFIDENCE, INITIALS_CONFIDENCE or 0 (the given names disagree)."""
    author = fold(author_given).split()
    if not author or not person_given:
        return 0.0
    first_a, first_p = author[0], person_given[0]
    if len(first_a) > 1 and len(first_p) > 1:
        return FULL_NAME_CONFIDENCE if first_a == first_p else 0.0
    if first_a[0] != first_p[0]:  # an initial on either side: compare the initials
        return 0.0
    return INITIALS_CONFIDENCE


def normalize_orcid(value: str) -> str:
    """ "https://orcid.org/0000-0002-1825-0097" -> "0000-0002-1825-0097" ("" if not one)."""
    value = value.strip().rstrip("/").rsplit("/", 1)[-1].upper()
    compact = value.replace("-", "")
    if len(compact) != 16 or not compact[:15].isdigit():
        return ""
    return "-".join(compact[i : i + 4] for i in range(0, 16, 4))


def home_institutions() -> list[str]:
    raw: str = getattr(settings, "GRANTCHECK_HOME_INSTITUTIONS", "") or ""
    return [name.strip() for name in raw.split(";") if name.strip()]


@dataclass
class Linker:
    """Portfolio people indexed by ORCID iD and surname, with the organisations each is known
    to work at; built once per import."""

    by_orcid: dict[str, Person] = field(default_factory=dict)
    by_surname: dict[str, list[tuple[Person, list[str]]]] = field(default_factory=dict)
    known: dict[int, list[str]] = field(default_factory=dict)  # person -> org keys
    home: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, extra_home: list[str] | None = None) -> Linker:
        linker = cls(
            home=[organisation_key(n) for n in [*home_institutions(), *(extra_home or [])]]
        )
        known: dict[int, list[str]] = defaultdict(list)
        for person_id, org_name in (
            Tie.objects.filter(kind__in=WORK_KINDS)
            .exclude(source=TieSource.PUBLICATION)
            .values_list("person_id", "organisation__name")
        ):
            known[person_id].append(organisation_key(org_name))
        linker.known = dict(known)
        surnames: dict[str, list[tuple[Person, list[str]]]] = defaultdict(list)
        for person in Person.objects.order_by("pk"):
            if person.orcid:
                linker.by_orcid[person.orcid.upper()] = person
            surname, given = split_name(person.name)
            if surname:
                surnames[surname].append((person, given))
        linker.by_surname = dict(surnames)
        return linker

    def known_keys(self, person: Person) -> list[str]:
        return [k for k in [*self.home, *self.known.get(person.pk, [])] if k]

    def is_known(self, person: Person, affiliation: str) -> bool:
        """Whether this affiliation names an organisation the person is known to work at."""
        text = f" {organisation_key(affiliation)} "
        return any(f" {key} " in text for key in self.known_keys(person))

    def is_home(self, affiliation: str) -> bool:
        """Whether this affiliation names one of the home institutions."""
        text = f" {organisation_key(affiliation)} "
        return any(f" {key} " in text for key in self.home if key)

    def link(self, author: Author) -> Link | None:
        orcid = normalize_orcid(author.orcid) if author.orcid else ""
        if orcid:
            person = self.by_orcid.get(orcid)
            if person is not None:
                return Link(person, "orcid", ORCID_CONFIDENCE)
        surname = fold(author.surname).replace(" ", "")
        best: list[tuple[float, Person]] = []
        for person, given in self.by_surname.get(surname, []):
            if orcid and person.orcid and person.orcid.upper() != orcid:
                continue  # the paper names someone else's ORCID iD
            score = given_match(author.given, given)
            if not score:
                continue
            texts = [*author.affiliations, *(name for name, _c, _t in author.institutions)]
            if not any(self.is_known(person, a) for a in texts):
                continue  # never on a name alone
            best.append((score, person))
        if not best:
            return None
        best.sort(key=lambda pair: -pair[0])
        if len(best) > 1 and best[0][0] == best[1][0]:
            return None  # two people fit equally well: link neither
        return Link(best[0][1], "name_affiliation", best[0][0])
